//! CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, initial value and final XOR
//! 0xFFFFFFFF, as zlib's `crc32` and the C tests compute it), so the echo server can report
//! a checksum of what it sent or received without holding the bytes.

/// Slicing by 8: `TABLES[0]` is the byte-at-a-time table, `TABLES[k]` the effect of a byte
/// followed by k zero bytes, so eight bytes take one step. Several times faster than a byte
/// at a time: the server sums hundreds of MiB and must not be what slows a test's client down.
const TABLES: [[u32; 256]; 8] = tables();

const fn tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut value = i as u32;
        let mut bit = 0;
        while bit < 8 {
            value = if value & 1 == 1 {
                (value >> 1) ^ 0xEDB8_8320
            } else {
                value >> 1
            };
            bit += 1;
        }
        tables[0][i] = value;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let previous = tables[k - 1][i];
            tables[k][i] = (previous >> 8) ^ tables[0][(previous & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    tables
}

/// A CRC-32 computed over bytes given in any number of pieces.
#[derive(Debug, Clone, Copy)]
pub struct Crc32 {
    /// The register, inverted (the initial value 0xFFFFFFFF is applied up front).
    state: u32,
}

impl Default for Crc32 {
    fn default() -> Self {
        Crc32::new()
    }
}

impl Crc32 {
    /// The CRC of no bytes so far.
    pub fn new() -> Self {
        Crc32 { state: !0 }
    }

    /// Adds the next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut state = self.state;
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let low = state ^ u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            let table = |k: usize, byte: u8| TABLES[k][usize::from(byte)];
            state = table(7, low as u8)
                ^ table(6, (low >> 8) as u8)
                ^ table(5, (low >> 16) as u8)
                ^ table(4, (low >> 24) as u8)
                ^ table(3, word[4])
                ^ table(2, word[5])
                ^ table(1, word[6])
                ^ table(0, word[7]);
        }
        for &byte in words.remainder() {
            state = TABLES[0][usize::from(state as u8 ^ byte)] ^ (state >> 8);
        }
        self.state = state;
    }

    /// The CRC of the bytes added so far.
    pub fn value(&self) -> u32 {
        !self.state
    }
}

/// The CRC-32 of `bytes`.
pub fn checksum(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(bytes);
    crc.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_value_of_the_standard() {
        // The "check" value of CRC-32/ISO-HDLC (the catalogue of parametrised CRCs).
        assert_eq!(checksum(b"123456789"), 0xCBF4_3926);
        assert_eq!(checksum(b""), 0);
        assert_eq!(
            checksum(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    /// The CRC bit by bit, as the polynomial division is defined.
    fn bitwise(bytes: &[u8]) -> u32 {
        let mut state = !0u32;
        for &byte in bytes {
            state ^= u32::from(byte);
            for _ in 0..8 {
                state = if state & 1 == 1 {
                    (state >> 1) ^ 0xEDB8_8320
                } else {
                    state >> 1
                };
            }
        }
        !state
    }

    #[test]
    fn eight_bytes_a_step_equal_a_bit_at_a_time() {
        let bytes: Vec<u8> = (0..4099u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 4099] {
            assert_eq!(
                checksum(&bytes[..len]),
                bitwise(&bytes[..len]),
                "{len} bytes"
            );
        }
    }

    #[test]
    fn pieces_give_the_crc_of_the_whole() {
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i * 31 % 256) as u8).collect();
        let mut crc = Crc32::new();
        for piece in bytes.chunks(777) {
            crc.update(piece);
        }
        crc.update(&[]);
        assert_eq!(crc.value(), checksum(&bytes));
    }
}
