//! Per-message compression and decompression (RFC 7692 §7.2) with raw deflate streams.
use crate::error::ProtocolError;
use flate2::{Decompress, FlushDecompress, Status};
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush};

/// §7.2.1: the tail a sync flush leaves, removed by the sender and restored by the receiver.
const FLUSH_TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

/// Decompressed bytes are produced in steps of at most this (or the current size, whichever is
/// larger), so memory grows with output actually produced, never past the limit.
const INFLATE_STEP: usize = 32 * 1024;

/// How our side compresses: zlib's level and memLevel (RFC 7692 leaves both to the sender).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Effort {
    /// 0 (stored blocks) to 9.
    pub(crate) level: u8,
    /// 1 to 9: the size of the hash table and of the pending-symbol buffer.
    pub(crate) mem_level: u8,
}

/// Our sending side. zlib-rs directly, not through flate2, which has no memLevel.
pub(crate) struct Compressor {
    /// None when the agreed window is 8 bits: zlib cannot produce raw deflate with a 256-byte
    /// window (it refuses windowBits 8 without the zlib wrapper), so we send every message
    /// uncompressed, which §7.2.1 permits ("An endpoint MAY send a message without
    /// compression").
    inner: Option<Deflate>,
    /// Our side's `*_no_context_takeover`: start every message with an empty window (§7.1.1).
    reset_per_message: bool,
    min_size: usize,
}

impl Compressor {
    pub(crate) fn new(
        window_bits: u8,
        no_context_takeover: bool,
        min_size: usize,
        effort: Effort,
    ) -> Self {
        let inner = (window_bits > 8).then(|| {
            Deflate::new_with_config(DeflateConfig {
                level: i32::from(effort.level.min(9)),
                // Negative: raw deflate, no zlib header (§7.2.1).
                window_bits: -i32::from(window_bits.min(15)),
                mem_level: i32::from(effort.mem_level.clamp(1, 9)),
                ..DeflateConfig::default()
            })
        });
        Compressor {
            inner,
            reset_per_message: no_context_takeover,
            min_size,
        }
    }

    /// Whether messages can be compressed at all (not with an 8-bit window).
    pub(crate) fn compresses(&self) -> bool {
        self.inner.is_some()
    }

    /// Compresses one fragment of a message sent in pieces into `out` (cleared first): deflate
    /// and a sync flush, so the peer can inflate what it has; the flush's `00 00 FF FF` is
    /// removed from the last fragment only (§7.2.1 removes it from the message's end). Call
    /// only when [`Compressor::compresses`].
    pub(crate) fn compress_piece(&mut self, data: &[u8], out: &mut Vec<u8>, last: bool) {
        out.clear();
        let Some(c) = &mut self.inner else {
            return;
        };
        let flushed = Self::deflate_sync(c, data, out);
        if last {
            if flushed {
                Self::strip_tail(out);
            } else if out.is_empty() {
                // Nothing new since the last flush (an empty last piece): zlib writes nothing,
                // but the peer appends `00 00 FF FF` to the message and needs the stored
                // block's header before it, the 0x00 of an empty message (§7.2.3.6).
                out.push(0x00);
            }
            if self.reset_per_message {
                c.reset();
            }
        }
    }

    /// Compresses one message into `out` (cleared first) per §7.2.1: deflate, sync flush, drop
    /// the trailing `00 00 FF FF`. False: send this message uncompressed (RSV1 clear). A
    /// message under the threshold never reaches zlib, so it stays out of the window the next
    /// compressed message refers to, as it stays out of the peer's (§6.1).
    pub(crate) fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        let Some(c) = &mut self.inner else {
            return false;
        };
        if data.len() < self.min_size {
            return false;
        }
        out.clear();
        let compressed = if Self::deflate_sync(c, data, out) {
            Self::strip_tail(out)
        } else if data.is_empty() && out.is_empty() {
            // An empty message after others: zlib writes nothing for a flush with nothing
            // new; the peer needs the empty stored block's header (as in `compress_piece`).
            out.push(0x00);
            true
        } else {
            false
        };
        if !compressed || self.reset_per_message {
            // After a failure our window may hold data the peer never saw: a fresh compressor
            // never refers back to it, so resetting keeps the two sides consistent.
            c.reset();
        }
        compressed
    }

    fn deflate_sync(c: &mut Deflate, data: &[u8], out: &mut Vec<u8>) -> bool {
        // Enough for incompressible input (stored blocks add 5 bytes per 16 KiB) in one call.
        out.reserve(data.len() + data.len() / 1024 * 5 + 64);
        let mut input = data;
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.len() / 2 + 64);
            }
            let (before_in, before_out) = (c.total_in(), c.total_out());
            // Into the spare room, zeroed (the core has no unsafe; memset costs far less
            // than deflate).
            let start = out.len();
            out.resize(out.capacity(), 0);
            let result = c.compress(input, &mut out[start..], DeflateFlush::SyncFlush);
            let produced = usize::try_from(c.total_out() - before_out).unwrap_or(0);
            out.truncate(start + produced);
            if result.is_err() {
                return false;
            }
            let consumed = usize::try_from(c.total_in() - before_in).unwrap_or(usize::MAX);
            input = input.get(consumed..).unwrap_or_default();
            // zlib: the flush is complete once input is used up and output space is left.
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        // A sync flush ends with an empty stored block: `00 00 FF FF`.
        out.ends_with(&FLUSH_TAIL)
    }

    /// Removes the sync flush's `00 00 FF FF` from the end of a message (§7.2.1).
    fn strip_tail(out: &mut Vec<u8>) -> bool {
        out.truncate(out.len() - FLUSH_TAIL.len());
        true
    }
}

/// The peer's sending side. Always a 32 KiB window: it can inflate whatever window the peer
/// uses (§7.1.2.1 only bounds the peer).
pub(crate) struct Decompressor {
    inner: Decompress,
    /// The peer's `*_no_context_takeover` (§7.1.1): forget the window after every message.
    reset_per_message: bool,
    /// The message contained a block with BFINAL set: the rest of it is ignored and the
    /// stream restarts with the next message (§7.2.3.4 allows BFINAL blocks).
    ended: bool,
}

impl Decompressor {
    pub(crate) fn new(no_context_takeover: bool) -> Self {
        Decompressor {
            inner: Decompress::new(false),
            reset_per_message: no_context_takeover,
            ended: false,
        }
    }

    /// Inflates a piece of a compressed message, appending to `out` and failing with
    /// [`ProtocolError::MessageTooBig`] as soon as `out` would exceed `max` bytes: a deflate
    /// bomb never allocates more than `max + 1` bytes of output (§8 Security: "limit the size
    /// of the decompressed data").
    pub(crate) fn inflate(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        max: usize,
    ) -> Result<(), ProtocolError> {
        // Every call drains zlib completely (below), so no input means no output.
        if input.is_empty() {
            return Ok(());
        }
        while !self.ended {
            let before_out = out.len();
            let consumed = self.step(input, out, max)?;
            input = input.get(consumed..).unwrap_or_default();
            // zlib stops with room left in `out` only once it has nothing more to give; with
            // `out` full it may hold more output even after using up the input.
            let room_left = out.len() < out.capacity();
            if input.is_empty() && room_left {
                break;
            }
            if consumed == 0 && out.len() == before_out && room_left {
                // No progress with input and room left: zlib cannot go on.
                return Err(ProtocolError::BadCompressedData);
            }
        }
        Ok(())
    }

    /// Inflates a piece of a compressed message that is delivered as it arrives: stops once
    /// `out` holds `piece` bytes, so memory stays bounded whatever the input inflates to.
    /// Returns the input it consumed and whether zlib still holds output for it (then call
    /// again, with the rest of the input or none). No limit on the message's size here: the
    /// caller counts it.
    pub(crate) fn inflate_some(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        piece: usize,
    ) -> Result<(usize, bool), ProtocolError> {
        let given = input.len();
        let mut consumed_all = 0;
        while !self.ended && out.len() < piece {
            // Into a slice of exactly the room left, never into spare capacity beyond it.
            let start = out.len();
            out.resize(piece, 0);
            let before_in = self.inner.total_in();
            let before_out = self.inner.total_out();
            let status = self
                .inner
                .decompress(input, &mut out[start..], FlushDecompress::None);
            let produced = usize::try_from(self.inner.total_out() - before_out).unwrap_or(0);
            out.truncate(start + produced);
            let status = status.map_err(|_| ProtocolError::BadCompressedData)?;
            let consumed = usize::try_from(self.inner.total_in() - before_in).unwrap_or(0);
            consumed_all += consumed;
            input = input.get(consumed..).unwrap_or_default();
            if status == Status::StreamEnd {
                self.ended = true;
            }
            if out.len() < piece && input.is_empty() {
                // Room left and no input: zlib gave all it had.
                return Ok((consumed_all, false));
            }
            if consumed == 0 && produced == 0 && !self.ended {
                return Err(ProtocolError::BadCompressedData);
            }
        }
        if self.ended {
            // A block with BFINAL ended the stream: the rest of the message is ignored (as
            // `inflate` does), so all of it counts as consumed.
            return Ok((given, false));
        }
        // Out of room: zlib may hold more for what it consumed.
        Ok((consumed_all, out.len() >= piece))
    }

    /// One inflate call into the free room of `out`, grown first if it has none (doubling, in
    /// steps of at least [`INFLATE_STEP`], never past `max + 1`). Returns the input consumed.
    fn step(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        max: usize,
    ) -> Result<usize, ProtocolError> {
        if out.len() == out.capacity() {
            let room = max.saturating_add(1).saturating_sub(out.len()).max(1);
            out.reserve_exact(INFLATE_STEP.max(out.len()).min(room));
        }
        let before_in = self.inner.total_in();
        let status = self
            .inner
            .decompress_vec(input, out, FlushDecompress::None)
            .map_err(|_| ProtocolError::BadCompressedData)?;
        if out.len() > max {
            return Err(ProtocolError::MessageTooBig {
                size: out.len() as u64,
                max,
            });
        }
        if status == Status::StreamEnd {
            self.ended = true;
        }
        Ok(usize::try_from(self.inner.total_in() - before_in).unwrap_or(usize::MAX))
    }

    /// The message's last frame arrived: §7.2.2 "Append 4 octets of 0x00 0x00 0xff 0xff to the
    /// tail end of the payload of the message" and inflate them, then prepare for the next
    /// message.
    pub(crate) fn finish_message(
        &mut self,
        out: &mut Vec<u8>,
        max: usize,
    ) -> Result<(), ProtocolError> {
        let result = self.inflate(&FLUSH_TAIL, out, max);
        if self.reset_per_message || self.ended {
            self.inner.reset(false);
        }
        self.ended = false;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EFFORT: Effort = Effort {
        level: 6,
        mem_level: 8,
    };

    /// A message sent in pieces, empty pieces included, inflates like the whole message, and
    /// the stream goes on for the next ones (§7.2.3.6: an empty message is `00` on the wire).
    #[test]
    fn pieces_and_empty_pieces_inflate_in_one_stream() {
        let messages: &[&[&[u8]]] = &[
            &[b"hello ", b"hello"],
            &[b""],
            &[b"a", b"", b"a", b""],
            &[b"", b""],
            &[b"hello hello", b"", b"!"],
        ];
        let mut c = Compressor::new(15, false, 0, EFFORT);
        let mut d = Decompress::new(false);
        for pieces in messages {
            let mut wire = Vec::new();
            let mut out = Vec::new();
            for (i, piece) in pieces.iter().enumerate() {
                c.compress_piece(piece, &mut out, i == pieces.len() - 1);
                wire.extend_from_slice(&out);
            }
            wire.extend_from_slice(&FLUSH_TAIL);
            let mut plain = Vec::with_capacity(1000);
            d.decompress_vec(&wire, &mut plain, FlushDecompress::Sync)
                .unwrap();
            assert_eq!(plain, pieces.concat(), "{pieces:?}");
        }
    }

    const MAX: usize = 1 << 20;

    fn inflate_message(d: &mut Decompressor, pieces: &[&[u8]]) -> Result<Vec<u8>, ProtocolError> {
        let mut out = Vec::new();
        for p in pieces {
            d.inflate(p, &mut out, MAX)?;
        }
        d.finish_message(&mut out, MAX)?;
        Ok(out)
    }

    // RFC 7692 §7.2.3.1: "Hello" compressed.
    const HELLO: &[u8] = &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

    #[test]
    fn rfc_7692_7_2_3_1_hello() {
        let mut c = Compressor::new(15, false, 0, EFFORT);
        let mut out = Vec::new();
        assert!(c.compress(b"Hello", &mut out));
        assert_eq!(out, HELLO);
        let mut d = Decompressor::new(false);
        assert_eq!(inflate_message(&mut d, &[HELLO]).unwrap(), b"Hello");
        // The two-fragment example: f2 48 cd | c9 c9 07 00.
        let mut d = Decompressor::new(false);
        assert_eq!(
            inflate_message(&mut d, &[&HELLO[..3], &HELLO[3..]]).unwrap(),
            b"Hello"
        );
    }

    // RFC 7692 §7.2.3.2: the second "Hello" with a shared sliding window.
    #[test]
    fn rfc_7692_7_2_3_2_shared_window() {
        let second: &[u8] = &[0xf2, 0x00, 0x11, 0x00, 0x00];
        let mut c = Compressor::new(15, false, 0, EFFORT);
        let mut out = Vec::new();
        assert!(c.compress(b"Hello", &mut out));
        assert!(c.compress(b"Hello", &mut out));
        assert_eq!(out, second);
        let mut d = Decompressor::new(false);
        assert_eq!(inflate_message(&mut d, &[HELLO]).unwrap(), b"Hello");
        assert_eq!(inflate_message(&mut d, &[second]).unwrap(), b"Hello");

        // With no context takeover the second message repeats the first.
        let mut c = Compressor::new(15, true, 0, EFFORT);
        assert!(c.compress(b"Hello", &mut out));
        assert!(c.compress(b"Hello", &mut out));
        assert_eq!(out, HELLO);
    }

    // RFC 7692 §7.2.3.3: a DEFLATE block with no compression.
    #[test]
    fn rfc_7692_7_2_3_3_stored_block() {
        let stored: &[u8] = &[
            0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
        ];
        let mut d = Decompressor::new(false);
        assert_eq!(inflate_message(&mut d, &[stored]).unwrap(), b"Hello");
    }

    // RFC 7692 §7.2.3.4: a block with BFINAL set; the stream restarts for the next message.
    #[test]
    fn rfc_7692_7_2_3_4_bfinal() {
        let bfinal: &[u8] = &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
        let mut d = Decompressor::new(false);
        assert_eq!(inflate_message(&mut d, &[bfinal]).unwrap(), b"Hello");
        assert_eq!(inflate_message(&mut d, &[HELLO]).unwrap(), b"Hello");
    }

    // RFC 7692 §7.2.3.5: two DEFLATE blocks in one message.
    #[test]
    fn rfc_7692_7_2_3_5_two_blocks() {
        let two: &[u8] = &[
            0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
        ];
        let mut d = Decompressor::new(false);
        assert_eq!(inflate_message(&mut d, &[two]).unwrap(), b"Hello");
    }

    #[test]
    fn empty_message() {
        let mut c = Compressor::new(15, false, 0, EFFORT);
        let mut out = Vec::new();
        assert!(c.compress(b"", &mut out));
        assert_eq!(out, [0x00]);
        let mut d = Decompressor::new(false);
        assert_eq!(inflate_message(&mut d, &[&out]).unwrap(), b"");
        assert_eq!(inflate_message(&mut d, &[]).unwrap(), b"");
        // After another message, with context kept: still compressed, still one stream.
        let mut d = Decompressor::new(false);
        for message in [&b"Hello"[..], b"", b"Hello"] {
            assert!(c.compress(message, &mut out), "{message:?}");
            assert_eq!(inflate_message(&mut d, &[&out]).unwrap(), message);
        }
    }

    #[test]
    fn window_8_and_min_size_send_uncompressed() {
        let mut out = Vec::new();
        assert!(!Compressor::new(8, false, 0, EFFORT).compress(b"Hello", &mut out));
        assert!(!Compressor::new(15, false, 6, EFFORT).compress(b"Hello", &mut out));
        assert!(Compressor::new(15, false, 5, EFFORT).compress(b"Hello", &mut out));
        assert!(Compressor::new(9, false, 0, EFFORT).compress(b"Hello", &mut out));
    }

    #[test]
    fn round_trip_large_and_varied() {
        let mut c = Compressor::new(15, false, 0, EFFORT);
        let mut d = Decompressor::new(false);
        let mut out = Vec::new();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for len in [1usize, 100, 70_000, 300_000] {
            // Half random, half repetitive.
            let data: Vec<u8> = (0..len)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    if i % 2 == 0 {
                        seed as u8
                    } else {
                        b'a'
                    }
                })
                .collect();
            assert!(c.compress(&data, &mut out));
            let pieces: Vec<&[u8]> = out.chunks(1000).collect();
            assert_eq!(inflate_message(&mut d, &pieces).unwrap(), data);
        }
    }

    #[test]
    fn garbage_is_refused() {
        let mut d = Decompressor::new(false);
        assert_eq!(
            inflate_message(&mut d, &[&[0xff, 0xff, 0xff, 0xff]]),
            Err(ProtocolError::BadCompressedData)
        );
    }

    #[test]
    fn deflate_bomb_fails_fast_without_allocating() {
        let mut c = Compressor::new(15, false, 0, EFFORT);
        let mut bomb = Vec::new();
        assert!(c.compress(&vec![0u8; 50 << 20], &mut bomb));
        assert!(bomb.len() < 100_000, "{}", bomb.len());
        let max = 64 * 1024;
        let mut d = Decompressor::new(false);
        let mut out = Vec::new();
        let err = d.inflate(&bomb, &mut out, max).unwrap_err();
        assert!(matches!(err, ProtocolError::MessageTooBig { max: m, .. } if m == max));
        assert!(out.capacity() <= max + 1, "{}", out.capacity());
    }
}
