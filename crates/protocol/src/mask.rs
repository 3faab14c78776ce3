//! Payload masking (RFC 6455 §5.3).
//!
//! §5.3: "Octet i of the transformed data is the XOR of octet i of the original data with
//! octet at index i modulo 4 of the masking key." The key repeated to the width of a vector
//! register, in the data's native byte order, lines up with the data byte for byte, so
//! masking is one XOR per register. The portable path (`portable`) does sixteen bytes at a
//! time without unsafe code: SSE2 on x86_64, NEON on aarch64 (both baseline). On x86_64 a
//! CPU with AVX2, detected at run time, takes a 32-byte path instead.
//!
//! The one module of this crate allowed unsafe code: the AVX2 path's intrinsics (a
//! `#[target_feature]` function, raw unaligned loads and stores) and [`mask_into`] writing
//! straight into the vector's spare capacity. Each unsafe block says why it is sound.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

/// Masks (or unmasks: XOR is its own inverse) `buf` in place. `offset` is the position of
/// `buf[0]` within the frame payload, so a payload can be processed in pieces.
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    #[cfg(target_arch = "x86_64")]
    if avx2::detected() {
        // SAFETY: the CPU has AVX2 (just detected).
        return unsafe { avx2::apply(buf, key, offset) };
    }
    portable::apply(buf, key, offset)
}

/// Appends `src` masked with `key` to `out`. `offset` is the position of `src[0]` within the
/// frame payload.
pub fn mask_into(src: &[u8], key: [u8; 4], offset: usize, out: &mut Vec<u8>) {
    #[cfg(target_arch = "x86_64")]
    if avx2::detected() {
        // SAFETY: the CPU has AVX2 (just detected).
        return unsafe { avx2::mask_into(src, key, offset, out) };
    }
    portable::mask_into(src, key, offset, out)
}

/// The key rotated so that index 0 applies to payload byte `offset`.
fn rotated(key: [u8; 4], offset: usize) -> [u8; 4] {
    let mut k = key;
    k.rotate_left(offset % 4);
    k
}

/// Sixteen bytes at a time, safe code only; what every target without a faster path uses,
/// and the tail of the AVX2 path.
mod portable {
    use super::rotated;

    fn key_word(k: [u8; 4]) -> u128 {
        u128::from_ne_bytes([
            k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3], k[0], k[1],
            k[2], k[3],
        ])
    }

    fn load(bytes: &[u8]) -> u128 {
        let mut word = [0u8; 16];
        word.copy_from_slice(bytes);
        u128::from_ne_bytes(word)
    }

    /// [`super::apply_mask`] without SIMD intrinsics.
    pub(super) fn apply(buf: &mut [u8], key: [u8; 4], offset: usize) {
        let k = rotated(key, offset);
        let word = key_word(k);
        let mut chunks = buf.chunks_exact_mut(16);
        for chunk in &mut chunks {
            chunk.copy_from_slice(&(load(chunk) ^ word).to_ne_bytes());
        }
        // Sixteen is a multiple of four: the remainder starts at key phase 0 again.
        for (b, m) in chunks.into_remainder().iter_mut().zip(k.iter().cycle()) {
            *b ^= m;
        }
    }

    /// [`super::mask_into`] without SIMD intrinsics: a plain copy, then the XOR in place. Both
    /// passes run vectorized; a fused loop in safe code must zero-fill the destination first
    /// or push byte by byte, and measured slower for short payloads when this was written.
    pub(super) fn mask_into(src: &[u8], key: [u8; 4], offset: usize, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(src);
        apply(&mut out[start..], key, offset);
    }
}

/// 32 bytes per XOR, four registers per loop step; the last bytes (under 32) go through the
/// portable path.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{portable, rotated};
    use core::arch::x86_64::{
        __m256i, _mm256_loadu_si256, _mm256_set1_epi32, _mm256_storeu_si256, _mm256_xor_si256,
    };

    /// Bytes in one AVX2 register.
    const LANE: usize = 32;
    /// Registers per loop step: fewer loop branches, independent loads in flight.
    const UNROLL: usize = 4;
    const BLOCK: usize = LANE * UNROLL;

    /// Whether this CPU (and OS) supports AVX2; cached by std after the first call.
    pub(super) fn detected() -> bool {
        std::is_x86_feature_detected!("avx2")
    }

    /// The rotated key in every 32-bit element: byte i of the register is `k[i % 4]`.
    #[target_feature(enable = "avx2")]
    fn key_vector(key: [u8; 4], offset: usize) -> __m256i {
        _mm256_set1_epi32(i32::from_ne_bytes(rotated(key, offset)))
    }

    /// XORs `LANES` registers' worth of bytes from `src` with `k` into `dst` (which may be
    /// `src`).
    ///
    /// # Safety
    /// The CPU has AVX2; `src` is readable and `dst` writable for `LANES * 32` bytes.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn xor_lanes<const LANES: usize>(src: *const u8, dst: *mut u8, k: __m256i) {
        for i in 0..LANES {
            // SAFETY: bytes `i * 32 .. (i + 1) * 32` of both are within the `LANES * 32`
            // the caller vouches for; loadu/storeu need no alignment.
            unsafe {
                let data = _mm256_loadu_si256(src.add(i * LANE).cast());
                _mm256_storeu_si256(dst.add(i * LANE).cast(), _mm256_xor_si256(data, k));
            }
        }
    }

    /// [`super::apply_mask`] with AVX2.
    ///
    /// # Safety
    /// The CPU has AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn apply(buf: &mut [u8], key: [u8; 4], offset: usize) {
        let k = key_vector(key, offset);
        let mut blocks = buf.chunks_exact_mut(BLOCK);
        for block in &mut blocks {
            let p = block.as_mut_ptr();
            // SAFETY: AVX2 is there (our contract); `block` is BLOCK bytes, all ours.
            unsafe { xor_lanes::<UNROLL>(p, p, k) };
        }
        let mut lanes = blocks.into_remainder().chunks_exact_mut(LANE);
        for lane in &mut lanes {
            let p = lane.as_mut_ptr();
            // SAFETY: AVX2 is there (our contract); `lane` is LANE bytes, all ours.
            unsafe { xor_lanes::<1>(p, p, k) };
        }
        // Whole lanes are a multiple of four bytes: the rest starts at the same key phase.
        portable::apply(lanes.into_remainder(), key, offset);
    }

    /// [`super::mask_into`] with AVX2, fused: each register is loaded from `src` and stored,
    /// masked, into `out`'s spare capacity, so the bytes are read and written once.
    ///
    /// # Safety
    /// The CPU has AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn mask_into(src: &[u8], key: [u8; 4], offset: usize, out: &mut Vec<u8>) {
        let k = key_vector(key, offset);
        let start = out.len();
        out.reserve(src.len());
        let dst = &mut out.spare_capacity_mut()[..src.len()];
        let mut src_blocks = src.chunks_exact(BLOCK);
        let mut dst_blocks = dst.chunks_exact_mut(BLOCK);
        for (s, d) in (&mut src_blocks).zip(&mut dst_blocks) {
            // SAFETY: AVX2 is there (our contract); `s` and `d` are BLOCK bytes each, `d`
            // inside the capacity just reserved (storing into uninitialised bytes is fine).
            unsafe { xor_lanes::<UNROLL>(s.as_ptr(), d.as_mut_ptr().cast(), k) };
        }
        let mut src_lanes = src_blocks.remainder().chunks_exact(LANE);
        let mut dst_lanes = dst_blocks.into_remainder().chunks_exact_mut(LANE);
        for (s, d) in (&mut src_lanes).zip(&mut dst_lanes) {
            // SAFETY: as above, with LANE bytes each.
            unsafe { xor_lanes::<1>(s.as_ptr(), d.as_mut_ptr().cast(), k) };
        }
        let rest = src_lanes.remainder();
        let done = src.len() - rest.len();
        // SAFETY: the two loops stored every byte of `out[start..start + done]` (whole blocks,
        // then whole lanes, from the front of the spare capacity), and `start + done` is within
        // the capacity reserved for `src.len()` more bytes.
        unsafe { out.set_len(start + done) };
        // Whole lanes are a multiple of four bytes: the rest starts at the same key phase. The
        // capacity is reserved, so this appends without reallocating.
        portable::mask_into(rest, key, offset, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(data: &[u8], key: [u8; 4], offset: usize) -> Vec<u8> {
        data.iter()
            .enumerate()
            .map(|(i, b)| b ^ key[(offset + i) % 4])
            .collect()
    }

    const KEY: [u8; 4] = [0x37, 0xFA, 0x21, 0x3D];

    // RFC 6455 §5.7: "A single-frame masked text message" contains "Hello".
    #[test]
    fn rfc_example_hello() {
        let mut data = *b"Hello";
        apply_mask(&mut data, KEY, 0);
        assert_eq!(data, [0x7F, 0x9F, 0x4D, 0x51, 0x58]);
        let mut out = Vec::new();
        mask_into(b"Hello", KEY, 0, &mut out);
        assert_eq!(out, [0x7F, 0x9F, 0x4D, 0x51, 0x58]);
    }

    #[test]
    fn matches_reference_for_all_lengths_alignments_and_offsets() {
        let backing: Vec<u8> = (0..80u32).map(|i| (i * 37 + 11) as u8).collect();
        for len in 0..=64 {
            for align in 0..8 {
                let data = &backing[align..align + len];
                for offset in 0..8 {
                    let want = reference(data, KEY, offset);

                    let mut in_place = backing.clone();
                    apply_mask(&mut in_place[align..align + len], KEY, offset);
                    assert_eq!(&in_place[align..align + len], &want[..]);
                    assert_eq!(in_place[..align], backing[..align]);
                    assert_eq!(in_place[align + len..], backing[align + len..]);

                    // Appending after existing bytes (output misaligned as well).
                    let mut out = vec![0xEE; align];
                    mask_into(data, KEY, offset, &mut out);
                    assert_eq!(&out[..align], &vec![0xEE; align][..]);
                    assert_eq!(&out[align..], &want[..]);
                }
            }
        }
    }

    #[test]
    fn masking_in_pieces_equals_masking_at_once() {
        let data: Vec<u8> = (0..100u8).collect();
        let whole = reference(&data, KEY, 0);
        for split in 0..data.len() {
            let mut pieces = data.clone();
            let (a, b) = pieces.split_at_mut(split);
            apply_mask(a, KEY, 0);
            apply_mask(b, KEY, split);
            assert_eq!(pieces, whole);

            let mut out = Vec::new();
            mask_into(&data[..split], KEY, 0, &mut out);
            mask_into(&data[split..], KEY, split, &mut out);
            assert_eq!(out, whole);
        }
    }

    #[test]
    fn masking_twice_is_identity() {
        let data: Vec<u8> = (0..=255u8).collect();
        let mut buf = data.clone();
        apply_mask(&mut buf, KEY, 3);
        apply_mask(&mut buf, KEY, 3);
        assert_eq!(buf, data);
    }

    /// A way to mask: the dispatching functions, or one path called directly.
    struct Path {
        name: &'static str,
        apply: fn(&mut [u8], [u8; 4], usize),
        mask_into: fn(&[u8], [u8; 4], usize, &mut Vec<u8>),
    }

    /// The dispatching functions, the portable path and, when this CPU has it, the AVX2 path.
    fn paths() -> Vec<Path> {
        #[allow(unused_mut)] // Only x86_64 adds a path.
        let mut paths = vec![
            Path {
                name: "dispatched",
                apply: apply_mask,
                mask_into,
            },
            Path {
                name: "portable",
                apply: portable::apply,
                mask_into: portable::mask_into,
            },
        ];
        #[cfg(target_arch = "x86_64")]
        if avx2::detected() {
            paths.push(Path {
                name: "avx2",
                apply: avx2_apply,
                mask_into: avx2_mask_into,
            });
        } else {
            eprintln!("this CPU has no AVX2: the AVX2 path is not tested");
        }
        paths
    }

    #[cfg(target_arch = "x86_64")]
    fn avx2_apply(buf: &mut [u8], key: [u8; 4], offset: usize) {
        assert!(avx2::detected());
        // SAFETY: the CPU has AVX2 (asserted).
        unsafe { avx2::apply(buf, key, offset) }
    }

    #[cfg(target_arch = "x86_64")]
    fn avx2_mask_into(src: &[u8], key: [u8; 4], offset: usize, out: &mut Vec<u8>) {
        assert!(avx2::detected());
        // SAFETY: the CPU has AVX2 (asserted).
        unsafe { avx2::mask_into(src, key, offset, out) }
    }

    /// Every length up to 300 (several AVX2 blocks plus every tail), every alignment of the
    /// start within 64 bytes, every key phase: in place, the bytes around untouched; appended
    /// after 0 to 63 bytes, into a vector that must grow or already has room.
    #[test]
    fn every_path_matches_the_reference_for_every_length_alignment_and_offset() {
        let backing: Vec<u8> = (0..400u32).map(|i| (i * 37 + 11) as u8).collect();
        for path in paths() {
            let name = path.name;
            for len in 0..=300 {
                for align in 0..64 {
                    let data = &backing[align..align + len];
                    for offset in 0..4 {
                        let want = reference(data, KEY, offset);
                        let case = format!("{name}: len {len}, align {align}, offset {offset}");

                        let mut in_place = backing.clone();
                        (path.apply)(&mut in_place[align..align + len], KEY, offset);
                        assert_eq!(&in_place[align..align + len], &want[..], "{case}");
                        assert_eq!(in_place[..align], backing[..align], "{case}");
                        assert_eq!(in_place[align + len..], backing[align + len..], "{case}");

                        let existing = (align + len) % 64;
                        let capacity = if offset % 2 == 0 { existing } else { 512 };
                        let mut out = Vec::with_capacity(capacity);
                        out.extend_from_slice(&backing[..existing]);
                        (path.mask_into)(data, KEY, offset, &mut out);
                        assert_eq!(out[..existing], backing[..existing], "{case}");
                        assert_eq!(&out[existing..], &want[..], "{case}");
                    }
                }
            }
        }
    }

    /// xorshift64: enough randomness for test cases, no dependency.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Random lengths up to 70 000, alignments, keys and phases on every path; `mask_into` in
    /// two pieces split anywhere (the second at an offset that is not a multiple of four).
    #[test]
    fn random_lengths_on_every_path() {
        const MAX: usize = 70_000;
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let backing: Vec<u8> = (0..MAX + 64).map(|_| rng.next() as u8).collect();
        let mut scratch = backing.clone();
        let paths = paths();
        for round in 0..2000 {
            let len = rng.below(MAX + 1);
            let align = rng.below(64);
            let offset = rng.below(8);
            let key = (rng.next() as u32).to_ne_bytes();
            let split = rng.below(len + 1);
            let existing = rng.below(64);
            let data = &backing[align..align + len];
            let want = reference(data, key, offset);
            for path in &paths {
                let case = format!("{}: round {round}, len {len}", path.name);

                scratch.copy_from_slice(&backing);
                (path.apply)(&mut scratch[align..align + len], key, offset);
                assert!(scratch[align..align + len] == want[..], "{case}");
                assert!(scratch[..align] == backing[..align], "{case}");
                assert!(scratch[align + len..] == backing[align + len..], "{case}");

                let mut out = backing[..existing].to_vec();
                (path.mask_into)(&data[..split], key, offset, &mut out);
                (path.mask_into)(&data[split..], key, offset + split, &mut out);
                assert!(out[..existing] == backing[..existing], "{case}");
                assert!(out[existing..] == want[..], "{case}");
            }
        }
    }
}
