//! The hostile server in-process, driven by the protocol crate's client role: the bytes a few
//! scenarios send and the log lines the C tests of test_hostile.c rely on.
use net_websocket_protocol::handshake::ClientHandshake;
use net_websocket_protocol::{Config, DeflateConfig, Event, Protocol, Role};
use net_websocket_tools::hostile::{self, Log};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, timeout};

/// A server and the log lines it wrote.
async fn hostile_server() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let log: Log = Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_string()));
    tokio::spawn(hostile::serve(listener, log));
    (addr, lines)
}

/// Waits (at most 5 s) for a log line starting with `SCENARIO name `; returns its outcome.
async fn outcome(lines: &Mutex<Vec<String>>, name: &str) -> String {
    let prefix = format!("SCENARIO {name} ");
    for _ in 0..500 {
        let found = lines
            .lock()
            .unwrap()
            .iter()
            .find_map(|line| line.strip_prefix(&prefix).map(str::to_string));
        if let Some(outcome) = found {
            return outcome;
        }
        sleep(Duration::from_millis(10)).await;
    }
    panic!("no log line for {name}: {:?}", lines.lock().unwrap());
}

/// Sends the request for `/name` and reads until the response head is complete.
async fn request(
    addr: SocketAddr,
    name: &str,
    deflate: bool,
) -> (TcpStream, ClientHandshake, Vec<u8>) {
    let offer = deflate.then(DeflateConfig::default);
    let handshake = ClientHandshake::new(
        [7; 16],
        "127.0.0.1",
        &format!("/{name}"),
        &[],
        offer.as_ref(),
    )
    .unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(handshake.request()).await.unwrap();
    let mut received = Vec::new();
    while !received.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = timeout(Duration::from_secs(5), stream.read_buf(&mut received))
            .await
            .expect("a response head within 5 s")
            .unwrap();
        assert_ne!(n, 0, "EOF before the response head");
    }
    (stream, handshake, received)
}

/// A client connection on `/name` after the handshake, with the bytes read past the head.
async fn open(addr: SocketAddr, name: &str, deflate: bool) -> (TcpStream, Protocol) {
    let (stream, handshake, received) = request(addr, name, deflate).await;
    let accepted = handshake.parse_response(&received).unwrap().unwrap();
    let mut connection = Protocol::new(
        Role::Client,
        Config {
            max_message_size: 1 << 20,
            ..Config::default()
        },
        accepted.deflate,
        Box::new(|b: &mut [u8]| b.fill(1)),
    );
    connection.receive_data(&received[accepted.consumed..]);
    (stream, connection)
}

/// Reads until the connection has an event; returns a description of it.
async fn next_event(stream: &mut TcpStream, connection: &mut Protocol) -> String {
    let mut buf = vec![0u8; 65536];
    loop {
        if let Some(event) = connection.poll_event() {
            return match event {
                Event::Failed(e) => format!("failed {e}"),
                Event::Close { code, reason } => format!("close {code:?} {reason}"),
                Event::Message { data, .. } | Event::Fragment { data, .. } => {
                    format!("message {}", String::from_utf8_lossy(&data))
                }
                Event::Ping(p) => format!("ping {}", String::from_utf8_lossy(p)),
                Event::Pong(p) => format!("pong {}", String::from_utf8_lossy(p)),
            };
        }
        let n = timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an event within 5 s")
            .unwrap();
        assert_ne!(n, 0, "EOF before an event");
        connection.receive_data(&buf[..n]);
    }
}

async fn flush(stream: &mut TcpStream, connection: &mut Protocol) {
    while connection.pending_output_len() > 0 {
        let out = connection.pending_output().to_vec();
        stream.write_all(&out).await.unwrap();
        connection.consume_output(out.len());
    }
}

#[tokio::test]
async fn a_violation_is_logged_with_the_close_code_the_client_sent() {
    let (addr, lines) = hostile_server().await;
    let (mut stream, mut connection) = open(addr, "opcode-3", false).await;
    assert_eq!(
        next_event(&mut stream, &mut connection).await,
        "failed reserved opcode 0x3"
    );
    flush(&mut stream, &mut connection).await;
    assert_eq!(outcome(&lines, "opcode-3").await, "close 1002");
    // The server ends TCP after the client's close frame, without a reply.
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
}

#[tokio::test]
async fn handshake_failures_log_how_the_client_left() {
    let (addr, lines) = hostile_server().await;
    let (stream, handshake, received) = request(addr, "wrong-accept", false).await;
    assert_eq!(
        handshake.parse_response(&received).unwrap_err().to_string(),
        "handshake: wrong Sec-WebSocket-Accept"
    );
    drop(stream);
    assert_eq!(outcome(&lines, "wrong-accept").await, "eof");

    // A client that stops reading an endless head and leaves resets the connection.
    let handshake = ClientHandshake::new([7; 16], "h", "/endless-headers", &[], None).unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(handshake.request()).await.unwrap();
    let mut some = [0u8; 4096];
    stream.read_exact(&mut some).await.unwrap();
    assert!(some.starts_with(b"HTTP/1.1 101 Switching Protocols\r\nX-Filler-00000: aaa"));
    drop(stream);
    assert_eq!(outcome(&lines, "endless-headers").await, "reset");
}

#[tokio::test]
async fn messages_then_close_delivers_every_message_then_the_close() {
    let (addr, lines) = hostile_server().await;
    let (mut stream, mut connection) = open(addr, "messages-then-close", false).await;
    for i in 0..100 {
        let mut event = next_event(&mut stream, &mut connection).await;
        if i % 10 == 5 {
            assert_eq!(event, "ping between fragments");
            event = next_event(&mut stream, &mut connection).await;
        }
        assert_eq!(event, format!("message message {i}"));
    }
    assert_eq!(
        next_event(&mut stream, &mut connection).await,
        "close Some(4000) bye after 100 messages"
    );
    flush(&mut stream, &mut connection).await;
    assert_eq!(outcome(&lines, "messages-then-close").await, "close 4000");
}

#[tokio::test]
async fn ping_flood_closes_1000_once_every_pong_is_back() {
    let (addr, lines) = hostile_server().await;
    let (mut stream, mut connection) = open(addr, "ping-flood", false).await;
    for i in 0..10_000 {
        assert_eq!(
            next_event(&mut stream, &mut connection).await,
            format!("ping {i}")
        );
        flush(&mut stream, &mut connection).await;
    }
    assert_eq!(
        next_event(&mut stream, &mut connection).await,
        "close Some(1000) 10000 pongs"
    );
    flush(&mut stream, &mut connection).await;
    assert_eq!(outcome(&lines, "ping-flood").await, "close 1000");
}

#[tokio::test]
async fn the_deflate_bomb_inflates_past_the_limit() {
    let (addr, lines) = hostile_server().await;
    let (mut stream, mut connection) = open(addr, "deflate-bomb", true).await;
    assert_eq!(
        next_event(&mut stream, &mut connection).await,
        "failed message of at least 1048577 bytes over the limit of 1048576"
    );
    flush(&mut stream, &mut connection).await;
    assert_eq!(outcome(&lines, "deflate-bomb").await, "close 1009");
}

#[tokio::test]
async fn deflate_scenarios_need_an_offer_and_unknown_paths_are_refused() {
    let (addr, lines) = hostile_server().await;
    let (_, _, received) = request(addr, "deflate-bomb", false).await;
    assert!(received.starts_with(b"HTTP/1.1 400 "));
    assert_eq!(
        outcome(&lines, "deflate-bomb").await,
        "bad-request this scenario needs a permessage-deflate offer"
    );
    let (_, _, received) = request(addr, "no-such-scenario", false).await;
    assert!(received.starts_with(b"HTTP/1.1 404 "));
    assert_eq!(outcome(&lines, "/no-such-scenario").await, "unknown");
}

#[tokio::test]
async fn reset_mid_frame_resets() {
    let (addr, lines) = hostile_server().await;
    let (mut stream, _connection) = open(addr, "reset-mid-frame", false).await;
    let mut buf = [0u8; 64];
    let error = loop {
        match stream.read(&mut buf).await {
            Ok(0) => panic!("EOF instead of a reset"),
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    assert_eq!(outcome(&lines, "reset-mid-frame").await, "sent-reset");
}
