//! Everything netws sends goes through the [`Outlet`]: stdin lines, console commands, a replay,
//! the session's close. So `--record` sees each message, ping and close as it is queued.
use crate::record::{Frame, Recorder};
use net_websocket_client::{CloseError, Connection, MessageKind, SendError, Stats};
use std::sync::Arc;
use std::time::Duration;

/// How long to wait before offering a message again to a full send queue. The client has no
/// "queue drained" signal; this only happens when the input outruns the network by the whole
/// queue (64 MiB, 16 MiB with `--stream`), and then a short sleep per retry costs nothing that
/// matters: the queue still holds far more than the network takes in that time.
const QUEUE_FULL_RETRY: Duration = Duration::from_millis(5);

/// The close code of [`Connection::abort`] (RFC 6455 §7.4.1: going away).
const GOING_AWAY: u16 = 1001;

pub struct Outlet {
    connection: Connection,
    recorder: Option<Arc<Recorder>>,
    /// The connection's `send_queue_limit`.
    queue_limit: usize,
}

impl Outlet {
    pub fn new(
        connection: Connection,
        recorder: Option<Arc<Recorder>>,
        queue_limit: usize,
    ) -> Outlet {
        Outlet {
            connection,
            recorder,
            queue_limit,
        }
    }

    /// The connection's statistics so far.
    pub fn stats(&self) -> Stats {
        self.connection.stats()
    }

    /// Queues one message, waiting while the send queue is full (for as long as the
    /// connection lives: once it ends, `send` says so). A message always fits an empty queue:
    /// the largest one (4 MiB) is far below the queue's limit (64 MiB).
    pub fn send(&self, kind: MessageKind, data: &[u8]) -> Result<(), SendError> {
        loop {
            match self.connection.send(kind, data) {
                Err(SendError::QueueFull) => std::thread::sleep(QUEUE_FULL_RETRY),
                Err(e) => return Err(e),
                Ok(()) => break,
            }
        }
        self.record(|| match kind {
            // Checked as UTF-8 by the client just now.
            MessageKind::Text => Frame::Text(String::from_utf8_lossy(data).into_owned()),
            MessageKind::Binary => Frame::Binary(data.to_vec()),
        });
        Ok(())
    }

    /// Queues the next piece of the message sent with `--stream` (see
    /// [`Connection::send_fragment`]), waiting until the send queue has room for it: a full
    /// queue would refuse it only after copying it. Waits as long as the connection lives,
    /// like [`Outlet::send`]. Not recorded: `--stream` and `--record` exclude each other.
    pub fn send_fragment(
        &self,
        kind: MessageKind,
        data: &[u8],
        last: bool,
    ) -> Result<(), SendError> {
        loop {
            while self.connection.queued_bytes() + data.len() > self.queue_limit
                && self.connection.is_active()
            {
                std::thread::sleep(QUEUE_FULL_RETRY);
            }
            match self.connection.send_fragment(kind, data, last) {
                // The room was taken between the look and the send (a ping counts too).
                Err(SendError::QueueFull) => std::thread::sleep(QUEUE_FULL_RETRY),
                sent => return sent,
            }
        }
    }

    /// Waits until everything queued was handed to the connection's encoder, or the
    /// connection ended. A close counts its timeout from the call, whatever is queued before
    /// it, so a close right after a full queue could time out before it is even sent on a
    /// slow network.
    pub fn wait_sent(&self) {
        while self.connection.queued_bytes() > 0 && self.connection.is_active() {
            std::thread::sleep(QUEUE_FULL_RETRY);
        }
    }

    pub fn ping(&self, payload: &[u8]) -> Result<(), SendError> {
        self.connection.ping(payload)?;
        self.record(|| Frame::Ping(payload.to_vec()));
        Ok(())
    }

    /// Starts the close handshake after what is queued (or cancels an attempt).
    pub fn close(&self, code: u16, reason: &str) -> Result<(), CloseError> {
        self.connection.close(code, reason)?;
        self.record(|| Frame::Close(code, reason.to_string()));
        Ok(())
    }

    /// Leaves at once: the client tries a close frame 1001 and reports nothing more.
    pub fn abort(&self) {
        self.connection.abort();
        self.record(|| Frame::Close(GOING_AWAY, String::new()));
    }

    fn record(&self, frame: impl FnOnce() -> Frame) {
        if let Some(recorder) = &self.recorder {
            recorder.sent(frame());
        }
    }
}
