//! The idle-connections workload: N connections opened to the echo server at once and then
//! left idle. Each measurement runs in a fresh process (`ws-bench --idle-client ...`), so its
//! RSS and thread count are those of one client alone; it prints one `IDLE key=value ...`
//! line that the bench parses.
//!
//! Measured: the time to open connections 2..=N after the first (handshakes/s), RSS and
//! threads with one connection and with N, the CPU used while they sit idle, and the threads
//! left after that (helper threads the library started may have exited by then).
use crate::clients::{Client, Target};
use crate::measure::Idle;
use crate::system;
use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod fastws;
mod ours;
mod raw;
mod tasks;
mod tungstenite;

/// Longest wait for all N connections to open.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(60);

/// What a worker measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    /// Time to open connections 2..=N.
    pub connect: Duration,
    pub rss_one_kib: u64,
    pub rss_all_kib: u64,
    pub threads_one: u64,
    pub threads_all: u64,
    pub threads_idle: u64,
    pub idle_cpu: Duration,
    pub idle_wall: Duration,
}

const FIELDS: [&str; 8] = [
    "connect_s",
    "rss_one_kib",
    "rss_all_kib",
    "threads_one",
    "threads_all",
    "threads_idle",
    "idle_cpu_s",
    "idle_wall_s",
];

impl Report {
    fn line(&self) -> String {
        let values = [
            self.connect.as_secs_f64(),
            self.rss_one_kib as f64,
            self.rss_all_kib as f64,
            self.threads_one as f64,
            self.threads_all as f64,
            self.threads_idle as f64,
            self.idle_cpu.as_secs_f64(),
            self.idle_wall.as_secs_f64(),
        ];
        let pairs: Vec<String> = FIELDS
            .iter()
            .zip(values)
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        format!("IDLE {}", pairs.join(" "))
    }

    fn parse(line: &str) -> Result<Report, String> {
        let rest = line
            .strip_prefix("IDLE ")
            .ok_or_else(|| format!("not an IDLE line: {line:?}"))?;
        let mut values = [0.0; FIELDS.len()];
        for pair in rest.split_whitespace() {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let i = FIELDS
                .iter()
                .position(|f| *f == name)
                .ok_or_else(|| format!("unknown field {name:?} in {line:?}"))?;
            values[i] = value
                .parse()
                .map_err(|_| format!("bad value {value:?} in {line:?}"))?;
        }
        let [connect, rss_one, rss_all, threads_one, threads_all, threads_idle, cpu, wall] = values;
        Ok(Report {
            connect: Duration::from_secs_f64(connect),
            rss_one_kib: rss_one as u64,
            rss_all_kib: rss_all as u64,
            threads_one: threads_one as u64,
            threads_all: threads_all as u64,
            threads_idle: threads_idle as u64,
            idle_cpu: Duration::from_secs_f64(cpu),
            idle_wall: Duration::from_secs_f64(wall),
        })
    }

    fn summary(&self, connections: u64) -> Idle {
        let added = connections.saturating_sub(1).max(1) as f64;
        Idle {
            handshakes_per_s: added / self.connect.as_secs_f64().max(1e-9),
            rss_per_conn_kib: self.rss_all_kib.saturating_sub(self.rss_one_kib) as f64 / added,
            threads_one: self.threads_one,
            threads_all: self.threads_all,
            threads_idle: self.threads_idle,
            idle_cpu_percent: self.idle_cpu.as_secs_f64() * 100.0
                / self.idle_wall.as_secs_f64().max(1e-9),
        }
    }
}

/// A worker's notes after its first connection opened: the measurements run from here.
struct FirstOpen {
    threads_one: u64,
    rss_one_kib: u64,
    started: Instant,
}

/// A worker's notes once all its connections opened: the idle period starts.
struct AllOpen {
    first: FirstOpen,
    connect: Duration,
    threads_all: u64,
    rss_all_kib: u64,
    cpu: Duration,
    wall: Instant,
}

impl FirstOpen {
    fn now() -> FirstOpen {
        FirstOpen {
            threads_one: system::thread_count(),
            rss_one_kib: system::rss_kib(),
            started: Instant::now(),
        }
    }

    fn all_open(self) -> AllOpen {
        AllOpen {
            connect: self.started.elapsed(),
            threads_all: system::thread_count(),
            rss_all_kib: system::rss_kib(),
            cpu: system::process_cpu_time(),
            wall: Instant::now(),
            first: self,
        }
    }
}

impl AllOpen {
    /// The report, at the end of the idle period.
    fn after_idle(self) -> Report {
        Report {
            connect: self.connect,
            rss_one_kib: self.first.rss_one_kib,
            rss_all_kib: self.rss_all_kib,
            threads_one: self.first.threads_one,
            threads_all: self.threads_all,
            threads_idle: system::thread_count(),
            idle_cpu: system::process_cpu_time() - self.cpu,
            idle_wall: self.wall.elapsed(),
        }
    }
}

/// The `--idle-client` name of a client that has an idle worker.
fn worker_name(client: Client) -> Result<&'static str, String> {
    match client {
        Client::Ours(_) => Ok("ours"),
        Client::FastWebSockets => Ok("fastwebsockets"),
        Client::TokioTungstenite => Ok("tokio-tungstenite"),
        Client::RawTcp => Ok("raw"),
        other => Err(format!("no idle-connections worker for {}", other.label())),
    }
}

/// Runs one idle measurement of `client` in a fresh process.
pub fn measure(
    client: Client,
    target: &Target,
    connections: u64,
    idle: Duration,
) -> Result<Idle, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut command = Command::new(exe);
    command
        .args(["--idle-client", worker_name(client)?])
        .args(["--addr", &target.addr.to_string()])
        .args(["--connections", &connections.to_string()])
        .args(["--idle-seconds", &idle.as_secs_f64().to_string()]);
    if let Some(ca_file) = &target.ca_file {
        command.arg("--ca").arg(ca_file);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the idle worker: {e}"))?;
    let deadline = Instant::now() + OPEN_TIMEOUT + idle + Duration::from_secs(30);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("the idle worker did not finish in time".to_string());
            }
            Err(e) => return Err(format!("waiting for the idle worker: {e}")),
        }
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    if !status.success() {
        return Err(format!("idle worker {status}: {}", stderr.trim()));
    }
    let line = stdout
        .lines()
        .find(|l| l.starts_with("IDLE "))
        .unwrap_or("");
    Ok(Report::parse(line)?.summary(connections))
}

/// The worker: measures `connections` idle connections of `client` (over wss:// trusting
/// `ca_file` when given) and prints the report.
pub fn worker(
    client: &str,
    addr: SocketAddr,
    ca_file: Option<&Path>,
    connections: u64,
    idle: Duration,
) -> Result<(), String> {
    if connections == 0 {
        return Err("--connections must be at least 1".to_string());
    }
    // Benchmark traffic stays on this machine.
    if !addr.ip().is_loopback() {
        return Err(format!("--addr {addr}: only loopback addresses"));
    }
    let report = match (client, ca_file) {
        ("ours", _) => ours::run(addr, ca_file, connections, idle)?,
        ("fastwebsockets", None) => fastws::run(addr, connections, idle)?,
        ("raw", None) => raw::run(addr, connections, idle)?,
        ("tokio-tungstenite", Some(ca_file)) => tungstenite::run(addr, ca_file, connections, idle)?,
        (other, Some(_)) => return Err(format!("no wss:// idle worker for {other:?}")),
        (other, None) => return Err(format!("no ws:// idle worker for {other:?}")),
    };
    println!("{}", report.line());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_line_round_trips_and_summarises() {
        let report = Report {
            connect: Duration::from_millis(500),
            rss_one_kib: 10_000,
            rss_all_kib: 11_000,
            threads_one: 4,
            threads_all: 6,
            threads_idle: 4,
            idle_cpu: Duration::from_millis(10),
            idle_wall: Duration::from_secs(10),
        };
        assert_eq!(Report::parse(&report.line()), Ok(report));
        let idle = report.summary(1001);
        assert_eq!(idle.handshakes_per_s, 2000.0);
        assert_eq!(idle.rss_per_conn_kib, 1.0);
        assert!((idle.idle_cpu_percent - 0.1).abs() < 1e-9);
        assert!(Report::parse("IDLE nonsense=1").is_err());
    }
}
