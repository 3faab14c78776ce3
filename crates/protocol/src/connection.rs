//! The connection state machine after the opening handshake: bytes in → events out,
//! calls in → bytes out (RFC 6455 §5–§8, RFC 7692 §6).
use crate::deflate::DeflateParams;
use crate::error::{ProtocolError, SendError};
use crate::Entropy;

/// Which end of the connection we are: the client masks what it sends and requires unmasked
/// frames; the server the reverse (RFC 6455 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Client,
    Server,
}

/// Limits for received data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Largest message accepted, after reassembly and decompression (default 1 GiB). A larger
    /// one fails the connection with 1009 before more than this is buffered.
    pub max_message_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_message_size: 1 << 30,
        }
    }
}

/// Kind of a data message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Text,
    Binary,
}

/// Where the close handshake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Data flows both ways.
    Open,
    /// We sent a close frame and wait for the peer's.
    Closing,
    /// Close frames went both ways, or the connection failed, or EOF arrived.
    Closed,
}

/// Something the peer did.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A whole message (reassembled, decompressed, UTF-8 checked for text). `data` is the
    /// connection's reusable buffer: its contents are discarded at the next `poll_event`, and
    /// the caller may append to it meanwhile (e.g. a NUL terminator) without reallocating one
    /// byte past the message.
    Message {
        kind: MessageKind,
        data: &'a mut Vec<u8>,
    },
    /// A ping; the pong is already queued.
    Ping(&'a [u8]),
    /// A pong.
    Pong(&'a [u8]),
    /// The peer's close frame. If we had not sent one, the reply (echoing the code) is already
    /// queued. `code` is None for an empty close payload (report it as 1005).
    Close { code: Option<u16>, reason: &'a str },
    /// The peer broke the protocol or a limit: a close frame with `error.close_code()` is
    /// queued, and no further event follows.
    Failed(ProtocolError),
}

/// One WebSocket connection's protocol state.
pub struct Connection {}

impl Connection {
    /// A connection whose opening handshake succeeded. `deflate`: the negotiated
    /// permessage-deflate parameters, if any. `entropy`: masking keys (client role).
    pub fn new(
        _role: Role,
        _config: Config,
        _deflate: Option<DeflateParams>,
        _entropy: Entropy,
    ) -> Self {
        todo!()
    }

    /// Bytes read from the transport. Call [`Connection::poll_event`] afterwards.
    pub fn receive_data(&mut self, _data: &[u8]) {
        todo!()
    }

    /// The transport reached EOF. The state becomes Closed; if that was not after the close
    /// handshake, the caller treats it as an abnormal closure (1006).
    pub fn receive_eof(&mut self) {
        todo!()
    }

    /// The next event from the data received so far, or None until more arrives.
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        todo!()
    }

    /// Queues a text message.
    pub fn send_text(&mut self, _data: &str) -> Result<(), SendError> {
        todo!()
    }

    /// Queues a binary message.
    pub fn send_binary(&mut self, _data: &[u8]) -> Result<(), SendError> {
        todo!()
    }

    /// Queues a ping (payload at most 125 bytes).
    pub fn send_ping(&mut self, _payload: &[u8]) -> Result<(), SendError> {
        todo!()
    }

    /// Queues a pong (payload at most 125 bytes).
    pub fn send_pong(&mut self, _payload: &[u8]) -> Result<(), SendError> {
        todo!()
    }

    /// Starts the close handshake: queues a close frame. `code` None sends an empty payload
    /// (then `reason` must be empty). Refused for codes that may not be sent and reasons over
    /// 123 bytes. The state becomes Closing.
    pub fn send_close(&mut self, _code: Option<u16>, _reason: &str) -> Result<(), SendError> {
        todo!()
    }

    /// Bytes waiting to be written to the transport.
    pub fn pending_output(&self) -> &[u8] {
        todo!()
    }

    /// Marks the first `n` bytes of [`Connection::pending_output`] as written.
    pub fn consume_output(&mut self, _n: usize) {
        todo!()
    }

    /// Where the close handshake stands.
    pub fn state(&self) -> State {
        todo!()
    }

    /// True once the close handshake completed or the connection failed: after writing the
    /// pending output, the server closes the transport; the client waits (bounded) for the
    /// server to close it (RFC 6455 §7.1.1).
    pub fn close_expected(&self) -> bool {
        todo!()
    }
}
