//! Everything netws sends goes through the [`Outlet`]: stdin lines, console commands, a replay,
//! the session's close. So `--record` sees each message, ping and close as it is queued.
use crate::record::{Frame, Recorder};
use net_websocket_client::{CloseError, Connection, MessageKind, SendError};
use std::sync::Arc;
use std::time::Duration;

/// How long to wait before offering a message again to a full send queue. The client has no
/// "queue drained" signal; this only happens when the input outruns the network by the whole
/// queue (64 MiB), and then a short sleep per retry costs nothing that matters.
const QUEUE_FULL_RETRY: Duration = Duration::from_millis(5);

/// The close code of [`Connection::abort`] (RFC 6455 §7.4.1: going away).
const GOING_AWAY: u16 = 1001;

pub struct Outlet {
    connection: Connection,
    recorder: Option<Arc<Recorder>>,
}

impl Outlet {
    pub fn new(connection: Connection, recorder: Option<Arc<Recorder>>) -> Outlet {
        Outlet {
            connection,
            recorder,
        }
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
