//! Close codes (RFC 6455 §7.4) and close frame payloads (§5.5.1).

/// A close status code.
pub type CloseCode = u16;

/// Whether `code` may appear in a close frame, sent or received: 1000–1003, 1007–1014,
/// 3000–4999 (RFC 6455 §7.4.1–7.4.2 and the IANA registry). 1004–1006 and 1015 are reserved.
pub fn is_valid_wire_code(code: CloseCode) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}
