//! The async runtime layer of net_websocket: one shared tokio runtime for every client, a task
//! per connection (DNS, TCP, proxy tunnel, TLS, opening handshake, then the protocol driver),
//! timeouts and keepalive, and the Rust API ([`connect`], [`Connection`], [`Handler`]).
//!
//! Threading: every connection runs on [`runtime::shared`], a multi-thread runtime with a small
//! fixed number of workers (`NET_WEBSOCKET_THREADS`, default 2). Handler methods run on those
//! workers, serialized per connection: inline while another worker is free of handler code,
//! else after the worker hands its other connections to a fresh thread, so a handler that
//! blocks delays only its own connection (up to [`runtime::MAX_BLOCKING_THREADS`] handlers
//! blocking at once).

mod connection;
mod driver;
mod error;
mod establish;
mod handler;
mod options;
mod outbox;
pub mod proxy;
mod reconnect;
pub mod runtime;
mod target;
mod task;
pub mod tls;
mod transport;

pub use connection::{connect, CloseError, ConnectError, Connection, SendError};
pub use error::{Cause, Error, Stage};
pub use establish::MAX_REDIRECTS;
pub use handler::{End, Handler, Lost};
pub use net_websocket_protocol::handshake::{Accepted, ResponseHead};
pub use net_websocket_protocol::{DeflateConfig, MessageData, MessageKind};
pub use options::Options;
pub use proxy::{Proxy, ProxyError, ProxySetting};
pub use reconnect::Reconnect;
pub use target::{RedirectProblem, Target, UrlError, MAX_URL_LEN};
pub use tls::{TlsError, TlsOptions};

/// The text of a panic's payload (`panic!` with a message gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic")
}
