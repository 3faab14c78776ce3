//! What the netws tests share: servers in this process on 127.0.0.1 (echo over ws:// and
//! wss://, scripted proxies with their logs, the test PKI on disk), and a bounded run of the
//! built binary with a clean environment.
use net_websocket_protocol::handshake::accept_request;
use net_websocket_tools::pki::TestPki;
use net_websocket_tools::proxy::{self, Config, HttpAuth, Mode, TunnelLog};
use net_websocket_tools::{echo, tls};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long one run of netws may take before the test kills it and fails.
const RUN_LIMIT: Duration = Duration::from_secs(20);

/// Variables of this machine that would put a proxy or another trust store between netws
/// and the test servers.
const ENVIRONMENT: [&str; 10] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// The servers of one test, on a runtime of their own that lives as long as the fixture.
pub struct Servers {
    runtime: tokio::runtime::Runtime,
    pki: Option<PathBuf>,
}

impl Servers {
    pub fn new() -> Servers {
        Servers {
            runtime: runtime(),
            pki: None,
        }
    }

    /// With a fresh test PKI in a directory named after the test.
    pub fn with_pki(test: &str) -> Servers {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("netws-pki-{test}"));
        TestPki::generate().unwrap().write_to(&dir).unwrap();
        Servers {
            runtime: runtime(),
            pki: Some(dir),
        }
    }

    /// A file of the test PKI, as an argument.
    pub fn file(&self, name: &str) -> String {
        let dir = self.pki.as_ref().expect("a fixture made with_pki");
        dir.join(name).to_str().unwrap().to_string()
    }

    fn listen(&self) -> tokio::net::TcpListener {
        let _entered = self.runtime.enter();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        tokio::net::TcpListener::from_std(listener).unwrap()
    }

    /// The echo server over ws://.
    pub fn echo(&self) -> SocketAddr {
        let listener = self.listen();
        let addr = listener.local_addr().unwrap();
        self.runtime.spawn(echo::serve(listener));
        addr
    }

    /// The echo server over wss:// with the PKI's `server.pem`, requiring a client
    /// certificate from the test CA when `client_ca`.
    pub fn tls_echo(&self, client_ca: bool) -> SocketAddr {
        let files = tls::TlsFiles {
            cert: self.file("server.pem").into(),
            key: self.file("server-key.pem").into(),
            client_ca: client_ca.then(|| self.file("ca.pem").into()),
        };
        let acceptor = tls::acceptor(&files).unwrap();
        let listener = self.listen();
        let addr = listener.local_addr().unwrap();
        self.runtime.spawn(echo::serve_tls(listener, acceptor));
        addr
    }

    /// A proxy of this mode, and the log lines of the tunnels it was asked for.
    pub fn proxy(&self, mode: Mode) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let log = lines.clone();
        let record = Arc::new(move |entry: &TunnelLog| log.lock().unwrap().push(entry.to_string()));
        let listener = self.listen();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            mode,
            credentials: None,
            auth: HttpAuth::Basic,
        };
        self.runtime.spawn(proxy::serve(listener, config, record));
        (addr, lines)
    }
}

/// One worker serves every test server: they trade a few small messages each.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

impl Servers {
    /// A server that shows whether the client closes as soon as its stdin ends: after the
    /// handshake it waits [`LATE_AFTER`]. A client that sent something by then (with an empty
    /// stdin, that can only be its close) gets the close reply 1000 and nothing else; any
    /// other gets the text message "late" first, then the reply to its close.
    pub fn late(&self) -> SocketAddr {
        let listener = self.listen();
        let addr = listener.local_addr().unwrap();
        self.runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(late_message(stream));
            }
        });
        addr
    }
}

/// How long [`Servers::late`] waits before its message.
const LATE_AFTER: Duration = Duration::from_millis(300);

async fn late_message(mut stream: tokio::net::TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let accepted = loop {
        if stream.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
        if let Ok(Some(accepted)) = accept_request(&buf, false) {
            break accepted;
        }
    };
    stream.write_all(&accepted.response).await?;
    let mut byte = [0u8; 1];
    let closed_at_once = tokio::time::timeout(LATE_AFTER, stream.read(&mut byte))
        .await
        .is_ok();
    if !closed_at_once {
        // FIN + text, 4 bytes; then wait for the client's close.
        stream.write_all(b"\x81\x04late").await?;
        stream.read_exact(&mut byte).await?;
    }
    // FIN + close, code 1000; then the server ends TCP first (RFC 6455 §7.1.1) and reads
    // until the client does, so no unread byte turns our FIN into a reset.
    stream.write_all(&[0x88, 0x02, 0x03, 0xe8]).await?;
    stream.shutdown().await?;
    let mut rest = [0u8; 256];
    while stream.read(&mut rest).await? > 0 {}
    Ok(())
}

impl Drop for Servers {
    fn drop(&mut self) {
        if let Some(dir) = &self.pki {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A port on 127.0.0.1 that nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// How a run of netws ended.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Output {
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("UTF-8 on stdout")
    }
}

/// One run of the binary: arguments, what stdin gets, and whether stdin stays open (so
/// that only `--count`, the server or a failure can end the session).
pub struct Netws {
    command: Command,
    stdin: Vec<u8>,
    keep_stdin_open: bool,
    /// Close our end of stdout after reading this many bytes, as `head` does.
    stdout_limit: Option<u64>,
}

impl Netws {
    pub fn new<S: AsRef<str>>(args: &[S]) -> Netws {
        let mut command = Command::new(env!("CARGO_BIN_EXE_netws"));
        command.args(args.iter().map(AsRef::as_ref));
        for name in ENVIRONMENT {
            command.env_remove(name);
        }
        Netws {
            command,
            stdin: Vec::new(),
            keep_stdin_open: false,
            stdout_limit: None,
        }
    }

    pub fn stdin(mut self, input: &[u8]) -> Netws {
        self.stdin = input.to_vec();
        self
    }

    pub fn keep_stdin_open(mut self) -> Netws {
        self.keep_stdin_open = true;
        self
    }

    pub fn close_stdout_after(mut self, bytes: u64) -> Netws {
        self.stdout_limit = Some(bytes);
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Netws {
        self.command.env(name, value);
        self
    }

    /// The command, with its arguments and environment, for a test that drives the pipes
    /// itself (stdin, stdout limit and the run's time limit are then its own).
    pub fn into_command(self) -> Command {
        self.command
    }

    /// Runs netws to its end, killing it (and failing the test) after [`RUN_LIMIT`].
    pub fn run(mut self) -> Output {
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("netws starts");
        let mut stdin = child.stdin.take().unwrap();
        // netws may end before it reads everything (a usage error, --count): not our failure.
        let _ = stdin.write_all(&self.stdin);
        let held = self.keep_stdin_open.then_some(stdin);
        let stdout = drain(child.stdout.take().unwrap(), self.stdout_limit);
        let stderr = drain(child.stderr.take().unwrap(), None);
        let code = wait(&mut child);
        drop(held);
        let stdout = stdout.join().unwrap();
        let stderr = String::from_utf8(stderr.join().unwrap()).expect("UTF-8 on stderr");
        let Some(code) = code else {
            panic!(
                "netws did not end within {RUN_LIMIT:?}; stdout {:?}, stderr {stderr:?}",
                String::from_utf8_lossy(&stdout)
            );
        };
        Output {
            code,
            stdout,
            stderr,
        }
    }
}

/// Reads a pipe to its end (or up to `limit` bytes, then closes it) on a thread of its own,
/// so a full pipe never blocks netws.
fn drain(pipe: impl Read + Send + 'static, limit: Option<u64>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.take(limit.unwrap_or(u64::MAX)).read_to_end(&mut bytes);
        bytes
    })
}

/// The exit status, or `None` (after killing it) if netws outlived [`RUN_LIMIT`].
fn wait(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + RUN_LIMIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.code().expect("an exit status, not a signal"));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
