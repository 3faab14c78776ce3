//! Tools around the library: the echo server (server role of our protocol crate) used by the
//! demo, the C tests and the benchmarks, over TCP or TLS.
pub mod cli;
pub mod echo;
pub mod pki;
pub mod tls;
