//! The fuzz targets' bodies, one module each, plus what they share. The binaries in
//! `fuzz_targets/` only hand libFuzzer's input to these functions, so the same checks also run
//! from a plain test (`cargo test` here replays the committed corpus without libFuzzer).
pub mod alloc;
pub mod decoder;
pub mod handshake;
pub mod pieces;
pub mod proxy;
pub mod reference;
pub mod rng;
pub mod url;

/// Counts live heap bytes so the decoder targets can assert that memory stays bounded.
#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;
