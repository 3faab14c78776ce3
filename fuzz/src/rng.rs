//! A tiny deterministic generator: the decoder targets draw chunk sizes and the order of API
//! calls from it, seeded by an input byte, so one input always replays the same way.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, never 0 (xorshift's fixed point).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability 1/n.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// A piece length: mostly a few bytes, sometimes hundreds, sometimes all that is left.
    pub fn piece(&mut self, left: usize) -> usize {
        let n = match self.below(8) {
            0..=3 => 1 + self.below(8),
            4 | 5 => 1 + self.below(64),
            6 => 1 + self.below(1024),
            _ => left,
        };
        n.min(left)
    }
}
