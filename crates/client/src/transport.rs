//! The transport of one connection attempt, built stage by stage: resolve → TCP (every
//! address in turn) → proxy tunnel → TLS, or a Unix domain socket → TLS. Every stage is
//! bounded by the attempt's deadline and fails with the [`Cause`] that names it.
use crate::error::{io_reason, Cause, Stage};
use crate::proxy::{self, Proxy, ProxyError, ProxyKind, Socks5Target};
use crate::socket::Socket;
use crate::target::Target;
use crate::tls::{self, TlsOptions, TrustPaths};
use std::collections::VecDeque;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// The byte stream a connection runs on, for both APIs: TCP or a Unix domain socket, with TLS
/// or not, directly or through a proxy tunnel. Built by one pipeline ([`Attempt::open`]);
/// what [`crate::connect_async`] returns runs on it.
pub struct Transport(Layer);

enum Layer {
    Plain(Socket),
    /// Boxed: a TLS stream is large, and a plain connection should not pay for its size. Over
    /// a transport, so that TLS can run inside TLS (a target's over an HTTPS proxy's).
    Tls(Box<TlsStream<Transport>>),
}

impl Transport {
    fn plain(socket: Socket) -> Transport {
        Transport(Layer::Plain(socket))
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match &self.0 {
            Layer::Plain(Socket::Tcp(_)) => "Transport(TCP)",
            Layer::Plain(Socket::Unix(_)) => "Transport(Unix)",
            Layer::Tls(_) => "Transport(TLS)",
        })
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Layer::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Layer::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            Layer::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Layer::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            Layer::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Layer::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.0 {
            Layer::Plain(s) => s.is_write_vectored(),
            Layer::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Layer::Plain(s) => Pin::new(s).poll_flush(cx),
            Layer::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Layer::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Layer::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// One attempt to reach `target`.
pub(crate) struct Attempt<'a> {
    pub(crate) target: &'a Target,
    /// The Unix socket to connect to instead of TCP (the URL's, or the setting's).
    pub(crate) unix_socket: Option<&'a Path>,
    pub(crate) proxy: Option<&'a Proxy>,
    pub(crate) tls: &'a TlsOptions,
    pub(crate) trust: &'a TrustPaths,
    /// When the whole attempt (through the WebSocket handshake) must be done.
    pub(crate) deadline: Instant,
    /// The connect timeout the deadline came from, for messages.
    pub(crate) timeout: Duration,
}

impl Attempt<'_> {
    /// Runs `stage` until the deadline.
    pub(crate) async fn within<T>(
        &self,
        stage: Stage,
        work: impl Future<Output = Result<T, Cause>>,
    ) -> Result<T, Cause> {
        tokio::time::timeout_at(self.deadline, work)
            .await
            .unwrap_or(Err(Cause::Timeout {
                stage,
                after: self.timeout,
            }))
    }

    /// The socket (a Unix socket, or TCP through the proxy if any), then TLS for wss://.
    pub(crate) async fn open(&self) -> Result<Transport, Cause> {
        let socket = match (self.unix_socket, self.proxy) {
            (Some(path), _) => self.within(Stage::Connect, connect_unix(path)).await?,
            (None, None) => {
                let addrs = self
                    .within(Stage::Dns, resolve(&self.target.host, self.target.port))
                    .await?;
                Socket::Tcp(self.within(Stage::Connect, connect_first(&addrs)).await?)
            }
            (None, Some(proxy)) => {
                Socket::Tcp(self.within(Stage::Proxy, self.tunnel(proxy)).await?)
            }
        };
        let plain = Transport::plain(socket);
        if !self.target.secure {
            return Ok(plain);
        }
        let config = self
            .within(Stage::Tls, tls_config(self.tls, self.trust))
            .await?;
        let name = tls::server_name(&self.target.host).map_err(Cause::Tls)?;
        log::debug!("TLS handshake with {}", self.target.host);
        let handshake = async {
            TlsConnector::from(config)
                .connect(name, plain)
                .await
                .map_err(|e| tls_cause(e, "the TLS handshake failed"))
        };
        let stream = self.within(Stage::Tls, handshake).await?;
        if log::log_enabled!(log::Level::Debug) {
            let (_, session) = stream.get_ref();
            log::debug!(
                "TLS established: {:?}, {:?}",
                session.protocol_version(),
                session.negotiated_cipher_suite().map(|s| s.suite())
            );
        }
        Ok(Transport(Layer::Tls(Box::new(stream))))
    }

    /// A TCP connection to the proxy that now tunnels to the target.
    async fn tunnel(&self, proxy: &Proxy) -> Result<TcpStream, Cause> {
        let failed = |error| Cause::Proxy {
            proxy: proxy.to_string(),
            error,
        };
        let unreachable = |cause| failed(ProxyError::Unreachable(Box::new(cause)));
        log::debug!(
            "tunnel to {} through proxy {proxy}",
            self.target.authority()
        );
        let proxy_addrs = resolve(&proxy.host, proxy.port)
            .await
            .map_err(unreachable)?;
        let credentials = proxy.credentials.as_ref();
        let remote_dns = match proxy.kind {
            ProxyKind::Http => {
                let mut tcp = connect_first(&proxy_addrs).await.map_err(unreachable)?;
                proxy::http_tunnel(&mut tcp, &self.target.authority(), credentials)
                    .await
                    .map_err(failed)?;
                log::debug!("proxy {proxy}: CONNECT tunnel open");
                return Ok(tcp);
            }
            ProxyKind::Socks5 { remote_dns } => remote_dns,
        };
        let mut refusal = None;
        for target in self.socks5_targets(remote_dns).await? {
            let mut tcp = connect_first(&proxy_addrs).await.map_err(unreachable)?;
            match proxy::socks5_tunnel(&mut tcp, &target, credentials).await {
                Ok(()) => {
                    log::debug!("proxy {proxy}: SOCKS5 tunnel open");
                    return Ok(tcp);
                }
                // Network or host unreachable, refused: the next address may work, as it
                // would without a proxy.
                Err(e @ ProxyError::Refused { reply: 3..=5 }) => refusal = Some(e),
                Err(e) => return Err(failed(e)),
            }
        }
        Err(failed(
            refusal.expect("socks5_targets returns at least one target"),
        ))
    }

    /// What to ask a SOCKS5 proxy for: the name itself for `socks5h://`; for `socks5://`
    /// every address of the name, in the resolver's order; an IP literal as it is.
    async fn socks5_targets(&self, remote_dns: bool) -> Result<Vec<Socks5Target>, Cause> {
        let (host, port) = (&self.target.host, self.target.port);
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![Socks5Target::Addr(SocketAddr::new(ip, port))]);
        }
        if remote_dns {
            return Ok(vec![Socks5Target::Domain(host.clone(), port)]);
        }
        let addrs = resolve(host, port).await?;
        Ok(addrs.into_iter().map(Socks5Target::Addr).collect())
    }
}

/// The rustls configuration; reading a trust store from disk (once for each) runs on a
/// blocking thread, not on a worker that other connections share.
async fn tls_config(
    options: &TlsOptions,
    trust: &TrustPaths,
) -> Result<std::sync::Arc<rustls::ClientConfig>, Cause> {
    let config = if options.is_ready(trust) {
        options.client_config(trust)
    } else {
        let (options, trust) = (options.clone(), trust.clone());
        tokio::task::spawn_blocking(move || options.client_config(&trust))
            .await
            .map_err(|e| Cause::Tls(tls::TlsError::Setup(e.to_string())))?
    };
    config.map_err(Cause::Tls)
}

/// An I/O error that may carry a TLS failure (an alert, a certificate problem).
pub(crate) fn tls_cause(e: io::Error, during: &'static str) -> Cause {
    match tls::tls_failure(&e) {
        Some(failure) => Cause::Tls(failure),
        None => Cause::Io { during, source: e },
    }
}

/// A connection to the Unix domain socket at `path`.
async fn connect_unix(path: &Path) -> Result<Socket, Cause> {
    log::debug!("connecting to unix socket {}", path.display());
    match UnixStream::connect(path).await {
        Ok(stream) => Ok(Socket::Unix(stream)),
        Err(source) => Err(Cause::UnixConnect {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Every address of `host`, in the resolver's order (getaddrinfo sorts them by RFC 6724).
async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Cause> {
    log::debug!("resolving {host}");
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|source| Cause::Dns {
            host: host.to_owned(),
            source,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Cause::NoAddress {
            host: host.to_owned(),
        });
    }
    log::debug!("{host} resolved to {}", list(&addrs));
    Ok(addrs)
}

/// Addresses as a person reads them: `127.0.0.1:80, [::1]:80`.
fn list(addrs: &[SocketAddr]) -> String {
    let text: Vec<String> = addrs.iter().map(SocketAddr::to_string).collect();
    text.join(", ")
}

/// RFC 8305 §5: the "Connection Attempt Delay" before the next address is tried while the
/// previous attempts are still under way.
const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// RFC 8305 §4: the addresses in the resolver's order (getaddrinfo sorts by RFC 6724), the
/// two families interleaved, starting with the family of the first.
fn interleave(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return Vec::new();
    };
    let (mut same, mut other): (VecDeque<SocketAddr>, VecDeque<SocketAddr>) =
        addrs.iter().partition(|a| a.is_ipv6() == first.is_ipv6());
    let mut order = Vec::with_capacity(addrs.len());
    while !same.is_empty() || !other.is_empty() {
        order.extend(same.pop_front());
        order.extend(other.pop_front());
    }
    order
}

/// Happy Eyeballs (RFC 8305): starts an attempt per address, the next one 250 ms after the
/// previous or as soon as it fails, and keeps the first that connects (the others are
/// dropped). The error names every address with its failure.
async fn connect_first(addrs: &[SocketAddr]) -> Result<TcpStream, Cause> {
    let mut queue = interleave(addrs).into_iter();
    let mut running = JoinSet::new();
    let mut attempts = Vec::new();
    loop {
        if let Some(addr) = queue.next() {
            log::debug!("connecting to {addr}");
            running.spawn(async move { (addr, TcpStream::connect(addr).await) });
        }
        let delay = tokio::time::sleep(ATTEMPT_DELAY);
        tokio::pin!(delay);
        loop {
            tokio::select! {
                done = running.join_next() => match done {
                    Some(Ok((addr, Ok(stream)))) => {
                        log::debug!("TCP connected to {addr}");
                        // Small frames (pings, short messages) must not wait for Nagle.
                        let _ = stream.set_nodelay(true);
                        return Ok(stream);
                    }
                    Some(Ok((addr, Err(e)))) => {
                        log::debug!("TCP connect to {addr} failed: {}", io_reason(&e));
                        attempts.push((addr, e));
                        if running.is_empty() {
                            break; // nothing under way: the next address now
                        }
                    }
                    // An attempt's task panicked or was cancelled: like a failure without a cause.
                    Some(Err(_)) => {}
                    None if queue.len() == 0 => return Err(Cause::Connect { attempts }),
                    None => break,
                },
                _ = &mut delay, if queue.len() > 0 => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// A port that refuses connections: bound, then released.
    fn refused_addr() -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    }

    #[test]
    fn the_next_address_is_tried_after_a_refusal() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let good = listener.local_addr().unwrap();
        let bad = refused_addr();
        let stream = block_on(connect_first(&[bad, good])).unwrap();
        assert_eq!(stream.peer_addr().unwrap(), good);
    }

    #[test]
    fn families_are_interleaved_starting_with_the_first() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let (v6a, v6b, v4a, v4b, v4c) = (
            a("[::1]:1"),
            a("[::2]:1"),
            a("1.0.0.1:1"),
            a("1.0.0.2:1"),
            a("1.0.0.3:1"),
        );
        assert_eq!(
            interleave(&[v6a, v6b, v4a, v4b, v4c]),
            [v6a, v4a, v6b, v4b, v4c]
        );
        assert_eq!(interleave(&[v4a, v4b, v6a]), [v4a, v6a, v4b]);
        assert_eq!(interleave(&[]), Vec::<SocketAddr>::new());
    }

    /// A listener whose accept queue is full and never drained: further SYNs are dropped, so
    /// a connect to it hangs (it stands for a blackholed address).
    fn blackhole() -> (SocketAddr, Vec<std::net::TcpStream>) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        let listener = socket.listen(0).unwrap();
        let mut fillers = Vec::new();
        for _ in 0..8 {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
                Ok(stream) => fillers.push(stream),
                Err(_) => {
                    // Keep the listener (and its full queue) alive as long as the fillers.
                    std::mem::forget(listener);
                    return (addr, fillers);
                }
            }
        }
        panic!("the accept queue of {addr} never filled up");
    }

    #[test]
    fn a_blackholed_first_address_costs_one_attempt_delay() {
        block_on(async {
            let (hole, _fillers) = blackhole();
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let good = listener.local_addr().unwrap();
            let started = std::time::Instant::now();
            let stream = connect_first(&[hole, good]).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), good);
            let took = started.elapsed();
            assert!(
                took >= ATTEMPT_DELAY && took < Duration::from_secs(1),
                "took {took:?}"
            );
        });
    }

    #[test]
    fn every_failure_is_named() {
        let (a, b) = (refused_addr(), refused_addr());
        let Err(Cause::Connect { attempts }) = block_on(connect_first(&[a, b])) else {
            panic!("expected a connect failure");
        };
        let addrs: Vec<SocketAddr> = attempts.iter().map(|(addr, _)| *addr).collect();
        assert_eq!(addrs, [a, b]);
    }

    #[test]
    fn a_stage_past_the_deadline_names_itself() {
        let target = Target::parse("ws://127.0.0.1:1/").unwrap();
        let tls = TlsOptions::default();
        let trust = TrustPaths::from_environment();
        let attempt = Attempt {
            target: &target,
            unix_socket: None,
            proxy: None,
            tls: &tls,
            trust: &trust,
            deadline: Instant::now(),
            timeout: Duration::from_secs(3),
        };
        let never = std::future::pending::<Result<(), Cause>>();
        let error = block_on(attempt.within(Stage::Handshake, never)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "timed out after 3 s in the WebSocket handshake"
        );
    }
}
