//! libnet_websocket: OpenHarmony NetStack's WebSocket C API (`net_websocket.h`) over the
//! `net_websocket_client` runtime. This crate is only the C boundary: the handle registry,
//! pointer validation, error codes and callback dispatch. Every export is written with
//! [`ffi_fn!`], which adds `#[no_mangle]` and the panic boundary.
#![allow(non_camel_case_types, non_snake_case)]

#[macro_use]
mod macros;
mod c_text;
mod codes;
mod compat;
mod dispatch;
mod dispatcher;
mod entry;
mod exports;
mod headers;
mod last_error;
mod options;
mod panic;
mod pending;
mod registry;
mod send;
mod shared_options;
mod stats;
#[cfg(test)]
mod task_panic_tests;
mod trace;
mod types;

pub use codes::*;
pub use exports::compression::*;
pub use exports::dispatcher::*;
pub use exports::errors::*;
pub use exports::lifecycle::*;
pub use exports::limits::*;
pub use exports::messages::*;
pub use exports::network::*;
pub use exports::standard::*;
pub use exports::stats::*;
pub use exports::tls::*;
pub use exports::trace::*;
pub use stats::WebSocketEx_Stats;
pub use trace::{WebSocketEx_OnTraceCallback, WebSocketEx_TraceEvent};
pub use types::*;
