//! Errors, one variant per rule. Each protocol violation maps to the close code that fails the
//! connection in exactly one place: [`ProtocolError::close_code`].
use std::fmt;

/// A violation of RFC 6455 / RFC 7692 by the peer, or a local limit it exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    // IMPLEMENTER: one documented variant per rule (reserved bits, reserved opcode, unmasked
    // frame from a client / masked frame from a server, fragmented control frame, control frame
    // over 125 bytes, continuation without a start, new data frame inside a fragmented message,
    // non-minimal length encoding, 64-bit length with the top bit set, invalid close payload
    // (1 byte), invalid close code, invalid UTF-8 (text or close reason), message too big,
    // bad compressed data, RSV1 on a control or continuation frame or without deflate, data
    // after close, truncated stream at EOF ...).
    #[doc(hidden)]
    Todo,
}

impl ProtocolError {
    /// The close code sent when failing the connection for this error: 1002 protocol error,
    /// 1007 invalid UTF-8, 1009 message too big (RFC 6455 §7.4.1).
    pub fn close_code(&self) -> u16 {
        todo!()
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("human-readable, e.g. \"invalid UTF-8 in text message\"")
    }
}
impl std::error::Error for ProtocolError {}

/// Why a `send_*` call was refused. Nothing was queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// We already sent a close frame: no data or close may follow (RFC 6455 §5.5.1).
    AlreadyClosing,
    /// The connection is closed (handshake done, failed, or EOF).
    Closed,
    /// Close code that may not be sent in a close frame.
    InvalidCloseCode(u16),
    /// Close reason over 123 bytes, or a control payload over 125 bytes.
    ControlPayloadTooLong(usize),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::AlreadyClosing => f.write_str("a close frame was already sent"),
            SendError::Closed => f.write_str("the connection is closed"),
            SendError::InvalidCloseCode(c) => write!(f, "close code {c} may not be sent"),
            SendError::ControlPayloadTooLong(n) => {
                write!(f, "control frame payload of {n} bytes is over the limit")
            }
        }
    }
}
impl std::error::Error for SendError {}

/// Why the opening handshake failed (RFC 6455 §4.1 client requirements, RFC 7692 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// A user header that the handshake itself sets (Host, Upgrade, Connection,
    /// Sec-WebSocket-Key/-Version/-Accept/-Extensions), or a name/value that is not a valid
    /// HTTP field (not a token, CR/LF/NUL).
    ForbiddenHeader(String),
    /// The status was not 101 and not a redirect.
    Status { code: u16, reason: String },
    /// A 3xx response with a Location header; the caller decides whether to follow it.
    Redirect { code: u16, location: String },
    /// The response is not valid HTTP/1.1 or its head is over the size limit.
    Malformed(String),
    /// Missing or wrong Upgrade / Connection header.
    MissingUpgrade,
    /// Missing or wrong Sec-WebSocket-Accept.
    BadAccept,
    /// An extension we did not offer, or permessage-deflate parameters the offer does not allow.
    BadExtension(String),
    /// A subprotocol we did not offer, or one when we offered none.
    BadSubprotocol(String),
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::ForbiddenHeader(h) => write!(f, "handshake: header not allowed: {h}"),
            HandshakeError::Status { code, reason } => {
                write!(f, "handshake: unexpected HTTP status {code} {reason}")
            }
            HandshakeError::Redirect { code, location } => {
                write!(f, "handshake: redirect {code} to {location}")
            }
            HandshakeError::Malformed(m) => write!(f, "handshake: malformed response: {m}"),
            HandshakeError::MissingUpgrade => {
                f.write_str("handshake: missing Upgrade: websocket / Connection: Upgrade")
            }
            HandshakeError::BadAccept => f.write_str("handshake: wrong Sec-WebSocket-Accept"),
            HandshakeError::BadExtension(e) => write!(f, "handshake: extension not offered: {e}"),
            HandshakeError::BadSubprotocol(p) => {
                write!(f, "handshake: subprotocol not offered: {p}")
            }
        }
    }
}
impl std::error::Error for HandshakeError {}
