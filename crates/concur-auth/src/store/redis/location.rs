//! Reading a Redis store location: one server, a cluster or a primary behind
//! Sentinel, which nodes, which credentials, and the transport policy.
//!
//! ```text
//! redis[s]://[[user]:password@]host[:port][/db]
//! redis[s]+cluster://[[user]:password@]host:port[,host:port…]
//! redis[s]+sentinel://[[user]:password@]host:port[,host:port…]/master-name[/db]
//! ```
//!
//! The scheme is matched in any case. The user information is everything
//! between `://` and the *last* `@`, so a password holding `/`, `?`, `#` or `@`
//! is still read as a password (and never shown); `%XX` in it is decoded.
//!
//! Tokens travel in these connections, so plain `redis://` goes only to a
//! loopback host unless the user opts in ([`RedisOptions::allow_plaintext`],
//! `CONCUR_REDIS_ALLOW_PLAINTEXT=1`), and `rediss://…#insecure` (no certificate
//! check) is refused.

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo};

use super::options::env;
use super::RedisOptions;
use crate::error::{Error, Result};

/// How the store reaches its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// One server (a standalone Redis, or a primary named directly).
    Single,
    /// A Redis Cluster: the nodes are seeds; the client follows the slot map.
    Cluster,
    /// A primary found through Sentinel: the nodes are the sentinels.
    Sentinel {
        /// The master set's name, as in `sentinel monitor <name> …`.
        master: String,
    },
}

/// A parsed store location.
#[derive(Clone, Debug)]
pub(super) struct Location {
    pub(super) mode: Mode,
    /// The server, the cluster seeds, or the sentinels, each with the URL's
    /// credentials and database (sentinels: without them, see `data_node`).
    pub(super) nodes: Vec<ConnectionInfo>,
    /// Credentials and database for the data nodes, and whether they use TLS.
    pub(super) data_node: redis::RedisConnectionInfo,
    pub(super) tls: bool,
    /// What messages name: never the URL, never a credential.
    pub(super) server: String,
    /// The address(es) to check, for the "is redis-server running" hint.
    pub(super) address: String,
}

fn scheme_of(location: &str) -> Option<String> {
    let (scheme, _) = location.trim().split_once("://")?;
    Some(scheme.to_ascii_lowercase())
}

/// (TLS, mode) of a lowercase scheme.
fn mode_of(scheme: &str) -> Option<(bool, &'static str)> {
    Some(match scheme {
        "redis" => (false, ""),
        "rediss" => (true, ""),
        "redis+cluster" => (false, "cluster"),
        "rediss+cluster" => (true, "cluster"),
        "redis+sentinel" => (false, "sentinel"),
        "rediss+sentinel" => (true, "sentinel"),
        _ => return None,
    })
}

/// The URL with its user information (everything between `://` and the last
/// `@`) cut out, for messages.
pub(super) fn redact_url(url: &str) -> String {
    let url = url.trim();
    let Some(scheme_end) = url.find("://") else {
        return "(not a URL)".to_owned();
    };
    let rest = &url[scheme_end + 3..];
    match rest.rfind('@') {
        Some(at) => format!(
            "{}://{}@{}",
            &url[..scheme_end],
            crate::secret::REDACTED,
            &rest[at + 1..]
        ),
        None => url.to_owned(),
    }
}

impl Location {
    /// Parses `url` and applies the transport policy of `options`.
    pub(super) fn parse(url: &str, options: &RedisOptions) -> Result<Location> {
        let invalid = |why: &str| {
            Error::config(format!(
                "the Redis store location {} is not valid: {why}; expected redis://[[user]:password@]host[:port][/db], rediss://…, redis+cluster://host:port,host:port or redis+sentinel://host:port,host:port/master-name[/db]",
                redact_url(url)
            ))
        };
        let url = url.trim();
        let scheme = scheme_of(url).ok_or_else(|| invalid("it has no scheme"))?;
        let (tls, mode_name) = mode_of(&scheme).ok_or_else(|| invalid("unknown scheme"))?;
        let rest = &url[url.find("://").unwrap_or(0) + 3..];
        let (userinfo, rest) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        if let Some((_, fragment)) = rest.split_once('#') {
            return Err(if fragment.eq_ignore_ascii_case("insecure") {
                Error::config(format!(
                    "the Redis store location {} asks for TLS without a certificate check (#insecure), which would let anyone on the path read the tokens; concur-auth refuses it. Give Redis a certificate the system trusts (or add its CA to the system's store) and drop #insecure",
                    redact_url(url)
                ))
            } else {
                invalid("it has a #fragment")
            });
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let (path, query) = match tail.split_once('?') {
            Some((path, query)) => (path, format!("?{query}")),
            None => (tail, String::new()),
        };
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let (mode, db_path) = match mode_name {
            "cluster" => {
                if segments.iter().any(|s| *s != "0") {
                    return Err(invalid("a cluster has only database 0"));
                }
                (Mode::Cluster, String::new())
            }
            "sentinel" => match segments.as_slice() {
                [master] => (
                    Mode::Sentinel {
                        master: (*master).to_owned(),
                    },
                    String::new(),
                ),
                [master, db] => (
                    Mode::Sentinel {
                        master: (*master).to_owned(),
                    },
                    format!("/{db}"),
                ),
                _ => {
                    return Err(invalid(
                        "name the master set: redis+sentinel://host:port,…/master-name[/db]",
                    ))
                }
            },
            _ => (Mode::Single, path.to_owned()),
        };
        let hosts: Vec<&str> = authority.split(',').map(str::trim).collect();
        if hosts.iter().any(|h| h.is_empty()) {
            return Err(invalid("a host is missing"));
        }
        if mode == Mode::Single && hosts.len() > 1 {
            return Err(invalid(
                "several hosts: use redis+cluster:// or redis+sentinel://",
            ));
        }
        let base = if tls { "rediss" } else { "redis" };
        let node = |host: &str, path: &str| -> Result<ConnectionInfo> {
            let mut parsed = reqwest::Url::parse(&format!("{base}://{host}{path}{query}"))
                .map_err(|err| invalid(&format!("host `{host}`: {err}")))?;
            if let Some(userinfo) = userinfo {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                // set_* encode what must be; the driver decodes %XX back.
                let set = parsed.set_username(user).is_ok()
                    && (password.is_empty() || parsed.set_password(Some(password)).is_ok());
                if !set {
                    return Err(invalid("its user information could not be read"));
                }
            }
            parsed
                .into_connection_info()
                .map_err(|err| invalid(err.category()))
        };
        let mut nodes = Vec::with_capacity(hosts.len());
        for host in &hosts {
            nodes.push(node(host, &db_path)?);
        }
        let data_node = nodes[0].redis_settings().clone();
        if let Mode::Sentinel { .. } = mode {
            // Sentinels keep no data; the URL's credentials and database are the
            // data nodes'.
            let bare = redis::RedisConnectionInfo::default();
            nodes = nodes
                .into_iter()
                .map(|n| n.set_redis_settings(bare.clone()))
                .collect();
        }
        for node in &nodes {
            check_transport(node.addr(), options)?;
        }
        let addresses: Vec<String> = nodes.iter().map(|n| address_of(n.addr())).collect();
        let address = addresses.join(",");
        let server = match &mode {
            Mode::Single => format!("{address} (db {})", data_node.db()),
            Mode::Cluster => format!("cluster {address}"),
            Mode::Sentinel { master } => format!(
                "sentinel master {master} via {address} (db {})",
                data_node.db()
            ),
        };
        Ok(Location {
            mode,
            nodes,
            data_node,
            tls,
            server,
            address,
        })
    }
}

fn address_of(addr: &ConnectionAddr) -> String {
    match addr {
        ConnectionAddr::Tcp(host, port) => format!("{host}:{port}"),
        ConnectionAddr::TcpTls { host, port, .. } => format!("{host}:{port} (TLS)"),
        _ => "an unsupported address".to_owned(),
    }
}

/// Plain text only to loopback, unless allowed; never TLS without a check.
fn check_transport(addr: &ConnectionAddr, options: &RedisOptions) -> Result<()> {
    match addr {
        ConnectionAddr::Tcp(host, _) if !is_loopback(host) => {
            if !options.allow_plaintext {
                return Err(Error::config(format!(
                    "refusing plain redis:// to {host}, which is not this machine: the tokens would cross the network unencrypted. Use rediss:// (TLS), or, on a network you trust, allow it with {}=1 (RedisOptions::allow_plaintext)",
                    env::ALLOW_PLAINTEXT
                )));
            }
            tracing::warn!(
                host = %host,
                "plain redis:// to a host that is not this machine ({}=1): tokens cross the network unencrypted",
                env::ALLOW_PLAINTEXT
            );
            Ok(())
        }
        ConnectionAddr::TcpTls { insecure: true, .. } => Err(Error::config(
            "TLS without a certificate check is refused: the tokens could be read by anyone on the path",
        )),
        ConnectionAddr::Tcp(..) | ConnectionAddr::TcpTls { .. } => Ok(()),
        _ => Err(Error::config(
            "this kind of Redis address is not supported: use redis:// or rediss://",
        )),
    }
}

/// `localhost`, 127.0.0.0/8, `::1` (also IPv4-mapped). Names that merely
/// resolve to loopback are not trusted to keep doing so.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<Location> {
        Location::parse(url, &RedisOptions::default())
    }

    #[test]
    fn urls_are_shown_without_user_information() {
        assert_eq!(
            redact_url("redis://:sekret@127.0.0.1:6379/0"),
            "redis://[redacted]@127.0.0.1:6379/0"
        );
        assert_eq!(
            redact_url("rediss://user:p@ss@host/2"),
            "rediss://[redacted]@host/2"
        );
        for hostile in [
            "redis://:pa/ss@host/0",
            "redis://:pa?ss@host/0",
            "redis://:pa#ss@host/0",
            "REDIS://:pa\\ss\t@host/0",
            "redis+sentinel://:pa/ss@h:1,h:2/m",
        ] {
            let shown = redact_url(hostile);
            assert!(!shown.contains("pa"), "{hostile} -> {shown}");
        }
        assert_eq!(redact_url("redis://host:1/0"), "redis://host:1/0");
        assert_eq!(redact_url("nonsense"), "(not a URL)");
    }

    #[test]
    fn schemes_are_matched_in_any_case() {
        assert!(parse("Rediss+Cluster://h:1").is_ok());
        assert!(parse("  REDIS+sentinel://127.0.0.1:1/m").is_ok());
        let location = parse("REDIS://:pw@127.0.0.1:6390/2").unwrap();
        assert_eq!(location.server, "127.0.0.1:6390 (db 2)");
        assert_eq!(location.data_node.password(), Some("pw"));
    }

    #[test]
    fn a_password_may_hold_any_character() {
        let location = parse("redis://u:p/a?s#s@w%40rd@127.0.0.1:6390/1").unwrap();
        assert_eq!(location.data_node.username(), Some("u"));
        assert_eq!(location.data_node.password(), Some("p/a?s#s@w@rd"));
        assert_eq!(location.data_node.db(), 1);
        assert!(!location.server.contains("p/a"), "{}", location.server);
    }

    #[test]
    fn cluster_and_sentinel_locations() {
        let cluster = parse("redis+cluster://:pw@127.0.0.1:7000, 127.0.0.1:7001/").unwrap();
        assert_eq!(cluster.mode, Mode::Cluster);
        assert_eq!(cluster.nodes.len(), 2);
        assert_eq!(cluster.server, "cluster 127.0.0.1:7000,127.0.0.1:7001");
        assert_eq!(cluster.nodes[1].redis_settings().password(), Some("pw"));
        assert!(parse("redis+cluster://127.0.0.1:7000/3").is_err());

        let sentinel = parse("redis+sentinel://:pw@localhost:26379,[::1]:26380/main/4").unwrap();
        assert_eq!(
            sentinel.mode,
            Mode::Sentinel {
                master: "main".into()
            }
        );
        assert_eq!(sentinel.data_node.password(), Some("pw"));
        assert_eq!(sentinel.data_node.db(), 4);
        assert_eq!(sentinel.nodes[0].redis_settings().password(), None);
        assert!(parse("redis+sentinel://localhost:26379").is_err());
        assert!(parse("redis://127.0.0.1:1,127.0.0.1:2/0").is_err());
    }

    #[test]
    fn plain_text_goes_only_to_loopback_unless_allowed() {
        for local in [
            "redis://127.0.0.1/0",
            "redis://127.9.9.9:1/0",
            "redis://LOCALHOST:1",
            "redis://[::1]:1/0",
            "redis://[::ffff:127.0.0.1]:1/0",
        ] {
            parse(local).unwrap_or_else(|err| panic!("{local}: {err}"));
        }
        for remote in [
            "redis://:pw@redis.internal:6379/0",
            "redis://127.0.0.1.evil.example:1/0",
            "redis://0x7f000001:1/0",
            "redis://10.0.0.1/0",
            "redis+cluster://127.0.0.1:1,10.0.0.2:2",
            "redis+sentinel://127.0.0.1:1,sentinel.internal:2/m",
        ] {
            let err = parse(remote).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{remote}");
            assert!(err.to_string().contains(env::ALLOW_PLAINTEXT), "{err}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
        let allowed = RedisOptions {
            allow_plaintext: true,
            ..RedisOptions::default()
        };
        Location::parse("redis://redis.internal:6379/0", &allowed).unwrap();
        parse("rediss://redis.internal:6379/0").unwrap();
    }

    #[test]
    fn tls_without_certificate_check_is_refused() {
        for url in [
            "rediss://:pw@redis.internal/0#insecure",
            "rediss://redis.internal/0#INSECURE",
            "rediss+cluster://h:1#insecure",
        ] {
            let err = parse(url).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config);
            assert!(err.to_string().contains("certificate"), "{err}");
        }
    }
}
