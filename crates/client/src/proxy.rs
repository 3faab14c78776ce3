//! Proxies (SPEC §6): which one a connection uses, and the tunnel through it. An HTTP proxy
//! is asked for a tunnel with CONNECT (RFC 9110 §9.3.6, as RFC 6455 §4.1 advises for ws://
//! and wss:// alike), over TLS to the proxy for an `https://` proxy, with Basic or Digest
//! authentication (`auth`); a SOCKS5 proxy with its CONNECT command (RFC 1928). TLS, when the
//! URL is wss://, runs inside the tunnel (inside the proxy's TLS for an `https://` proxy).
mod auth;
mod challenge;
mod digest;
mod environment;
mod http;
mod no_proxy;
mod socks5;

pub(crate) use auth::ProxyAuth;
pub use challenge::{parse_challenges, Challenge};
pub use environment::{select, ProxyEnvironment};
pub use http::{connect_request, parse_connect_response, ConnectAnswer};
pub(crate) use http::{tunnel as http_tunnel, Tunnelled};
pub use no_proxy::NoProxy;
pub(crate) use socks5::tunnel as socks5_tunnel;
pub use socks5::{parse_reply_head, parse_reply_length, Socks5Target};

pub use crate::credentials::Credentials;
pub use crate::error::{ProxyError, ProxyUrlError};
use std::fmt;

/// Default port of `http://` and SOCKS5 proxies when the URL names none (curl's rule).
pub const DEFAULT_PROXY_PORT: u16 = 1080;

/// Default port of `https://` proxies when the URL names none (curl's rule).
pub const DEFAULT_HTTPS_PROXY_PORT: u16 = 443;

/// Which proxy a connection uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProxySetting {
    /// From the environment, as curl does: `https_proxy` for wss://, `http_proxy` for ws://,
    /// then `all_proxy` (lower case first, then upper case); `no_proxy` lists the exceptions.
    #[default]
    Environment,
    /// No proxy, whatever the environment says.
    Off,
    /// This proxy for every connection, whatever the environment says.
    Url(Proxy),
}

/// How a proxy is asked for a tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// `http://`: HTTP CONNECT.
    Http,
    /// `https://`: HTTP CONNECT over TLS to the proxy (verified as a server is, without
    /// ALPN), so that nothing on the way to the proxy sees the request or its credentials.
    Https,
    /// `socks5://` (the name is resolved here) or `socks5h://` (the proxy resolves it).
    Socks5 {
        /// `socks5h://`: the proxy resolves the server's name.
        remote_dns: bool,
    },
}

/// A parsed proxy URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// Which protocol the proxy speaks.
    pub kind: ProxyKind,
    /// Host name or IP address, without brackets.
    pub host: String,
    /// The port (when the URL has none: 443 for `https://`, else 1080).
    pub port: u16,
    /// User and password, percent-decoded from the URL.
    pub credentials: Option<Credentials>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password must not end up in logs.
        write!(f, "Proxy({self}")?;
        if self.credentials.is_some() {
            f.write_str(", with credentials")?;
        }
        f.write_str(")")
    }
}

/// `scheme://host:port`, without the credentials.
impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.kind {
            ProxyKind::Http => "http",
            ProxyKind::Https => "https",
            ProxyKind::Socks5 { remote_dns: false } => "socks5",
            ProxyKind::Socks5 { remote_dns: true } => "socks5h",
        };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

fn bad(why: impl Into<String>) -> ProxyUrlError {
    ProxyUrlError(why.into())
}

impl Proxy {
    /// Parses `http://`, `https://`, `socks5://` or `socks5h://` URLs with an optional
    /// `user:password@` (percent-encoded) and port (default 443 for `https://`, else 1080); no
    /// scheme means `http://`. A path is ignored, as curl does.
    pub fn parse(input: &str) -> Result<Proxy, ProxyUrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(bad("empty"));
        }
        let (scheme, rest) = match input.find("://") {
            Some(i) => (input[..i].to_ascii_lowercase(), &input[i + 3..]),
            None => ("http".to_string(), input),
        };
        let kind = match scheme.as_str() {
            "http" => ProxyKind::Http,
            "https" => ProxyKind::Https,
            "socks5" => ProxyKind::Socks5 { remote_dns: false },
            "socks5h" => ProxyKind::Socks5 { remote_dns: true },
            other => return Err(bad(format!("unsupported proxy scheme \"{other}\""))),
        };
        // Parsed as http:// whatever the kind, for the same authority rules everywhere.
        let url = url::Url::parse(&format!("http://{rest}")).map_err(|e| bad(e.to_string()))?;
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            _ => return Err(bad("no host")),
        };
        // `url` drops :80 for http://; the proxy defaults differ, so read an explicit port back.
        let port = match url.port() {
            Some(port) => port,
            None if has_explicit_port(rest) => 80,
            None if kind == ProxyKind::Https => DEFAULT_HTTPS_PROXY_PORT,
            None => DEFAULT_PROXY_PORT,
        };
        if port == 0 {
            return Err(bad("port 0"));
        }
        let credentials = Credentials::from_url(&url);
        if let (ProxyKind::Socks5 { .. }, Some(c)) = (kind, &credentials) {
            // RFC 1929 §2: one length byte each.
            if c.user.len() > 255 || c.password.len() > 255 {
                return Err(bad(
                    "SOCKS5 user name and password are limited to 255 bytes",
                ));
            }
        }
        Ok(Proxy {
            kind,
            host,
            port,
            credentials,
        })
    }
}

/// Whether the authority in `rest` (after the scheme) ends with `:port`.
fn has_explicit_port(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let after_bracket = host_port.rsplit(']').next().unwrap_or("");
    after_bracket.contains(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Proxy {
        Proxy::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn schemes_hosts_and_default_ports() {
        let p = ok("http://proxy.example:3128");
        assert_eq!(
            (p.kind, p.host.as_str(), p.port),
            (ProxyKind::Http, "proxy.example", 3128)
        );
        assert_eq!(ok("proxy.example").port, DEFAULT_PROXY_PORT);
        assert_eq!(ok("proxy.example").kind, ProxyKind::Http);
        assert_eq!(ok("http://proxy.example:80").port, 80);
        assert_eq!(ok("http://proxy.example").port, DEFAULT_PROXY_PORT);
        assert_eq!(ok("HTTP://p/").port, DEFAULT_PROXY_PORT);
        assert_eq!(
            ok("socks5://p").kind,
            ProxyKind::Socks5 { remote_dns: false }
        );
        assert_eq!(
            ok("socks5h://p:9050").kind,
            ProxyKind::Socks5 { remote_dns: true }
        );
        let tls = ok("https://proxy.example");
        assert_eq!(
            (tls.kind, tls.port),
            (ProxyKind::Https, DEFAULT_HTTPS_PROXY_PORT)
        );
        assert_eq!(ok("HTTPS://p:8443").to_string(), "https://p:8443");
        assert_eq!(ok("https://p:80").port, 80);
        let v6 = ok("socks5://[::1]:1081");
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 1081));
        assert_eq!(v6.to_string(), "socks5://[::1]:1081");
    }

    #[test]
    fn credentials_are_percent_decoded_and_never_displayed() {
        let p = ok("http://us%65r:p%40ss%3Aword@127.0.0.1:3128");
        let c = p.credentials.as_ref().unwrap();
        assert_eq!(
            (c.user.as_slice(), c.password.as_slice()),
            (&b"user"[..], &b"p@ss:word"[..])
        );
        assert_eq!(p.to_string(), "http://127.0.0.1:3128");
        assert!(!format!("{p:?}").contains("word"));
        let user_only = ok("socks5://alice@p");
        assert_eq!(user_only.credentials.unwrap().password, b"");
    }

    #[test]
    fn refused() {
        let long_user = format!("socks5://{}:x@p", "u".repeat(256));
        for s in [
            "",
            "socks4://p",
            "ftp://p",
            "http://",
            "http://p:0",
            "http://p:x",
        ]
        .into_iter()
        .chain([long_user.as_str()])
        {
            assert!(Proxy::parse(s).is_err(), "{s:?} should be refused");
        }
    }
}
