//! Every exported function, grouped by what it is about; each is written with `ffi_fn!`.
pub mod compression;
pub mod dispatcher;
pub mod errors;
pub mod lifecycle;
pub mod limits;
pub mod messages;
pub mod network;
pub mod standard;
pub mod stats;
pub mod streaming;
pub mod tls;
pub mod trace;
