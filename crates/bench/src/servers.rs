//! The bench's servers: four child processes (`ws-bench --serve ws|raw|tls|tls-full`) started
//! once and shared by every workload, pinned to their own CPU, killed when [`Servers`] drops.
//! The TLS servers' certificate comes from a fresh test PKI in a temporary directory.
use crate::clients::{Client, Target};
use crate::serve::ServerKind;
use net_websocket_tools::pki::TestPki;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Longest wait for a server's LISTENING line.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// One running server.
pub struct Server {
    pub addr: SocketAddr,
    pub pid: u32,
    child: Child,
}

impl Server {
    fn start(kind: ServerKind, pki: &Path, cpu: Option<usize>) -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
        let mut command = Command::new(exe);
        command.args(["--serve", kind.name(), "--addr", "127.0.0.1:0"]);
        if kind.is_tls() {
            command.arg("--pki").arg(pki);
        }
        if let Some(cpu) = cpu {
            command.args(["--cpu", &cpu.to_string()]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the {} server: {e}", kind.name()))?;
        let pid = child.id();
        let stdout = child.stdout.take();
        let (line_tx, line_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            if let Some(stdout) = stdout {
                let _ = BufReader::new(stdout).read_line(&mut line);
            }
            let _ = line_tx.send(line);
        });
        let line = line_rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        match line.trim().strip_prefix("LISTENING ").map(str::parse) {
            Some(Ok(addr)) => Ok(Server { addr, pid, child }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "the {} server did not start: {line:?}",
                    kind.name()
                ))
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ws, raw, tls and tls-full servers, and the CA the TLS ones chain to.
pub struct Servers {
    pub ws: Server,
    pub raw: Server,
    pub tls: Server,
    /// TLS without session resumption.
    pub tls_full: Server,
    pki_dir: PathBuf,
}

impl Servers {
    /// Starts the four servers, pinned to `cpu` when given.
    pub fn start(cpu: Option<usize>) -> Result<Servers, String> {
        let pki_dir = std::env::temp_dir().join(format!("ws-bench-{}", std::process::id()));
        let pki = TestPki::generate().map_err(|e| format!("test PKI: {e}"))?;
        pki.write_to(&pki_dir)
            .map_err(|e| format!("test PKI: {e}"))?;
        let start = |kind| Server::start(kind, &pki_dir, cpu);
        match (
            start(ServerKind::Ws),
            start(ServerKind::Raw),
            start(ServerKind::Tls),
            start(ServerKind::TlsFull),
        ) {
            (Ok(ws), Ok(raw), Ok(tls), Ok(tls_full)) => Ok(Servers {
                ws,
                raw,
                tls,
                tls_full,
                pki_dir,
            }),
            (ws, raw, tls, tls_full) => {
                let _ = std::fs::remove_dir_all(&pki_dir);
                Err([ws.err(), raw.err(), tls.err(), tls_full.err()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; "))
            }
        }
    }

    /// The server `client` talks to: the raw echo for the raw clients, else the WebSocket
    /// echo, over TLS when `tls`.
    pub fn target(&self, client: Client, tls: bool) -> Target {
        let (server, ca_file) = if client.is_raw() {
            (&self.raw, None)
        } else if tls {
            (&self.tls, Some(self.pki_dir.join("ca.pem")))
        } else {
            (&self.ws, None)
        };
        Target {
            addr: server.addr,
            server_pid: server.pid,
            ca_file,
        }
    }

    /// The TLS server with session resumption (`resumption`) or without.
    pub fn tls_target(&self, resumption: bool) -> Target {
        let server = if resumption {
            &self.tls
        } else {
            &self.tls_full
        };
        Target {
            addr: server.addr,
            server_pid: server.pid,
            ca_file: Some(self.pki_dir.join("ca.pem")),
        }
    }

    /// "ws pid 12 at 127.0.0.1:40001, ..." for the header.
    pub fn describe(&self) -> String {
        [
            ("ws", &self.ws),
            ("raw", &self.raw),
            ("tls", &self.tls),
            ("tls-full", &self.tls_full),
        ]
        .iter()
        .map(|(name, s)| format!("{name} pid {} at {}", s.pid, s.addr))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.pki_dir);
    }
}
