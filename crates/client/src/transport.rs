//! The transport of one connection attempt, built stage by stage: resolve → TCP (every
//! address in turn, see `tcp`) → proxy tunnel (TLS to an `https://` proxy, then CONNECT) →
//! TLS, or a Unix domain socket → TLS. Every stage is bounded by the attempt's deadline and
//! fails with the [`Cause`] that names it.
use crate::error::{Cause, Stage};
use crate::proxy::{self, Proxy, ProxyAuth, ProxyError, ProxyKind, Socks5Target, Tunnelled};
use crate::socket::Socket;
use crate::stats::Negotiated;
use crate::target::Target;
use crate::tcp::{connect_first, resolve, Route};
use crate::tls::{self, Peer, TlsEnvironment, TlsError, TlsOptions};
use crate::trace::{trace, TraceEvent, TraceKind};
use rustls::HandshakeKind;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::UnixStream;
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

pin_project_lite::pin_project! {
    /// A stage bounded by the attempt's deadline ([`Attempt::within`]): its result, or
    /// [`Cause::Timeout`] naming the stage. A future of its own, not an `async fn`, which
    /// would keep the stage's future in its state twice (the argument and the awaited copy).
    pub(crate) struct Within<F> {
        #[pin]
        work: tokio::time::Timeout<F>,
        stage: Stage,
        after: Duration,
    }
}

impl<T, F: Future<Output = Result<T, Cause>>> Future for Within<F> {
    type Output = Result<T, Cause>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.work.poll(cx) {
            Poll::Ready(Ok(done)) => Poll::Ready(done),
            Poll::Ready(Err(_elapsed)) => Poll::Ready(Err(Cause::Timeout {
                stage: *this.stage,
                after: *this.after,
            })),
            Poll::Pending => Poll::Pending,
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
    /// The system trust store and key log, as the environment had them at connect.
    pub(crate) environment: &'a TlsEnvironment,
    /// How TCP connections are made (resolve overrides, source address, keepalive).
    pub(crate) route: Route<'a>,
    /// When the whole attempt (through the WebSocket handshake) must be done.
    pub(crate) deadline: Instant,
    /// The connect timeout the deadline came from, for messages.
    pub(crate) timeout: Duration,
    /// How long the last TCP connection to the proxy took (µs), for statistics.
    pub(crate) proxy_tcp_us: AtomicU64,
}

impl Attempt<'_> {
    /// Runs `stage` until the deadline.
    pub(crate) fn within<F>(&self, stage: Stage, work: F) -> Within<F>
    where
        F: Future,
    {
        Within {
            work: tokio::time::timeout_at(self.deadline, work),
            stage,
            after: self.timeout,
        }
    }

    /// The socket (a Unix socket, or TCP through the proxy if any), then TLS for wss://; with
    /// how long each stage took and what TLS negotiated.
    pub(crate) async fn open(&self) -> Result<(Transport, Negotiated), Cause> {
        let (host, port) = (&self.target.host, self.target.port);
        let mut setup = Negotiated::default();
        let mut started = Instant::now();
        let plain = match (self.unix_socket, self.proxy) {
            (Some(path), _) => {
                let socket = self.within(Stage::Connect, connect_unix(path)).await?;
                setup.tcp = started.elapsed();
                Transport::plain(socket)
            }
            (None, None) => {
                let addrs = self
                    .within(Stage::Dns, resolve(host, port, &self.route))
                    .await?;
                setup.dns = started.elapsed();
                self.trace_answer(host, &addrs);
                started = Instant::now();
                let tcp = connect_first(&addrs, &self.route);
                let socket = self.within(Stage::Connect, tcp).await?;
                setup.tcp = started.elapsed();
                Transport::plain(Socket::Tcp(socket))
            }
            (None, Some(proxy)) => {
                // Boxed, like the TLS handshake below: their state is large, and a plain
                // connection's attempt should not reserve room for it.
                let tunnel = self
                    .within(Stage::Proxy, Box::pin(self.tunnel(proxy)))
                    .await?;
                // The proxy's TCP connection is the TCP stage; the rest (resolving the
                // proxy, its TLS, the tunnel request) the proxy stage.
                setup.tcp = Duration::from_micros(self.proxy_tcp_us.load(Ordering::Relaxed));
                setup.proxy = started.elapsed().saturating_sub(setup.tcp);
                trace(self.route.tracer, || {
                    TraceEvent::new(TraceKind::ProxyTunnel, proxy.to_string())
                });
                tunnel
            }
        };
        if !self.target.secure {
            return Ok((plain, setup));
        }
        started = Instant::now();
        let handshake = async {
            let config = tls_config(self.tls, Peer::Server, self.environment)
                .await
                .map_err(Cause::Tls)?;
            let name = tls::server_name(host).map_err(Cause::Tls)?;
            log::debug!("TLS handshake with {host}");
            TlsConnector::from(config)
                .connect(name, plain)
                .await
                .map_err(|e| match tls_cause(e, "the TLS handshake failed") {
                    Cause::Tls(e) => Cause::Tls(e.offering(self.tls.versions())),
                    other => other,
                })
        };
        let stream = self.within(Stage::Tls, Box::pin(handshake)).await?;
        setup.tls = started.elapsed();
        log_established(host, &stream);
        let (_, session) = stream.get_ref();
        if let Some(version) = session.protocol_version() {
            setup.tls_version = format!("{version:?}");
        }
        if let Some(suite) = session.negotiated_cipher_suite() {
            setup.cipher_suite = format!("{:?}", suite.suite());
        }
        if let Some(alpn) = session.alpn_protocol() {
            setup.alpn = String::from_utf8_lossy(alpn).into_owned();
        }
        trace(self.route.tracer, || {
            let version = session.protocol_version().map_or(0, u16::from);
            let detail = format!("{} {}", setup.tls_version, setup.cipher_suite);
            TraceEvent::new(TraceKind::TlsEstablished, detail).with_code(u32::from(version))
        });
        Ok((Transport(Layer::Tls(Box::new(stream))), setup))
    }

    /// A connection to the proxy that now tunnels to the target.
    async fn tunnel(&self, proxy: &Proxy) -> Result<Transport, Cause> {
        let failed = |error| Cause::Proxy {
            proxy: proxy.to_string(),
            error,
        };
        let unreachable = |cause| failed(ProxyError::Unreachable(Box::new(cause)));
        log::debug!(
            "tunnel to {} through proxy {proxy}",
            self.target.authority()
        );
        let proxy_addrs = resolve(&proxy.host, proxy.port, &self.route)
            .await
            .map_err(unreachable)?;
        self.trace_answer(&proxy.host, &proxy_addrs);
        let remote_dns = match proxy.kind {
            ProxyKind::Http | ProxyKind::Https => {
                return self
                    .connect_tunnel(proxy, &proxy_addrs)
                    .await
                    .map_err(failed)
            }
            ProxyKind::Socks5 { remote_dns } => remote_dns,
        };
        let credentials = proxy.credentials.as_ref();
        let mut refusal = None;
        for target in self.socks5_targets(remote_dns).await? {
            let started = Instant::now();
            let mut tcp = connect_first(&proxy_addrs, &self.route)
                .await
                .map_err(unreachable)?;
            self.note_proxy_tcp(started);
            match proxy::socks5_tunnel(&mut tcp, &target, credentials).await {
                Ok(()) => {
                    log::debug!("proxy {proxy}: SOCKS5 tunnel open");
                    return Ok(Transport::plain(Socket::Tcp(tcp)));
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

    /// The CONNECT tunnel through an HTTP or HTTPS proxy, answering its authentication
    /// challenge once, on the same connection when the proxy keeps it, else on a new one.
    async fn connect_tunnel(
        &self,
        proxy: &Proxy,
        addrs: &[SocketAddr],
    ) -> Result<Transport, ProxyError> {
        let authority = self.target.authority();
        let mut auth = ProxyAuth::new(proxy.credentials.clone());
        let mut stream = self.proxy_connection(proxy, addrs).await?;
        // Whether `stream` already carried a request that the proxy answered.
        let mut reused = false;
        loop {
            match proxy::http_tunnel(&mut stream, &authority, &mut auth).await {
                Ok(Tunnelled::Open) => {
                    log::debug!("proxy {proxy}: CONNECT tunnel open");
                    return Ok(stream);
                }
                Ok(Tunnelled::Again { same_connection }) => {
                    reused = same_connection;
                    if !same_connection {
                        stream = self.proxy_connection(proxy, addrs).await?;
                    }
                }
                // The proxy closed the connection it had kept for the next request: that
                // request once more, on a new connection.
                Err(ProxyError::Closed | ProxyError::Io(_)) if reused => {
                    log::debug!("proxy {proxy} closed the connection: asking again on a new one");
                    reused = false;
                    stream = self.proxy_connection(proxy, addrs).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// TCP to the proxy, then TLS for an `https://` proxy (verified against the proxy CA if
    /// one is set, else as the server is; no ALPN, no client certificate).
    async fn proxy_connection(
        &self,
        proxy: &Proxy,
        addrs: &[SocketAddr],
    ) -> Result<Transport, ProxyError> {
        let started = Instant::now();
        let tcp = connect_first(addrs, &self.route)
            .await
            .map_err(|cause| ProxyError::Unreachable(Box::new(cause)))?;
        self.note_proxy_tcp(started);
        let plain = Transport::plain(Socket::Tcp(tcp));
        if proxy.kind != ProxyKind::Https {
            return Ok(plain);
        }
        let config = tls_config(self.tls, Peer::Proxy, self.environment)
            .await
            .map_err(ProxyError::Tls)?;
        let name = tls::server_name(&proxy.host).map_err(ProxyError::Tls)?;
        log::debug!("TLS handshake with proxy {proxy}");
        let stream = TlsConnector::from(config)
            .connect(name, plain)
            .await
            .map_err(|e| match tls::tls_failure(&e) {
                Some(failure) => ProxyError::Tls(failure),
                None => ProxyError::from(e),
            })?;
        log_established(&proxy.host, &stream);
        Ok(Transport(Layer::Tls(Box::new(stream))))
    }

    /// The trace event of a name resolved to `addrs`.
    fn trace_answer(&self, host: &str, addrs: &[SocketAddr]) {
        trace(self.route.tracer, || {
            let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            let detail = format!("{host}: {}", list.join(", "));
            TraceEvent::new(TraceKind::DnsAnswer, detail).with_length(addrs.len() as u64)
        });
    }

    /// A TCP connection to the proxy begun at `started` is up.
    fn note_proxy_tcp(&self, started: Instant) {
        let took = started.elapsed().as_micros() as u64;
        self.proxy_tcp_us.store(took, Ordering::Relaxed);
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
        let addrs = resolve(host, port, &self.route).await?;
        Ok(addrs.into_iter().map(Socks5Target::Addr).collect())
    }
}

/// The version, cipher suite and kind of a TLS handshake that succeeded (`resumed` tells
/// that session resumption worked).
fn log_established(host: &str, stream: &TlsStream<Transport>) {
    if log::log_enabled!(log::Level::Debug) {
        let (_, session) = stream.get_ref();
        log::debug!(
            "TLS with {host} established: {:?}, {:?}, {}",
            session.protocol_version(),
            session.negotiated_cipher_suite().map(|s| s.suite()),
            match session.handshake_kind() {
                Some(HandshakeKind::Resumed) => "resumed",
                _ => "full handshake",
            }
        );
    }
}

/// The rustls configuration for `peer`; reading a trust store from disk (once for each)
/// runs on a blocking thread, not on a worker that other connections share.
async fn tls_config(
    options: &TlsOptions,
    peer: Peer,
    environment: &TlsEnvironment,
) -> Result<std::sync::Arc<rustls::ClientConfig>, TlsError> {
    if options.is_ready(peer, environment) {
        return options.client_config(peer, environment);
    }
    let (options, environment) = (options.clone(), environment.clone());
    tokio::task::spawn_blocking(move || options.client_config(peer, &environment))
        .await
        .map_err(|e| TlsError::Setup(e.to_string()))?
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

    #[test]
    fn a_stage_past_the_deadline_names_itself() {
        let target = Target::parse("ws://127.0.0.1:1/").unwrap();
        let tls = TlsOptions::default();
        let environment = TlsEnvironment::capture();
        let attempt = Attempt {
            target: &target,
            unix_socket: None,
            proxy: None,
            tls: &tls,
            environment: &environment,
            route: Route::default(),
            deadline: Instant::now(),
            timeout: Duration::from_secs(3),
            proxy_tcp_us: AtomicU64::new(0),
        };
        let never = std::future::pending::<Result<(), Cause>>();
        // Made inside the runtime, as every stage is (its timer needs one).
        let error = block_on(async { attempt.within(Stage::Handshake, never).await }).unwrap_err();
        assert_eq!(
            error.to_string(),
            "timed out after 3 s in the WebSocket handshake"
        );
    }
}
