//! libnet_websocket: OpenHarmony NetStack's WebSocket C API (`net_websocket.h`) over the
//! `net_websocket_client` runtime. This crate is only the C boundary: the handle registry,
//! pointer validation, error codes and callback dispatch. Every export is written with
//! [`ffi_fn!`], which adds `#[no_mangle]` and the panic boundary.
#![allow(non_camel_case_types, non_snake_case)]

#[macro_use]
mod macros;
mod api;
mod codes;
mod compat;
mod dispatch;
mod entry;
mod ext;
mod headers;
mod last_error;
mod lifecycle;
mod panic;
mod pending;
mod registry;
mod tls_proxy;
mod types;

pub use api::*;
pub use codes::*;
pub use ext::*;
pub use lifecycle::*;
pub use tls_proxy::*;
pub use types::*;
