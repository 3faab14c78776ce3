//! `ws-test-proxy`: a scripted HTTP CONNECT (RFC 9110 §9.3.6) or SOCKS5 (RFC 1928, RFC 1929)
//! proxy for the client's proxy tests, the HTTP one also over TLS ([`serve_tls`], an
//! `https://` proxy) and with Basic, Digest (RFC 7616) or NTLM-only authentication. It reports
//! every tunnel request as a [`TunnelLog`] before it answers it, so a test that has its answer
//! has its log line too.
//!
//! It only connects to loopback addresses: a target that resolves elsewhere fails with
//! `not-loopback`, so no test can send traffic off the machine through it.
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

mod digest;
mod http;
mod log;
mod socks5;
mod target;

pub use digest::Algorithm as DigestAlgorithm;
pub use log::{ConnectFailure, Outcome, RequestKind, TunnelLog};

/// Where the log lines go; called once per tunnel request, before the client gets its answer.
pub type Log = Arc<LogFn>;

/// What a [`Log`] calls.
pub type LogFn = dyn Fn(&TunnelLog) + Send + Sync;

/// What the proxy speaks and how it misbehaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    /// Required from every client when set: `Proxy-Authorization` (HTTP, as `auth` says) or
    /// the username/password method (SOCKS5).
    pub credentials: Option<Credentials>,
    /// How the HTTP proxy asks for the credentials.
    pub auth: HttpAuth,
}

/// How an HTTP proxy asks for credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpAuth {
    /// Basic (RFC 7617) when credentials are set; a 407 closes the connection.
    Basic,
    /// Digest (RFC 7616, qop=auth) with these algorithms offered, a challenge each, in this
    /// order; `keep_alive`: a 407 keeps the connection for the client's next request, else
    /// closes it.
    Digest {
        algorithms: Vec<DigestAlgorithm>,
        keep_alive: bool,
    },
    /// Every CONNECT is answered 407 with only NTLM and Negotiate challenges (schemes a
    /// client without them cannot answer), whatever the credentials.
    Ntlm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// HTTP CONNECT; with `deny`, every CONNECT gets that status instead of a tunnel.
    Http { deny: Option<Status> },
    /// SOCKS5 CONNECT; with `deny`, every CONNECT gets that reply code instead of a tunnel.
    Socks5 { deny: Option<u8> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

/// An HTTP status line's code and reason, e.g. `403 Forbidden`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub reason: String,
}

impl FromStr for Status {
    type Err = String;

    /// `"CODE REASON"`: a code from 100 to 599, then an optional reason phrase.
    fn from_str(text: &str) -> Result<Self, String> {
        let (code, reason) = text.split_once(' ').unwrap_or((text, ""));
        match code.parse::<u16>() {
            Ok(code) if (100..=599).contains(&code) && !reason.contains(['\r', '\n']) => {
                Ok(Status {
                    code,
                    reason: reason.to_string(),
                })
            }
            _ => Err(format!("not an HTTP status \"CODE REASON\": {text:?}")),
        }
    }
}

/// A proxy's configuration with what it made up at start: the Digest nonce.
struct Running {
    config: Config,
    nonce: String,
}

impl Running {
    fn new(config: Config) -> Arc<Running> {
        // Random enough for a test fixture, without a random crate: std's hasher keys.
        let nonce = format!(
            "{:016x}",
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        );
        Arc::new(Running { config, nonce })
    }
}

/// Accepts clients forever, one task each.
pub async fn serve(listener: TcpListener, config: Config, log: Log) {
    let running = Running::new(config);
    loop {
        if let Ok((client, _)) = listener.accept().await {
            let _ = client.set_nodelay(true);
            let (running, log) = (running.clone(), log.clone());
            tokio::spawn(async move {
                let config = &running.config;
                let _ = match &config.mode {
                    Mode::Http { deny } => {
                        http::handle(client, &running, deny.as_ref(), &*log).await
                    }
                    Mode::Socks5 { deny } => {
                        socks5::handle(client, config.credentials.as_ref(), *deny, &*log).await
                    }
                };
            });
        }
    }
}

/// Accepts clients over TLS forever, one task each: an `https://` proxy (HTTP CONNECT only).
pub async fn serve_tls(listener: TcpListener, acceptor: TlsAcceptor, config: Config, log: Log) {
    let running = Running::new(config);
    loop {
        if let Ok((client, _)) = listener.accept().await {
            let _ = client.set_nodelay(true);
            let (running, log, acceptor) = (running.clone(), log.clone(), acceptor.clone());
            tokio::spawn(async move {
                let deny = match &running.config.mode {
                    Mode::Http { deny } => deny.clone(),
                    Mode::Socks5 { .. } => return,
                };
                match acceptor.accept(client).await {
                    Ok(tls) => {
                        let _ = http::handle(tls, &running, deny.as_ref(), &*log).await;
                    }
                    // On stderr so a failing test shows the proxy's side of it.
                    Err(e) => eprintln!("ws-test-proxy: TLS handshake failed: {e}"),
                }
            });
        }
    }
}

/// A parser's answer for the bytes received so far: the message at their start and how many
/// bytes it took, `Ok(None)` while it is incomplete, or why the bytes are not one.
type Parsed<T, E> = Result<Option<(T, usize)>, E>;

/// What reading one protocol message from the client came to.
enum Received<T, E> {
    Message(T),
    /// The parser refused the bytes.
    Invalid(E),
    /// More than the limit arrived without a whole message.
    TooLarge,
    /// The client closed before a whole message.
    Closed,
}

/// A client's connection: TCP, or TLS over it.
trait ClientStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<S: AsyncRead + AsyncWrite + Unpin + Send> ClientStream for S {}

/// Reads into `buf` until `parse` finds a whole message at its start, then removes the
/// message's bytes from `buf`, leaving whatever the client sent after it.
async fn receive<T, E>(
    client: &mut impl ClientStream,
    buf: &mut Vec<u8>,
    limit: usize,
    parse: impl Fn(&[u8]) -> Parsed<T, E>,
) -> std::io::Result<Received<T, E>> {
    loop {
        match parse(buf) {
            Err(e) => return Ok(Received::Invalid(e)),
            Ok(Some((message, consumed))) => {
                buf.drain(..consumed);
                return Ok(Received::Message(message));
            }
            Ok(None) if buf.len() >= limit => return Ok(Received::TooLarge),
            Ok(None) => {}
        }
        if client.read_buf(buf).await? == 0 {
            return Ok(Received::Closed);
        }
    }
}

/// How long a refused client may keep sending before we close anyway.
const LINGER: Duration = Duration::from_secs(2);

/// Sends `answer` and ends the connection. We read (and drop) what the client still sends
/// until it closes, for at most [`LINGER`]: closing with unread bytes would reset the
/// connection, and a reset can destroy the answer before the client reads it.
async fn close_with(mut client: impl ClientStream, answer: &[u8]) -> std::io::Result<()> {
    client.write_all(answer).await?;
    client.shutdown().await?;
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(LINGER, async {
        while matches!(client.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
    Ok(())
}

/// Sends `early` (what the client sent after its request) to the target, then relays both
/// ways until both sides are done.
async fn relay(
    mut client: impl ClientStream,
    mut target: TcpStream,
    early: &[u8],
) -> std::io::Result<()> {
    target.write_all(early).await?;
    tokio::io::copy_bidirectional(&mut client, &mut target).await?;
    Ok(())
}

/// The address our side of `stream` has (SOCKS5 BND.ADDR), or 0.0.0.0:0 if it has none.
fn local_addr(stream: &TcpStream) -> SocketAddr {
    stream
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_a_code_and_a_reason() {
        assert_eq!(
            "403 Forbidden".parse(),
            Ok(Status {
                code: 403,
                reason: "Forbidden".to_string()
            })
        );
        assert_eq!(
            "407 Proxy Authentication Required"
                .parse::<Status>()
                .unwrap()
                .reason,
            "Proxy Authentication Required"
        );
        assert_eq!("204".parse::<Status>().unwrap().reason, "");
        assert!("forbidden".parse::<Status>().is_err());
        assert!("99 Low".parse::<Status>().is_err());
        assert!("403 a\r\nX: y".parse::<Status>().is_err());
    }
}
