//! Frames and handshake heads built by hand, byte for byte: the protocol crate's encoder
//! refuses to write most of what the hostile server sends (reserved bits and opcodes, long
//! control frames, forbidden close codes).

/// First-byte bits (RFC 6455 §5.2).
pub const FIN: u8 = 0x80;
pub const RSV1: u8 = 0x40;
pub const RSV2: u8 = 0x20;
pub const RSV3: u8 = 0x10;
/// Opcodes (RFC 6455 §5.2, §11.8).
pub const CONTINUATION: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// A frame with `first` as its first byte (FIN, RSV1–3, opcode, taken as given), the minimal
/// length encoding, and `payload` masked with `mask` when there is one.
pub fn frame(first: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 14);
    out.push(first);
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => out.push(mask_bit | n as u8),
        n @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// An unmasked frame header announcing `len` payload bytes in the 64-bit encoding (whatever
/// `len` is, so a top bit can be set), with no payload after it.
pub fn announce(first: u8, len: u64) -> Vec<u8> {
    let mut out = vec![first, 127];
    out.extend_from_slice(&len.to_be_bytes());
    out
}

/// A close frame payload: the code in network byte order, then `reason` as given (it may be
/// invalid UTF-8).
pub fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut out = code.to_be_bytes().to_vec();
    out.extend_from_slice(reason);
    out
}

/// The status line of a correct answer.
pub const SWITCHING: &str = "HTTP/1.1 101 Switching Protocols";

/// A response head: the status line, then each field as `Name: value`, then the empty line.
pub fn head(status_line: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = String::with_capacity(256);
    out.push_str(status_line);
    out.push_str("\r\n");
    for (name, value) in fields {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A 101 head with `Upgrade`, `Connection` and `Sec-WebSocket-Accept: accept` (each unless
/// left out), then `extra` fields.
pub fn switching(accept: &str, leave_out: &[&str], extra: &[(&str, &str)]) -> Vec<u8> {
    let standard = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", accept),
    ];
    let fields: Vec<(&str, &str)> = standard
        .into_iter()
        .filter(|(name, _)| !leave_out.contains(name))
        .chain(extra.iter().copied())
        .collect();
    head(SWITCHING, &fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_use_the_minimal_encoding() {
        assert_eq!(frame(FIN | TEXT, b"hi", None), b"\x81\x02hi");
        let medium = frame(FIN | BINARY, &[0; 126], None);
        assert_eq!(&medium[..4], &[0x82, 126, 0, 126]);
        assert_eq!(medium.len(), 4 + 126);
        let large = frame(FIN | BINARY, &[0; 65536], None);
        assert_eq!(&large[..10], &[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    }

    #[test]
    fn masked_payloads_are_xored_with_the_key() {
        let key = [1, 2, 3, 4];
        assert_eq!(
            frame(FIN | TEXT, b"abcde", Some(key)),
            [
                0x81,
                0x85,
                1,
                2,
                3,
                4,
                b'a' ^ 1,
                b'b' ^ 2,
                b'c' ^ 3,
                b'd' ^ 4,
                b'e' ^ 1
            ]
        );
    }

    #[test]
    fn announcements_and_close_payloads() {
        assert_eq!(
            announce(FIN | BINARY, 1 << 30),
            [0x82, 127, 0, 0, 0, 0, 0x40, 0, 0, 0]
        );
        assert_eq!(close_payload(1000, b"ok"), [0x03, 0xE8, b'o', b'k']);
    }

    #[test]
    fn switching_leaves_out_and_adds_fields() {
        let head = String::from_utf8(switching("abc", &["Upgrade"], &[("X", "1")])).unwrap();
        assert_eq!(
            head,
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: abc\r\nX: 1\r\n\r\n"
        );
    }
}
