//! Why a proxy could not be used: its URL, reaching it, its answers.
use super::{io_reason, Cause, TlsError};
use std::fmt;
use std::io;

/// Why a proxy URL was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyUrlError(pub String);

impl fmt::Display for ProxyUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid proxy URL: {}", self.0)
    }
}
impl std::error::Error for ProxyUrlError {}

/// Why a proxy failed us.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy URL (e.g. from an environment variable) is not usable.
    InvalidUrl(ProxyUrlError),
    /// The proxy itself could not be reached (DNS or TCP).
    Unreachable(Box<Cause>),
    /// Reading from or writing to the proxy failed.
    Io(io::Error),
    /// The proxy closed the connection before it answered.
    Closed,
    /// The proxy's answer is not what the protocol allows.
    Malformed(String),
    /// HTTP: the proxy answered CONNECT with a status other than 2xx.
    Status {
        /// The HTTP status code.
        code: u16,
        /// The reason phrase as sent.
        reason: String,
        /// Whether we sent Proxy-Authorization (for 407: refused, or missing).
        sent_credentials: bool,
    },
    /// HTTP: the proxy answered 407 with only challenges we cannot answer (NTLM, Negotiate,
    /// Digest with another algorithm); each as offered.
    UnsupportedAuth {
        /// Every challenge's scheme (a Digest one with what we lack, e.g.
        /// `Digest (algorithm SHA-512-256)`).
        offered: Vec<String>,
    },
    /// `https://`: TLS to the proxy failed (its certificate, its alerts, our settings).
    Tls(TlsError),
    /// SOCKS5: the proxy accepts none of the authentication methods we offered.
    NoAcceptableAuth {
        /// Whether we offered username/password besides "no authentication".
        offered_credentials: bool,
    },
    /// SOCKS5: the proxy rejected the user name and password (RFC 1929).
    AuthFailed,
    /// SOCKS5: the proxy refused the CONNECT request with this reply code.
    Refused {
        /// The SOCKS5 reply code (RFC 1928 §6).
        reply: u8,
    },
    /// SOCKS5: a host name over 255 bytes cannot be sent.
    HostTooLong,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::InvalidUrl(e) => write!(f, "is not usable: {e}"),
            ProxyError::Unreachable(cause) => write!(f, "could not be reached: {cause}"),
            ProxyError::Io(e) => write!(f, "failed: {}", io_reason(e)),
            ProxyError::Closed => f.write_str("closed the connection before answering"),
            ProxyError::Malformed(why) => write!(f, "sent a malformed answer: {why}"),
            ProxyError::Status {
                code: 407,
                reason,
                sent_credentials,
            } => {
                write!(f, "answered 407 {reason}")?;
                f.write_str(if *sent_credentials {
                    ": the credentials were refused"
                } else {
                    ": give user:password in the proxy URL"
                })
            }
            ProxyError::Status { code, reason, .. } => write!(f, "answered {code} {reason}"),
            ProxyError::UnsupportedAuth { offered } => write!(
                f,
                "asks for authentication we cannot give: it offers {}; we answer Basic and \
                 Digest (MD5, SHA-256)",
                offered.join(", ")
            ),
            ProxyError::Tls(e) => write!(f, "could not be used over TLS: {e}"),
            ProxyError::NoAcceptableAuth {
                offered_credentials,
            } => f.write_str(if *offered_credentials {
                "accepts none of our authentication methods (none, username/password)"
            } else {
                "requires authentication: give user:password in the proxy URL"
            }),
            ProxyError::AuthFailed => f.write_str("rejected the user name and password"),
            ProxyError::Refused { reply } => write!(
                f,
                "refused the connection: {} (SOCKS5 reply {reply})",
                socks5_reply_meaning(*reply)
            ),
            ProxyError::HostTooLong => f.write_str("cannot tunnel to a host name over 255 bytes"),
        }
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProxyError::Io(e) => Some(e),
            ProxyError::InvalidUrl(e) => Some(e),
            ProxyError::Tls(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ProxyError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::UnexpectedEof => ProxyError::Closed,
            _ => ProxyError::Io(e),
        }
    }
}

/// What the reply code of a CONNECT means (RFC 1928 §6).
fn socks5_reply_meaning(reply: u8) -> &'static str {
    match reply {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused by the destination",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply code",
    }
}
