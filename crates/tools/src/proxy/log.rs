//! The line the proxy prints per tunnel request: `<kind> <target> <outcome>`, then how the
//! request authenticated when it was Digest (`digest-sha-256`, `digest-md5`).
use std::fmt;
use std::io::ErrorKind;

/// One tunnel request and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelLog {
    pub kind: RequestKind,
    /// `host:port` as the client asked for it (`[v6]:port` for IPv6); `-` when the client
    /// never got as far as naming one (SOCKS5 authentication, an unknown address type).
    pub target: String,
    pub outcome: Outcome,
    /// The Digest algorithm the request authenticated with (`digest-sha-256`), if it did.
    pub auth: Option<String>,
}

/// How the client named the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// HTTP CONNECT (the name, if any, is resolved by the proxy).
    Http,
    /// SOCKS5 before a request: the greeting or authentication failed.
    Socks5,
    /// SOCKS5 ATYP 1: the client resolved the name, if any.
    Socks5Ipv4,
    /// SOCKS5 ATYP 4: the client resolved the name, if any.
    Socks5Ipv6,
    /// SOCKS5 ATYP 3: the proxy resolves the name.
    Socks5Domain,
}

/// What the proxy answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The tunnel is up.
    Ok,
    /// No credentials where they are required (HTTP 407, SOCKS5 `05 FF`).
    AuthRequired,
    /// Wrong credentials (HTTP 407, RFC 1929 status 1).
    AuthFailed,
    /// The scripted answer, or a refusal of the request itself: the HTTP status or SOCKS5
    /// reply code sent.
    Denied(u16),
    /// Connecting to the target failed.
    Failed(ConnectFailure),
}

/// Why the proxy could not connect to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The name did not resolve.
    NotResolved,
    /// It resolved, but to no loopback address: this proxy connects nowhere else.
    NotLoopback,
    /// `connect` failed this way (for the last address tried).
    Io(ErrorKind),
}

impl fmt::Display for TunnelLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.kind, self.target, self.outcome)?;
        match &self.auth {
            Some(auth) => write!(f, " {auth}"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestKind::Http => "http",
            RequestKind::Socks5 => "socks5",
            RequestKind::Socks5Ipv4 => "socks5-ipv4",
            RequestKind::Socks5Ipv6 => "socks5-ipv6",
            RequestKind::Socks5Domain => "socks5-domain",
        })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => f.write_str("ok"),
            Outcome::AuthRequired => f.write_str("auth-required"),
            Outcome::AuthFailed => f.write_str("auth-failed"),
            Outcome::Denied(code) => write!(f, "denied {code}"),
            Outcome::Failed(why) => write!(f, "failed {why}"),
        }
    }
}

/// One word, so the log line splits on spaces: `connection-refused`, `not-resolved`, ...
impl fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectFailure::NotResolved => f.write_str("not-resolved"),
            ConnectFailure::NotLoopback => f.write_str("not-loopback"),
            ConnectFailure::Io(kind) => f.write_str(&kebab_case(&format!("{kind:?}"))),
        }
    }
}

/// `ConnectionRefused` → `connection-refused`.
fn kebab_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: RequestKind, target: &str, outcome: Outcome) -> String {
        TunnelLog {
            kind,
            target: target.to_string(),
            outcome,
            auth: None,
        }
        .to_string()
    }

    #[test]
    fn lines_are_kind_target_outcome() {
        assert_eq!(
            line(RequestKind::Http, "localhost:80", Outcome::Ok),
            "http localhost:80 ok"
        );
        assert_eq!(
            line(RequestKind::Socks5Ipv6, "[::1]:9", Outcome::Denied(2)),
            "socks5-ipv6 [::1]:9 denied 2"
        );
        assert_eq!(
            line(RequestKind::Socks5, "-", Outcome::AuthRequired),
            "socks5 - auth-required"
        );
        assert_eq!(
            line(
                RequestKind::Socks5Domain,
                "a.test:1",
                Outcome::Failed(ConnectFailure::Io(ErrorKind::ConnectionRefused))
            ),
            "socks5-domain a.test:1 failed connection-refused"
        );
        let digest = TunnelLog {
            kind: RequestKind::Http,
            target: "h:1".into(),
            outcome: Outcome::Ok,
            auth: Some("digest-sha-256".into()),
        };
        assert_eq!(digest.to_string(), "http h:1 ok digest-sha-256");
    }

    #[test]
    fn failures_are_one_word() {
        for failure in [
            ConnectFailure::NotResolved,
            ConnectFailure::NotLoopback,
            ConnectFailure::Io(ErrorKind::HostUnreachable),
            ConnectFailure::Io(ErrorKind::TimedOut),
        ] {
            let word = failure.to_string();
            assert!(!word.contains(' ') && !word.is_empty(), "{word:?}");
        }
        assert_eq!(
            ConnectFailure::Io(ErrorKind::HostUnreachable).to_string(),
            "host-unreachable"
        );
    }
}
