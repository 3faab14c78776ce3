//! The clients ws-bench compares, behind one interface: a throughput run (a window of
//! messages in flight) and a ping-pong run, each against a [`Target`] server.
//!
//! Every client connects, runs a warm-up on the same connection, then the measured run, and
//! closes. Every wait is bounded by [`CONNECT_TIMEOUT`] or [`RUN_TIMEOUT`].
use crate::measure::{Handshakes, Latency, Throughput};
use crate::payload::Payload;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

mod busy;
pub mod capi;
mod fastws;
mod handshake;
pub mod ours;
mod ours_async;
mod raw;
mod streams;
mod tungstenite;
mod window;

pub use fastws::open_idle as fastws_open_idle;
pub use tungstenite::{
    open_idle_tls as tungstenite_open_idle_tls, tls_connector as tungstenite_tls_connector,
};

/// Longest wait for a connection (TCP, TLS and the opening handshake).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a warm-up or measured run may take.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// A server to run against.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    /// Whose CPU time the measurement reports.
    pub server_pid: u32,
    /// Set for the TLS server: the CA its certificate chains to.
    pub ca_file: Option<PathBuf>,
}

impl Target {
    /// `ws://ADDR/`, or `wss://ADDR/` for the TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.ca_file.is_some() { "wss" } else { "ws" };
        format!("{scheme}://{}/", self.addr)
    }
}

/// Most messages in one measured run.
const MAX_MESSAGES: u64 = 20_000_000;

/// What a throughput run sends.
#[derive(Debug, Clone, Copy)]
pub struct ThroughputRun<'a> {
    pub payload: &'a Payload,
    /// Messages in flight: W are sent at once, then one more per echo received.
    pub window: u64,
    /// Connections, each with its own window (all the messages' counts are over all of
    /// them).
    pub connections: u64,
    /// Messages in the warm-up run; its pace sizes the measured run.
    pub warmup: u64,
    /// About how long the measured run should take.
    pub duration: Duration,
}

impl ThroughputRun<'_> {
    /// Messages for the measured run, given how long the warm-up took: enough for about
    /// `duration` at the warm-up's pace, and at least two windows (of every connection).
    pub fn messages_after(&self, warmup: Duration) -> u64 {
        let per_second = self.warmup as f64 / warmup.as_secs_f64().max(1e-6);
        let messages = (per_second * self.duration.as_secs_f64()) as u64;
        messages.clamp(2 * self.window * self.connections, MAX_MESSAGES)
    }
}

/// The clients, as the tables name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// The C API of this project.
    Ours(ours::Mode),
    /// The async Rust API of this project (`connect_async`) as `Sink` + `Stream`.
    OursAsync,
    /// The async Rust API, borrowed: `feed_ref` and `recv_ref`.
    OursAsyncRef,
    FastWebSockets,
    TokioTungstenite,
    /// Plain TCP to the raw echo server, one write per message.
    RawTcp,
    /// Plain TCP, every message the window allows in one write.
    RawTcpBatched,
}

/// The C API; the message callback sends the next message.
pub const OURS_CALLBACK: Client = Client::Ours(ours::Mode {
    sender: ours::Sender::Callback,
    compression: false,
});
/// The C API; the application's thread sends, woken by the callback.
pub const OURS_APP_THREAD: Client = Client::Ours(ours::Mode {
    sender: ours::Sender::AppThread,
    compression: false,
});
/// The C API with permessage-deflate; the callback sends.
pub const OURS_DEFLATE: Client = Client::Ours(ours::Mode {
    sender: ours::Sender::Callback,
    compression: true,
});

impl Client {
    pub fn label(self) -> &'static str {
        match self {
            Client::Ours(mode) => match (mode.sender, mode.compression) {
                (ours::Sender::Callback, false) => "ours (callback)",
                (ours::Sender::AppThread, false) => "ours (app thread)",
                (ours::Sender::Callback, true) => "ours + deflate",
                (ours::Sender::AppThread, true) => "ours + deflate (app thread)",
            },
            Client::OursAsync => "ours (async Rust)",
            Client::OursAsyncRef => "ours (async, borrowed)",
            Client::FastWebSockets => "fastwebsockets",
            Client::TokioTungstenite => "tokio-tungstenite",
            Client::RawTcp => "raw TCP",
            Client::RawTcpBatched => "raw TCP batched",
        }
    }

    /// The name `--clients` knows it by.
    pub fn name(self) -> &'static str {
        match self {
            Client::Ours(mode) => match (mode.sender, mode.compression) {
                (ours::Sender::Callback, false) => "ours",
                (ours::Sender::AppThread, false) => "ours-app",
                (ours::Sender::Callback, true) => "ours-deflate",
                (ours::Sender::AppThread, true) => "ours-deflate-app",
            },
            Client::OursAsync => "ours-async",
            Client::OursAsyncRef => "ours-async-ref",
            Client::FastWebSockets => "fastwebsockets",
            Client::TokioTungstenite => "tokio-tungstenite",
            Client::RawTcp => "raw",
            Client::RawTcpBatched => "raw-batched",
        }
    }

    /// The raw clients talk to the raw TCP echo server, the others to a WebSocket one.
    pub fn is_raw(self) -> bool {
        matches!(self, Client::RawTcp | Client::RawTcpBatched)
    }

    pub fn throughput(self, target: &Target, run: &ThroughputRun) -> Result<Throughput, String> {
        if run.connections > 1 {
            return self.busy(target, run);
        }
        match self {
            Client::Ours(mode) => ours::throughput(target, run, mode),
            Client::OursAsync => ours_async::throughput(target, run, ours_async::Api::SinkStream),
            Client::OursAsyncRef => ours_async::throughput(target, run, ours_async::Api::Borrowed),
            Client::FastWebSockets => fastws::throughput(target, run),
            Client::TokioTungstenite => tungstenite::throughput(target, run),
            Client::RawTcp => raw::throughput(target, run, false),
            Client::RawTcpBatched => raw::throughput(target, run, true),
        }
    }

    /// A throughput run over many connections, a task (or, for the C API, a connection) each.
    fn busy(self, target: &Target, run: &ThroughputRun) -> Result<Throughput, String> {
        match self {
            Client::Ours(mode) => ours::busy(target, run, mode),
            Client::OursAsync => ours_async::busy(target, run, ours_async::Api::SinkStream),
            Client::OursAsyncRef => ours_async::busy(target, run, ours_async::Api::Borrowed),
            Client::FastWebSockets => fastws::busy(target, run),
            Client::TokioTungstenite => tungstenite::busy(target, run),
            Client::RawTcp => raw::busy(target, run),
            Client::RawTcpBatched => Err("raw TCP batched does not run busy workloads".into()),
        }
    }

    /// `round_trips` measured ping-pongs of `size` bytes after `warmup` unmeasured ones (with
    /// one message in flight, both raw clients are the same).
    pub fn latency(
        self,
        target: &Target,
        size: usize,
        round_trips: u64,
        warmup: u64,
    ) -> Result<Latency, String> {
        let payload = crate::payload::pattern(size);
        let nanos = match self {
            Client::Ours(mode) => ours::round_trips(target, &payload, mode, round_trips, warmup),
            Client::OursAsync => ours_async::round_trips(
                target,
                &payload,
                round_trips,
                warmup,
                ours_async::Api::SinkStream,
            ),
            Client::OursAsyncRef => ours_async::round_trips(
                target,
                &payload,
                round_trips,
                warmup,
                ours_async::Api::Borrowed,
            ),
            Client::FastWebSockets => fastws::round_trips(target, &payload, round_trips, warmup),
            Client::TokioTungstenite => {
                tungstenite::round_trips(target, &payload, round_trips, warmup)
            }
            Client::RawTcp | Client::RawTcpBatched => {
                raw::round_trips(target, &payload, round_trips, warmup)
            }
        }?;
        Latency::from_round_trips(nanos)
    }
}

impl Client {
    /// `count` wss:// connections one after another to `full` (a server that never resumes
    /// a session) and to `resumed` (one that does).
    pub fn handshakes(
        self,
        full: &Target,
        resumed: &Target,
        count: u64,
    ) -> Result<Handshakes, String> {
        match self {
            Client::OursAsync => Ok(Handshakes {
                full: ours_async::handshakes(full, count)?,
                resumed: ours_async::handshakes(resumed, count)?,
            }),
            other => Err(format!(
                "{} does not run the handshake workload",
                other.label()
            )),
        }
    }
}

/// A one-thread tokio runtime, as the peers run in their benchmarks.
pub fn current_thread_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

/// `future`, or an error naming `what` after `limit`.
pub async fn within<T>(
    limit: Duration,
    what: &str,
    future: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| Err(format!("{what} timed out after {} s", limit.as_secs())))
}
