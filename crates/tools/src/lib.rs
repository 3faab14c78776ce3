//! Tools around the library, for the demo, the C tests and the benchmarks:
//! - [`echo`]: the echo server (our protocol crate in the server role), over TCP or TLS;
//! - [`hostile`]: a server that breaks RFC 6455 / RFC 7692 on purpose, one scenario per path;
//! - [`tls`]: its rustls configuration from PEM files;
//! - [`pki`]: the test PKI the TLS tests trust and present;
//! - [`proxy`]: a scripted HTTP CONNECT / SOCKS5 proxy for the proxy tests;
//! - [`cli`]: what their binaries share;
//! - [`crc32`]: the checksum the echo server reports for streamed messages.
pub mod cli;
pub mod crc32;
pub mod echo;
pub mod hostile;
pub mod pki;
pub mod proxy;
pub mod tls;
