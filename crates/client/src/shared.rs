//! What a connection's handle, its task and its reporter share: the phase callers see, the
//! outbox, the count of queued bytes and the options.
use crate::options::Options;
use crate::outbox::Outbox;
use crate::stats::Meter;
use net_websocket_protocol::MessageKind;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What a queued ping counts in the send queue: its frame, a 2-byte header, the 4-byte mask
/// and the payload (RFC 6455 §5.2).
pub(crate) fn ping_cost(payload_len: usize) -> usize {
    6 + payload_len
}

/// Where a connection stands, as seen by callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Phase {
    Connecting = 0,
    Open = 1,
    /// `close` was called: nothing more may be sent.
    Closing = 2,
    /// The end was reported (or is being reported) to the handler.
    Ended = 3,
}

/// State shared by the handle and the task.
pub(crate) struct Shared {
    phase: AtomicU8,
    /// What the handle asks the task to send, in order.
    pub(crate) outbox: Outbox,
    /// Bytes accepted by `send` and not yet encoded by the task.
    pub(crate) queued: AtomicUsize,
    /// The kind of the message callers are sending in fragments, from its first fragment
    /// until its last was queued; held while a fragment is queued, so that fragments from
    /// several threads go in the order of the decisions made about them.
    pub(crate) fragmented: Mutex<Option<MessageKind>>,
    /// Shared with the handle that made the connection (a C client keeps one copy for all its
    /// connections).
    pub(crate) options: Arc<Options>,
    /// The statistics of the connection open now or last (each open restarts them).
    pub(crate) meter: Arc<Meter>,
}

impl Shared {
    pub(crate) fn new(options: Arc<Options>) -> Shared {
        Shared {
            phase: AtomicU8::new(Phase::Connecting as u8),
            outbox: Outbox::default(),
            queued: AtomicUsize::new(0),
            fragmented: Mutex::new(None),
            options,
            meter: Arc::new(Meter::default()),
        }
    }
}

impl Shared {
    pub(crate) fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Acquire) {
            0 => Phase::Connecting,
            1 => Phase::Open,
            2 => Phase::Closing,
            _ => Phase::Ended,
        }
    }
    /// Connecting → Open (a Close during the handshake keeps Closing).
    pub(crate) fn set_open(&self) {
        let _ = self.phase.compare_exchange(
            Phase::Connecting as u8,
            Phase::Open as u8,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }
    /// Connecting/Open → Connecting, for the next attempt; Closing and Ended stay.
    pub(crate) fn set_reconnecting(&self) {
        let _ = self.phase.compare_exchange(
            Phase::Open as u8,
            Phase::Connecting as u8,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }
    pub(crate) fn set_ended(&self) {
        self.phase.store(Phase::Ended as u8, Ordering::Release);
    }
    /// Connecting/Open → Closing; returns the phase it left.
    pub(crate) fn begin_close(&self) -> Result<Phase, Phase> {
        let mut current = self.phase.load(Ordering::Acquire);
        loop {
            if current >= Phase::Closing as u8 {
                return Err(self.phase());
            }
            match self.phase.compare_exchange(
                current,
                Phase::Closing as u8,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Ok(if current == 0 {
                        Phase::Connecting
                    } else {
                        Phase::Open
                    })
                }
                Err(now) => current = now,
            }
        }
    }
}
