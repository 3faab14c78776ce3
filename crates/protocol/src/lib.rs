//! Sans-I/O WebSocket protocol core: RFC 6455 (framing, masking, fragmentation, UTF-8, close
//! handshake) and RFC 7692 (permessage-deflate), for the client role (the product) and the
//! server role (our own tests, demo and benchmarks).
//!
//! No sockets, threads, clocks or OS randomness live here. The caller:
//! 1. builds the opening handshake with [`handshake::ClientHandshake`] and feeds the server's
//!    response to it until it yields a [`handshake::Accepted`];
//! 2. creates a [`Protocol`] with the negotiated parameters and any bytes left over after
//!    the response;
//! 3. loops: [`Protocol::receive_data`] with bytes read from the transport, then
//!    [`Protocol::poll_event`] until it returns `None`; `send_*` calls for outgoing messages;
//!    [`Protocol::pending_output`] / [`Protocol::consume_output`] to write bytes out;
//! 4. closes the transport once [`Protocol::close_expected`] is true and the output is written.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod close;
pub mod connection;
pub mod deflate;
pub mod error;
mod fields;
pub mod frame;
pub mod handshake;
// The one reviewed unsafe module: SIMD masking.
#[allow(unsafe_code)]
pub mod mask;
mod masked;
mod reader;
mod text;
pub mod utf8;
mod writer;

pub use close::CloseCode;
pub use connection::{Config, Event, MessageData, MessageKind, Protocol, Role, State, Tally};
pub use deflate::{
    Compress, DeflateConfig, DeflateParams, DEFAULT_LEVEL as DEFAULT_DEFLATE_LEVEL,
    DEFAULT_MEM_LEVEL as DEFAULT_DEFLATE_MEM_LEVEL, DEFAULT_MIN_COMPRESS_SIZE,
};
pub use error::{HandshakeError, ProtocolError, SendError};
pub use masked::MaskedMessage;
pub use text::Utf8Text;
pub use writer::{DEFAULT_MAX_FRAME as DEFAULT_MAX_FRAME_SIZE, MIN_FRAME as MIN_FRAME_SIZE};

/// Source of unpredictable bytes for masking keys and `Sec-WebSocket-Key` (RFC 6455 §5.3,
/// §10.3). The caller passes a CSPRNG; tests pass a deterministic one.
pub type Entropy = Box<dyn FnMut(&mut [u8]) + Send>;
