//! One connection attempt: the transport (DNS, TCP, proxy, TLS), then the opening handshake on
//! it, following redirects (SPEC §6: at most 5, never from wss:// to ws://), each hop bounded
//! by the connect timeout.
use crate::error::{Cause, Error, Stage};
use crate::options::Options;
use crate::proxy::{self, Proxy, ProxyEnvironment};
use crate::target::{RedirectProblem, Target};
use crate::transport::{tls_cause, Attempt, Stream};
use net_websocket_protocol::handshake::{
    parse_head, Accepted, ClientHandshake, ResponseHead, MAX_HEAD_SIZE,
};
use net_websocket_protocol::{Config, Connection as Protocol, HandshakeError, Role};
use rand::Rng;
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;

/// The most redirects followed in a row.
pub const MAX_REDIRECTS: usize = 5;

/// Header fields that carry credentials: not sent to another host after a redirect (as curl
/// and browsers do).
const CREDENTIAL_FIELDS: [&str; 2] = ["Authorization", "Cookie"];

/// What every attempt of a connection starts from: the URL and headers given to connect, and
/// the proxy environment read then.
pub(crate) struct Request {
    pub(crate) target: Target,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) proxy_environment: ProxyEnvironment,
}

/// A stream after a successful opening handshake, with the bytes read past the response.
pub(crate) struct Opened<S> {
    pub(crate) stream: S,
    pub(crate) accepted: Accepted,
    pub(crate) leftover: Vec<u8>,
    /// `ws://host:port` of the server that accepted (after redirects).
    pub(crate) endpoint: String,
}

/// The two kinds of stream a connection can run on; each gets its own driver.
pub(crate) enum Established {
    Plain(Opened<TcpStream>),
    Tls(Opened<Box<TlsStream<TcpStream>>>),
}

impl Established {
    /// The opened connection on the one stream type (for [`crate::WebSocket`]).
    pub(crate) fn into_stream(self) -> Opened<Stream> {
        match self {
            Established::Plain(o) => o.map_stream(Stream::Plain),
            Established::Tls(o) => o.map_stream(Stream::Tls),
        }
    }
}

impl<S> Opened<S> {
    /// The protocol state machine of the client role for this connection, given the frames
    /// that came with the handshake response.
    pub(crate) fn start_protocol(&self, options: &Options) -> Protocol {
        let config = Config {
            max_message_size: options.max_message_size,
        };
        // Masking keys from the thread's CSPRNG (RFC 6455 §5.3: unpredictable), which needs
        // no state of the connection's own.
        let mut protocol = Protocol::new(
            Role::Client,
            config,
            self.accepted.deflate,
            Box::new(|buf: &mut [u8]| rand::rng().fill_bytes(buf)),
        );
        protocol.receive_data(&self.leftover);
        protocol
    }

    fn map_stream<T>(self, f: impl FnOnce(S) -> T) -> Opened<T> {
        Opened {
            stream: f(self.stream),
            accepted: self.accepted,
            leftover: self.leftover,
            endpoint: self.endpoint,
        }
    }
}

/// The opening handshake for `target`, with a fresh key (RFC 6455 §4.1: "randomly selected
/// for each connection", from the thread's CSPRNG).
pub(crate) fn handshake_for(
    target: &Target,
    headers: &[(String, String)],
    options: &Options,
) -> Result<ClientHandshake, HandshakeError> {
    let mut key = [0u8; 16];
    rand::rng().fill_bytes(&mut key);
    ClientHandshake::new(
        key,
        &target.host_header,
        &target.resource,
        headers,
        options.deflate.as_ref(),
    )
}

/// Sees each handshake response before it is judged (the handler's `on_response`).
pub(crate) type OnResponse<'a> = &'a mut (dyn FnMut(&ResponseHead) + Send);

/// Connects to the request's URL, following redirects.
pub(crate) async fn establish(
    request: &Request,
    options: &Options,
    on_response: OnResponse<'_>,
) -> Result<Established, Error> {
    let mut target = request.target.clone();
    let mut headers = request.headers.clone();
    let mut visited: Vec<Target> = Vec::new();
    loop {
        let endpoint = target.endpoint();
        let failed = |cause| Error::new(&endpoint, cause);
        let proxy =
            proxy::select(&options.proxy, &target, &request.proxy_environment).map_err(failed)?;
        let handshake =
            handshake_for(&target, &headers, options).map_err(|e| failed(Cause::Handshake(e)))?;
        match &proxy {
            Some(proxy) => log::debug!("{endpoint}: connecting through {proxy}"),
            None => log::debug!("{endpoint}: connecting"),
        }
        let attempted = attempt(&target, proxy.as_ref(), options, &handshake, on_response);
        let (code, location) = match attempted.await {
            Ok(established) => return Ok(established),
            Err(Cause::Handshake(HandshakeError::Redirect { code, location })) => (code, location),
            Err(cause) => return Err(failed(cause)),
        };
        let refuse = |problem| {
            failed(Cause::Redirect {
                code,
                location: location.clone(),
                problem,
            })
        };
        if !options.follow_redirects {
            return Err(refuse(RedirectProblem::Disabled));
        }
        if visited.len() == MAX_REDIRECTS {
            return Err(refuse(RedirectProblem::TooMany(MAX_REDIRECTS)));
        }
        let next = target.redirect(&location).map_err(refuse)?;
        if next == target || visited.contains(&next) {
            return Err(refuse(RedirectProblem::Loop));
        }
        log::debug!("{endpoint}: redirect {code} to {}", next.endpoint());
        if !next.same_host(&target) {
            headers.retain(|(name, _)| {
                !CREDENTIAL_FIELDS
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(name))
            });
        }
        visited.push(std::mem::replace(&mut target, next));
    }
}

/// The transport, then the opening handshake on it, within the connect timeout.
async fn attempt(
    target: &Target,
    proxy: Option<&Proxy>,
    options: &Options,
    handshake: &ClientHandshake,
    on_response: OnResponse<'_>,
) -> Result<Established, Cause> {
    let attempt = Attempt {
        target,
        proxy,
        tls: &options.tls,
        deadline: Instant::now() + options.connect_timeout,
        timeout: options.connect_timeout,
    };
    let endpoint = target.endpoint();
    match attempt.open().await? {
        Stream::Plain(stream) => attempt
            .within(
                Stage::Handshake,
                open_websocket(stream, handshake, on_response, endpoint),
            )
            .await
            .map(Established::Plain),
        Stream::Tls(stream) => attempt
            .within(
                Stage::Handshake,
                open_websocket(stream, handshake, on_response, endpoint),
            )
            .await
            .map(Established::Tls),
    }
}

/// The opening handshake (RFC 6455 §4.1) on any stream; `on_response` sees the response
/// head before it is judged.
async fn open_websocket<S>(
    mut stream: S,
    handshake: &ClientHandshake,
    on_response: OnResponse<'_>,
    endpoint: String,
) -> Result<Opened<S>, Cause>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    const SENDING: &str = "sending the handshake failed";
    const READING: &str = "reading the handshake response failed";
    log::debug!("{endpoint}: sending the opening handshake");
    stream
        .write_all(handshake.request())
        .await
        .map_err(|e| tls_cause(e, SENDING))?;
    // TLS holds what was written in records until flushed.
    stream.flush().await.map_err(|e| tls_cause(e, SENDING))?;
    let mut buf = Vec::with_capacity(1024);
    loop {
        if let Some(head) = parse_head(&buf).map_err(Cause::Handshake)? {
            log::debug!(
                "{endpoint}: handshake response {} {}",
                head.status,
                head.reason
            );
            on_response(&head);
            let accepted = handshake.accept(head).map_err(Cause::Handshake)?;
            log::debug!(
                "{endpoint}: open (subprotocol: {}, permessage-deflate: {})",
                accepted.subprotocol.as_deref().unwrap_or("none"),
                if accepted.deflate.is_some() {
                    "on"
                } else {
                    "off"
                }
            );
            let leftover = buf.split_off(accepted.consumed);
            return Ok(Opened {
                stream,
                accepted,
                leftover,
                endpoint,
            });
        }
        if buf.len() > MAX_HEAD_SIZE {
            let why = format!("response head over {MAX_HEAD_SIZE} bytes");
            return Err(Cause::Handshake(HandshakeError::Malformed(why)));
        }
        buf.reserve(1024);
        let closed = match stream.read_buf(&mut buf).await {
            Ok(n) => n == 0,
            // TLS without close_notify: the same as a plain EOF here.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => true,
            Err(e) => return Err(tls_cause(e, READING)),
        };
        if closed {
            let eof = io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed by the server before a response",
            );
            return Err(Cause::Io {
                during: READING,
                source: eof,
            });
        }
    }
}
