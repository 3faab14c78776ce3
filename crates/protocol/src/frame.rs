//! Frame header encoding and decoding (RFC 6455 §5.2).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! ```
//!
//! Decoding checks every rule that needs only the header itself; rules that depend on the
//! connection (masking per role, RSV1 per negotiated extension, fragmentation) are checked by
//! the connection.
use crate::error::ProtocolError;

/// Largest header: 2 bytes + 8 bytes of extended length + 4 bytes of masking key.
pub const MAX_HEADER_LEN: usize = 14;

/// Largest payload of a control frame (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

const FIN: u8 = 0x80;
const RSV1: u8 = 0x40;
const RSV2_RSV3: u8 = 0x30;
const MASK: u8 = 0x80;

/// The defined opcodes (RFC 6455 §5.2, §11.8); the others are reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    /// The next fragment of a message.
    Continuation = 0x0,
    /// The first frame of a text message.
    Text = 0x1,
    /// The first frame of a binary message.
    Binary = 0x2,
    /// Close (control).
    Close = 0x8,
    /// Ping (control).
    Ping = 0x9,
    /// Pong (control).
    Pong = 0xA,
}

impl Opcode {
    /// The opcode for a 4-bit value, or the reserved-opcode error (RFC 6455 §5.2: "If an
    /// unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket
    /// Connection_").
    pub fn from_u8(value: u8) -> Result<Opcode, ProtocolError> {
        match value {
            0x0 => Ok(Opcode::Continuation),
            0x1 => Ok(Opcode::Text),
            0x2 => Ok(Opcode::Binary),
            0x8 => Ok(Opcode::Close),
            0x9 => Ok(Opcode::Ping),
            0xA => Ok(Opcode::Pong),
            other => Err(ProtocolError::ReservedOpcode(other)),
        }
    }

    /// Control frames have opcodes with the most significant bit set (RFC 6455 §5.5).
    pub fn is_control(self) -> bool {
        (self as u8) & 0x8 != 0
    }
}

/// One frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The last frame of its message.
    pub fin: bool,
    /// "Per-Message Compressed" with permessage-deflate (RFC 7692 §6).
    pub rsv1: bool,
    /// What the frame carries.
    pub opcode: Opcode,
    /// The masking key, present exactly when the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    /// Payload length in bytes (at most 2^63 - 1).
    pub payload_len: u64,
}

impl FrameHeader {
    /// Parses a header from the start of `buf`: `Ok(None)` until enough bytes have arrived,
    /// then the header and its length in bytes. Errors are reported as soon as the bytes that
    /// break a rule are present, even if the rest of the header is not.
    pub fn decode(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
        let Some(&b0) = buf.first() else {
            return Ok(None);
        };
        // §5.2: "RSV1, RSV2, RSV3: MUST be 0 unless an extension is negotiated that defines
        // meanings for non-zero values". Only RSV1 has one (RFC 7692); the caller checks it.
        if b0 & RSV2_RSV3 != 0 {
            return Err(ProtocolError::ReservedBitsSet);
        }
        let fin = b0 & FIN != 0;
        let opcode = Opcode::from_u8(b0 & 0x0F)?;
        // §5.5: "All control frames MUST have a payload length of 125 bytes or less and MUST
        // NOT be fragmented."
        if opcode.is_control() && !fin {
            return Err(ProtocolError::FragmentedControlFrame);
        }
        let Some(&b1) = buf.get(1) else {
            return Ok(None);
        };
        let masked = b1 & MASK != 0;
        let len7 = b1 & 0x7F;
        if opcode.is_control() && usize::from(len7) > MAX_CONTROL_PAYLOAD {
            return Err(ProtocolError::ControlFrameTooLong(u64::from(len7)));
        }
        // §5.2 "Payload length": 0-125 is the length; 126: the following 2 bytes; 127: the
        // following 8 bytes, "the most significant bit MUST be 0". Non-minimal encodings are
        // accepted: the RFC states the minimal rule for senders only.
        let (payload_len, mut pos) = match len7 {
            126 => match buf.get(2..4) {
                Some(&[a, b]) => (u64::from(u16::from_be_bytes([a, b])), 4),
                _ => return Ok(None),
            },
            127 => {
                let Some(bytes) = buf.get(2..10) else {
                    return Ok(None);
                };
                let mut be = [0u8; 8];
                be.copy_from_slice(bytes);
                let len = u64::from_be_bytes(be);
                if len >> 63 != 0 {
                    return Err(ProtocolError::LengthTopBitSet);
                }
                (len, 10)
            }
            n => (u64::from(n), 2),
        };
        let mask = if masked {
            let Some(bytes) = buf.get(pos..pos + 4) else {
                return Ok(None);
            };
            pos += 4;
            let mut key = [0u8; 4];
            key.copy_from_slice(bytes);
            Some(key)
        } else {
            None
        };
        let header = FrameHeader {
            fin,
            rsv1: b0 & RSV1 != 0,
            opcode,
            mask,
            payload_len,
        };
        Ok(Some((header, pos)))
    }

    /// Appends the header to `out`, with the minimal length encoding (§5.2: "the minimal
    /// number of bytes MUST be used to encode the length").
    pub fn encode(&self, out: &mut Vec<u8>) {
        let (bytes, len) = self.to_bytes();
        out.extend_from_slice(&bytes[..len]);
    }

    /// The header's bytes: the first `len` of the array.
    pub fn to_bytes(&self) -> ([u8; MAX_HEADER_LEN], usize) {
        let mut bytes = [0u8; MAX_HEADER_LEN];
        bytes[0] =
            (self.opcode as u8) | if self.fin { FIN } else { 0 } | if self.rsv1 { RSV1 } else { 0 };
        let mask_bit = if self.mask.is_some() { MASK } else { 0 };
        let mut len = match self.payload_len {
            n @ 0..=125 => {
                bytes[1] = mask_bit | n as u8;
                2
            }
            n @ 126..=0xFFFF => {
                bytes[1] = mask_bit | 126;
                bytes[2..4].copy_from_slice(&(n as u16).to_be_bytes());
                4
            }
            n => {
                bytes[1] = mask_bit | 127;
                bytes[2..10].copy_from_slice(&n.to_be_bytes());
                10
            }
        };
        if let Some(key) = self.mask {
            bytes[len..len + 4].copy_from_slice(&key);
            len += 4;
        }
        (bytes, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(opcode: Opcode, len: u64, mask: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader {
            fin: true,
            rsv1: false,
            opcode,
            mask,
            payload_len: len,
        }
    }

    fn encoded(h: &FrameHeader) -> Vec<u8> {
        let mut out = Vec::new();
        h.encode(&mut out);
        out
    }

    // RFC 6455 §5.2: the three length forms and their boundaries.
    #[test]
    fn length_forms_encode_minimally() {
        let cases: [(u64, &[u8]); 6] = [
            (0, &[0x82, 0x00]),
            (125, &[0x82, 125]),
            (126, &[0x82, 126, 0x00, 126]),
            (65535, &[0x82, 126, 0xFF, 0xFF]),
            (65536, &[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]),
            (
                (1 << 63) - 1,
                &[0x82, 127, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            ),
        ];
        for (len, bytes) in cases {
            let h = header(Opcode::Binary, len, None);
            assert_eq!(encoded(&h), bytes, "len {len}");
            assert_eq!(FrameHeader::decode(bytes), Ok(Some((h, bytes.len()))));
        }
    }

    #[test]
    fn masked_header_carries_the_key() {
        let h = header(Opcode::Text, 5, Some([1, 2, 3, 4]));
        let bytes = encoded(&h);
        assert_eq!(bytes, [0x81, 0x85, 1, 2, 3, 4]);
        assert_eq!(FrameHeader::decode(&bytes), Ok(Some((h, 6))));
        let h = header(Opcode::Binary, 65536, Some([9, 8, 7, 6]));
        let bytes = encoded(&h);
        assert_eq!(bytes, [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 9, 8, 7, 6]);
        assert_eq!(FrameHeader::decode(&bytes), Ok(Some((h, 14))));
    }

    #[test]
    fn fin_and_rsv1_bits() {
        let h = FrameHeader {
            fin: false,
            rsv1: true,
            opcode: Opcode::Text,
            mask: None,
            payload_len: 1,
        };
        assert_eq!(encoded(&h), [0x41, 0x01]);
        assert_eq!(FrameHeader::decode(&[0x41, 0x01]), Ok(Some((h, 2))));
    }

    #[test]
    fn every_prefix_of_a_header_is_incomplete() {
        for h in [
            header(Opcode::Binary, 3, Some([1, 2, 3, 4])),
            header(Opcode::Binary, 300, Some([1, 2, 3, 4])),
            header(Opcode::Binary, 70000, Some([1, 2, 3, 4])),
        ] {
            let bytes = encoded(&h);
            for n in 0..bytes.len() {
                assert_eq!(FrameHeader::decode(&bytes[..n]), Ok(None), "{n} of {h:?}");
            }
        }
    }

    // §5.2: lengths need not be minimal on receipt.
    #[test]
    fn non_minimal_lengths_are_accepted() {
        let h = header(Opcode::Binary, 5, None);
        assert_eq!(FrameHeader::decode(&[0x82, 126, 0, 5]), Ok(Some((h, 4))));
        assert_eq!(
            FrameHeader::decode(&[0x82, 127, 0, 0, 0, 0, 0, 0, 0, 5]),
            Ok(Some((h, 10)))
        );
    }

    #[test]
    fn length_with_top_bit_is_refused() {
        assert_eq!(
            FrameHeader::decode(&[0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Err(ProtocolError::LengthTopBitSet)
        );
    }

    #[test]
    fn reserved_bits_are_refused_from_the_first_byte() {
        for b0 in [0xA2, 0x92, 0xB2, 0xF2] {
            assert_eq!(
                FrameHeader::decode(&[b0]),
                Err(ProtocolError::ReservedBitsSet)
            );
        }
        // RSV1 alone is the caller's decision (RFC 7692).
        assert!(matches!(FrameHeader::decode(&[0xC2, 0]), Ok(Some(_))));
    }

    #[test]
    fn reserved_opcodes_are_refused() {
        for op in (3..=7).chain(11..=15) {
            assert_eq!(
                FrameHeader::decode(&[0x80 | op]),
                Err(ProtocolError::ReservedOpcode(op))
            );
        }
        for op in [0u8, 1, 2, 8, 9, 10] {
            assert!(FrameHeader::decode(&[0x80 | op, 0]).is_ok());
        }
    }

    // §5.5: control frames are short and unfragmented.
    #[test]
    fn control_frame_rules() {
        for op in [0x8, 0x9, 0xA] {
            assert_eq!(
                FrameHeader::decode(&[op]),
                Err(ProtocolError::FragmentedControlFrame)
            );
            assert_eq!(
                FrameHeader::decode(&[0x80 | op, 126]),
                Err(ProtocolError::ControlFrameTooLong(126))
            );
            assert_eq!(
                FrameHeader::decode(&[0x80 | op, 127]),
                Err(ProtocolError::ControlFrameTooLong(127))
            );
            assert!(FrameHeader::decode(&[0x80 | op, 125]).is_ok());
        }
    }

    #[test]
    fn opcode_kinds() {
        assert!(Opcode::Close.is_control());
        assert!(Opcode::Ping.is_control());
        assert!(Opcode::Pong.is_control());
        assert!(!Opcode::Continuation.is_control());
        assert!(!Opcode::Text.is_control());
        assert!(!Opcode::Binary.is_control());
    }
}

/// What a trace says of one frame sent or received: never its payload, except a close
/// frame's status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameNote {
    /// Its opcode.
    pub opcode: Opcode,
    /// FIN: the last frame of its message.
    pub fin: bool,
    /// RSV1: a compressed message's first frame (RFC 7692).
    pub rsv1: bool,
    /// Payload length in bytes.
    pub len: u64,
    /// A close frame's status code (0 when it has none, and for other frames).
    pub code: u16,
}

impl FrameNote {
    /// The note of a frame whose payload is `payload` (read only for a close frame's code).
    pub(crate) fn of(opcode: Opcode, rsv1: bool, fin: bool, payload: &[u8]) -> FrameNote {
        let code = match (opcode, payload) {
            (Opcode::Close, [high, low, ..]) => u16::from_be_bytes([*high, *low]),
            _ => 0,
        };
        FrameNote {
            opcode,
            fin,
            rsv1,
            len: payload.len() as u64,
            code,
        }
    }
}
