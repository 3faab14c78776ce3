//! The async runtime layer of net_websocket: DNS (with resolve overrides), TCP (Happy
//! Eyeballs, source address, interface, keepalive), HTTP CONNECT (over TLS too, Basic and
//! Digest authentication) and SOCKS5 proxies, TLS (rustls: pins, versions, key log, session
//! resumption), timeouts, keepalive and reconnection around the sans-I/O protocol crate, with
//! two Rust APIs:
//!
//! - [`connect_async`] returns a [`WebSocket`], a `futures` `Stream` of [`Message`]s and a
//!   `Sink` for them, driven by the caller's tasks on any tokio runtime (current-thread
//!   included);
//! - [`connect`] starts a connection on the shared runtime and reports to a [`Handler`] (what
//!   the C API is built on), with a queue for messages sent from any thread.
//!
//! ```no_run
//! use futures_util::{SinkExt, StreamExt};
//! use net_websocket_client::{connect_async, Message, Options};
//!
//! # async fn run() -> Result<(), net_websocket_client::Error> {
//! let mut ws = connect_async("ws://127.0.0.1:9001/", Options::default()).await?;
//! ws.send(Message::text("hello")).await?;
//! if let Some(Ok(Message::Text(reply))) = ws.next().await {
//!     println!("{reply}");
//! }
//! ws.close().await?; // a close frame 1000; the server's reply ends the stream
//! # Ok(())
//! # }
//! ```
//!
//! Errors are typed: an [`Error`] names the server's endpoint and a [`Cause`] per stage (DNS,
//! connect, proxy, TLS, handshake, timeout, protocol, ...), displayed as a sentence a person
//! can act on.
//!
//! Threading of the handler API: every connection runs on [`runtime::shared`], a multi-thread
//! runtime with a small fixed number of workers (`NET_WEBSOCKET_THREADS`, default 2). Handler
//! methods run on those workers, serialized per connection: inline while another worker is
//! free of handler code (a watchdog wakes that worker if the handler runs for over 2 ms), else
//! after the worker hands its other connections to a fresh thread, so a handler that blocks
//! delays only its own connection (up to [`runtime::MAX_BLOCKING_THREADS`] handlers blocking at
//! once).
#![deny(missing_docs)]

mod connection;
mod credentials;
mod driver;
mod error;
mod establish;
mod handler;
mod inline;
pub mod logging;
mod message;
mod options;
mod outbox;
pub mod proxy;
mod reconnect;
pub mod runtime;
mod session;
mod shared;
mod socket;
mod stats;
mod target;
mod task;
pub mod tcp;
mod thread_sched;
pub mod tls;
mod trace;
mod transport;
mod websocket;
mod wire;

pub use connection::{connect, connect_to, CloseError, ConnectError, Connection, SendError};
pub use error::{Cause, Error, Stage};
pub use establish::MAX_REDIRECTS;
pub use handler::{End, Handler, Lost};
pub use message::{CloseFrame, Message, MessageRef};
/// The sans-I/O protocol layer, for its types (e.g. the `SendError` in [`Cause::Send`]).
pub use net_websocket_protocol as protocol;
pub use net_websocket_protocol::handshake::{Accepted, ResponseHead};
pub use net_websocket_protocol::{
    Compress, DeflateConfig, DeflateParams, HandshakeError, MessageData, MessageKind, ProtocolError,
};
pub use options::Options;
pub use proxy::{Proxy, ProxyError, ProxySetting};
pub use reconnect::Reconnect;
pub use stats::Stats;
pub use target::{Address, RedirectProblem, Target, UrlError, MAX_UNIX_PATH_LEN, MAX_URL_LEN};
pub use tcp::{ResolveOverride, TcpKeepalive};
pub use tls::{TlsError, TlsOptions, TlsVersion};
pub use trace::{TraceEvent, TraceKind, Tracer, TRACE_FIN, TRACE_RSV1};
pub use transport::Transport;
pub use websocket::{client_async, connect_async, connect_async_with_headers, WebSocket};

/// The text of a panic's payload (`panic!` with a message gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic")
}
