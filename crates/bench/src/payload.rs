//! Message payloads: a byte pattern for the plain throughput runs, and Autobahn 12.x-style
//! payloads for permessage-deflate (JSON-like text that compresses, random bytes that do not),
//! all made from a fixed seed so every client sends the same bytes.

/// The bytes of every message of a run, and whether they go as text.
#[derive(Debug, Clone)]
pub struct Payload {
    pub bytes: Vec<u8>,
    pub text: bool,
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

/// `size` binary bytes of a repeating pattern.
pub fn pattern(size: usize) -> Payload {
    Payload {
        bytes: (0..size).map(|i| (i * 31 + 7) as u8).collect(),
        text: false,
    }
}

/// `size` random binary bytes.
pub fn random(size: usize) -> Payload {
    let mut rng = XorShift::new(0x5eed_0001);
    let mut bytes = Vec::with_capacity(size + 8);
    while bytes.len() < size {
        bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    bytes.truncate(size);
    Payload { bytes, text: false }
}

/// `size` bytes of text: one JSON-like record per line, with varying numbers and names, as
/// an application's messages look (ASCII, so any cut is valid UTF-8).
pub fn json_records(size: usize) -> Payload {
    const NAMES: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];
    const TAGS: [&str; 5] = ["alpha", "beta", "gamma", "delta", "omega"];
    let mut rng = XorShift::new(0x5eed_0002);
    let mut text = String::with_capacity(size + 160);
    let mut id = 1000;
    while text.len() < size {
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
    text.truncate(size);
    Payload {
        bytes: text.into_bytes(),
        text: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_have_the_asked_size_and_kind() {
        for size in [1, 64, 16 * 1024] {
            assert_eq!(pattern(size).bytes.len(), size);
            assert_eq!(random(size).bytes.len(), size);
            let text = json_records(size);
            assert_eq!(text.bytes.len(), size);
            assert!(text.text && std::str::from_utf8(&text.bytes).is_ok());
        }
        assert_eq!(random(64).bytes, random(64).bytes, "same seed, same bytes");
    }
}
