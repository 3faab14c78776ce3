//! The handle to one connection: starts its task, queues messages, closes and aborts it.
use crate::establish::{check_handshake, Request};
use crate::handler::{Handler, Reporter};
use crate::options::Options;
use crate::outbox::{Ends, Outgoing};
use crate::runtime;
use crate::shared::{ping_cost, Phase, Shared};
use crate::stats::Stats;
use crate::target::{Target, UrlError};
use crate::task::Task;
use net_websocket_protocol::close::is_valid_wire_code;
use net_websocket_protocol::{Compress, HandshakeError, MaskedMessage, MessageKind, Utf8Text};
use rand::Rng;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Longest control frame payload (RFC 6455 §5.5).
const MAX_CONTROL_PAYLOAD: usize = 125;
/// Longest close reason: a close frame's payload is at most 125 bytes, 2 of them the code.
const MAX_CLOSE_REASON: usize = MAX_CONTROL_PAYLOAD - 2;

/// Why `connect` refused to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// The URL is not a usable ws:// or wss:// URL.
    Url(UrlError),
    /// A user header that is malformed or sets a handshake field.
    Header(HandshakeError),
    /// The shared runtime could not start.
    Runtime(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Url(e) => e.fmt(f),
            ConnectError::Header(e) => e.fmt(f),
            ConnectError::Runtime(e) => f.write_str(e),
        }
    }
}
impl std::error::Error for ConnectError {}

/// Why `send` refused a message. Nothing was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// Larger than `Options::max_send_size`.
    TooLarge,
    /// The queue would exceed `Options::send_queue_limit`.
    QueueFull,
    /// Not connecting or open: `close` was called, or the end was reported.
    NotConnected,
    /// A text message that is not UTF-8.
    InvalidUtf8,
    /// Memory for the copy could not be had.
    NoMemory,
    /// A fragment of another kind (text or binary) than the message it continues.
    FragmentKindMismatch,
}

/// Why `close` was refused. Nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseError {
    /// A code that may not appear in a close frame.
    InvalidCode(u16),
    /// A reason over 123 bytes.
    ReasonTooLong,
    /// Not connecting or open.
    NotConnected,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::TooLarge => "the message is larger than the maximum send size",
            SendError::QueueFull => "the send queue is full",
            SendError::NotConnected => "the connection is closing or closed",
            SendError::InvalidUtf8 => "a text message must be valid UTF-8",
            SendError::NoMemory => "out of memory for a copy of the message",
            SendError::FragmentKindMismatch => {
                "a fragment must be of the type of the message it continues"
            }
        })
    }
}
impl std::error::Error for SendError {}

impl fmt::Display for CloseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseError::InvalidCode(code) => write!(f, "close code {code} may not be sent"),
            CloseError::ReasonTooLong => f.write_str("a close reason is at most 123 bytes"),
            CloseError::NotConnected => f.write_str("the connection is closing or closed"),
        }
    }
}
impl std::error::Error for CloseError {}

/// One connection attempt and, once open, the connection. Dropping the handle aborts it.
pub struct Connection {
    shared: Arc<Shared>,
}

/// Starts connecting to `url` on the shared runtime and returns at once; `handler` hears the
/// outcome. URL and header errors are returned here, before anything is started. `options`
/// may be shared (`Arc<Options>`): clients made from the same settings then keep one copy.
pub fn connect(
    url: &str,
    headers: &[(String, String)],
    options: impl Into<Arc<Options>>,
    handler: Box<dyn Handler>,
) -> Result<Connection, ConnectError> {
    let target = Target::parse(url).map_err(ConnectError::Url)?;
    connect_to(target, headers, options, handler)
}

/// [`connect`] to a URL parsed already (a caller that validated it keeps the result: no
/// second parse).
pub fn connect_to(
    target: Target,
    headers: &[(String, String)],
    options: impl Into<Arc<Options>>,
    handler: Box<dyn Handler>,
) -> Result<Connection, ConnectError> {
    let options = options.into();
    // Refuse bad headers now; every attempt builds its own handshake, with a fresh key.
    check_handshake(&target, headers, &options).map_err(ConnectError::Header)?;
    // Reads the environment here, on the caller's thread.
    let request = Request::capture(target, headers);
    let runtime = runtime::shared().map_err(ConnectError::Runtime)?;
    let shared = Arc::new(Shared::new(options));
    let reporter = Reporter::new(handler, shared.clone());
    let task = Task {
        shared: shared.clone(),
        request,
        reporter,
    };
    runtime.spawn(task.run());
    crate::inline::started_from_handler(0);
    Ok(Connection { shared })
}

impl Connection {
    /// Queues a copy of `data` as one message; sent after open when still connecting. A text
    /// message must be UTF-8 ([`SendError::InvalidUtf8`] otherwise); its check is the only one.
    pub fn send(&self, kind: MessageKind, data: &[u8]) -> Result<(), SendError> {
        self.send_with(kind, data, Compress::Auto)
    }

    /// [`Connection::send`] with a choice of compression: [`Compress::Never`] sends the
    /// message uncompressed even when permessage-deflate was negotiated, and keeps it out of
    /// the compressor's window (for secrets next to attacker-controlled data).
    pub fn send_with(
        &self,
        kind: MessageKind,
        data: &[u8],
        compress: Compress,
    ) -> Result<(), SendError> {
        let text = match kind {
            MessageKind::Text => Some(Utf8Text::check(data).ok_or(SendError::InvalidUtf8)?),
            MessageKind::Binary => None,
        };
        self.queue_message(data, text, compress)
    }

    /// Queues a copy of `data` as a text message when it is UTF-8, else as a binary one (the
    /// rule of OpenHarmony's Send), checking it once.
    pub fn send_text_or_binary(&self, data: &[u8]) -> Result<(), SendError> {
        self.queue_message(data, Utf8Text::check(data), Compress::Auto)
    }

    /// The checks every message goes through, then the copy: `text` is `data` checked as
    /// UTF-8 for a text message, None for a binary one. A large message that will not be
    /// compressed is masked as it is copied, here on the caller's thread, so the task
    /// writes it as it is (no second pass over it there).
    fn queue_message(
        &self,
        data: &[u8],
        text: Option<&str>,
        compress: Compress,
    ) -> Result<(), SendError> {
        let options = &self.shared.options;
        if data.len() > options.max_send_size {
            return Err(SendError::TooLarge);
        }
        self.check_room(data.len())?;
        let uncompressed = options.deflate.is_none() || compress == Compress::Never;
        let item = match self.copy_payload(data, text, uncompressed)? {
            Payload::Masked(message) => Outgoing::Masked(message, compress),
            Payload::Text(text) => Outgoing::Text(text, compress),
            Payload::Binary(data) => Outgoing::Binary(data, compress),
        };
        self.push_reserved(item, data.len())
    }

    /// `data` copied into a buffer of the outbox, as it will be queued: masked as it is
    /// copied when `mask_ahead` (the payload will not be compressed) and it is large enough,
    /// so the task writes it as it is; else plain. `text` is `data` checked as UTF-8 for a
    /// text payload, None for a binary one.
    fn copy_payload(
        &self,
        data: &[u8],
        text: Option<&str>,
        mask_ahead: bool,
    ) -> Result<Payload, SendError> {
        let buffer = self
            .shared
            .outbox
            .buffer_for(data.len())
            .ok_or(SendError::NoMemory)?;
        if mask_ahead && data.len() >= MaskedMessage::MIN_LEN {
            let keys = &mut |key: &mut [u8]| rand::rng().fill_bytes(key);
            let frame = self.shared.options.max_frame_size;
            return Ok(Payload::Masked(match text {
                Some(text) => MaskedMessage::text(text, buffer, frame, keys),
                None => MaskedMessage::binary(data, buffer, frame, keys),
            }));
        }
        Ok(match text {
            Some(text) => Payload::Text(Utf8Text::copy_of(text, buffer)),
            None => Payload::Binary(copy_into(data, buffer)),
        })
    }

    /// Queues `item` once its `len` bytes are reserved against the send-queue limit; when
    /// they cannot be, its buffer goes back to the outbox.
    fn push_reserved(&self, item: Outgoing, len: usize) -> Result<(), SendError> {
        let outbox = &self.shared.outbox;
        if let Err(error) = self.reserve(len) {
            if let Some(buffer) = item.into_buffer() {
                outbox.give_back(buffer);
            }
            return Err(error);
        }
        outbox.push(item);
        Ok(())
    }

    /// Queues a copy of `data` as the next fragment of a message sent in pieces (RFC 6455
    /// §5.4): the first call begins a message of `kind`, later ones continue it (another
    /// `kind` is refused with [`SendError::FragmentKindMismatch`]), `last` ends it. Each call
    /// goes out as one frame, or several of at most `Options::max_frame_size`; with
    /// permessage-deflate the message is compressed as one stream. `max_send_size` applies to
    /// each call, the send-queue limit to what is queued. A text fragment must be UTF-8 on its
    /// own. Messages given to [`Connection::send`] while a fragmented message is open wait
    /// until its last fragment was sent, in call order; pings and the close do not (a close
    /// abandons the open message, RFC 6455 §5.4 allows it). A message being sent when the
    /// connection is lost is lost with it: its later fragments are dropped.
    pub fn send_fragment(
        &self,
        kind: MessageKind,
        data: &[u8],
        last: bool,
    ) -> Result<(), SendError> {
        if data.len() > self.shared.options.max_send_size {
            return Err(SendError::TooLarge);
        }
        // Held until the fragment is queued: another thread's fragment goes before or after
        // this one, never between the decision and the push.
        let mut open = self
            .shared
            .fragmented
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let first = match *open {
            None => true,
            Some(begun) if begun == kind => false,
            Some(_) => return Err(SendError::FragmentKindMismatch),
        };
        let text = match kind {
            MessageKind::Text => Some(Utf8Text::check(data).ok_or(SendError::InvalidUtf8)?),
            MessageKind::Binary => None,
        };
        self.check_room(data.len())?;
        let ends = Ends { first, last };
        // Masked as it is copied, as a message is, when the message cannot be compressed:
        // permessage-deflate is not offered.
        let uncompressed = self.shared.options.deflate.is_none();
        let item = match self.copy_payload(data, text, uncompressed)? {
            Payload::Masked(piece) => Outgoing::MaskedFragment(piece, ends),
            Payload::Text(text) => Outgoing::TextFragment(text, ends),
            Payload::Binary(data) => Outgoing::BinaryFragment(data, ends),
        };
        self.push_reserved(item, data.len())?;
        *open = (!last).then_some(kind);
        Ok(())
    }

    /// The kind of the message being sent in fragments, from its first fragment until its
    /// last one was queued.
    pub fn fragmented_kind(&self) -> Option<MessageKind> {
        *self
            .shared
            .fragmented
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// A full queue refuses before the copy is made (a caller retrying on QueueFull would pay
    /// a copy per try); [`Connection::reserve`] decides for good after it.
    fn check_room(&self, len: usize) -> Result<(), SendError> {
        let queued = self.shared.queued.load(Ordering::Acquire);
        if queued.saturating_add(len) > self.shared.options.send_queue_limit {
            return Err(SendError::QueueFull);
        }
        Ok(())
    }

    /// Counts `len` bytes into the queue, if the connection takes messages and they fit.
    /// Given back by the task when it encodes the item.
    fn reserve(&self, len: usize) -> Result<(), SendError> {
        if !matches!(self.shared.phase(), Phase::Connecting | Phase::Open) {
            return Err(SendError::NotConnected);
        }
        let limit = self.shared.options.send_queue_limit;
        let before = self.shared.queued.fetch_add(len, Ordering::AcqRel);
        if before + len > limit {
            self.shared.queued.fetch_sub(len, Ordering::AcqRel);
            return Err(SendError::QueueFull);
        }
        Ok(())
    }

    /// Queues a ping with up to 125 bytes of payload (RFC 6455 §5.5), sent in order with the
    /// messages; its pong reaches [`Handler::on_pong`]. It counts against the send-queue limit
    /// and in [`Connection::queued_bytes`] as its frame's size (6 bytes and the payload), so
    /// that even empty pings cannot pile up without bound.
    pub fn ping(&self, payload: &[u8]) -> Result<(), SendError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::TooLarge);
        }
        let outbox = &self.shared.outbox;
        let copy = outbox.copy(payload).ok_or(SendError::NoMemory)?;
        if let Err(error) = self.reserve(ping_cost(payload.len())) {
            outbox.give_back(copy);
            return Err(error);
        }
        outbox.push(Outgoing::Ping(copy));
        Ok(())
    }

    /// Starts the close handshake after the queued messages, or cancels a connection attempt.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), CloseError> {
        if !is_valid_wire_code(code) {
            return Err(CloseError::InvalidCode(code));
        }
        if reason.len() > MAX_CLOSE_REASON {
            return Err(CloseError::ReasonTooLong);
        }
        self.shared
            .begin_close()
            .map_err(|_| CloseError::NotConnected)?;
        // The task may have just ended: then nobody takes it, which is fine.
        self.shared
            .outbox
            .push(Outgoing::Close(code, reason.to_string()));
        Ok(())
    }

    /// Ends the connection at once: a close frame 1001 is attempted, not awaited, and the
    /// handler hears nothing more.
    pub fn abort(&self) {
        self.shared.set_ended();
        self.shared.outbox.abort();
    }

    /// Test hook: makes the connection's task panic once it is open and takes its next
    /// command, to show what a bug of ours would do (see `Cause::Internal`).
    #[cfg(test)]
    pub(crate) fn panic_in_task_for_tests(&self) {
        self.shared.outbox.push(Outgoing::Panic);
    }

    /// True until the end was reported: connecting, open or closing.
    pub fn is_active(&self) -> bool {
        self.shared.phase() != Phase::Ended
    }

    /// Bytes accepted by `send` and not yet handed to the protocol encoder.
    pub fn queued_bytes(&self) -> usize {
        self.shared.queued.load(Ordering::Acquire)
    }

    /// The statistics of the connection open now, or of the last one (see [`Stats`]); from
    /// any thread, at any time, without waiting for the connection's task.
    pub fn stats(&self) -> Stats {
        let queued = self.queued_bytes() as u64;
        self.shared
            .meter
            .snapshot(std::time::Instant::now(), queued)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.abort();
    }
}

/// A payload copied for the outbox ([`Connection::copy_payload`]), before it is made a message
/// or a fragment.
enum Payload {
    /// Masked as it was copied, frame by frame, with keys from the calling thread's CSPRNG
    /// (RFC 6455 §5.3).
    Masked(MaskedMessage),
    Text(Utf8Text),
    Binary(Vec<u8>),
}

/// `data` copied into `buffer` (empty, with room for it).
fn copy_into(data: &[u8], mut buffer: Vec<u8>) -> Vec<u8> {
    buffer.extend_from_slice(data);
    buffer
}
