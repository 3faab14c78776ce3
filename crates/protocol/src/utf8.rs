//! Incremental UTF-8 validation across fragments (RFC 6455 §8.1), failing at the first bad byte.
//!
//! §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte
//! stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket
//! Connection_." §5.6 allows a code point to be split across frames, so a chunk may end in the
//! middle of a sequence: the up to three bytes of an incomplete (but so far valid) sequence are
//! carried to the next chunk. Anything that can no longer become valid (a bad first byte, a
//! non-continuation byte after a truncated sequence, an overlong, surrogate or > U+10FFFF
//! prefix such as `F4 90`) fails as soon as it arrives.
use std::fmt;

/// The data is not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8;

impl fmt::Display for InvalidUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid UTF-8")
    }
}
impl std::error::Error for InvalidUtf8 {}

/// Validates a byte stream fed in chunks.
#[derive(Debug, Clone, Default)]
pub struct Utf8Validator {
    /// The incomplete sequence at the end of the last chunk.
    carry: [u8; 4],
    carry_len: usize,
}

/// Length of the sequence a valid leading byte starts (the carry only holds valid prefixes).
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    }
}

impl Utf8Validator {
    /// A validator at the start of a message.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many bytes at the end of what was fed are the start of a character not complete
    /// yet (0 to 3).
    pub fn pending(&self) -> usize {
        self.carry_len
    }

    /// Forgets any carried bytes, for the next message.
    pub fn reset(&mut self) {
        self.carry_len = 0;
    }

    /// Validates the next chunk. Fails as soon as the bytes seen so far cannot be the start of
    /// valid UTF-8.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<(), InvalidUtf8> {
        if self.carry_len > 0 {
            // Complete the carried sequence with bytes from this chunk.
            let need = sequence_len(self.carry[0]).saturating_sub(self.carry_len);
            let take = need.min(chunk.len());
            let end = self.carry_len + take;
            self.carry[self.carry_len..end].copy_from_slice(&chunk[..take]);
            match simdutf8::compat::from_utf8(&self.carry[..end]) {
                Ok(_) => self.carry_len = 0,
                Err(e) if e.error_len().is_none() => {
                    // Still a valid prefix, and the chunk is used up.
                    self.carry_len = end;
                    return Ok(());
                }
                Err(_) => return Err(InvalidUtf8),
            }
            chunk = &chunk[take..];
        }
        match simdutf8::compat::from_utf8(chunk) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                // The chunk ends inside a sequence that is valid so far (at most 3 bytes).
                let rest = chunk.get(e.valid_up_to()..).unwrap_or_default();
                let Some(carry) = self.carry.get_mut(..rest.len()) else {
                    return Err(InvalidUtf8);
                };
                carry.copy_from_slice(rest);
                self.carry_len = rest.len();
                Ok(())
            }
            Err(_) => Err(InvalidUtf8),
        }
    }

    /// The stream ended: fails if it stopped inside a sequence. Resets the validator.
    pub fn finish(&mut self) -> Result<(), InvalidUtf8> {
        let complete = self.carry_len == 0;
        self.carry_len = 0;
        if complete {
            Ok(())
        } else {
            Err(InvalidUtf8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate_in_chunks(data: &[u8], sizes: &[usize]) -> Result<(), InvalidUtf8> {
        let mut v = Utf8Validator::new();
        let mut rest = data;
        let mut i = 0;
        while !rest.is_empty() {
            let n = sizes[i % sizes.len()].min(rest.len());
            v.feed(&rest[..n])?;
            rest = &rest[n..];
            i += 1;
        }
        v.finish()
    }

    const SAMPLES: &[&str] = &[
        "",
        "hello",
        "κόσμε",
        "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}",
        "Hello-µ@ßöäüàá-UTF-8!!",
        "€𝄞中文 mixed ascii",
    ];

    #[test]
    fn valid_text_in_every_split() {
        for s in SAMPLES {
            for size in 1..=5 {
                assert_eq!(validate_in_chunks(s.as_bytes(), &[size]), Ok(()), "{s}");
            }
            assert_eq!(validate_in_chunks(s.as_bytes(), &[1, 3, 2, 7]), Ok(()));
            for split in 0..=s.len() {
                let mut v = Utf8Validator::new();
                v.feed(&s.as_bytes()[..split]).unwrap();
                v.feed(&s.as_bytes()[split..]).unwrap();
                assert_eq!(v.finish(), Ok(()), "{s} split at {split}");
            }
        }
    }

    #[test]
    fn truncated_sequence_fails_at_finish() {
        for bytes in [&[0xC3][..], &[0xE2, 0x82], &[0xF0, 0x9D, 0x84]] {
            let mut v = Utf8Validator::new();
            assert_eq!(v.feed(bytes), Ok(()));
            assert_eq!(v.finish(), Err(InvalidUtf8));
            // finish resets.
            assert_eq!(v.finish(), Ok(()));
        }
    }

    // Each case: a valid prefix, then the chunk whose first byte makes it invalid.
    #[test]
    fn fails_as_soon_as_the_bad_byte_arrives() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"ok", &[0xFF]),             // never a valid byte
            (b"ok", &[0x80]),             // stray continuation byte
            (b"ok", &[0xC0]),             // overlong two-byte lead
            (b"ok", &[0xF5]),             // lead over U+10FFFF
            (&[0xC3], b"A"),              // truncated, then ASCII
            (&[0xE2, 0x82], b"A"),        // truncated three-byte sequence
            (&[0xF4], &[0x90]),           // > U+10FFFF prefix
            (&[0xE0], &[0x80]),           // overlong three-byte prefix
            (&[0xED], &[0xA0]),           // surrogate prefix
            (&[0xF0], &[0x80]),           // overlong four-byte prefix
            (&[0xF0, 0x9D, 0x84], b"\0"), // truncated four-byte sequence
        ];
        for (prefix, bad) in cases {
            let mut v = Utf8Validator::new();
            assert_eq!(v.feed(prefix), Ok(()), "{prefix:x?}");
            assert_eq!(v.feed(bad), Err(InvalidUtf8), "{prefix:x?} + {bad:x?}");
        }
    }

    #[test]
    fn carried_sequence_completed_one_byte_at_a_time() {
        let mut v = Utf8Validator::new();
        for b in "𝄞".bytes() {
            v.feed(&[b]).unwrap();
        }
        assert_eq!(v.finish(), Ok(()));
    }

    #[test]
    fn invalid_after_completed_carry_in_same_chunk() {
        let mut v = Utf8Validator::new();
        v.feed(&[0xE2, 0x82]).unwrap();
        assert_eq!(v.feed(&[0xAC, b'x', 0xFF]), Err(InvalidUtf8));
    }

    #[test]
    fn reset_drops_the_carry() {
        let mut v = Utf8Validator::new();
        v.feed(&[0xE2]).unwrap();
        v.reset();
        assert_eq!(v.feed(b"A"), Ok(()));
        assert_eq!(v.finish(), Ok(()));
    }
}
