//! Message payloads: a byte pattern for the plain throughput runs, and Autobahn 12.x-style
//! payloads for permessage-deflate (JSON-like text that compresses, random bytes that do not),
//! all made from a fixed seed so every client sends the same bytes.
//!
//! The deflate payloads are windows into a 1 MiB pool, a different one for each message: with
//! the same bytes every time, context takeover would let a 16 KiB message compress to a few
//! back-references to the previous one, which measures nothing real.

/// The messages of a run: message `i` is [`Payload::message`]`(i)`, `size` bytes each.
#[derive(Debug, Clone)]
pub struct Payload {
    pool: Vec<u8>,
    pub size: usize,
    /// Sent as text (the pool is ASCII).
    pub text: bool,
}

/// Bytes of the pool that message windows are cut from (beyond one message).
const POOL: usize = 1 << 20;
/// How far each message's window moves through the pool: a prime, so windows rarely repeat.
const STRIDE: usize = 40_009;

impl Payload {
    /// The bytes of message `i`.
    pub fn message(&self, i: u64) -> &[u8] {
        let offsets = self.pool.len() - self.size + 1;
        let start = (i as usize).wrapping_mul(STRIDE) % offsets;
        &self.pool[start..start + self.size]
    }
}

/// A small deterministic generator (xorshift64*): payloads and handshake keys, not secrets.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

/// Binary messages of `size` bytes, all the same repeating pattern.
pub fn pattern(size: usize) -> Payload {
    Payload {
        pool: (0..size).map(|i| (i * 31 + 7) as u8).collect(),
        size,
        text: false,
    }
}

/// Binary messages of `size` random bytes, each different.
pub fn random(size: usize) -> Payload {
    let mut rng = XorShift::new(0x5eed_0001);
    let len = POOL + size;
    let mut pool = Vec::with_capacity(len + 8);
    while pool.len() < len {
        pool.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    pool.truncate(len);
    Payload {
        pool,
        size,
        text: false,
    }
}

/// Text messages of `size` bytes, each different: JSON-like records, one per line, with
/// varying numbers and names, as an application's messages look (ASCII, so any cut is valid
/// UTF-8).
pub fn json_records(size: usize) -> Payload {
    const NAMES: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];
    const TAGS: [&str; 5] = ["alpha", "beta", "gamma", "delta", "omega"];
    let mut rng = XorShift::new(0x5eed_0002);
    let len = POOL + size;
    let mut text = String::with_capacity(len + 160);
    let mut id = 1000;
    while text.len() < len {
        id += 1 + rng.below(5);
        let name = NAMES[rng.below(NAMES.len() as u64) as usize];
        let tag = TAGS[rng.below(TAGS.len() as u64) as usize];
        text.push_str(&format!(
            "{{\"id\":{id},\"user\":\"{name}-{}\",\"active\":{},\"score\":{}.{:02},\
             \"tags\":[\"{tag}\",\"common\"],\"ts\":{}}}\n",
            rng.below(10_000),
            rng.below(2) == 1,
            rng.below(100),
            rng.below(100),
            1_700_000_000 + rng.below(1_000_000),
        ));
    }
    text.truncate(len);
    Payload {
        pool: text.into_bytes(),
        size,
        text: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_have_the_asked_size_and_kind() {
        for size in [1, 64, 16 * 1024] {
            assert_eq!(pattern(size).message(3).len(), size);
            assert_eq!(random(size).message(3).len(), size);
            let text = json_records(size);
            assert_eq!(text.message(3).len(), size);
            assert!(text.text && std::str::from_utf8(text.message(3)).is_ok());
        }
        assert_eq!(
            random(64).message(5),
            random(64).message(5),
            "same seed, same bytes"
        );
    }

    #[test]
    fn deflate_payloads_differ_per_message_and_the_pattern_does_not() {
        let text = json_records(16 * 1024);
        assert_ne!(text.message(0), text.message(1));
        assert_ne!(random(1024).message(0), random(1024).message(1));
        let same = pattern(1024);
        assert_eq!(same.message(0), same.message(1));
        assert_eq!(text.message(u64::MAX).len(), 16 * 1024);
    }
}
