//! Tools around the library: the echo server (server role of our protocol crate) used by the
//! demo, the C tests and the benchmarks.
pub mod echo;
