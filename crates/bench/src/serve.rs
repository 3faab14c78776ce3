//! `ws-bench --serve ws|raw|tls|tls-full --addr ADDR [--pki DIR] [--cpu N]`: one benchmark
//! server on a current-thread tokio runtime (one thread), pinned to CPU N, printing `LISTENING
//! addr` like the other tools. `ws` is the project's echo server, `tls` the same over TLS with
//! the test PKI's `server.pem` in DIR, `tls-full` that TLS server without session resumption
//! (every handshake full), `raw` a plain TCP echo that writes back each read in one write.
use crate::system;
use net_websocket_tools::cli;
use net_websocket_tools::echo;
use net_websocket_tools::tls::{self, ServerTls, TlsFiles};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// Accept queue length: the idle workload opens thousands of connections at once (the kernel
/// caps it at net.core.somaxconn).
const LISTEN_BACKLOG: u32 = 16 * 1024;
/// The raw echo's read buffer, the size the WebSocket echo server reads with.
const RAW_READ_BUFFER: usize = 64 * 1024;

/// Which server to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    Ws,
    Raw,
    Tls,
    /// TLS without session resumption.
    TlsFull,
}

impl ServerKind {
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Ws => "ws",
            ServerKind::Raw => "raw",
            ServerKind::Tls => "tls",
            ServerKind::TlsFull => "tls-full",
        }
    }

    pub fn parse(name: &str) -> Result<ServerKind, String> {
        [
            ServerKind::Ws,
            ServerKind::Raw,
            ServerKind::Tls,
            ServerKind::TlsFull,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
        .ok_or_else(|| format!("unknown server {name:?} (ws, raw, tls or tls-full)"))
    }

    /// Whether it speaks TLS (and needs the PKI).
    pub fn is_tls(self) -> bool {
        matches!(self, ServerKind::Tls | ServerKind::TlsFull)
    }
}

/// What `--serve` was given.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub kind: ServerKind,
    pub addr: SocketAddr,
    /// The test PKI directory (tls only).
    pub pki: Option<PathBuf>,
    pub cpu: Option<usize>,
}

/// Runs the server until the bench kills it (or dies: the kernel then kills us).
pub fn serve(options: ServeOptions) -> Result<(), String> {
    system::die_with_parent();
    // Benchmark traffic stays on this machine.
    if !options.addr.ip().is_loopback() {
        return Err(format!("--addr {}: only loopback addresses", options.addr));
    }
    if let Some(cpu) = options.cpu {
        system::pin_to_cpu(cpu)?;
    }
    let acceptor = match (options.kind.is_tls(), &options.pki) {
        (true, Some(dir)) => {
            let files = TlsFiles {
                cert: dir.join("server.pem"),
                key: dir.join("server-key.pem"),
                client_ca: None,
            };
            let how = ServerTls {
                resumption: options.kind == ServerKind::Tls,
                ..ServerTls::default()
            };
            Some(tls::acceptor_with(&files, &how).map_err(|e| e.to_string())?)
        }
        (true, None) => return Err(format!("--serve {} needs --pki DIR", options.kind.name())),
        (false, _) => None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async {
        let listener = listen(options.addr)?;
        cli::announce_listening(listener.local_addr().map_err(|e| e.to_string())?);
        match (options.kind, acceptor) {
            (ServerKind::Raw, _) => raw_echo(listener).await,
            (_, Some(acceptor)) => echo::serve_tls(listener, acceptor).await,
            (_, None) => echo::serve(listener).await,
        }
        Ok(())
    })
}

fn listen(addr: SocketAddr) -> Result<TcpListener, String> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|e| format!("socket: {e}"))?;
    socket
        .set_reuseaddr(true)
        .map_err(|e| format!("SO_REUSEADDR: {e}"))?;
    socket.bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    socket
        .listen(LISTEN_BACKLOG)
        .map_err(|e| format!("listen {addr}: {e}"))
}

/// Echoes bytes on every connection: one write per read.
async fn raw_echo(listener: TcpListener) {
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(echo_bytes(stream));
        }
    }
}

async fn echo_bytes(mut stream: TcpStream) {
    let mut buf = vec![0; RAW_READ_BUFFER];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}
