//! The trace hook: typed events of a connection's life (DNS, TCP, proxy, TLS, handshake,
//! frames, close, keepalive, reconnection), each with the time it happened, for a program to
//! forward to its own tracing. Off unless [`crate::Options::trace`] is set; then every trace
//! point is one branch on that option.
use net_websocket_protocol::frame::{FrameNote, Opcode};
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

/// What a [`TraceEvent`] is about. The numbers are the C API's `WEBSOCKET_EX_TRACE_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum TraceKind {
    /// A name was resolved: `detail` "host: addr, addr...", `length` the number of addresses.
    DnsAnswer = 1,
    /// A TCP connection attempt begins: `detail` the address.
    TcpConnecting = 2,
    /// A TCP attempt succeeded: `detail` the address.
    TcpConnected = 3,
    /// A TCP attempt failed: `detail` "address: reason".
    TcpFailed = 4,
    /// The proxy's tunnel to the server is open: `detail` the proxy (without credentials).
    ProxyTunnel = 5,
    /// TLS with the server is up: `detail` "version suite", `code` the version (0x0304: 1.3).
    TlsEstablished = 6,
    /// The handshake response arrived: `code` its HTTP status, `detail` its reason phrase.
    HandshakeResponse = 7,
    /// The connection is open: `detail` the subprotocol ("" when none).
    Open = 8,
    /// A frame was queued for the socket: `opcode`, `length` (payload bytes), `flags`.
    FrameSent = 9,
    /// A frame was received: as [`TraceKind::FrameSent`].
    FrameReceived = 10,
    /// Our close frame was queued: `code` its status code (0: none).
    CloseSent = 11,
    /// The server's close frame arrived: `code` its status code (0: none).
    CloseReceived = 12,
    /// Keepalive sent a ping after the ping interval without traffic.
    KeepalivePing = 13,
    /// Keepalive gave up: nothing received within the dead time.
    KeepaliveTimeout = 14,
    /// A reconnection is scheduled: `code` the delay in ms, `length` the attempt number,
    /// `detail` why the connection ended.
    ReconnectScheduled = 15,
}

/// [`TraceEvent::flags`]: the frame's FIN bit.
pub const TRACE_FIN: u32 = 1;
/// [`TraceEvent::flags`]: the frame's RSV1 bit (permessage-deflate: compressed).
pub const TRACE_RSV1: u32 = 2;

/// One event of a connection's life; fields that do not apply to its kind are 0 or "".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// What happened.
    pub kind: TraceKind,
    /// When (a monotonic clock: CLOCK_MONOTONIC on Linux).
    pub at: Instant,
    /// Words for it, never credentials nor payload.
    pub detail: String,
    /// A frame's opcode.
    pub opcode: u8,
    /// A frame's payload length, or a count (see [`TraceKind`]).
    pub length: u64,
    /// A frame's [`TRACE_FIN`] and [`TRACE_RSV1`].
    pub flags: u32,
    /// A status: close code, HTTP status, TLS version, reconnection delay (see [`TraceKind`]).
    pub code: u32,
}

impl TraceEvent {
    /// An event of `kind` happening now, with `detail` and nothing else.
    pub(crate) fn new(kind: TraceKind, detail: impl Into<String>) -> TraceEvent {
        TraceEvent {
            kind,
            at: Instant::now(),
            detail: detail.into(),
            opcode: 0,
            length: 0,
            flags: 0,
            code: 0,
        }
    }

    pub(crate) fn with_code(mut self, code: u32) -> TraceEvent {
        self.code = code;
        self
    }

    pub(crate) fn with_length(mut self, length: u64) -> TraceEvent {
        self.length = length;
        self
    }

    /// The events of a frame sent (`sent`) or received: the frame, then for a close frame
    /// its code.
    pub(crate) fn of_frame(sent: bool, note: FrameNote, mut each: impl FnMut(TraceEvent)) {
        let (frame, close) = match sent {
            true => (TraceKind::FrameSent, TraceKind::CloseSent),
            false => (TraceKind::FrameReceived, TraceKind::CloseReceived),
        };
        let flags = if note.fin { TRACE_FIN } else { 0 } | if note.rsv1 { TRACE_RSV1 } else { 0 };
        let event = TraceEvent {
            opcode: note.opcode as u8,
            length: note.len,
            flags,
            ..TraceEvent::new(frame, "")
        };
        each(event);
        if note.opcode == Opcode::Close {
            each(TraceEvent::new(close, "").with_code(u32::from(note.code)));
        }
    }
}

/// Where trace events go: a function called on the connection's thread as each happens. It
/// must return quickly (the connection waits for it).
#[derive(Clone)]
pub struct Tracer(Arc<dyn Fn(&TraceEvent) + Send + Sync>);

impl Tracer {
    /// A tracer that calls `f` with each event.
    pub fn new(f: impl Fn(&TraceEvent) + Send + Sync + 'static) -> Tracer {
        Tracer(Arc::new(f))
    }

    pub(crate) fn emit(&self, event: TraceEvent) {
        (self.0)(&event);
    }
}

/// A tracer equals only itself (its clones): two functions cannot be compared.
impl PartialEq for Tracer {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tracer")
    }
}

/// Emits the event `make` builds when tracing is on: the one branch a trace point costs
/// when it is off.
#[inline]
pub(crate) fn trace(tracer: Option<&Tracer>, make: impl FnOnce() -> TraceEvent) {
    if let Some(tracer) = tracer {
        tracer.emit(make());
    }
}
