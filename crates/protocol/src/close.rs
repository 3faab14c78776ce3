//! Close codes (RFC 6455 §7.4) and close frame payloads (§5.5.1).
use crate::error::ProtocolError;

/// A close status code.
pub type CloseCode = u16;

/// Longest close reason: a control payload is at most 125 bytes, two of them the code.
pub const MAX_REASON_LEN: usize = 123;

/// Whether `code` may appear in a close frame, sent or received: 1000–1003, 1007–1014,
/// 3000–4999 (RFC 6455 §7.4.1–7.4.2 and the IANA registry). 1004–1006 and 1015 are reserved.
pub fn is_valid_wire_code(code: CloseCode) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Splits a received close payload into its code and reason (§5.5.1: "If there is a body, the
/// first two bytes of the body MUST be a 2-byte unsigned integer (in network byte order)
/// representing a status code"; the rest is a UTF-8 reason). An empty payload has no code.
pub fn parse_payload(payload: &[u8]) -> Result<(Option<CloseCode>, &str), ProtocolError> {
    match payload {
        [] => Ok((None, "")),
        [_] => Err(ProtocolError::InvalidClosePayload),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !is_valid_wire_code(code) {
                return Err(ProtocolError::InvalidCloseCode(code));
            }
            let reason = simdutf8::basic::from_utf8(reason)
                .map_err(|_| ProtocolError::InvalidCloseReason)?;
            Ok((Some(code), reason))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[u16] = &[
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000,
        4999,
    ];
    const INVALID: &[u16] = &[
        0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ];

    #[test]
    fn wire_code_table() {
        for &c in VALID {
            assert!(is_valid_wire_code(c), "{c}");
        }
        for &c in INVALID {
            assert!(!is_valid_wire_code(c), "{c}");
        }
    }

    #[test]
    fn payload_parsing() {
        assert_eq!(parse_payload(&[]), Ok((None, "")));
        assert_eq!(
            parse_payload(&[0x03]),
            Err(ProtocolError::InvalidClosePayload)
        );
        assert_eq!(parse_payload(&[0x03, 0xE8]), Ok((Some(1000), "")));
        assert_eq!(
            parse_payload(b"\x0f\xa0bye \xc3\xa9"),
            Ok((Some(4000), "bye é"))
        );
        for &c in VALID {
            assert_eq!(parse_payload(&c.to_be_bytes()), Ok((Some(c), "")));
        }
        for &c in INVALID {
            assert_eq!(
                parse_payload(&c.to_be_bytes()),
                Err(ProtocolError::InvalidCloseCode(c))
            );
        }
        assert_eq!(
            parse_payload(b"\x03\xe8\xff"),
            Err(ProtocolError::InvalidCloseReason)
        );
        assert_eq!(
            parse_payload(b"\x03\xe8\xce"),
            Err(ProtocolError::InvalidCloseReason)
        );
    }
}
