//! Errors, one variant per rule. Each protocol violation maps to the close code that fails the
//! connection in exactly one place: [`ProtocolError::close_code`].
use std::fmt;

/// A violation of RFC 6455 / RFC 7692 by the peer, or a local limit it exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// RSV2 or RSV3 is set; no negotiated extension defines them (RFC 6455 §5.2).
    ReservedBitsSet,
    /// RSV1 is set on a control frame, on a continuation frame, or without a negotiated
    /// permessage-deflate (RFC 6455 §5.2, RFC 7692 §6.1).
    UnexpectedRsv1,
    /// An opcode reserved for future use: 0x3–0x7 or 0xB–0xF (RFC 6455 §5.2).
    ReservedOpcode(u8),
    /// The server role received an unmasked frame (RFC 6455 §5.1).
    UnmaskedFrame,
    /// The client role received a masked frame (RFC 6455 §5.1).
    MaskedFrame,
    /// A control frame without FIN (RFC 6455 §5.5).
    FragmentedControlFrame,
    /// A control frame whose payload length is over 125 bytes (RFC 6455 §5.5).
    ControlFrameTooLong(u64),
    /// A continuation frame while no fragmented message was in progress (RFC 6455 §5.4).
    UnexpectedContinuation,
    /// A new text or binary frame while a fragmented message was in progress (RFC 6455 §5.4).
    ExpectedContinuation,
    /// A 64-bit payload length with the most significant bit set (RFC 6455 §5.2).
    LengthTopBitSet,
    /// A close payload of exactly one byte (RFC 6455 §5.5.1).
    InvalidClosePayload,
    /// A close code that may not appear on the wire (RFC 6455 §7.4).
    InvalidCloseCode(u16),
    /// A text message that is not valid UTF-8 (RFC 6455 §8.1).
    InvalidUtf8,
    /// A close reason that is not valid UTF-8 (RFC 6455 §5.5.1).
    InvalidCloseReason,
    /// A message larger than the configured limit: `size` is at least the size it would reach.
    MessageTooBig {
        /// The size the message has reached or announced.
        size: u64,
        /// The configured limit.
        max: usize,
    },
    /// permessage-deflate data that does not inflate (RFC 7692 §7.2.2).
    BadCompressedData,
}

impl ProtocolError {
    /// The close code sent when failing the connection for this error: 1002 protocol error,
    /// 1007 invalid UTF-8, 1009 message too big (RFC 6455 §7.4.1).
    pub fn close_code(&self) -> u16 {
        match self {
            ProtocolError::InvalidUtf8 | ProtocolError::InvalidCloseReason => 1007,
            ProtocolError::MessageTooBig { .. } => 1009,
            ProtocolError::ReservedBitsSet
            | ProtocolError::UnexpectedRsv1
            | ProtocolError::ReservedOpcode(_)
            | ProtocolError::UnmaskedFrame
            | ProtocolError::MaskedFrame
            | ProtocolError::FragmentedControlFrame
            | ProtocolError::ControlFrameTooLong(_)
            | ProtocolError::UnexpectedContinuation
            | ProtocolError::ExpectedContinuation
            | ProtocolError::LengthTopBitSet
            | ProtocolError::InvalidClosePayload
            | ProtocolError::InvalidCloseCode(_)
            | ProtocolError::BadCompressedData => 1002,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::ReservedBitsSet => f.write_str("reserved bits RSV2/RSV3 set"),
            ProtocolError::UnexpectedRsv1 => {
                f.write_str("RSV1 set on a control or continuation frame or without deflate")
            }
            ProtocolError::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            ProtocolError::UnmaskedFrame => f.write_str("unmasked frame from the client"),
            ProtocolError::MaskedFrame => f.write_str("masked frame from the server"),
            ProtocolError::FragmentedControlFrame => f.write_str("fragmented control frame"),
            ProtocolError::ControlFrameTooLong(n) => {
                write!(f, "control frame payload of {n} bytes (limit 125)")
            }
            ProtocolError::UnexpectedContinuation => {
                f.write_str("continuation frame without a message to continue")
            }
            ProtocolError::ExpectedContinuation => {
                f.write_str("new data frame inside a fragmented message")
            }
            ProtocolError::LengthTopBitSet => f.write_str("64-bit payload length with top bit set"),
            ProtocolError::InvalidClosePayload => f.write_str("close frame payload of 1 byte"),
            ProtocolError::InvalidCloseCode(c) => write!(f, "invalid close code {c}"),
            ProtocolError::InvalidUtf8 => f.write_str("invalid UTF-8 in text message"),
            ProtocolError::InvalidCloseReason => f.write_str("invalid UTF-8 in close reason"),
            ProtocolError::MessageTooBig { size, max } => {
                write!(
                    f,
                    "message of at least {size} bytes over the limit of {max}"
                )
            }
            ProtocolError::BadCompressedData => f.write_str("invalid permessage-deflate data"),
        }
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
    /// Close code that may not be sent in a close frame. A reason without a code is refused as
    /// `InvalidCloseCode(1005)` (1005 stands for "no status code", RFC 6455 §7.4.1).
    InvalidCloseCode(u16),
    /// Close reason over 123 bytes, or a control payload over 125 bytes.
    ControlPayloadTooLong(usize),
    /// A message may not begin while a fragmented one is being sent (RFC 6455 §5.4).
    FragmentedMessageOpen,
    /// A continuation fragment with no fragmented message begun.
    NoFragmentedMessage,
    /// A fragment of another kind (text or binary) than the message it continues.
    FragmentKindMismatch,
    /// A text fragment that is not valid UTF-8 on its own.
    InvalidUtf8,
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
            SendError::FragmentedMessageOpen => {
                f.write_str("a message is being sent in fragments and has not ended")
            }
            SendError::NoFragmentedMessage => {
                f.write_str("no message is being sent in fragments to continue")
            }
            SendError::FragmentKindMismatch => {
                f.write_str("a fragment's type differs from the message it continues")
            }
            SendError::InvalidUtf8 => f.write_str("a text fragment must be valid UTF-8 on its own"),
        }
    }
}
impl std::error::Error for SendError {}

/// Why the opening handshake failed (RFC 6455 §4.1 client requirements, RFC 7692 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// A user header that the handshake itself sets (Host, Upgrade, Connection,
    /// Sec-WebSocket-Key/-Version/-Accept/-Extensions), or a name/value that is not a valid
    /// HTTP field (not a token, CR/LF/NUL). Also a Host or resource with CR/LF/NUL/space.
    ForbiddenHeader(String),
    /// The status was not 101 and not a redirect.
    Status {
        /// The HTTP status code.
        code: u16,
        /// The reason phrase as sent.
        reason: String,
    },
    /// A 3xx response with a Location header; the caller decides whether to follow it.
    Redirect {
        /// 301, 302, 303, 307 or 308.
        code: u16,
        /// The Location header, as sent (may be relative).
        location: String,
    },
    /// The response (or, server side, the request) is not a valid HTTP/1.1 upgrade, or its
    /// head is over the size limit.
    Malformed(String),
    /// Missing or wrong Upgrade / Connection header.
    MissingUpgrade,
    /// Missing or wrong Sec-WebSocket-Accept.
    BadAccept,
    /// An extension we did not offer, or permessage-deflate parameters the offer does not
    /// allow; also a [`crate::DeflateConfig`] with window bits outside 8..=15.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_per_rfc_6455_7_4_1() {
        assert_eq!(ProtocolError::InvalidUtf8.close_code(), 1007);
        assert_eq!(ProtocolError::InvalidCloseReason.close_code(), 1007);
        let too_big = ProtocolError::MessageTooBig { size: 2, max: 1 };
        assert_eq!(too_big.close_code(), 1009);
        for e in [
            ProtocolError::ReservedBitsSet,
            ProtocolError::UnexpectedRsv1,
            ProtocolError::ReservedOpcode(3),
            ProtocolError::UnmaskedFrame,
            ProtocolError::MaskedFrame,
            ProtocolError::FragmentedControlFrame,
            ProtocolError::ControlFrameTooLong(126),
            ProtocolError::UnexpectedContinuation,
            ProtocolError::ExpectedContinuation,
            ProtocolError::LengthTopBitSet,
            ProtocolError::InvalidClosePayload,
            ProtocolError::InvalidCloseCode(1005),
            ProtocolError::BadCompressedData,
        ] {
            assert_eq!(e.close_code(), 1002, "{e}");
        }
    }

    #[test]
    fn display_is_human_readable() {
        assert_eq!(
            ProtocolError::InvalidUtf8.to_string(),
            "invalid UTF-8 in text message"
        );
        assert_eq!(
            ProtocolError::ReservedOpcode(0xb).to_string(),
            "reserved opcode 0xb"
        );
    }
}
