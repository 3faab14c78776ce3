//! A connection's statistics: counted by the session core ([`crate::session`]) and by the
//! connection's setup, kept in atomics so that any thread reads them at any time without a
//! lock on the data path (a field may be a moment older than another; none is ever torn).
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// What a connection did so far; counters restart at each open (reconnections included),
/// except `reconnects`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frame bytes written (headers, masks, payloads; control frames included; not the HTTP
    /// handshake, not TLS overhead).
    pub bytes_sent: u64,
    /// Frame bytes received, as `bytes_sent`.
    pub bytes_received: u64,
    /// Application bytes of data messages sent, before compression.
    pub payload_bytes_sent: u64,
    /// Application bytes of data messages received, after decompression.
    pub payload_bytes_received: u64,
    /// Messages encoded for the socket (a message sent in fragments counts at its last).
    pub messages_sent: u64,
    /// Messages handed to the application (in fragments: at the last one).
    pub messages_received: u64,
    /// Data frames sent, continuations included, control frames not.
    pub frames_sent: u64,
    /// Data frames received, as `frames_sent`.
    pub frames_received: u64,
    /// Pings sent: the caller's and keepalive's.
    pub pings_sent: u64,
    /// Pongs received.
    pub pongs_received: u64,
    /// The last ping→pong time (zero before any).
    pub rtt: Duration,
    /// The smoothed round-trip time (RFC 6298 §2's SRTT) of the pongs so far.
    pub smoothed_rtt: Duration,
    /// The stages of the attempt that opened the connection. DNS: resolving the server's name
    /// (zero through a proxy, which resolves it).
    pub dns: Duration,
    /// TCP: connecting to the server (or the proxy; a Unix socket's connect).
    pub tcp: Duration,
    /// The proxy: resolving it, its TLS for https:// proxies, the tunnel request (zero
    /// without a proxy).
    pub proxy: Duration,
    /// TLS with the server (zero for ws://).
    pub tls: Duration,
    /// The opening handshake (HTTP Upgrade request to 101 response).
    pub handshake: Duration,
    /// Since the connection opened (zero before, and once its close handshake is over or it
    /// failed).
    pub open_for: Duration,
    /// Successful reopenings by reconnection.
    pub reconnects: u64,
    /// Bytes accepted by send calls and not yet encoded.
    pub queued_bytes: u64,
    /// The negotiated TLS version ("TLSv1_3"); empty for ws://.
    pub tls_version: String,
    /// The negotiated cipher suite ("TLS13_AES_256_GCM_SHA384"); empty for ws://.
    pub cipher_suite: String,
    /// The ALPN protocol agreed with the server; empty when none.
    pub alpn: String,
    /// The subprotocol the server selected, empty when none.
    pub subprotocol: String,
    /// The Sec-WebSocket-Extensions the server accepted, as it sent them; empty when none.
    pub extensions: String,
}

/// What the connection was set up with: stage durations and what was negotiated, filled in
/// by the stages (transport, then opening handshake) that learn them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Negotiated {
    pub(crate) dns: Duration,
    pub(crate) tcp: Duration,
    pub(crate) proxy: Duration,
    pub(crate) tls: Duration,
    pub(crate) handshake: Duration,
    pub(crate) tls_version: String,
    pub(crate) cipher_suite: String,
    pub(crate) alpn: String,
    pub(crate) subprotocol: String,
    pub(crate) extensions: String,
}

/// The live counters of one client (handle API) or connection (async API), shared by the
/// session that counts and whoever reads.
#[derive(Default)]
pub(crate) struct Meter {
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    payload_sent: AtomicU64,
    payload_received: AtomicU64,
    messages_sent: AtomicU64,
    messages_received: AtomicU64,
    frames_sent: AtomicU64,
    frames_received: AtomicU64,
    pings_sent: AtomicU64,
    pongs_received: AtomicU64,
    rtt_us: AtomicU64,
    smoothed_rtt_us: AtomicU64,
    /// When the connection opened, in µs after [`epoch`] plus one; 0: not open.
    opened_at: AtomicU64,
    /// Connections opened so far.
    opens: AtomicU64,
    /// Written at each open only, never on the data path.
    negotiated: Mutex<Negotiated>,
}

/// The origin of [`Meter::opened_at`].
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros(d: Duration) -> u64 {
    d.as_micros().min(u128::from(u64::MAX)) as u64
}

impl Meter {
    /// A connection opened at `now`: every counter starts again from zero, and the open is
    /// counted (a reconnection after the first).
    pub(crate) fn restart(&self, now: Instant) {
        for counter in [
            &self.bytes_sent,
            &self.bytes_received,
            &self.payload_sent,
            &self.payload_received,
            &self.messages_sent,
            &self.messages_received,
            &self.frames_sent,
            &self.frames_received,
            &self.pings_sent,
            &self.pongs_received,
            &self.rtt_us,
            &self.smoothed_rtt_us,
        ] {
            counter.store(0, Relaxed);
        }
        let at = micros(now.saturating_duration_since(epoch())) + 1;
        self.opened_at.store(at, Relaxed);
        self.opens.fetch_add(1, Relaxed);
    }

    /// What the connection that opened was set up with.
    pub(crate) fn set_negotiated(&self, negotiated: Negotiated) {
        *self.negotiated.lock().unwrap_or_else(|e| e.into_inner()) = negotiated;
    }

    /// The connection is over.
    pub(crate) fn closed(&self) {
        self.opened_at.store(0, Relaxed);
    }

    pub(crate) fn set_tally(&self, tally: net_websocket_protocol::Tally) {
        self.bytes_sent.store(tally.bytes_sent, Relaxed);
        self.bytes_received.store(tally.bytes_received, Relaxed);
        self.frames_sent.store(tally.frames_sent, Relaxed);
        self.frames_received.store(tally.frames_received, Relaxed);
    }

    pub(crate) fn add_sent(&self, payload: usize, messages: u64) {
        self.payload_sent.fetch_add(payload as u64, Relaxed);
        self.messages_sent.fetch_add(messages, Relaxed);
    }

    pub(crate) fn add_received(&self, payload: usize, messages: u64) {
        self.payload_received.fetch_add(payload as u64, Relaxed);
        self.messages_received.fetch_add(messages, Relaxed);
    }

    pub(crate) fn add_ping(&self) {
        self.pings_sent.fetch_add(1, Relaxed);
    }

    /// A pong came; `rtt`: its round trip and the smoothed one, when it answered a ping of ours.
    pub(crate) fn add_pong(&self, rtt: Option<(Duration, Duration)>) {
        self.pongs_received.fetch_add(1, Relaxed);
        if let Some((last, smoothed)) = rtt {
            self.rtt_us.store(micros(last), Relaxed);
            self.smoothed_rtt_us.store(micros(smoothed), Relaxed);
        }
    }

    /// The statistics at `now`, with `queued_bytes` (known to the caller's API).
    pub(crate) fn snapshot(&self, now: Instant, queued_bytes: u64) -> Stats {
        let get = |counter: &AtomicU64| counter.load(Relaxed);
        let opened_at = get(&self.opened_at);
        let open_for = match opened_at {
            0 => Duration::ZERO,
            at => now
                .saturating_duration_since(epoch())
                .saturating_sub(Duration::from_micros(at - 1)),
        };
        let negotiated = self
            .negotiated
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Stats {
            bytes_sent: get(&self.bytes_sent),
            bytes_received: get(&self.bytes_received),
            payload_bytes_sent: get(&self.payload_sent),
            payload_bytes_received: get(&self.payload_received),
            messages_sent: get(&self.messages_sent),
            messages_received: get(&self.messages_received),
            frames_sent: get(&self.frames_sent),
            frames_received: get(&self.frames_received),
            pings_sent: get(&self.pings_sent),
            pongs_received: get(&self.pongs_received),
            rtt: Duration::from_micros(get(&self.rtt_us)),
            smoothed_rtt: Duration::from_micros(get(&self.smoothed_rtt_us)),
            dns: negotiated.dns,
            tcp: negotiated.tcp,
            proxy: negotiated.proxy,
            tls: negotiated.tls,
            handshake: negotiated.handshake,
            open_for,
            reconnects: get(&self.opens).saturating_sub(1),
            queued_bytes,
            tls_version: negotiated.tls_version,
            cipher_suite: negotiated.cipher_suite,
            alpn: negotiated.alpn,
            subprotocol: negotiated.subprotocol,
            extensions: negotiated.extensions,
        }
    }
}

/// RFC 6298 §2's smoothed round-trip time (SRTT), in whole microseconds (its RTTVAR serves
/// only retransmission timers, which WebSocket has none of).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Smoothed {
    srtt: u64,
}

impl Smoothed {
    /// Takes one measurement `r` and returns SRTT: the first sets SRTT = R (2.2), later
    /// ones SRTT = 7/8 SRTT + 1/8 R (2.3, alpha = 1/8).
    pub(crate) fn sample(&mut self, r: Duration) -> Duration {
        let r = micros(r).max(1);
        self.srtt = match self.srtt {
            0 => r,
            srtt => (7 * srtt + r) / 8,
        };
        Duration::from_micros(self.srtt)
    }
}
