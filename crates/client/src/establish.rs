//! One connection attempt: the transport (DNS, TCP, proxy, TLS), then the opening handshake on
//! it, following redirects (SPEC §6: at most 5, never from wss:// to ws://), each hop bounded
//! by the connect timeout.
use crate::error::{Cause, Error, Stage};
use crate::options::Options;
use crate::proxy::{self, ProxyEnvironment};
use crate::session::{Session, Timing};
use crate::stats::{Meter, Negotiated};
use crate::target::{RedirectProblem, Target};
use crate::tcp::Route;
use crate::tls::TlsEnvironment;
use crate::trace::{trace, TraceEvent, TraceKind};
use crate::transport::{tls_cause, Attempt, Transport};
use net_websocket_protocol::handshake::{
    parse_head, Accepted, ClientHandshake, ResponseHead, MAX_HEAD_SIZE,
};
use net_websocket_protocol::{Config, HandshakeError, Protocol, Role};
use rand::Rng;
use std::borrow::Cow;
use std::future::Future;
use std::io;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// The most redirects followed in a row.
pub const MAX_REDIRECTS: usize = 5;

/// What every attempt of a connection starts from: the URL and headers given to connect, and
/// what the environment said then (read on the caller's thread).
pub(crate) struct Request {
    pub(crate) target: Target,
    /// The caller's headers, and `Authorization` from the URL's credentials.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) proxy_environment: ProxyEnvironment,
    /// The system trust store and the key log, as the environment said then.
    pub(crate) tls_environment: TlsEnvironment,
}

impl Request {
    /// The request for `target` with the caller's `headers`, reading the environment now:
    /// call it on the caller's thread, where the caller's own `setenv` calls cannot race
    /// with the read.
    pub(crate) fn capture(target: Target, headers: &[(String, String)]) -> Request {
        Request {
            headers: with_url_credentials(&target, headers),
            target,
            proxy_environment: ProxyEnvironment::capture(),
            tls_environment: TlsEnvironment::capture(),
        }
    }
}

/// The caller's headers plus `Authorization: Basic` for the URL's credentials, unless the
/// caller gives an Authorization header (which wins, as in Node's ws and python-websockets).
/// From here on it is one of the caller's headers: a redirect to another origin drops it.
fn with_url_credentials(target: &Target, headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut headers = headers.to_vec();
    let given = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("Authorization"));
    if let (Some(credentials), false) = (&target.credentials, given) {
        headers.push(("Authorization".to_string(), credentials.basic()));
    }
    headers
}

/// A stream after a successful opening handshake, with the bytes read past the response.
pub(crate) struct Opened<S> {
    pub(crate) stream: S,
    pub(crate) accepted: Accepted,
    pub(crate) leftover: Vec<u8>,
    /// `ws://host:port` of the server that accepted (after redirects).
    pub(crate) endpoint: String,
    /// How it was set up (stage durations: only when [`establish`] made the stream).
    pub(crate) negotiated: Negotiated,
}

impl<S> Opened<S> {
    /// The session of this connection (the client role's protocol state machine, given the
    /// frames that came with the handshake response), opening now.
    /// `meter` gets its statistics.
    pub(crate) fn start_session(&self, options: &Options, meter: Arc<Meter>) -> Session {
        let config = Config {
            max_message_size: options.max_message_size,
            fragments: options.receive_fragments,
            max_frame_size: options.max_frame_size,
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
        meter.set_negotiated(self.negotiated.clone());
        Session::new(protocol, Timing::from(options), Instant::now(), meter)
            .with_tracer(options.trace.clone())
    }
}

/// What [`handshake_for`] would refuse, checked without building the request: at connect,
/// where bad headers are refused at once.
pub(crate) fn check_handshake(
    target: &Target,
    headers: &[(String, String)],
    options: &Options,
) -> Result<(), HandshakeError> {
    let headers = with_subprotocols(headers, &options.subprotocols)?;
    ClientHandshake::check(
        &target.host_header,
        &target.resource,
        &headers,
        options.deflate.as_ref(),
    )
}

/// The opening handshake for `target`: the caller's `headers` and the subprotocol offer of
/// the options, with a fresh key (RFC 6455 §4.1: "randomly selected for each connection",
/// from the thread's CSPRNG).
pub(crate) fn handshake_for(
    target: &Target,
    headers: &[(String, String)],
    options: &Options,
) -> Result<ClientHandshake, HandshakeError> {
    let headers = with_subprotocols(headers, &options.subprotocols)?;
    let mut key = [0u8; 16];
    rand::rng().fill_bytes(&mut key);
    ClientHandshake::new(
        key,
        &target.host_header,
        &target.resource,
        &headers,
        options.deflate.as_ref(),
    )
}

/// The caller's headers plus the subprotocol offer of the options, which may not be made
/// twice.
fn with_subprotocols<'h>(
    headers: &'h [(String, String)],
    subprotocols: &[String],
) -> Result<Cow<'h, [(String, String)]>, HandshakeError> {
    const FIELD: &str = "Sec-WebSocket-Protocol";
    if subprotocols.is_empty() {
        return Ok(Cow::Borrowed(headers));
    }
    if headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case(FIELD))
    {
        return Err(HandshakeError::ForbiddenHeader(format!(
            "{FIELD} given as a header and as subprotocols"
        )));
    }
    let mut headers = headers.to_vec();
    headers.push((FIELD.to_string(), subprotocols.join(", ")));
    Ok(Cow::Owned(headers))
}

/// Sees each handshake response before it is judged (the handler's `on_response`).
pub(crate) type OnResponse<'a> = &'a mut (dyn FnMut(&ResponseHead) + Send);

/// Connects to the request's URL, following redirects, all within one connect timeout.
pub(crate) async fn establish(
    request: &Request,
    options: &Options,
    on_response: OnResponse<'_>,
) -> Result<Opened<Transport>, Error> {
    let deadline = Instant::now() + options.connect_timeout;
    let mut target = request.target.clone();
    let mut headers = request.headers.clone();
    let mut visited: Vec<Target> = Vec::new();
    loop {
        let endpoint = target.endpoint();
        let failed = |cause| Error::new(&endpoint, cause);
        let unix_socket = target.unix_socket(options.unix_socket.as_deref());
        // A Unix socket is reached directly.
        let proxy = match unix_socket {
            Some(_) => None,
            None => proxy::select(&options.proxy, &target, &request.proxy_environment)
                .map_err(failed)?,
        };
        let handshake =
            handshake_for(&target, &headers, options).map_err(|e| failed(Cause::Handshake(e)))?;
        match &proxy {
            Some(proxy) => log::debug!("{endpoint}: connecting through {proxy}"),
            None => log::debug!("{endpoint}: connecting"),
        }
        let attempt = Attempt {
            target: &target,
            unix_socket,
            proxy: proxy.as_ref(),
            tls: &options.tls,
            environment: &request.tls_environment,
            route: Route::new(options),
            deadline,
            timeout: options.connect_timeout,
            proxy_tcp_us: AtomicU64::new(0),
        };
        let attempted = open(attempt, &handshake, on_response, endpoint.clone());
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
        // The caller's headers may carry credentials (Authorization, the URL's own among them,
        // Cookie, API keys, tokens in Sec-WebSocket-Protocol): another origin gets none of
        // them, as browsers and curl do, unless the caller trusts every redirect.
        if !next.same_origin(&target) && !options.redirect_trusted {
            headers.clear();
        }
        visited.push(std::mem::replace(&mut target, next));
    }
}

/// The transport, then the opening handshake on it, within the attempt's deadline; `endpoint`
/// names the server in messages. (Not an `async fn`, which would keep the attempt in its
/// state twice: the argument and the local it is moved to.)
#[allow(clippy::manual_async_fn)] // on purpose: see above
fn open<'a>(
    attempt: Attempt<'a>,
    handshake: &'a ClientHandshake,
    on_response: OnResponse<'a>,
    endpoint: String,
) -> impl Future<Output = Result<Opened<Transport>, Cause>> + 'a {
    async move {
        let (transport, mut setup) = attempt.open().await?;
        let started = Instant::now();
        let tracer = attempt.route.tracer;
        let mut traced = |head: &ResponseHead| {
            trace(tracer, || {
                TraceEvent::new(TraceKind::HandshakeResponse, head.reason.clone())
                    .with_code(u32::from(head.status))
            });
            on_response(head)
        };
        let opening = open_websocket(transport, handshake, &mut traced, endpoint);
        let mut opened = attempt.within(Stage::Handshake, opening).await?;
        trace(tracer, || {
            let subprotocol = opened.accepted.subprotocol.clone().unwrap_or_default();
            TraceEvent::new(TraceKind::Open, subprotocol)
        });
        setup.handshake = started.elapsed();
        // The opening handshake filled in what it negotiated.
        setup.subprotocol = std::mem::take(&mut opened.negotiated.subprotocol);
        setup.extensions = std::mem::take(&mut opened.negotiated.extensions);
        opened.negotiated = setup;
        Ok(opened)
    }
}

/// The opening handshake (RFC 6455 §4.1) on any stream; `on_response` sees the response
/// head before it is judged.
pub(crate) async fn open_websocket<S>(
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
            let negotiated = Negotiated {
                subprotocol: accepted.subprotocol.clone().unwrap_or_default(),
                extensions: accepted_extensions(&accepted),
                ..Negotiated::default()
            };
            return Ok(Opened {
                stream,
                accepted,
                leftover,
                endpoint,
                negotiated,
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

/// The extensions the server accepted, as its Sec-WebSocket-Extensions fields said.
fn accepted_extensions(accepted: &Accepted) -> String {
    let fields = accepted.headers.iter();
    let values = fields.filter(|(name, _)| name.eq_ignore_ascii_case("sec-websocket-extensions"));
    values
        .map(|(_, value)| value.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(headers: &[(String, String)], name: &str) -> Option<String> {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn url_credentials_become_basic_unless_the_caller_authorizes() {
        let target = Target::parse("ws://Aladdin:open%20sesame@h/").unwrap();
        let headers = with_url_credentials(&target, &[("X".into(), "1".into())]);
        assert_eq!(
            header(&headers, "authorization").as_deref(),
            Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
        let own = [("authorization".to_string(), "Bearer t".to_string())];
        let headers = with_url_credentials(&target, &own);
        assert_eq!(headers, own);
        let plain = Target::parse("ws://h/").unwrap();
        assert!(header(&with_url_credentials(&plain, &[]), "Authorization").is_none());
    }
}
