//! What the generated messages hold and how they are cut into frames: deterministic bytes
//! produced in order, in pieces of any size, so a message of any size is made up as it is
//! sent and never held.

/// The bytes of a generated message, produced in order.
pub(super) trait Content {
    /// The next `out.len()` bytes of the message.
    fn fill(&mut self, out: &mut [u8]);
}

/// Binary bytes that look random (a multiplicative hash of each byte's position), so that a
/// misplaced or repeated chunk changes the CRC.
#[derive(Debug, Default)]
pub(super) struct BinaryPattern {
    position: u64,
}

impl Content for BinaryPattern {
    fn fill(&mut self, out: &mut [u8]) {
        for (byte, position) in out.iter_mut().zip(self.position..) {
            *byte = (position.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8 ^ position as u8;
        }
        self.position += out.len() as u64;
    }
}

/// Characters of every UTF-8 width, four of each.
const CHARACTERS: [&str; 16] = [
    "a", "b", "c", "d", "é", "ß", "π", "Ж", "€", "中", "あ", "ह", "😀", "𝄞", "🎉", "𐍈",
];

/// UTF-8 text of a pseudo-random mix of 1-, 2-, 3- and 4-byte characters, exactly `total`
/// bytes long (the last characters are narrower when a wider one would not fit).
pub(super) struct TextPattern {
    /// Bytes of characters not chosen yet.
    unchosen: u64,
    /// xorshift64 state.
    random: u64,
    /// A character cut by the end of the last `fill`: `cut[..cut_len]`, its rest.
    cut: [u8; 4],
    cut_len: usize,
}

impl TextPattern {
    pub(super) fn new(total: u64) -> Self {
        TextPattern {
            unchosen: total,
            random: 0x2545_F491_4F6C_DD1D,
            cut: [0; 4],
            cut_len: 0,
        }
    }

    fn next_character(&mut self) -> &'static [u8] {
        let mut character = CHARACTERS[(xorshift(&mut self.random) >> 60) as usize].as_bytes();
        if character.len() as u64 > self.unchosen {
            // The first character of the width that fits: 1, 2 or 3 bytes.
            character = CHARACTERS[(self.unchosen as usize - 1) * 4].as_bytes();
        }
        self.unchosen -= character.len() as u64;
        character
    }
}

impl Content for TextPattern {
    fn fill(&mut self, out: &mut [u8]) {
        let carried = self.cut_len.min(out.len());
        out[..carried].copy_from_slice(&self.cut[..carried]);
        self.cut.copy_within(carried..self.cut_len, 0);
        self.cut_len -= carried;
        let mut at = carried;
        while at < out.len() {
            let character = self.next_character();
            let n = character.len().min(out.len() - at);
            out[at..at + n].copy_from_slice(&character[..n]);
            self.cut_len = character.len() - n;
            self.cut[..self.cut_len].copy_from_slice(&character[n..]);
            at += n;
        }
    }
}

/// One step of a xorshift64 generator.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// `/generate/compressed`: lines picked at random among 256 made up at the start, each
/// "line NNN:" and eight words, so deflate finds whole lines again but never their order:
/// compressible many times over, not trivially, and quick to compress.
pub(super) struct Lines {
    lines: Vec<Vec<u8>>,
    random: u64,
    /// The line being written, and how much of it is written.
    line: usize,
    at: usize,
}

impl Lines {
    pub(super) fn new() -> Self {
        const WORDS: [&str; 16] = [
            "stream", "piece", "frame", "deflate", "window", "final", "first", "queue", "ping",
            "pong", "close", "text", "binary", "mask", "octet", "socket",
        ];
        let mut random = 0x9E37_79B9_7F4A_7C15;
        let lines = (0..256)
            .map(|n| {
                let mut line = format!("line {n:03}:");
                for _ in 0..8 {
                    line.push(' ');
                    line.push_str(WORDS[(xorshift(&mut random) >> 60) as usize]);
                }
                line.push('\n');
                line.into_bytes()
            })
            .collect();
        Lines {
            lines,
            random,
            line: 0,
            at: 0,
        }
    }
}

impl Content for Lines {
    fn fill(&mut self, out: &mut [u8]) {
        let mut filled = 0;
        while filled < out.len() {
            let line = &self.lines[self.line][self.at..];
            let n = line.len().min(out.len() - filled);
            out[filled..filled + n].copy_from_slice(&line[..n]);
            filled += n;
            self.at += n;
            if self.at == self.lines[self.line].len() {
                self.line = (xorshift(&mut self.random) >> 56) as usize;
                self.at = 0;
            }
        }
    }
}

/// `/generate/bad-text`: the characters "aé€😀" (1 to 4 bytes: 10 bytes) over and over,
/// with the byte at [`BadText::bad_at`] (an "a", at a multiple of 10) replaced by 0xFF,
/// which never appears in UTF-8. A client can check every byte before it.
pub(super) struct BadText {
    position: u64,
    bad_at: u64,
}

/// The cycle of [`BadText`].
const CYCLE: &[u8] = "aé€😀".as_bytes();

impl BadText {
    pub(super) fn new(total: u64) -> Self {
        BadText {
            position: 0,
            bad_at: Self::bad_at(total),
        }
    }

    /// Where the invalid byte lies in a message of `total` bytes: the start of the cycle at
    /// or before the middle.
    pub(super) fn bad_at(total: u64) -> u64 {
        total / 2 / CYCLE.len() as u64 * CYCLE.len() as u64
    }
}

impl Content for BadText {
    fn fill(&mut self, out: &mut [u8]) {
        for (byte, position) in out.iter_mut().zip(self.position..) {
            *byte = if position == self.bad_at {
                0xFF
            } else {
                CYCLE[(position % CYCLE.len() as u64) as usize]
            };
        }
        self.position += out.len() as u64;
    }
}

/// The payload sizes of a message's frames, each with whether it is the last: at least one
/// frame (an empty message is one empty frame).
pub(super) struct FrameSizes {
    left: u64,
    /// Frames made so far.
    index: u64,
    /// None: sizes that vary (see [`varied_size`]).
    fixed: Option<u64>,
    done: bool,
}

impl FrameSizes {
    /// Frames of `frame` bytes (the last one shorter); 0: the whole message in one frame.
    pub(super) fn fixed(total: u64, frame: u64) -> Self {
        FrameSizes {
            left: total,
            index: 0,
            fixed: Some(if frame == 0 { total.max(1) } else { frame }),
            done: false,
        }
    }

    /// Frames whose sizes vary (see [`varied_size`]).
    pub(super) fn varied(total: u64) -> Self {
        FrameSizes {
            left: total,
            index: 0,
            fixed: None,
            done: false,
        }
    }
}

/// Every fourth frame is 1, 2 or 3 bytes (so a character may span three frames), the others
/// between 1 KiB and 16 KiB, stepping by a prime: frame boundaries fall at every offset inside
/// characters of every width (tested below).
fn varied_size(index: u64) -> u64 {
    if index % 4 == 3 {
        1 + index / 4 % 3
    } else {
        1024 + index * 7919 % 15361
    }
}

impl Iterator for FrameSizes {
    type Item = (u64, bool);

    fn next(&mut self) -> Option<(u64, bool)> {
        if self.done {
            return None;
        }
        let size = self
            .fixed
            .unwrap_or_else(|| varied_size(self.index))
            .min(self.left);
        self.index += 1;
        self.left -= size;
        self.done = self.left == 0;
        Some((size, self.done))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `total` bytes of `content`, filled in pieces of the given sizes (cycled).
    fn generate(content: &mut dyn Content, total: usize, pieces: &[usize]) -> Vec<u8> {
        let mut out = vec![0; total];
        let mut at = 0;
        for &size in pieces.iter().cycle() {
            if at == total {
                break;
            }
            let n = size.min(total - at);
            content.fill(&mut out[at..at + n]);
            at += n;
        }
        out
    }

    #[test]
    fn pieces_of_any_size_make_the_same_bytes() {
        let whole = generate(&mut TextPattern::new(100_003), 100_003, &[100_003]);
        let cut = generate(&mut TextPattern::new(100_003), 100_003, &[1, 2, 3, 5, 4096]);
        assert_eq!(whole, cut);
        let whole = generate(&mut Lines::new(), 70_000, &[70_000]);
        assert_eq!(whole, generate(&mut Lines::new(), 70_000, &[1, 100, 4096]));
        let whole = generate(&mut BinaryPattern::default(), 70_000, &[70_000]);
        assert_eq!(
            whole,
            generate(&mut BinaryPattern::default(), 70_000, &[7, 65_536])
        );
        // Not a short period: the first 64 KiB are not repeated.
        assert_ne!(whole[..256], whole[65_536..65_536 + 256]);
    }

    #[test]
    fn text_is_utf8_of_every_width_and_exactly_as_long_as_asked() {
        for total in [0, 1, 2, 3, 4, 5, 9, 1000, 65_537] {
            let text = generate(&mut TextPattern::new(total), total as usize, &[3, 7]);
            let text = String::from_utf8(text).expect("valid UTF-8");
            assert_eq!(text.len(), total as usize);
            if total >= 1000 {
                for width in 1..=4 {
                    assert!(text.chars().any(|c| c.len_utf8() == width), "width {width}");
                }
            }
        }
    }

    #[test]
    fn lines_are_lines_in_no_fixed_order() {
        let bytes = generate(&mut Lines::new(), 1 << 20, &[65_536]);
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("line ") && l.split(' ').count() == 10));
        let distinct: std::collections::BTreeSet<&str> = lines.iter().copied().collect();
        assert!(distinct.len() > 250, "{} distinct lines", distinct.len());
        // The order is not a cycle: the first line's next ones differ where it comes again.
        let again = lines[1..].iter().position(|&l| l == lines[0]).unwrap() + 1;
        assert_ne!(lines[1..4], lines[again + 1..again + 4]);
    }

    #[test]
    fn frame_boundaries_fall_at_every_offset_inside_characters() {
        // The size the valgrind run of test_streaming uses (64 MiB / 64).
        let total = 1 << 20;
        let text = generate(&mut TextPattern::new(total), total as usize, &[65_536]);
        let text = String::from_utf8(text).unwrap();
        // Where each byte's character starts, and its width.
        let mut owner = vec![(0, 0); text.len()];
        for (start, c) in text.char_indices() {
            for slot in &mut owner[start..start + c.len_utf8()] {
                *slot = (start, c.len_utf8());
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut spans_three = false;
        let (mut boundary, mut previous) = (0, 0);
        for (size, last) in FrameSizes::varied(total) {
            boundary += size as usize;
            if last {
                assert_eq!(boundary, text.len());
                break;
            }
            let (start, width) = owner[boundary];
            if boundary > start {
                seen.insert((width, boundary - start));
                // The previous boundary was inside the same character.
                spans_three |= previous > start;
            }
            previous = boundary;
        }
        let every: std::collections::BTreeSet<_> =
            [(2, 1), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3)].into();
        assert_eq!(
            seen, every,
            "(width, offset) of boundaries inside characters"
        );
        assert!(spans_three, "no character spans three frames");
    }

    #[test]
    fn frame_sizes_add_up_and_end_once() {
        let sizes: Vec<_> = FrameSizes::fixed(10, 4).collect();
        assert_eq!(sizes, [(4, false), (4, false), (2, true)]);
        assert_eq!(FrameSizes::fixed(10, 0).collect::<Vec<_>>(), [(10, true)]);
        assert_eq!(FrameSizes::fixed(0, 0).collect::<Vec<_>>(), [(0, true)]);
        assert_eq!(FrameSizes::fixed(0, 5).collect::<Vec<_>>(), [(0, true)]);
        assert_eq!(FrameSizes::varied(0).collect::<Vec<_>>(), [(0, true)]);
        let total: u64 = FrameSizes::varied(1 << 26).map(|(size, _)| size).sum();
        assert_eq!(total, 1 << 26);
        // 512 MiB in 4,096 frames of 128 KiB.
        let frames = FrameSizes::fixed(512 << 20, 128 << 10);
        assert_eq!(frames.filter(|&(size, _)| size == 128 << 10).count(), 4096);
    }

    #[test]
    fn bad_text_is_the_cycle_with_one_invalid_byte_at_a_cycle_start() {
        let total = 1001;
        let bytes = generate(&mut BadText::new(total), total as usize, &[33]);
        let bad_at = BadText::bad_at(total) as usize;
        assert_eq!(bad_at, 500);
        assert_eq!(bytes[bad_at], 0xFF);
        assert!(std::str::from_utf8(&bytes[..bad_at]).is_ok());
        assert_eq!(&bytes[..10], "aé€😀".as_bytes());
        assert_eq!(bytes.iter().filter(|&&b| b == 0xFF).count(), 1);
        assert_eq!(BadText::bad_at(9), 0);
    }
}
