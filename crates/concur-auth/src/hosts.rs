//! Which hosts may receive a secret, and where an API path goes.
//!
//! The token endpoint, every `geolocation` the server returns and every URL a
//! token is attached to must be HTTPS on a Concur host, the configured base
//! URL's own origin (scheme, host and port), or a host the user allowed by name.
//! Plain HTTP is accepted only on loopback, and only when the configured base
//! itself is loopback (tests, the fake server, the demo): then the base's own
//! origin, or a loopback host allowed by name, never any loopback port.
//! Everything else is refused before a connection is opened.
//!
//! An API path is accepted only as a string starting with exactly one `/`, and
//! is set as the path and query of the geolocation (never "joined", which would
//! let `\\host/x`, `/\host/x` or `http:host/x` name another host).
//! [`HostPolicy::request_url`] is the one function every token-carrying request
//! goes through.

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
    /// Accepts only `http(s)://` URLs (scheme in any case) without user info,
    /// whitespace, control characters or backslashes.
    pub fn check_url(&self, url: &str) -> Result<Url> {
        refuse_ambiguous_characters(url, "URL")?;
        if !has_http_scheme(url) {
            return Err(Error::new(
                ErrorKind::HostNotAllowed,
                format!("URL {url:?} is not an absolute http(s):// URL; tokens are only attached to http(s):// URLs on an allowed host"),
            ));
        }
        let parsed = Url::parse(url)
            .map_err(|err| Error::config(format!("URL {url:?} is not valid ({err})")))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::config(format!(
                "URL {} carries a user name or password; remove it, the bearer token is the only credential sent",
                parsed.host_str().unwrap_or_default()
            )));
        }
        let origin = parse_origin(parsed.as_str(), "URL")?;
        self.check_origin(&origin, "URL")?;
        Ok(parsed)
    }

    /// The URL a token-carrying request goes to: `path_or_url` is either an API
    /// path starting with exactly one `/` (set as path and query on `origin`,
    /// the checked geolocation) or a full URL that [`HostPolicy::check_url`]
    /// accepts. The result is checked against the policy once more, so that no
    /// caller can send a token without this check. Anything else is refused
    /// before a connection is opened.
    pub fn request_url(&self, origin: &Url, path_or_url: &str) -> Result<Url> {
        if !path_or_url.starts_with('/') {
            if has_http_scheme(path_or_url) {
                return self.check_url(path_or_url);
            }
            return Err(Error::config(format!(
                "path {path_or_url:?} must start with one / (e.g. /profile/identity/v4/Users/), or be a full https:// URL on an allowed host"
            )));
        }
        refuse_ambiguous_characters(path_or_url, "path")?;
        if path_or_url.starts_with("//") {
            return Err(Error::config(format!(
                "path {path_or_url:?} starts with //, which names another host; start it with exactly one /"
            )));
        }
        // The fragment never goes on the wire; the query is kept as given.
        let without_fragment = path_or_url.split('#').next().unwrap_or_default();
        let (path, query) = match without_fragment.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (without_fragment, None),
        };
        let mut url = parse_origin(origin.as_str(), "geolocation")?;
        url.set_path(path);
        url.set_query(query);
        if !same_origin(&url, origin) {
            return Err(Error::new(
                ErrorKind::HostNotAllowed,
                format!("path {path_or_url:?} does not stay on the geolocation {origin}; refusing to send a token"),
            ));
        }
        self.check_origin(&url, "URL")?;
        Ok(url)
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
        let concur = url.scheme() == "https" && CONCUR_DOMAINS.iter().any(|d| host.ends_with(d));
        let allowed = concur || same_origin(url, &self.base) || self.allowed_hosts.contains(&host);
        if allowed {
            Ok(())
        } else {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            Err(Error::new(
                ErrorKind::HostNotAllowed,
                format!(
                    "{what} host {host}{port} is not a Concur host (*.api.concursolutions.com, *.api.concursolutions.cn, *.api.concurcdc.cn) nor the configured base URL's origin {}; refusing to send a token there. Add the host to the allowed hosts only if you trust it",
                    self.base.as_str().trim_end_matches('/')
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

/// Same scheme, host and port (the port a scheme implies counts).
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// `http://` or `https://`, the scheme in any case, with nothing in between.
fn has_http_scheme(value: &str) -> bool {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Control characters (tab, newline: the URL parser drops them silently),
/// whitespace and backslashes (read as `/` by the URL parser) make a string
/// mean another URL than it shows; none has a place in an API path or URL
/// (percent-encode it: `%20`, `%5C`).
fn refuse_ambiguous_characters(value: &str, what: &str) -> Result<()> {
    match value
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || *c == '\\')
    {
        Some(c) => Err(Error::config(format!(
            "{what} {value:?} contains {c:?}; percent-encode it (a backslash, space or control character could name another host)"
        ))),
        None => Ok(()),
    }
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
        assert!(HostPolicy::new("http://example.com", &[]).is_err());
        let p = policy("http://127.0.0.1:9000");
        p.check_geolocation("http://127.0.0.1:9000/").unwrap();
        p.check_geolocation("HTTP://127.0.0.1:9000").unwrap();
    }

    #[test]
    fn loopback_is_not_a_wildcard() {
        let p = policy("http://127.0.0.1:9000");
        for other in [
            "http://127.0.0.1:9001",
            "http://localhost:9000",
            "http://127.0.0.2:9000",
            "http://[::1]:9000",
            "https://127.0.0.1:9000",
            "http://127.0.0.1",
        ] {
            let err = p.check_geolocation(other).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::HostNotAllowed, "{other}");
        }
        let allowed = HostPolicy::new("http://127.0.0.1:9000", &["localhost".into()]).unwrap();
        allowed.check_geolocation("http://localhost:9001").unwrap();
        assert!(allowed.check_geolocation("http://127.0.0.2:9000").is_err());
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
    fn a_path_is_set_on_the_origin() {
        let p = policy(DEFAULT_BASE_URL);
        let geo = p
            .check_geolocation("https://us2.api.concursolutions.com")
            .unwrap();
        let url = p
            .request_url(&geo, "/profile/identity/v4/Users/?count=2&x=%2F#frag")
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://us2.api.concursolutions.com/profile/identity/v4/Users/?count=2&x=%2F"
        );
        // Dot segments and encoded slashes stay on the origin.
        let url = p
            .request_url(&geo, "/a/../../%2F%2Fevil.example.com/x")
            .unwrap();
        assert_eq!(url.host_str(), Some("us2.api.concursolutions.com"));
        let url = p.request_url(&geo, "/@evil.example.com/x").unwrap();
        assert_eq!(url.host_str(), Some("us2.api.concursolutions.com"));
    }

    #[test]
    fn strings_that_name_another_host_are_refused() {
        let p = policy("http://127.0.0.1:9000");
        let geo = p.check_geolocation("http://127.0.0.1:9000").unwrap();
        for bad in [
            "\\\\127.0.0.2:9000/steal",
            "/\\127.0.0.2:9000/x",
            "\\/127.0.0.2:9000/x",
            "//127.0.0.2:9000/x",
            "http:127.0.0.2:9000/x",
            "http:/127.0.0.2:9000/x",
            "https:/\t/127.0.0.2:9000/x",
            "/\t/127.0.0.2:9000/x",
            "\t//127.0.0.2:9000/x",
            " //127.0.0.2:9000/x",
            "/\n/127.0.0.2:9000/x",
            "http://127.0.0.2:9000/x",
            "HTTP://127.0.0.2:9000/x",
            "http://127.0.0.1:9001/x",
            "http://localhost:9000/x",
            "http://127.0.0.1:9000@127.0.0.2:9000/x",
            "http://u:p@127.0.0.1:9000/x",
            "ftp://127.0.0.1:9000/x",
            "profile/identity/v4/Users/",
            "127.0.0.2:9000/x",
            "",
        ] {
            assert!(p.request_url(&geo, bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["/x", "http://127.0.0.1:9000/x", "HTTP://127.0.0.1:9000/x"] {
            let url = p.request_url(&geo, good).unwrap();
            assert_eq!(url.as_str(), "http://127.0.0.1:9000/x", "{good:?}");
        }
    }
}
