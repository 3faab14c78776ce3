//! The echo server: our protocol crate in the server role over tokio, on plain TCP
//! ([`serve`]) or TLS ([`serve_tls`]); [`serve_connection`] runs one connection over any stream.
//!
//! Any path echoes every message with its own type and answers every ping and a close frame;
//! a permessage-deflate offer is accepted. Test paths make it misbehave on purpose, or report,
//! in or right after the handshake:
//! - `/status/404`: refuses the handshake with `404 Not Found`;
//! - `/close/CODE`: sends a close frame CODE "server closing";
//! - `/drop`: ends the connection without a close frame;
//! - `/violate`: sends a frame with the reserved opcode 3;
//! - `/invalid-utf8`: sends a text message that is not UTF-8;
//! - `/silent`: never answers the handshake;
//! - `/trickle`: writes a valid 101 response one byte per second (about two minutes in all,
//!   so it never completes within a test's timeout);
//! - `/mute`: completes the handshake, then reads and discards everything and never sends a
//!   byte (no pong, no echo, no close reply) until the client goes away;
//! - `/redirect/CODE?LOCATION` (CODE 301, 302, 303, 307 or 308): refuses the handshake with
//!   CODE, its standard reason phrase, `Location: LOCATION` and `Content-Length: 0`, where
//!   LOCATION is everything after the first `?` of the request target, verbatim (so
//!   `/redirect/302?/redirect/302?/` redirects twice, then `/` echoes); without a `?` there is
//!   no Location field; any other CODE is an echo path;
//! - `/redirect-loop`: refuses with `302 Found` and `Location: /redirect-loop`;
//! - `/slow-redirect/MS?LOCATION`: waits MS milliseconds, then refuses with `302 Found` and
//!   `Location: LOCATION` (`/` when there is no query);
//! - `/subprotocol/first`: accepts with the first subprotocol the client offered in
//!   `Sec-WebSocket-Protocol` (none if it offered none), then echoes;
//! - `/subprotocol/NAME` (any other NAME): accepts with `Sec-WebSocket-Protocol: NAME`
//!   whatever was offered, then echoes (every other path answers no subprotocol);
//! - `/pong`: sends one unsolicited pong with the payload `unsolicited`, then echoes;
//! - `/messages/N`: sends N text messages "message 0" … "message N-1", then echoes;
//! - `/ticks/N`: echoes, and meanwhile sends N text messages "tick 0" … "tick N-1", one every
//!   100 ms (messages that arrive while the client is busy, e.g. typing into netws' console);
//! - `/push/COUNT/SIZE`: sends COUNT binary messages of SIZE bytes (8 to 64 MiB; COUNT up to
//!   2^20) as fast as TCP takes them, one at a time (a client that does not read holds the
//!   server up: TCP flow control), reading nothing meanwhile, then echoes. Message i holds i
//!   as a little-endian u64 in its first 8 bytes, then the byte i % 251 repeated, so a client
//!   can check order and content;
//! - `/bad-extension`: answers the handshake with `Sec-WebSocket-Extensions:
//!   permessage-deflate; server_max_window_bits=16`, which no offer allows;
//! - `/extensions`: sends one text message, the Sec-WebSocket-Extensions value it answered
//!   (`none` without one), then echoes;
//! - `/headers`: sends one text message, the request's header lines as received (`Name: value`
//!   joined with `\n`, request line left out), then echoes;
//! - `/peer`: sends one text message, the client's address and port as the server sees them
//!   (`127.0.0.2:41234`; `unknown` on a Unix domain socket), then echoes;
//! - `/rsv1`: answers each message, instead of echoing it, with a text message `rsv1=1 len=N`
//!   or `rsv1=0 len=N`: whether its first frame had RSV1 set (it arrived compressed, RFC 7692
//!   §6.1) and its length after decompression;
//! - `/stream`: echoes each message in pieces as they arrive, each piece a fragment of the
//!   echo (type kept, compressed as one stream when deflate was negotiated), so a message of
//!   any size passes in constant memory;
//! - `/generate/binary/TOTAL/FRAME`: sends one binary message of TOTAL bytes of a pattern in
//!   frames of FRAME bytes (0: one frame), made up as it is written, never held (constant
//!   memory for any size), then its report, a text message `TOTAL CRC32HEX` (the CRC-32 of
//!   the message, 8 lowercase hex digits), then echoes;
//! - `/generate/text/TOTAL`: the same with a text message of 1- to 4-byte characters in
//!   frames whose sizes vary (1 byte to 16 KiB) so that frame boundaries fall at every offset
//!   inside characters;
//! - `/generate/compressed/TOTAL`: the same with a binary message of lines of words (picked
//!   at random among 256), compressed, in fragments of 1 MiB (before compression) of one
//!   deflate stream; the report has the CRC of the uncompressed bytes; refused with
//!   `400 Bad Request` unless the client offered permessage-deflate;
//! - `/generate/bad-text/TOTAL/FRAME`: a text message of "aé€😀" repeated (TOTAL bytes in
//!   frames of FRAME bytes, 0: one frame) whose byte at the greatest multiple of 10 not above
//!   TOTAL/2 is 0xFF, invalid UTF-8: the client fails the connection there (1007);
//! - `/checksum`: receives every message in pieces, never whole, and answers each with a
//!   text message `LEN CRC32HEX`, its length and CRC-32; `/checksum?ping=MS` also pings the
//!   client while a message arrives (at its first piece, then every MS ms) and adds
//!   ` pongs=N max_rtt_ms=M` to the report: the pings answered and the longest round trip
//!   (see echo/checksum.rs).
//!
//! While it writes a generated message, the server reads between frames: pings are answered
//! between them, and the client's close ends the message unfinished (no report). Sizes are
//! decimal u64; a `/generate/` path or a `/checksum` query that does not parse is refused
//! with `400 Bad Request`.
//!
//! Every connection, whatever its path, ends with a shutdown of the stream (over TLS that
//! sends close_notify), so `/drop` looks the same to a client over TCP and over TLS: a clean
//! end of the byte stream with no close frame.
//!
//! Over TLS, [`serve_tls_logged`] reports each handshake (`TLS TLSv1_3 resumed`, `TLS
//! TLSv1_2 full`), so a test can tell that a client resumed its session.
use net_websocket_protocol::handshake::{
    accept_request, reject_response, ServerAccepted, MAX_HEAD_SIZE,
};
use net_websocket_protocol::{Config, Event, MessageKind, Protocol, Role, Utf8Text};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixListener};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

mod checksum;
mod generate;
mod heads;
mod script;
mod wire;
use generate::Generated;
use heads::{
    extensions_answered, first_offered_protocol, header_lines, with_extensions, with_field,
};
use script::{script, Script, Subprotocol};
use wire::write_output;

/// A byte stream the echo server can run over: TCP, TLS, a proxy tunnel.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}

/// Accepts plain TCP connections forever, one task each.
pub async fn serve(listener: TcpListener) {
    accept_forever(listener, |stream, peer| async move {
        let _ = serve_connection_from(stream, Some(peer)).await;
    })
    .await
}

/// Where [`serve_tls_logged`] reports each TLS handshake.
pub type HandshakeLog = Arc<dyn Fn(&str) + Send + Sync>;

/// Accepts TLS connections forever, one task each; the TLS handshake runs in that task, so a
/// client that stalls or fails it (say, without a required client certificate) delays nobody.
pub async fn serve_tls(listener: TcpListener, acceptor: TlsAcceptor) {
    serve_tls_logged(listener, acceptor, Arc::new(|_: &str| {})).await
}

/// [`serve_tls`], reporting each handshake to `log`: `TLS <version> full` or `TLS <version>
/// resumed`.
pub async fn serve_tls_logged(listener: TcpListener, acceptor: TlsAcceptor, log: HandshakeLog) {
    accept_forever(listener, move |stream, peer| {
        let (acceptor, log) = (acceptor.clone(), log.clone());
        async move {
            match acceptor.accept(stream).await {
                Ok(tls) => {
                    let (_, session) = tls.get_ref();
                    let kind = match session.handshake_kind() {
                        Some(rustls::HandshakeKind::Resumed) => "resumed",
                        _ => "full",
                    };
                    let version = session.protocol_version().map(|v| format!("{v:?}"));
                    log(&format!("TLS {} {kind}", version.unwrap_or_default()));
                    let _ = serve_connection_from(tls, Some(peer)).await;
                }
                // On stderr so a failing TLS test shows the server's side of it.
                Err(e) => eprintln!("ws-echo-server: TLS handshake failed: {e}"),
            }
        }
    })
    .await
}

/// Accepts connections on a Unix domain socket forever, one task each, plain or with TLS.
pub async fn serve_unix(listener: UnixListener, acceptor: Option<TlsAcceptor>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                None => {
                    let _ = serve_connection(stream).await;
                }
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(tls) => {
                        let _ = serve_connection(tls).await;
                    }
                    Err(e) => eprintln!("ws-echo-server: TLS handshake failed: {e}"),
                },
            }
        });
    }
}

/// Spawns `start` for every accepted connection, with Nagle off: tests trade small frames.
async fn accept_forever<F, Task>(listener: TcpListener, mut start: F)
where
    F: FnMut(TcpStream, SocketAddr) -> Task,
    Task: Future<Output = ()> + Send + 'static,
{
    loop {
        if let Ok((stream, peer)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(start(stream, peer));
        }
    }
}

/// Serves one connection (handshake, test path, echo), then shuts the stream down.
pub async fn serve_connection<S: Stream>(stream: S) -> std::io::Result<()> {
    serve_connection_from(stream, None).await
}

/// [`serve_connection`] for a client at `peer` (what `/peer` reports).
pub async fn serve_connection_from<S: Stream>(
    mut stream: S,
    peer: Option<SocketAddr>,
) -> std::io::Result<()> {
    let served = handle(&mut stream, peer).await;
    let shut = stream.shutdown().await;
    served.and(shut)
}

/// Server-side masking keys are never used; the server role does not mask.
fn no_entropy() -> net_websocket_protocol::Entropy {
    Box::new(|buf: &mut [u8]| buf.fill(0))
}

async fn handle<S: Stream>(stream: &mut S, peer: Option<SocketAddr>) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    let accepted = loop {
        if stream.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
        match accept_request(&buf, true) {
            Ok(Some(accepted)) => break accepted,
            Ok(None) if buf.len() <= MAX_HEAD_SIZE => continue,
            _ => {
                send(stream, &reject_response(400, "Bad Request")).await?;
                return Ok(());
            }
        }
    };
    let script = match script(&accepted.resource) {
        Script::Generate(Generated::Compressed { .. }) if accepted.deflate.is_none() => {
            Script::Status(400, "Bad Request")
        }
        script => script,
    };
    if !answer(stream, script, &accepted).await? {
        return Ok(());
    }
    let config = Config {
        fragments: matches!(script, Script::Stream | Script::Checksum(_)),
        // An echo goes back in one frame, as most servers send and as ws-bench's peers
        // (fastwebsockets without its fragment collector) expect; the /generate paths choose
        // their frames themselves.
        max_frame_size: usize::MAX,
        ..Config::default()
    };
    let mut connection = Protocol::new(Role::Server, config, accepted.deflate, no_entropy());
    connection.receive_data(&buf[accepted.consumed..]);
    match script {
        Script::Drop => return Ok(()),
        Script::Raw(bytes) => send(stream, bytes).await?,
        Script::Close(code) => {
            let _ = connection.send_close(Some(code), "server closing");
        }
        Script::Extensions => {
            let _ = connection.send_text(&extensions_answered(&accepted.response));
        }
        Script::Headers => {
            let _ = connection.send_text(&header_lines(&buf[..accepted.consumed]));
        }
        Script::Peer => {
            let _ = connection.send_text(&peer.map_or("unknown".into(), |p| p.to_string()));
        }
        Script::Messages(n) => {
            for i in 0..n {
                let _ = connection.send_text(&format!("message {i}"));
            }
        }
        Script::Generate(what) => generate::send(stream, &mut connection, what).await?,
        Script::Checksum(ping_every) => {
            return checksum::report(stream, connection, ping_every).await
        }
        _ => {}
    }
    if let Script::Push { count, size } = script {
        push(stream, &mut connection, count, size).await?;
    }
    let ticks = match script {
        Script::Ticks(n) => n,
        _ => 0,
    };
    echo(stream, connection, ticks, script == Script::Rsv1).await
}

/// `/push/COUNT/SIZE`: the messages one at a time, each written before the next is made.
async fn push<S: Stream>(
    stream: &mut S,
    connection: &mut Protocol,
    count: usize,
    size: usize,
) -> std::io::Result<()> {
    let mut message = vec![0u8; size];
    for i in 0..count {
        message[..8].copy_from_slice(&(i as u64).to_le_bytes());
        message[8..].fill((i % 251) as u8);
        let _ = connection.send_binary(&message);
        let out = connection.pending_output();
        let n = out.len();
        send(stream, out).await?;
        connection.consume_output(n);
    }
    Ok(())
}

/// The pace of `/ticks/N`.
const TICK_EVERY: Duration = Duration::from_millis(100);

/// Answers the handshake as the script says; false when the connection goes no further
/// (refused, or held until the client leaves).
async fn answer<S: Stream>(
    stream: &mut S,
    script: Script<'_>,
    accepted: &ServerAccepted,
) -> std::io::Result<bool> {
    match script {
        Script::Status(code, reason) => send(stream, &reject_response(code, reason)).await?,
        Script::Redirect {
            code,
            reason,
            location,
        } => {
            let refusal = reject_response(code, reason);
            match location {
                Some(location) => send(stream, &with_field(&refusal, "Location", location)).await?,
                None => send(stream, &refusal).await?,
            }
        }
        Script::SlowRedirect { delay_ms, location } => {
            tokio::time::sleep(Duration::from_millis(u64::from(delay_ms))).await;
            let refusal = reject_response(302, "Found");
            send(stream, &with_field(&refusal, "Location", location)).await?;
        }
        Script::BadExtension => {
            let response = with_extensions(
                &accepted.response,
                "permessage-deflate; server_max_window_bits=16",
            );
            send(stream, &response).await?;
            // Wait for the client to give up on us.
            discard_until_eof(stream).await?;
        }
        // Hold the connection without answering until the client gives up.
        Script::Silent => discard_until_eof(stream).await?,
        Script::Trickle => {
            for byte in accepted.response.chunks(1) {
                send(stream, byte).await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            discard_until_eof(stream).await?;
        }
        // Open, then never a byte more: no pong, no echo, no close reply.
        Script::Mute => {
            send(stream, &accepted.response).await?;
            discard_until_eof(stream).await?;
        }
        Script::Subprotocol(choice) => {
            let chosen = match choice {
                Subprotocol::FirstOffered => first_offered_protocol(&accepted.headers),
                Subprotocol::Named(name) => Some(name),
            };
            match chosen {
                Some(protocol) => {
                    let response =
                        with_field(&accepted.response, "Sec-WebSocket-Protocol", protocol);
                    send(stream, &response).await?
                }
                None => send(stream, &accepted.response).await?,
            }
            return Ok(true);
        }
        _ => {
            send(stream, &accepted.response).await?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads and drops whatever the client sends until it ends the connection.
async fn discard_until_eof<S: Stream>(stream: &mut S) -> std::io::Result<()> {
    let mut sink = [0u8; 4096];
    while stream.read(&mut sink).await? != 0 {}
    Ok(())
}

/// Writes `bytes` and flushes them: TLS may hold written bytes back until a flush.
async fn send<S: Stream>(stream: &mut S, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(bytes).await?;
    stream.flush().await
}

/// Echoes messages until the close handshake completes, sending `ticks` tick messages on the
/// way (see `/ticks/N`), or with `report_rsv1` answers each with its report (see `/rsv1`); the
/// caller then shuts the stream down (the server closes the transport first, RFC 6455 §7.1.1).
async fn echo<S: Stream>(
    stream: &mut S,
    mut connection: Protocol,
    ticks: usize,
    report_rsv1: bool,
) -> std::io::Result<()> {
    let mut echoed = Vec::new();
    let mut ticked = 0;
    let mut next_tick = Instant::now() + TICK_EVERY;
    loop {
        while let Some(event) = connection.poll_event() {
            match event {
                Event::Message { data, .. } if report_rsv1 => {
                    let len = data.len();
                    let rsv1 = u8::from(connection.message_was_compressed());
                    let _ = connection.send_text(&format!("rsv1={rsv1} len={len}"));
                }
                Event::Message { kind, data } => {
                    echoed.clear();
                    echoed.extend_from_slice(&data);
                    let _ = match kind {
                        MessageKind::Text => match std::str::from_utf8(&echoed) {
                            Ok(text) => connection.send_text(text),
                            Err(_) => connection.send_binary(&echoed),
                        },
                        MessageKind::Binary => connection.send_binary(&echoed),
                    };
                }
                // `/stream`: each piece goes back as a fragment of the echo.
                Event::Fragment {
                    kind,
                    data,
                    first,
                    last,
                } => {
                    let piece = data.to_vec();
                    let _ = match kind {
                        MessageKind::Text => match Utf8Text::new(piece) {
                            Ok(text) => connection.send_text_fragment(text, first, last),
                            Err(_) => unreachable!("text pieces are valid UTF-8"),
                        },
                        MessageKind::Binary => connection.send_binary_fragment(piece, first, last),
                    };
                }
                _ => {}
            }
        }
        // All of it before the next read: the client may wait for this echo before it sends
        // more.
        write_output(stream, &mut connection).await?;
        if connection.close_expected() {
            return Ok(());
        }
        // Straight into the connection's buffer (a read is cancel-safe: a tick that comes
        // first loses nothing).
        let n = if ticked < ticks {
            tokio::select! {
                read = stream.read(connection.read_space()) => read?,
                () = tokio::time::sleep_until(next_tick) => {
                    let _ = connection.send_text(&format!("tick {ticked}"));
                    ticked += 1;
                    next_tick += TICK_EVERY;
                    continue;
                }
            }
        } else {
            stream.read(connection.read_space()).await?
        };
        connection.commit_read(n);
        if n == 0 {
            connection.receive_eof();
            return Ok(());
        }
    }
}
