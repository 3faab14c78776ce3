//! The hostile server: a WebSocket server that breaks the rules on purpose, one scenario per
//! request path (`/NAME`, see [`SCENARIOS`]), for the C tests of what the client does about
//! it (`crates/capi/tests/c/test_hostile.c`).
//!
//! Each connection reads the request, plays its scenario, then watches what the client does
//! and logs one line when the connection is over:
//!
//! ```text
//! SCENARIO <name> <outcome>
//! ```
//!
//! The server speaks plain TCP ([`serve`]) or TLS ([`serve_tls`], as a TLS-terminating proxy
//! in front of a server would: its FIN and reset reach the client under TLS).
//!
//! where the outcome is what the client did at the end ([`Outcome`]): `close CODE` (the first
//! close frame it sent, with its code; `close none` for an empty one), `eof` (it ended TCP
//! without a close frame), `reset` (it reset TCP, or a write found it gone), `timeout` (it did
//! none of these within two minutes), `violation <what>` (it sent a frame that breaks RFC
//! 6455), or, for the scenarios that end the connection themselves with a reset,
//! `sent-reset`. The server never answers the client's close frame: it ends TCP after it (a
//! client that waits for a reply sees the end of the stream instead). An unknown path gets
//! `404 Not Found` and the line `SCENARIO <path> unknown`; a request that is not a WebSocket
//! upgrade, or that lacks the permessage-deflate offer a scenario needs, gets `400 Bad
//! Request` and `SCENARIO <name> bad-request <why>`.
use net_websocket_protocol::frame::FrameHeader;
use net_websocket_protocol::handshake::{accept_key, accept_request, reject_response};
use net_websocket_protocol::handshake::{ServerAccepted, MAX_HEAD_SIZE};
use net_websocket_protocol::{Config, Event, Protocol, Role};
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout_at, Instant};
use tokio_rustls::TlsAcceptor;

mod catalogue;
pub mod frames;
pub use catalogue::{find, Play, Scenario, Step, SCENARIOS};
use frames::{
    announce, close_payload, frame, BINARY, CLOSE, CONTINUATION, FIN, PING, RSV1, SWITCHING, TEXT,
};

/// Where the `SCENARIO` lines go (called once per connection).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// How long the server waits for the client at any one point (reading the request, watching
/// for its close frame, waiting for pongs) before it logs `timeout`. Generous: the C tests
/// run under valgrind too.
const PATIENCE: Duration = Duration::from_secs(120);

/// The endless heads stop after this many bytes, read or not.
const ENDLESS_LIMIT: usize = 64 << 20;

/// The masking key of [`Step::Masked`].
const MASK_KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// What the client did at the end of a connection (or what ended it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It sent a close frame: its code, None for an empty payload.
    Close(Option<u16>),
    /// It ended TCP without a close frame.
    Eof,
    /// It reset TCP (a read or a write failed with a reset or a broken pipe).
    Reset,
    /// The scenario reset TCP itself.
    SentReset,
    /// It did nothing conclusive within [`PATIENCE`] (or read an endless head to its end).
    Timeout,
    /// It sent a frame that breaks RFC 6455 (as our server role reads it).
    Violation(String),
    /// Reading or writing failed otherwise.
    Error(io::ErrorKind),
    /// The request could not be served.
    BadRequest(String),
    /// No scenario has that name.
    Unknown,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Close(Some(code)) => write!(f, "close {code}"),
            Outcome::Close(None) => f.write_str("close none"),
            Outcome::Eof => f.write_str("eof"),
            Outcome::Reset => f.write_str("reset"),
            Outcome::SentReset => f.write_str("sent-reset"),
            Outcome::Timeout => f.write_str("timeout"),
            Outcome::Violation(what) => write!(f, "violation {what}"),
            Outcome::Error(kind) => write!(f, "error {kind:?}"),
            Outcome::BadRequest(why) => write!(f, "bad-request {why}"),
            Outcome::Unknown => f.write_str("unknown"),
        }
    }
}

/// A connection the server plays on, plain or TLS: either way its TCP socket can be reset.
trait Link: AsyncRead + AsyncWrite + Unpin + Send {
    fn tcp(&self) -> &TcpStream;
}

impl Link for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Link for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

/// Accepts connections forever, one task each.
pub async fn serve(listener: TcpListener, log: Log) {
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(connection(stream, log.clone()));
        }
    }
}

/// [`serve`] over TLS: the scenarios play inside the TLS session.
pub async fn serve_tls(listener: TcpListener, acceptor: TlsAcceptor, log: Log) {
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let (acceptor, log) = (acceptor.clone(), log.clone());
            tokio::spawn(async move {
                match acceptor.accept(stream).await {
                    Ok(tls) => connection(tls, log).await,
                    Err(e) => log(&format!("SCENARIO - tls-failed {e}")),
                }
            });
        }
    }
}

/// One connection: the request, the scenario, the log line, the end.
async fn connection<S: Link>(mut stream: S, log: Log) {
    let (name, outcome) = match read_request(&mut stream).await {
        Ok(Some((scenario, accepted, buf))) => {
            let leftover = buf.get(accepted.consumed..).unwrap_or_default();
            let outcome = play(&mut stream, scenario, &accepted, leftover).await;
            (scenario.name.to_string(), outcome)
        }
        Ok(None) => return,
        Err((name, outcome)) => (name, outcome),
    };
    log(&format!("SCENARIO {name} {outcome}"));
    if outcome != Outcome::SentReset {
        let _ = stream.shutdown().await;
    }
}

type Request = (&'static Scenario, ServerAccepted, Vec<u8>);

/// Reads the request head and finds its scenario: `Ok(None)` when the client left first;
/// `Err` (name and outcome to log) when it is answered with an error status.
async fn read_request<S: Link>(stream: &mut S) -> Result<Option<Request>, (String, Outcome)> {
    let deadline = Instant::now() + PATIENCE;
    let mut buf = Vec::with_capacity(4096);
    let refuse = |name: &str, why: String| (name.to_string(), Outcome::BadRequest(why));
    let accepted = loop {
        match timeout_at(deadline, stream.read_buf(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return Ok(None),
            Ok(Ok(_)) => {}
        }
        match accept_request(&buf, false) {
            Ok(Some(accepted)) => break accepted,
            Ok(None) if buf.len() <= MAX_HEAD_SIZE => continue,
            Ok(None) => return Err(refuse("-", "request head over 64 KiB".into())),
            Err(e) => {
                let _ = send(stream, &reject_response(400, "Bad Request")).await;
                return Err(refuse("-", e.to_string()));
            }
        }
    };
    let path = accepted.resource.split('?').next().unwrap_or_default();
    let Some(scenario) = path.strip_prefix('/').and_then(find) else {
        let _ = send(stream, &reject_response(404, "Not Found")).await;
        return Err((path.to_string(), Outcome::Unknown));
    };
    let accepted = match scenario.play {
        Play::Open { deflate: true, .. } => match accept_request(&buf, true) {
            Ok(Some(with_deflate)) if with_deflate.deflate.is_some() => with_deflate,
            _ => {
                let _ = send(stream, &reject_response(400, "Bad Request")).await;
                let why = "this scenario needs a permessage-deflate offer".to_string();
                return Err(refuse(scenario.name, why));
            }
        },
        _ => accepted,
    };
    Ok(Some((scenario, accepted, buf)))
}

/// Plays `scenario` on a connection whose request was `accepted` (with `leftover` bytes read
/// past it); returns what the client did at the end.
async fn play<S: Link>(
    stream: &mut S,
    scenario: &Scenario,
    accepted: &ServerAccepted,
    leftover: &[u8],
) -> Outcome {
    // Reads the client's frames (and compresses ours when deflate was agreed); what it queues
    // itself (pongs, close replies) is never sent.
    let mut connection = Protocol::new(
        Role::Server,
        Config::default(),
        accepted.deflate,
        Box::new(|buf: &mut [u8]| buf.fill(0)),
    );
    connection.receive_data(leftover);
    let ended = match scenario.play {
        Play::Respond(respond) => {
            let key = field(&accepted.headers, "Sec-WebSocket-Key").unwrap_or_default();
            send(stream, &respond(&accept_key(key))).await.err()
        }
        Play::NoResponse => None,
        Play::EofBeforeResponse => stream.shutdown().await.err(),
        Play::ResetBeforeResponse => return reset(stream),
        Play::PartialResponse { bytes, then } => {
            let head = &accepted.response[..bytes.min(accepted.response.len())];
            match send(stream, head).await {
                Ok(()) => match run(stream, &mut connection, then).await {
                    Ok(Some(outcome)) => return outcome,
                    Ok(None) => None,
                    Err(e) => Some(e),
                },
                Err(e) => Some(e),
            }
        }
        Play::EndlessHeaders => {
            let first = format!("{SWITCHING}\r\n");
            let filler = "a".repeat(1000);
            let line = |i: usize| format!("X-Filler-{i:05}: {filler}\r\n").into_bytes();
            return endless(stream, first.as_bytes(), line).await;
        }
        Play::EndlessHeaderLine => {
            let first = format!("{SWITCHING}\r\nUpgrade: websocket\r\nX-Huge: ");
            return endless(stream, first.as_bytes(), |_| vec![b'a'; 4096]).await;
        }
        Play::Open { extra, steps, .. } => {
            let response = with_fields(&accepted.response, extra);
            match send(stream, &response).await {
                Ok(()) => match run(stream, &mut connection, steps).await {
                    Ok(Some(outcome)) => return outcome,
                    Ok(None) => None,
                    Err(e) => Some(e),
                },
                Err(e) => Some(e),
            }
        }
    };
    // A write that failed: the client may still have said something before it went.
    match (observe(stream, &mut connection, None).await, ended) {
        (Seen::End(Outcome::Error(_)), Some(e)) => write_failure(&e),
        (Seen::End(outcome), _) => outcome,
        (Seen::Pongs | Seen::Timeout, _) => Outcome::Timeout,
    }
}

/// The steps of an open connection. `Ok(Some)`: a step ended the connection (a reset, or a
/// ping flood that saw the client's end); `Ok(None)`: watch the client now.
async fn run<S: Link>(
    stream: &mut S,
    connection: &mut Protocol,
    steps: &[Step],
) -> io::Result<Option<Outcome>> {
    let mut out = Vec::new();
    for step in steps {
        match *step {
            Step::Frame(first, payload) => out.extend(frame(first, payload, None)),
            Step::Masked(first, payload) => out.extend(frame(first, payload, Some(MASK_KEY))),
            Step::Bytes(bytes) => out.extend_from_slice(bytes),
            Step::Zeros(n) => out.resize(out.len() + n, 0),
            Step::Pause(ms) => {
                send(stream, &std::mem::take(&mut out)).await?;
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            Step::PingsWithoutReading { count, every_ms } => {
                send(stream, &std::mem::take(&mut out)).await?;
                for i in 0..count {
                    tokio::time::sleep(Duration::from_millis(every_ms)).await;
                    let ping = frame(FIN | PING, format!("ping {i}").as_bytes(), None);
                    if let Err(e) = send(stream, &ping).await {
                        return Ok(Some(write_failure(&e)));
                    }
                }
            }
            Step::Close(code, reason) => {
                out.extend(frame(FIN | CLOSE, &close_payload(code, reason), None))
            }
            Step::Announce(first, len) => out.extend(announce(first, len)),
            Step::Messages(n) => messages(&mut out, n),
            Step::Deflated { zeros, frame_size } => {
                let payload = compressed(connection, &vec![0; zeros], false);
                fragments(&mut out, BINARY, &payload, frame_size);
            }
            Step::DeflatedRsv1Continuation => {
                let payload = compressed(connection, b"a compressed message in two frames", true);
                out.extend(frame(RSV1 | TEXT, &payload, None));
                out.extend(frame(FIN | RSV1 | CONTINUATION, b"", None));
            }
            Step::PingFlood(n) => {
                send(stream, &std::mem::take(&mut out)).await?;
                return Ok(Some(ping_flood(stream, connection, n).await));
            }
            Step::Eof => {
                send(stream, &std::mem::take(&mut out)).await?;
                stream.shutdown().await?;
            }
            Step::Reset => {
                send(stream, &std::mem::take(&mut out)).await?;
                return Ok(Some(reset(stream)));
            }
        }
    }
    send(stream, &out).await?;
    Ok(None)
}

/// `message 0` … `message N-1`; every tenth in three fragments with a ping after the first.
fn messages(out: &mut Vec<u8>, n: usize) {
    for i in 0..n {
        let text = format!("message {i}");
        if i % 10 == 5 {
            let (first, rest) = text.split_at(3);
            let (second, third) = rest.split_at(3);
            out.extend(frame(TEXT, first.as_bytes(), None));
            out.extend(frame(FIN | PING, b"between fragments", None));
            out.extend(frame(CONTINUATION, second.as_bytes(), None));
            out.extend(frame(FIN | CONTINUATION, third.as_bytes(), None));
        } else {
            out.extend(frame(FIN | TEXT, text.as_bytes(), None));
        }
    }
}

/// The permessage-deflate payload of one message, compressed by `connection` (whose context
/// then holds it, as the client's will).
fn compressed(connection: &mut Protocol, data: &[u8], text: bool) -> Vec<u8> {
    let _ = match std::str::from_utf8(data) {
        Ok(s) if text => connection.send_text(s),
        _ => connection.send_binary(data),
    };
    let mut wire = Vec::new();
    loop {
        let piece = connection.pending_output().to_vec();
        if piece.is_empty() {
            break;
        }
        connection.consume_output(piece.len());
        wire.extend(piece);
    }
    match FrameHeader::decode(&wire) {
        Ok(Some((_, header_len))) => wire.split_off(header_len),
        _ => Vec::new(),
    }
}

/// `payload` of one compressed message (RSV1 on the first frame) of `opcode`, in frames of at
/// most `size` bytes.
fn fragments(out: &mut Vec<u8>, opcode: u8, payload: &[u8], size: usize) {
    let pieces: Vec<&[u8]> = payload.chunks(size.max(1)).collect();
    let last = pieces.len().saturating_sub(1);
    for (i, piece) in pieces.iter().enumerate() {
        let kind = if i == 0 { RSV1 | opcode } else { CONTINUATION };
        let fin = if i == last { FIN } else { 0 };
        out.extend(frame(fin | kind, piece, None));
    }
}

/// `n` pings at once, every pong awaited (in order), then a close frame saying how it went;
/// then what the client does.
async fn ping_flood<S: Link>(stream: &mut S, connection: &mut Protocol, n: usize) -> Outcome {
    let mut pings = Vec::with_capacity(n * 7);
    for i in 0..n {
        pings.extend(frame(FIN | PING, i.to_string().as_bytes(), None));
    }
    let mut tally = Pongs {
        expected: n,
        received: 0,
        wrong: None,
    };
    let (mut reader, mut writer) = tokio::io::split(&mut *stream);
    let (sent, seen) = tokio::join!(
        send(&mut writer, &pings),
        observe(&mut reader, connection, Some(&mut tally))
    );
    let (code, reason) = match (seen, sent) {
        (Seen::End(outcome), _) => return outcome,
        (_, Err(e)) => return write_failure(&e),
        (Seen::Pongs, Ok(())) => match &tally.wrong {
            None => (1000, format!("{n} pongs")),
            Some(wrong) => (4000, wrong.clone()),
        },
        (Seen::Timeout, Ok(())) => (4000, format!("{} of {n} pongs", tally.received)),
    };
    let close = frame(FIN | CLOSE, &close_payload(code, reason.as_bytes()), None);
    if let Err(e) = send(stream, &close).await {
        return write_failure(&e);
    }
    match observe(stream, connection, None).await {
        Seen::End(outcome) => outcome,
        Seen::Pongs | Seen::Timeout => Outcome::Timeout,
    }
}

/// The pongs of a ping flood: each must carry the payload of the next ping.
struct Pongs {
    expected: usize,
    received: usize,
    /// The first pong that was not the next one expected.
    wrong: Option<String>,
}

/// What [`observe`] saw.
enum Seen {
    /// The client ended the connection (or sent its close frame, or broke the protocol).
    End(Outcome),
    /// Every pong of a flood came back (or the first wrong one did).
    Pongs,
    /// Nothing conclusive within [`PATIENCE`].
    Timeout,
}

/// Reads what the client sends until it ends the connection or sends a close frame (or, with
/// `pongs`, until the flood's pongs are back), for at most [`PATIENCE`].
async fn observe<R: AsyncRead + Unpin>(
    reader: &mut R,
    connection: &mut Protocol,
    mut pongs: Option<&mut Pongs>,
) -> Seen {
    let deadline = Instant::now() + PATIENCE;
    loop {
        while let Some(event) = connection.poll_event() {
            match event {
                Event::Close { code, .. } => return Seen::End(Outcome::Close(code)),
                Event::Failed(e) => return Seen::End(Outcome::Violation(e.to_string())),
                Event::Pong(payload) => {
                    if let Some(tally) = pongs.as_deref_mut() {
                        let expected = tally.received.to_string();
                        if payload != expected.as_bytes() {
                            let got = String::from_utf8_lossy(payload);
                            tally.wrong = Some(format!("pong {got:?} where {expected} was due"));
                            return Seen::Pongs;
                        }
                        tally.received += 1;
                        if tally.received == tally.expected {
                            return Seen::Pongs;
                        }
                    }
                }
                Event::Message { .. } | Event::Fragment { .. } | Event::Ping(_) => {}
            }
        }
        let read = timeout_at(deadline, reader.read(connection.read_space())).await;
        match read {
            Err(_) => return Seen::Timeout,
            Ok(Ok(0)) => return Seen::End(Outcome::Eof),
            Ok(Ok(n)) => connection.commit_read(n),
            Ok(Err(e)) => return Seen::End(read_failure(&e)),
        }
    }
}

/// Header bytes for as long as the client takes them (at most [`ENDLESS_LIMIT`] and
/// [`PATIENCE`]): `first`, then `next(0)`, `next(1)`, …
async fn endless<S: Link>(
    stream: &mut S,
    first: &[u8],
    mut next: impl FnMut(usize) -> Vec<u8>,
) -> Outcome {
    let deadline = Instant::now() + PATIENCE;
    let mut chunk = first.to_vec();
    let mut sent = 0;
    for i in 0.. {
        if sent >= ENDLESS_LIMIT {
            break;
        }
        match timeout_at(deadline, stream.write_all(&chunk)).await {
            Ok(Ok(())) => sent += chunk.len(),
            Ok(Err(e)) => return write_failure(&e),
            Err(_) => break,
        }
        chunk = next(i);
    }
    Outcome::Timeout
}

/// SO_LINGER 0: the close that follows sends a reset.
fn reset<S: Link>(stream: &S) -> Outcome {
    match stream.tcp().set_zero_linger() {
        Ok(()) => Outcome::SentReset,
        Err(e) => Outcome::Error(e.kind()),
    }
}

fn read_failure(e: &io::Error) -> Outcome {
    match e.kind() {
        io::ErrorKind::ConnectionReset => Outcome::Reset,
        kind => Outcome::Error(kind),
    }
}

fn write_failure(e: &io::Error) -> Outcome {
    match e.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => Outcome::Reset,
        kind => Outcome::Error(kind),
    }
}

/// Writes `bytes` and flushes them.
async fn send<W: AsyncWrite + Unpin>(stream: &mut W, bytes: &[u8]) -> io::Result<()> {
    stream.write_all(bytes).await?;
    stream.flush().await
}

/// `head` (a complete response head) with `fields` added before its empty line.
fn with_fields(head: &[u8], fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = head.strip_suffix(b"\r\n").unwrap_or(head).to_vec();
    for (name, value) in fields {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The first value of the field `name` (compared without case).
fn field<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_as_the_log_says() {
        assert_eq!(Outcome::Close(Some(1002)).to_string(), "close 1002");
        assert_eq!(Outcome::Close(None).to_string(), "close none");
        assert_eq!(Outcome::Eof.to_string(), "eof");
        assert_eq!(Outcome::SentReset.to_string(), "sent-reset");
    }

    #[test]
    fn every_tenth_message_is_fragmented_around_a_ping() {
        let mut out = Vec::new();
        messages(&mut out, 6);
        let plain: usize = (0..5).map(|i| 2 + format!("message {i}").len()).sum();
        assert_eq!(&out[plain..plain + 5], b"\x01\x03mes");
        assert_eq!(out[plain + 5], FIN | PING);
        assert!(out.ends_with(b"\x00\x03sag\x80\x03e 5"));
    }

    #[test]
    fn fragments_set_rsv1_first_and_fin_last() {
        let mut out = Vec::new();
        fragments(&mut out, BINARY, b"abcde", 2);
        assert_eq!(out, b"\x42\x02ab\x00\x02cd\x80\x01e");
        out.clear();
        fragments(&mut out, TEXT, b"abc", usize::MAX);
        assert_eq!(out, b"\xc1\x03abc");
    }

    #[test]
    fn with_fields_go_before_the_empty_line() {
        assert_eq!(
            with_fields(b"HTTP/1.1 101 X\r\nA: 1\r\n\r\n", &[("B", "2")]),
            b"HTTP/1.1 101 X\r\nA: 1\r\nB: 2\r\n\r\n"
        );
    }
}
