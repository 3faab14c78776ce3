//! Why a connection failed, as reported to [`crate::Handler::on_end`]. The causes stay typed
//! up to the one place that maps them to C codes and messages (the capi crate's `codes`).
use crate::target::UrlError;
use net_websocket_protocol::{HandshakeError, ProtocolError, SendError};
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

mod proxy;
mod tls;

pub use crate::target::RedirectProblem;
pub use proxy::{ProxyError, ProxyUrlError};
pub use tls::{CertificateProblem, TlsError};

/// A connection failure: the endpoint it concerns and its cause. Displays as
/// `"wss://host:443: <cause>"`; the endpoint never includes the path or query, which may
/// carry credentials.
#[derive(Debug)]
pub struct Error {
    endpoint: String,
    cause: Cause,
}

/// What failed, one variant per stage of the connection and per way it can end badly.
#[derive(Debug)]
#[non_exhaustive]
pub enum Cause {
    /// The URL given to [`crate::connect_async`] is not a usable ws:// or wss:// URL.
    Url(UrlError),
    /// Resolving a host name failed (the server's, the proxy's, or the server's for a
    /// `socks5://` proxy).
    Dns {
        /// The name looked up.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// The name resolved to no address.
    NoAddress {
        /// The name looked up.
        host: String,
    },
    /// No address accepted a TCP connection.
    Connect {
        /// Every address tried, with its error.
        attempts: Vec<(SocketAddr, io::Error)>,
    },
    /// Every address of the host is of the other family than the local address.
    NoAddressInFamily {
        /// The local address set.
        local: IpAddr,
        /// The addresses left out.
        skipped: Vec<SocketAddr>,
    },
    /// The local address could not be bound (not an address of this machine, say).
    Bind {
        /// The local address set.
        local: IpAddr,
        /// The system's reason.
        source: io::Error,
    },
    /// Binding to the network interface failed (SO_BINDTODEVICE).
    Interface {
        /// The interface's name.
        name: String,
        /// The system's reason (without CAP_NET_RAW: permission denied).
        source: io::Error,
    },
    /// The Unix domain socket could not be connected to.
    UnixConnect {
        /// Its path.
        path: PathBuf,
        /// The system's reason.
        source: io::Error,
    },
    /// The proxy could not be used or refused the tunnel.
    Proxy {
        /// The proxy's URL, without credentials.
        proxy: String,
        /// What went wrong with it.
        error: ProxyError,
    },
    /// The TLS handshake failed, or the TLS settings could not be used.
    Tls(TlsError),
    /// The server's answer to the opening handshake was not a valid 101 (an HTTP status, a
    /// redirect, a wrong accept key, an extension or subprotocol that was not offered), or a
    /// header of ours could not be sent.
    Handshake(HandshakeError),
    /// A redirect of the opening handshake that was not followed.
    Redirect {
        /// The 3xx status.
        code: u16,
        /// Its Location header.
        location: String,
        /// Why it was not followed.
        problem: RedirectProblem,
    },
    /// A stage of connecting did not finish within the connect timeout.
    Timeout {
        /// The stage that ran out of time.
        stage: Stage,
        /// The connect timeout.
        after: Duration,
    },
    /// Reading or writing failed.
    Io {
        /// What was lost, e.g. "connection lost while reading".
        during: &'static str,
        /// The I/O error.
        source: io::Error,
    },
    /// The server ended the TCP connection without a close frame.
    ClosedByPeer,
    /// The server's frames broke RFC 6455 / RFC 7692, or a limit.
    Protocol(ProtocolError),
    /// Keepalive: the connection was considered lost.
    Keepalive {
        /// How long nothing was received in all.
        after: Duration,
        /// How much of that was after our ping.
        unanswered: Duration,
    },
    /// A message or close could not be sent on a [`crate::WebSocket`] (e.g. after a close
    /// frame was sent); nothing was sent.
    Send(SendError),
    /// net_websocket itself panicked (a bug of ours, or a panic in the handler); the
    /// connection was dropped without a close frame.
    Internal {
        /// The panic's message.
        panic: String,
    },
}

/// The stages of connecting, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Resolving the server's (or the proxy's) name.
    Dns,
    /// The TCP connection.
    Connect,
    /// Setting up the proxy tunnel.
    Proxy,
    /// The TLS handshake.
    Tls,
    /// The WebSocket opening handshake.
    Handshake,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Dns => "the DNS lookup",
            Stage::Connect => "the TCP connect",
            Stage::Proxy => "the proxy tunnel setup",
            Stage::Tls => "the TLS handshake",
            Stage::Handshake => "the WebSocket handshake",
        })
    }
}

impl Error {
    pub(crate) fn new(endpoint: &str, cause: Cause) -> Self {
        Error {
            endpoint: endpoint.to_owned(),
            cause,
        }
    }

    /// What failed.
    pub fn cause(&self) -> &Cause {
        &self.cause
    }

    /// `scheme://host:port` of the server (empty for [`Cause::Url`]).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No endpoint: the URL itself was unusable.
        if self.endpoint.is_empty() {
            return self.cause.fmt(f);
        }
        write!(f, "{}: {}", self.endpoint, self.cause)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Dns { source, .. }
            | Cause::Io { source, .. }
            | Cause::Bind { source, .. }
            | Cause::Interface { source, .. } => Some(source),
            Cause::Proxy { error, .. } => Some(error),
            Cause::Tls(e) => Some(e),
            Cause::Handshake(e) => Some(e),
            Cause::Protocol(e) => Some(e),
            Cause::Url(e) => Some(e),
            Cause::Send(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Url(e) => e.fmt(f),
            Cause::Send(e) => write!(f, "cannot send: {e}"),
            Cause::Dns { host, source } => write!(f, "DNS lookup of {host} failed: {source}"),
            Cause::NoAddress { host } => write!(f, "DNS lookup of {host} returned no address"),
            Cause::Connect { attempts } => {
                f.write_str("TCP connect failed: ")?;
                for (i, (addr, e)) in attempts.iter().enumerate() {
                    let separator = if i == 0 { "" } else { "; " };
                    write!(f, "{separator}{addr}: {}", io_reason(e))?;
                }
                Ok(())
            }
            Cause::NoAddressInFamily { local, skipped } => {
                let family = if local.is_ipv4() { "IPv4" } else { "IPv6" };
                let skipped: Vec<String> = skipped.iter().map(SocketAddr::to_string).collect();
                write!(
                    f,
                    "no {family} address to connect to from local address {local} (skipped {})",
                    skipped.join(", ")
                )
            }
            Cause::Bind { local, source } => write!(
                f,
                "binding to local address {local} failed: {}",
                io_reason(source)
            ),
            Cause::Interface { name, source } => {
                write!(
                    f,
                    "binding to interface {name} failed: {}",
                    io_reason(source)
                )?;
                if source.kind() == io::ErrorKind::PermissionDenied {
                    f.write_str(" (it needs the CAP_NET_RAW capability)")?;
                }
                Ok(())
            }
            Cause::UnixConnect { path, source } => write!(
                f,
                "connect to unix socket {} failed: {}",
                path.display(),
                io_reason(source)
            ),
            Cause::Proxy { proxy, error } => write!(f, "proxy {proxy} {error}"),
            Cause::Tls(e) => e.fmt(f),
            Cause::Handshake(e) => e.fmt(f),
            Cause::Redirect {
                code,
                location,
                problem,
            } => write!(
                f,
                "handshake: redirect {code} to {location} not followed: {problem}"
            ),
            Cause::Timeout { stage, after } => {
                write!(f, "timed out after {} s in {stage}", after.as_secs_f32())
            }
            Cause::Io { during, source } => write!(f, "{during}: {}", io_reason(source)),
            Cause::ClosedByPeer => {
                f.write_str("connection closed by the server without a close frame")
            }
            Cause::Protocol(e) => write!(f, "protocol: {e}"),
            Cause::Keepalive { after, unanswered } => write!(
                f,
                "keepalive: no answer to ping within {} s (nothing received for {} s)",
                unanswered.as_secs_f32(),
                after.as_secs_f32()
            ),
            Cause::Internal { panic } => {
                write!(f, "internal error: {panic} (a bug in net_websocket)")
            }
        }
    }
}

/// An I/O error as a person reads it: "connection refused", not "Connection refused (os
/// error 111)".
pub(crate) fn io_reason(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => format!("{:?}", e.kind()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_reasons_read_as_text() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(io_reason(&refused), "connection refused");
        let os = io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&os), "connection refused");
    }

    #[test]
    fn messages_name_the_endpoint_and_every_address() {
        let a: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let b: SocketAddr = "[::1]:9".parse().unwrap();
        let refused = || io::Error::from(io::ErrorKind::ConnectionRefused);
        let error = Error::new(
            "ws://localhost:9",
            Cause::Connect {
                attempts: vec![(a, refused()), (b, refused())],
            },
        );
        assert_eq!(
            error.to_string(),
            "ws://localhost:9: TCP connect failed: 127.0.0.1:9: connection refused; \
             [::1]:9: connection refused"
        );
        let timeout = Cause::Timeout {
            stage: Stage::Tls,
            after: Duration::from_millis(1500),
        };
        assert_eq!(
            timeout.to_string(),
            "timed out after 1.5 s in the TLS handshake"
        );
    }
}
