//! Per-connection settings: limits, timeouts, TLS, proxy and TCP (SPEC §6, §7).
use crate::proxy::ProxySetting;
use crate::reconnect::Reconnect;
use crate::tcp::{ResolveOverride, TcpKeepalive};
use crate::tls::TlsOptions;
use crate::trace::Tracer;
use net_websocket_protocol::DeflateConfig;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Connection options; `Options::default()` holds the documented defaults.
///
/// Equal when every setting is; a tracer and a client certificate each equal only
/// themselves (their clones).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Largest message `send` accepts (4 MiB).
    pub max_send_size: usize,
    /// Largest message accepted from the server, after decompression (1 GiB). Not with
    /// `receive_fragments`, which holds no message whole.
    pub max_message_size: usize,
    /// Receive data messages in pieces as they arrive ([`crate::Handler::on_fragment`],
    /// [`crate::Message::Fragment`]) instead of whole, so that memory stays bounded by the read
    /// buffer whatever a message's size (off by default).
    pub receive_fragments: bool,
    /// The most payload bytes a frame we send carries (1 MiB; at least 1 KiB): a larger
    /// message goes out in several frames, so that a pong, a keepalive ping or a close waits
    /// at most one frame's time behind it.
    pub max_frame_size: usize,
    /// Bytes that may wait in the send queue (64 MiB).
    pub send_queue_limit: usize,
    /// DNS + TCP + TLS + opening handshake (30 s).
    pub connect_timeout: Duration,
    /// How long to wait for the server's close frame, then for it to end TCP (5 s).
    pub close_timeout: Duration,
    /// Send a ping after this long without receiving anything (30 s); None disables keepalive.
    pub ping_interval: Option<Duration>,
    /// With keepalive on: nothing received for this long means the connection is lost (60 s).
    /// Keep it longer than `ping_interval`, or the connection is lost as soon as the first
    /// ping goes out (the C API's setter refuses that).
    pub dead_after: Duration,
    /// Offer permessage-deflate (off by default: a deflate context costs memory).
    pub deflate: Option<DeflateConfig>,
    /// How wss:// verifies the server and identifies the client (verified against the system
    /// store by default).
    pub tls: TlsOptions,
    /// Which proxy to use (the environment's by default).
    pub proxy: ProxySetting,
    /// Reconnect after failures and losses (off by default).
    pub reconnect: Option<Reconnect>,
    /// Follow redirects of the opening handshake (on by default, at most 5 in a row, all
    /// within `connect_timeout`).
    pub follow_redirects: bool,
    /// Send the caller's headers to every origin a redirect leads to (curl's
    /// `--location-trusted`). Off by default: after a redirect to another scheme, host or
    /// port none of them is sent, since any may carry credentials.
    pub redirect_trusted: bool,
    /// Subprotocols to offer, most preferred first (none by default).
    pub subprotocols: Vec<String>,
    /// Send every connection through this Unix domain socket instead of TCP (curl's
    /// `--unix-socket`): the URL's host still goes in Host, SNI and the certificate check; no
    /// proxy, no DNS. A `ws+unix://` URL's own socket wins over it. None by default.
    pub unix_socket: Option<PathBuf>,
    /// Connect from this source address (curl's `--interface` with an address): only the
    /// server's (or the proxy's) addresses of its family are tried. None by default.
    pub local_address: Option<IpAddr>,
    /// Connect through this network interface only (SO_BINDTODEVICE, curl's `--interface`
    /// with a name; needs CAP_NET_RAW on Linux before 5.7). None by default.
    pub interface: Option<String>,
    /// Addresses to use instead of DNS for a `host:port` (curl's `--resolve`), for the
    /// server and the proxy; Host, SNI and the certificate check keep the URL's host. None by
    /// default.
    pub resolve: Vec<ResolveOverride>,
    /// TCP keepalive on every connection, for links where WebSocket pings are off (None by
    /// default: the kernel's, which sends no probes).
    pub tcp_keepalive: Option<TcpKeepalive>,
    /// Where the connection's trace events go ([`crate::TraceEvent`]); None (the default):
    /// no tracing, and every trace point costs one branch.
    pub trace: Option<Tracer>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_send_size: 4 << 20,
            max_message_size: 1 << 30,
            receive_fragments: false,
            max_frame_size: net_websocket_protocol::DEFAULT_MAX_FRAME_SIZE,
            send_queue_limit: 64 << 20,
            connect_timeout: Duration::from_secs(30),
            close_timeout: Duration::from_secs(5),
            ping_interval: Some(Duration::from_secs(30)),
            dead_after: Duration::from_secs(60),
            deflate: None,
            tls: TlsOptions::default(),
            proxy: ProxySetting::Environment,
            reconnect: None,
            follow_redirects: true,
            redirect_trusted: false,
            subprotocols: Vec::new(),
            unix_socket: None,
            local_address: None,
            interface: None,
            resolve: Vec::new(),
            tcp_keepalive: None,
            trace: None,
        }
    }
}
