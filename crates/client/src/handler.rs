//! What a connection reports to its owner.
use crate::connection::Shared;
use crate::error::Error;
use net_websocket_protocol::handshake::Accepted;
use net_websocket_protocol::MessageKind;

/// How a connection ended: the last thing reported for it.
#[derive(Debug, Clone, Copy)]
pub struct End<'a> {
    /// Set when the connection failed (before open: always, and then `close` is None).
    pub error: Option<&'a Error>,
    /// Close code and reason, set when the connection had opened (or a Close cancelled the
    /// attempt): the peer's close frame, the code we failed it with, or 1006 for an abnormal
    /// end.
    pub close: Option<(u16, &'a str)>,
}

/// Receives one connection's events, on a runtime worker, one call at a time, in order:
/// `on_open` at most once, `on_message` any number of times after it, then `on_end` exactly
/// once. Nothing is called after `on_end`.
pub trait Handler: Send + 'static {
    /// The opening handshake succeeded.
    fn on_open(&mut self, response: &Accepted);
    /// A whole message. `data` is a reusable buffer, valid only during the call; the handler
    /// may append to it (e.g. a NUL terminator) without reallocating one byte past the message.
    fn on_message(&mut self, kind: MessageKind, data: &mut Vec<u8>);
    /// The connection ended.
    fn on_end(&mut self, end: End<'_>);
}

/// Runs handler code, which may block (C callbacks can do anything), after handing this
/// worker's queue of other connections to another thread: a blocking callback then delays
/// only its own connection. The hand-off costs a thread wake-up per call (about 15 µs per
/// round trip measured on loopback), so callers batch events into one call.
pub(crate) fn call_handler<R>(f: impl FnOnce() -> R) -> R {
    tokio::task::block_in_place(f)
}

/// Reports the end: sends are refused from now on, then the handler hears it.
pub(crate) fn report_end(shared: &Shared, handler: &mut Box<dyn Handler>, end: End<'_>) {
    shared.set_ended();
    call_handler(|| handler.on_end(end));
}
