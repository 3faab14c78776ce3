//! The endpoint a Connect URL names (SPEC §3 Connect URL rules, RFC 6455 §3), and where its
//! bytes go: TCP to its host and port, or a Unix domain socket (the `ws+unix://` URL form).
use crate::credentials::Credentials;
use std::fmt::{self, Write};
use std::path::{Path, PathBuf};

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 8 * 1024;

/// Longest Unix socket path: `sun_path` of `struct sockaddr_un` holds 108 bytes on Linux,
/// the last one the terminating 0.
pub const MAX_UNIX_PATH_LEN: usize = 107;

/// Where a connection's bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// TCP to the target's host and port (or to a proxy that tunnels there).
    Tcp,
    /// The Unix domain socket at this path: no DNS, no proxy.
    Unix(PathBuf),
}

/// A parsed `ws://` or `wss://` endpoint (or `ws+unix://` / `wss+unix://`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `wss://` (or `https://`).
    pub secure: bool,
    /// Host name or IP address, without brackets, as given to DNS.
    pub host: String,
    /// The port, explicit or the scheme's default (80, 443).
    pub port: u16,
    /// The `Host` header value: brackets for IPv6, the port only when not the default.
    pub host_header: String,
    /// Path and query ("/" when empty).
    pub resource: String,
    /// Where to connect: TCP, or the Unix socket of a `ws+unix://` URL (whose host is then
    /// `localhost`, for Host, SNI and the certificate check).
    pub address: Address,
    /// The URL's `user:password@`, percent-decoded: sent as `Authorization: Basic` in the
    /// opening handshake (unless the caller gives an Authorization header), never shown.
    pub credentials: Option<Credentials>,
}

/// Why a redirect's `Location` cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectProblem {
    /// Following redirects is turned off.
    Disabled,
    /// More than the allowed number in a row.
    TooMany(usize),
    /// The location leads back to a URL already visited.
    Loop,
    /// From wss:// to ws://.
    Downgrade,
    /// Not a usable WebSocket URL.
    BadLocation(String),
}

impl fmt::Display for RedirectProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectProblem::Disabled => f.write_str("redirects are off"),
            RedirectProblem::TooMany(max) => write!(f, "too many redirects (more than {max})"),
            RedirectProblem::Loop => f.write_str("redirect loop"),
            RedirectProblem::Downgrade => f.write_str("redirect from wss:// to ws:// refused"),
            RedirectProblem::BadLocation(why) => write!(f, "bad location: {why}"),
        }
    }
}

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError(pub String);

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URL: {}", self.0)
    }
}
impl std::error::Error for UrlError {}

fn bad(why: impl Into<String>) -> UrlError {
    UrlError(why.into())
}

impl Target {
    /// `host:port` as CONNECT names it (brackets for IPv6, the port always).
    pub fn authority(&self) -> String {
        let mut authority = String::with_capacity(self.host.len() + 8);
        self.write_authority(&mut authority);
        authority
    }

    fn write_authority(&self, out: &mut String) {
        let _ = if self.host.contains(':') {
            write!(out, "[{}]:{}", self.host, self.port)
        } else {
            write!(out, "{}:{}", self.host, self.port)
        };
    }

    /// `ws://host:port` or `wss://host:port` (`ws+unix://PATH` for a Unix socket URL): the
    /// server in messages, without the path and query, which may carry credentials.
    pub fn endpoint(&self) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        match &self.address {
            Address::Tcp => {
                // One allocation of the right size: this is made for every connection.
                let mut endpoint = String::with_capacity(self.host.len() + 16);
                endpoint.push_str(scheme);
                endpoint.push_str("://");
                self.write_authority(&mut endpoint);
                endpoint
            }
            Address::Unix(path) => format!("{scheme}+unix://{}", path.display()),
        }
    }

    /// The Unix socket to connect to: the URL's own, else `fallback` (a setting that sends
    /// every URL through one socket); None for TCP.
    pub fn unix_socket<'a>(&'a self, fallback: Option<&'a Path>) -> Option<&'a Path> {
        match &self.address {
            Address::Unix(path) => Some(path),
            Address::Tcp => fallback,
        }
    }

    /// Where a redirect's `Location` leads from here: resolved against this URL (RFC 3986 §5),
    /// with http(s):// meaning ws(s)://; never from wss:// to ws://. A location on the same
    /// host and port keeps a Unix socket URL's socket.
    pub fn redirect(&self, location: &str) -> Result<Target, RedirectProblem> {
        let scheme = if self.secure { "wss" } else { "ws" };
        let base = url::Url::parse(&format!("{scheme}://{}{}", self.authority(), self.resource))
            .map_err(|e| RedirectProblem::BadLocation(e.to_string()))?;
        let mut next = base
            .join(location.trim())
            .map_err(|e| RedirectProblem::BadLocation(e.to_string()))?;
        next.set_fragment(None);
        let mut next =
            Target::parse(next.as_str()).map_err(|e| RedirectProblem::BadLocation(e.0))?;
        if next.credentials.is_some() {
            return Err(RedirectProblem::BadLocation(
                "user information in a redirect's location".to_string(),
            ));
        }
        if self.secure && !next.secure {
            return Err(RedirectProblem::Downgrade);
        }
        if next.host.eq_ignore_ascii_case(&self.host) && next.port == self.port {
            next.address = self.address.clone();
        }
        Ok(next)
    }

    /// Whether `other` has the same origin: scheme, host and port (RFC 6454 §4), and the
    /// same socket. The caller's headers, which may carry credentials, go only there after a
    /// redirect.
    pub fn same_origin(&self, other: &Target) -> bool {
        self.secure == other.secure
            && self.host.eq_ignore_ascii_case(&other.host)
            && self.port == other.port
            && self.address == other.address
    }

    /// `ws+unix:///path/to/socket:/resource` (Node's ws form): the socket path, then the
    /// request target after the last `:` that a `/` follows (`/` when there is none, so a
    /// path may hold colons). Host, SNI and the certificate name are `localhost`.
    fn parse_unix(secure: bool, rest: &str) -> Result<Target, UrlError> {
        let (path, resource) = match rest.rfind(":/") {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, "/"),
        };
        if path.is_empty() {
            return Err(bad("no Unix socket path"));
        }
        if path.len() > MAX_UNIX_PATH_LEN {
            return Err(bad(format!(
                "the Unix socket path is over {MAX_UNIX_PATH_LEN} bytes"
            )));
        }
        if path.contains('\0') || resource.contains(['\0', ' ', '\r', '\n', '#']) {
            return Err(bad(
                "a Unix socket URL with a NUL, space, line break or fragment",
            ));
        }
        Ok(Target {
            secure,
            host: "localhost".to_string(),
            port: if secure { 443 } else { 80 },
            host_header: "localhost".to_string(),
            resource: resource.to_string(),
            address: Address::Unix(PathBuf::from(path)),
            credentials: None,
        })
    }

    /// Parses `ws://`, `wss://`, `http://` (= ws), `https://` (= wss), or a URL without a
    /// scheme (= ws), with an optional `user:password@` (percent-encoded). Refuses fragments,
    /// port 0, and URLs over [`MAX_URL_LEN`], as given and as sent (percent-encoding can
    /// triple a path).
    pub fn parse(input: &str) -> Result<Target, UrlError> {
        if input.is_empty() {
            return Err(bad("empty"));
        }
        if input.len() > MAX_URL_LEN {
            return Err(bad(format!("longer than {MAX_URL_LEN} bytes")));
        }
        // Only "scheme://" counts as a scheme: "localhost:8080" is a host and port.
        let (scheme, rest) = match input.find("://") {
            Some(i) => (input[..i].to_ascii_lowercase(), &input[i + 3..]),
            None => ("ws".to_string(), input),
        };
        let secure = match scheme.as_str() {
            "ws" | "http" => false,
            "wss" | "https" => true,
            "ws+unix" => return Target::parse_unix(false, rest),
            "wss+unix" => return Target::parse_unix(true, rest),
            other => return Err(bad(format!("unsupported scheme \"{other}\""))),
        };
        let normalized = format!("{}://{}", if secure { "wss" } else { "ws" }, rest);
        let url = url::Url::parse(&normalized).map_err(|e| bad(e.to_string()))?;
        if url.fragment().is_some() {
            return Err(bad("fragments are not allowed in WebSocket URLs"));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            _ => return Err(bad("no host")),
        };
        let default_port = if secure { 443 } else { 80 };
        let port = url.port().unwrap_or(default_port);
        if port == 0 {
            return Err(bad("port 0"));
        }
        let host_for_header = match url.host() {
            Some(url::Host::Ipv6(a)) => format!("[{a}]"),
            _ => host.clone(),
        };
        let host_header = if port == default_port {
            host_for_header
        } else {
            format!("{host_for_header}:{port}")
        };
        let mut resource = url.path().to_string();
        if resource.is_empty() {
            resource.push('/');
        }
        if let Some(q) = url.query() {
            resource.push('?');
            resource.push_str(q);
        }
        // What goes on the wire (and what a redirect or a log line repeats) is bounded too.
        let scheme_len = if secure {
            "wss://".len()
        } else {
            "ws://".len()
        };
        if scheme_len + host_header.len() + resource.len() > MAX_URL_LEN {
            return Err(bad(format!(
                "longer than {MAX_URL_LEN} bytes once percent-encoded"
            )));
        }
        Ok(Target {
            secure,
            host,
            port,
            host_header,
            resource,
            address: Address::Tcp,
            credentials: Credentials::from_url(&url),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_limit_holds_for_the_encoded_form() {
        // 3,000 bytes of 'é' (2 bytes each in UTF-8, 6 once percent-encoded): 6,000 bytes as
        // given, 18,000 on the wire. Found by the url fuzz target.
        let long = format!("ws://h/{}", "é".repeat(3000));
        assert!(long.len() <= MAX_URL_LEN);
        let err = Target::parse(&long).unwrap_err().to_string();
        assert!(err.contains("once percent-encoded"), "{err}");
        let fits = format!("ws://h/{}", "é".repeat(1000));
        assert_eq!(ok(&fits).resource.len(), 1 + 6000);
    }

    fn ok(s: &str) -> Target {
        Target::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn schemes_map_to_ws_and_wss() {
        assert!(!ok("ws://a").secure);
        assert!(!ok("http://a").secure);
        assert!(ok("wss://a").secure);
        assert!(ok("HTTPS://a").secure);
        assert_eq!(ok("www.example.com").host, "www.example.com");
        assert_eq!(ok("localhost:8080/x").port, 8080);
    }

    #[test]
    fn default_ports_and_host_header() {
        let t = ok("ws://example.com/chat?x=1");
        assert_eq!((t.port, t.host_header.as_str()), (80, "example.com"));
        assert_eq!(t.resource, "/chat?x=1");
        let t = ok("wss://example.com:8443");
        assert_eq!((t.port, t.host_header.as_str()), (8443, "example.com:8443"));
        assert_eq!(t.resource, "/");
        assert_eq!(ok("wss://example.com").port, 443);
    }

    #[test]
    fn ipv6_literals() {
        let t = ok("ws://[::1]:9000/p");
        assert_eq!(t.host, "::1");
        assert_eq!(t.host_header, "[::1]:9000");
        assert_eq!(ok("ws://[::1]/").host_header, "[::1]");
    }

    #[test]
    fn authority_and_endpoint_always_carry_the_port_and_never_the_path() {
        let t = ok("wss://example.com/chat?token=secret");
        assert_eq!(t.authority(), "example.com:443");
        assert_eq!(t.endpoint(), "wss://example.com:443");
        assert_eq!(ok("ws://[::1]/x").endpoint(), "ws://[::1]:80");
    }

    #[test]
    fn redirects_resolve_against_the_current_url() {
        let from = ok("ws://h:8080/a/b?q=1");
        let to = |l: &str| from.redirect(l).unwrap();
        assert_eq!(to("/x").resource, "/x");
        assert_eq!((to("/x").host.as_str(), to("/x").port), ("h", 8080));
        assert_eq!(to("c").resource, "/a/c");
        assert_eq!(to("?z").resource, "/a/b?z");
        assert_eq!(to("//other:9/p#frag").authority(), "other:9");
        let secure = to("https://s/y");
        assert!(secure.secure);
        assert_eq!((secure.port, secure.resource.as_str()), (443, "/y"));
        assert!(!to("http://plain/").secure);
        assert!(from.same_origin(&to("/x")));
        assert!(from.same_origin(&to("ws://H:8080/y")));
        assert!(!from.same_origin(&to("ws://h:8081/")));
        assert!(!from.same_origin(&to("ws://other:8080/")));
        assert!(!from.same_origin(&to("wss://h:8080/")));
    }

    #[test]
    fn redirects_that_are_refused() {
        let secure = ok("wss://h/");
        assert_eq!(secure.redirect("ws://h/"), Err(RedirectProblem::Downgrade));
        assert_eq!(
            secure.redirect("http://h/"),
            Err(RedirectProblem::Downgrade)
        );
        assert!(secure.redirect("wss://h:443/ok").is_ok());
        assert!(matches!(
            secure.redirect("ftp://h/"),
            Err(RedirectProblem::BadLocation(_))
        ));
        assert!(matches!(
            secure.redirect("wss://user:pw@h/"),
            Err(RedirectProblem::BadLocation(_))
        ));
    }

    #[test]
    fn unix_socket_urls() {
        let t = ok("ws+unix:///run/app.sock:/chat?x=1");
        assert_eq!(t.address, Address::Unix("/run/app.sock".into()));
        assert_eq!(
            (t.host_header.as_str(), t.resource.as_str()),
            ("localhost", "/chat?x=1")
        );
        assert!(!t.secure);
        assert_eq!(t.endpoint(), "ws+unix:///run/app.sock");
        let t = ok("wss+unix:///run/app.sock");
        assert!(t.secure);
        assert_eq!((t.host.as_str(), t.resource.as_str()), ("localhost", "/"));
        // Colons in the path, a target with a colon.
        let t = ok("ws+unix:///run/a:b.sock");
        assert_eq!(t.address, Address::Unix("/run/a:b.sock".into()));
        let t = ok("ws+unix:///run/a:b.sock:/x:y");
        assert_eq!(t.address, Address::Unix("/run/a:b.sock".into()));
        assert_eq!(t.resource, "/x:y");
        // A relative redirect keeps the socket; another host does not.
        assert_eq!(t.redirect("/other").unwrap().address, t.address);
        assert_eq!(
            t.redirect("ws://example.com/").unwrap().address,
            Address::Tcp
        );
        // The setting's socket serves TCP URLs; the URL's own wins.
        let setting = Path::new("/tmp/setting.sock");
        assert_eq!(ok("ws://h/").unix_socket(Some(setting)), Some(setting));
        assert_eq!(
            t.unix_socket(Some(setting)),
            Some(Path::new("/run/a:b.sock"))
        );
        let long = format!("ws+unix:///{}", "a".repeat(MAX_UNIX_PATH_LEN));
        assert!(Target::parse(&long)
            .unwrap_err()
            .0
            .contains("over 107 bytes"));
        assert!(Target::parse("ws+unix://").is_err());
        assert!(Target::parse("ws+unix://:/x").is_err());
    }

    #[test]
    fn user_information_is_kept_apart_and_never_shown() {
        let t = ok("wss://us%65r:p%40ss@example.com:8443/chat");
        let c = t.credentials.as_ref().unwrap();
        assert_eq!((&c.user[..], &c.password[..]), (&b"user"[..], &b"p@ss"[..]));
        assert_eq!(t.endpoint(), "wss://example.com:8443");
        assert_eq!(t.host_header, "example.com:8443");
        assert!(!format!("{t:?}").contains("p@ss") && !format!("{t:?}").contains("user"));
        assert_eq!(ok("ws://alice@h/").credentials.unwrap().password, b"");
        assert!(ok("ws://h/").credentials.is_none());
    }

    #[test]
    fn refused() {
        let long = format!("ws://h/{}", "a".repeat(MAX_URL_LEN));
        for s in [
            "",
            "ftp://x",
            "ws://",
            "ws://host:99999",
            "ws://host:abc",
            "ws://host:0",
            "ws://host/#frag",
            "ws://[::1/",
            long.as_str(),
        ] {
            assert!(Target::parse(s).is_err(), "{s:?} should be refused");
        }
    }
}
