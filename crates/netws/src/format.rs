//! How messages look on stdin and stdout: a text message is a line; a binary one is hex digits
//! (a line) or its raw bytes (nothing added), per `--binary-format`.
use net_websocket_client::MessageKind;
use std::fmt;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
// Described in the help's "Binary formats" (doc comments here would make clap print a
// second, long form of the help).
pub enum BinaryFormat {
    Hex,
    Raw,
}

/// Writes one received message to `out`.
pub fn write_message(
    out: &mut impl Write,
    kind: MessageKind,
    data: &[u8],
    binary: BinaryFormat,
) -> io::Result<()> {
    match (kind, binary) {
        (MessageKind::Text, _) => {
            out.write_all(data)?;
            out.write_all(b"\n")
        }
        (MessageKind::Binary, BinaryFormat::Hex) => {
            write_hex(out, data)?;
            out.write_all(b"\n")
        }
        (MessageKind::Binary, BinaryFormat::Raw) => out.write_all(data),
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Hex-encodes through a small buffer: a large message needs no second copy of itself.
fn write_hex(out: &mut impl Write, data: &[u8]) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    for chunk in data.chunks(buf.len() / 2) {
        for (pair, byte) in buf.chunks_exact_mut(2).zip(chunk) {
            pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
            pair[1] = HEX_DIGITS[usize::from(byte & 0x0f)];
        }
        out.write_all(&buf[..chunk.len() * 2])?;
    }
    Ok(())
}

/// Why a stdin line is not hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HexError {
    /// Not a hex digit (nor whitespace), at this byte offset of the line.
    NotADigit { offset: usize, byte: u8 },
    /// An odd number of digits: the last byte is missing a digit.
    OddLength,
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::NotADigit { offset, byte } => write!(
                f,
                "{:?} at column {} is not a hex digit",
                char::from(*byte),
                offset + 1
            ),
            HexError::OddLength => f.write_str("an odd number of hex digits"),
        }
    }
}

/// The bytes a hex line stands for: pairs of digits in either case, whitespace anywhere
/// between them ignored (`00 01 FE ff`).
pub fn decode_hex(line: &[u8]) -> Result<Vec<u8>, HexError> {
    let mut bytes = Vec::with_capacity(line.len() / 2);
    let mut high: Option<u8> = None;
    for (offset, &byte) in line.iter().enumerate() {
        if byte.is_ascii_whitespace() {
            continue;
        }
        let digit = match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            b'A'..=b'F' => byte - b'A' + 10,
            _ => return Err(HexError::NotADigit { offset, byte }),
        };
        match high.take() {
            Some(h) => bytes.push(h << 4 | digit),
            None => high = Some(digit),
        }
    }
    match high {
        Some(_) => Err(HexError::OddLength),
        None => Ok(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(kind: MessageKind, data: &[u8], binary: BinaryFormat) -> Vec<u8> {
        let mut out = Vec::new();
        write_message(&mut out, kind, data, binary).unwrap();
        out
    }

    #[test]
    fn text_is_a_line_whatever_the_binary_format() {
        for format in [BinaryFormat::Hex, BinaryFormat::Raw] {
            assert_eq!(written(MessageKind::Text, b"hi", format), b"hi\n");
            assert_eq!(written(MessageKind::Text, b"", format), b"\n");
        }
    }

    #[test]
    fn binary_is_lowercase_hex_or_raw_bytes() {
        let data = [0x00, 0x01, 0xfe, 0xff, 0x5a];
        assert_eq!(
            written(MessageKind::Binary, &data, BinaryFormat::Hex),
            b"0001feff5a\n"
        );
        assert_eq!(written(MessageKind::Binary, &data, BinaryFormat::Raw), data);
        assert_eq!(written(MessageKind::Binary, b"", BinaryFormat::Hex), b"\n");
    }

    #[test]
    fn hex_of_a_message_longer_than_the_buffer() {
        let data: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let out = written(MessageKind::Binary, &data, BinaryFormat::Hex);
        assert_eq!(out.len(), 10_001);
        assert_eq!(decode_hex(&out[..10_000]), Ok(data));
    }

    #[test]
    fn hex_input_takes_either_case_and_spaces() {
        assert_eq!(decode_hex(b"00 01 FE ff"), Ok(vec![0, 1, 0xfe, 0xff]));
        assert_eq!(
            decode_hex(b"\tdead beef \r"),
            Ok(vec![0xde, 0xad, 0xbe, 0xef])
        );
        assert_eq!(decode_hex(b""), Ok(vec![]));
    }

    #[test]
    fn hex_input_errors_say_where() {
        assert_eq!(
            decode_hex(b"00 0g"),
            Err(HexError::NotADigit {
                offset: 4,
                byte: b'g'
            })
        );
        assert_eq!(
            HexError::NotADigit {
                offset: 4,
                byte: b'g'
            }
            .to_string(),
            "'g' at column 5 is not a hex digit"
        );
        assert_eq!(decode_hex(b"abc"), Err(HexError::OddLength));
    }
}
