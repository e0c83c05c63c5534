//! Which hosts may receive a secret.
//!
//! The token endpoint and every `geolocation` the server returns must be HTTPS on
//! a Concur host, the configured base's own host, or a host the user allowed by
//! name. Plain HTTP is accepted only on loopback, and only when the configured
//! base itself is loopback (tests, the fake server, the demo). Everything else is
//! refused before a token is sent.

use reqwest::Url;

use crate::error::{Error, ErrorKind, Result};

/// Concur's API domains (PROTOCOL.md, "Base URIs"): every data center, current
/// and retired, is a subdomain of one of these.
const CONCUR_DOMAINS: [&str; 3] = [
    ".api.concursolutions.com",
    ".api.concursolutions.cn",
    ".api.concurcdc.cn",
];

/// The default token host for the company request token grant (GLZ, see PROTOCOL.md).
pub const DEFAULT_BASE_URL: &str = "https://glz.api.concursolutions.com";

/// The checked base URL plus the hosts the user allowed explicitly.
#[derive(Clone, Debug)]
pub struct HostPolicy {
    base: Url,
    allowed_hosts: Vec<String>,
}

impl HostPolicy {
    /// Checks `base_url` and remembers the extra allowed hosts (lower-cased).
    pub fn new(base_url: &str, allowed_hosts: &[String]) -> Result<Self> {
        let allowed_hosts: Vec<String> = allowed_hosts
            .iter()
            .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        let base = parse_origin(base_url, "base URL")?;
        let policy = HostPolicy {
            base: base.clone(),
            allowed_hosts,
        };
        policy.check_origin(&base, "base URL")?;
        Ok(policy)
    }

    /// The configured base (scheme, host and port only).
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Normalises a `geolocation` from a token reply to scheme, host and port, and
    /// refuses it unless its host may receive tokens.
    pub fn check_geolocation(&self, geolocation: &str) -> Result<Url> {
        let url = parse_origin(geolocation, "geolocation")?;
        self.check_origin(&url, "geolocation")?;
        Ok(url)
    }

    /// Refuses a full request URL (any path) unless its host may receive tokens,
    /// by the same rules as a geolocation. For adapters that attach the bearer
    /// token to requests they build themselves.
    pub fn check_url(&self, url: &str) -> Result<Url> {
        let parsed = Url::parse(url.trim())
            .map_err(|err| Error::config(format!("URL {url:?} is not valid ({err})")))?;
        let origin = parse_origin(parsed.as_str(), "URL")?;
        self.check_origin(&origin, "URL")?;
        Ok(parsed)
    }

    fn check_origin(&self, url: &Url, what: &str) -> Result<()> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let loopback = is_loopback(&host);
        match url.scheme() {
            "https" => {}
            "http" if loopback && is_loopback(self.base_host()) => {}
            scheme => {
                return Err(Error::new(
                    ErrorKind::HostNotAllowed,
                    format!(
                        "{what} {url} uses {scheme}: tokens are only sent over HTTPS (plain HTTP only to a loopback base URL)"
                    ),
                ))
            }
        }
        let allowed = CONCUR_DOMAINS.iter().any(|d| host.ends_with(d))
            || host == self.base_host()
            || self.allowed_hosts.contains(&host)
            || (loopback && is_loopback(self.base_host()));
        if allowed {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::HostNotAllowed,
                format!(
                    "{what} host {host} is not a Concur host (*.api.concursolutions.com, *.api.concursolutions.cn, *.api.concurcdc.cn) nor the configured base; refusing to send a token there. Add it to the allowed hosts only if you trust it"
                ),
            ))
        }
    }

    fn base_host(&self) -> &str {
        self.base.host_str().unwrap_or_default()
    }
}

/// `https://host[:port]/anything` → `https://host[:port]`: one documented
/// geolocation carries a path, and no caller wants it.
fn parse_origin(value: &str, what: &str) -> Result<Url> {
    let value = value.trim();
    let url = Url::parse(value).map_err(|err| {
        Error::new(
            ErrorKind::Config,
            format!("{what} {value:?} is not a valid URL ({err}); expected e.g. https://us2.api.concursolutions.com"),
        )
    })?;
    if url.host_str().is_none() {
        return Err(Error::config(format!("{what} {value:?} has no host")));
    }
    let mut origin = url.clone();
    origin.set_path("/");
    origin.set_query(None);
    origin.set_fragment(None);
    let _ = origin.set_username("");
    let _ = origin.set_password(None);
    Ok(origin)
}

/// Loopback by name or address: `localhost`, 127.0.0.0/8, `::1`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// Joins an API path onto an origin (`/profile/...` or `profile/...`).
pub(crate) fn join(origin: &Url, path: &str) -> Result<Url> {
    if path.contains("://") {
        return Err(Error::config(format!(
            "path {path:?} must be relative to the geolocation, e.g. /profile/identity/v4/Users/"
        )));
    }
    origin
        .join(path.trim_start_matches('/'))
        .map_err(|err| Error::config(format!("path {path:?} is not valid: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(base: &str) -> HostPolicy {
        HostPolicy::new(base, &[]).unwrap()
    }

    #[test]
    fn concur_hosts_are_allowed_and_normalised() {
        let p = policy(DEFAULT_BASE_URL);
        let url = p
            .check_geolocation("https://us2.api.concursolutions.com/some/path?x=1")
            .unwrap();
        assert_eq!(url.as_str(), "https://us2.api.concursolutions.com/");
        for host in [
            "https://www-us.api.concursolutions.com",
            "https://emea.api.concursolutions.com",
            "https://cn.api.concurcdc.cn",
            "https://us-impl.api.concursolutions.com",
        ] {
            p.check_geolocation(host).unwrap();
        }
    }

    #[test]
    fn foreign_and_lookalike_hosts_are_refused() {
        let p = policy(DEFAULT_BASE_URL);
        for bad in [
            "https://evil.example.com",
            "https://api.concursolutions.com.evil.com",
            "https://evilapi.concursolutions.com",
            "http://us2.api.concursolutions.com",
            "http://127.0.0.1:8080",
        ] {
            let err = p.check_geolocation(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::HostNotAllowed, "{bad}");
        }
    }

    #[test]
    fn loopback_http_only_with_a_loopback_base() {
        let p = policy("http://127.0.0.1:9000");
        p.check_geolocation("http://127.0.0.1:9001").unwrap();
        p.check_geolocation("http://localhost:9001").unwrap();
        assert!(HostPolicy::new("http://example.com", &[]).is_err());
    }

    #[test]
    fn explicitly_allowed_hosts_pass() {
        let p = HostPolicy::new(DEFAULT_BASE_URL, &["proxy.corp.example".into()]).unwrap();
        p.check_geolocation("https://proxy.corp.example").unwrap();
        assert!(p.check_geolocation("http://proxy.corp.example").is_err());
    }

    #[test]
    fn request_urls_follow_the_same_rules() {
        let p = policy(DEFAULT_BASE_URL);
        let url = p
            .check_url("https://us2.api.concursolutions.com/profile/identity/v4/Users/?a=1")
            .unwrap();
        assert_eq!(url.path(), "/profile/identity/v4/Users/");
        let err = p.check_url("https://evil.example.com/x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::HostNotAllowed);
        assert!(
            err.message().starts_with("URL host evil.example.com"),
            "{err}"
        );
    }

    #[test]
    fn join_refuses_absolute_urls() {
        let base = Url::parse("https://us2.api.concursolutions.com/").unwrap();
        assert_eq!(
            join(&base, "/profile/identity/v4/Users/").unwrap().as_str(),
            "https://us2.api.concursolutions.com/profile/identity/v4/Users/"
        );
        assert!(join(&base, "https://evil.example.com/x").is_err());
    }
}
