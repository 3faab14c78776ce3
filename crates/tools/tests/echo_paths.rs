//! The lifecycle test paths of the echo server, in-process over TCP, byte for byte: what the
//! C tests of timeouts, keepalive, redirects, subprotocols and pongs rely on, and the ticks of
//! netws' console test.
use net_websocket_protocol::handshake::ClientHandshake;
use net_websocket_protocol::{Config, Event, Protocol, Role};
use net_websocket_tools::echo;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(echo::serve(listener));
    addr
}

fn handshake(resource: &str, headers: &[(&str, &str)]) -> ClientHandshake {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    ClientHandshake::new([7; 16], "127.0.0.1", resource, &headers, None).unwrap()
}

/// Sends the request for `resource` and reads until the response head is complete; returns
/// the stream and everything read (head and any bytes after it).
async fn request(addr: SocketAddr, handshake: &ClientHandshake) -> (TcpStream, Vec<u8>, usize) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(handshake.request()).await.unwrap();
    let mut received = Vec::new();
    let head_end = loop {
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = timeout(Duration::from_secs(5), stream.read_buf(&mut received))
            .await
            .expect("response head within 5 s")
            .unwrap();
        assert_ne!(n, 0, "EOF before the response head");
    };
    (stream, received, head_end)
}

fn head_text(received: &[u8], head_end: usize) -> String {
    String::from_utf8(received[..head_end].to_vec()).unwrap()
}

/// A client connection after a successful handshake on `resource`.
async fn open(addr: SocketAddr, resource: &str) -> (TcpStream, Protocol) {
    let hs = handshake(resource, &[]);
    let (stream, received, _) = request(addr, &hs).await;
    let accepted = hs.parse_response(&received).unwrap().expect("a whole head");
    let mut connection = Protocol::new(
        Role::Client,
        Config::default(),
        None,
        Box::new(|b: &mut [u8]| b.fill(1)),
    );
    connection.receive_data(&received[accepted.consumed..]);
    (stream, connection)
}

async fn flush(stream: &mut TcpStream, connection: &mut Protocol) {
    let out = connection.pending_output().to_vec();
    stream.write_all(&out).await.unwrap();
    connection.consume_output(out.len());
}

#[tokio::test]
async fn redirect_answers_the_code_and_everything_after_the_first_question_mark() {
    let addr = echo_server().await;
    for (code, reason) in [
        (301, "Moved Permanently"),
        (302, "Found"),
        (303, "See Other"),
        (307, "Temporary Redirect"),
        (308, "Permanent Redirect"),
    ] {
        let resource = format!("/redirect/{code}?/redirect/302?/headers?a=b");
        let (mut stream, received, head_end) = request(addr, &handshake(&resource, &[])).await;
        let head = head_text(&received, head_end);
        assert!(
            head.starts_with(&format!("HTTP/1.1 {code} {reason}\r\n")),
            "{head}"
        );
        assert!(
            head.contains("\r\nLocation: /redirect/302?/headers?a=b\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nContent-Length: 0\r\n"), "{head}");
        // Nothing follows the head: the server ends the connection.
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
        assert_eq!(received.len(), head_end, "{head}");
        assert!(rest.is_empty());
    }
}

#[tokio::test]
async fn redirect_loop_points_at_itself() {
    let addr = echo_server().await;
    let (_, received, head_end) = request(addr, &handshake("/redirect-loop", &[])).await;
    let head = head_text(&received, head_end);
    assert!(head.starts_with("HTTP/1.1 302 Found\r\n"), "{head}");
    assert!(head.contains("\r\nLocation: /redirect-loop\r\n"), "{head}");
}

#[tokio::test]
async fn subprotocol_first_answers_the_first_offered_or_none() {
    let addr = echo_server().await;
    let offer = handshake(
        "/subprotocol/first",
        &[("Sec-WebSocket-Protocol", "chat.v2, chat")],
    );
    let (_, received, _) = request(addr, &offer).await;
    let accepted = offer.parse_response(&received).unwrap().unwrap();
    assert_eq!(accepted.subprotocol.as_deref(), Some("chat.v2"));

    let none = handshake("/subprotocol/first", &[]);
    let (_, received, head_end) = request(addr, &none).await;
    let head = head_text(&received, head_end);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("sec-websocket-protocol"),
        "{head}"
    );
}

#[tokio::test]
async fn subprotocol_name_is_answered_whatever_was_offered_then_it_echoes() {
    let addr = echo_server().await;
    let offer = handshake("/subprotocol/other", &[("Sec-WebSocket-Protocol", "chat")]);
    let (_, received, head_end) = request(addr, &offer).await;
    let head = head_text(&received, head_end);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(
        head.contains("\r\nSec-WebSocket-Protocol: other\r\n"),
        "{head}"
    );

    // Offered: it opens and echoes.
    let offer = handshake("/subprotocol/chat", &[("Sec-WebSocket-Protocol", "chat")]);
    let (mut stream, received, _) = request(addr, &offer).await;
    let accepted = offer.parse_response(&received).unwrap().unwrap();
    assert_eq!(accepted.subprotocol.as_deref(), Some("chat"));
    let mut connection = Protocol::new(
        Role::Client,
        Config::default(),
        None,
        Box::new(|b: &mut [u8]| b.fill(1)),
    );
    connection.send_text("hi").unwrap();
    flush(&mut stream, &mut connection).await;
    let mut buf = [0u8; 64];
    let n = stream.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"\x81\x02hi");
}

#[tokio::test]
async fn other_paths_answer_no_subprotocol() {
    let addr = echo_server().await;
    let offer = handshake("/", &[("Sec-WebSocket-Protocol", "chat")]);
    let (_, received, _) = request(addr, &offer).await;
    let accepted = offer.parse_response(&received).unwrap().unwrap();
    assert_eq!(accepted.subprotocol, None);
}

#[tokio::test]
async fn pong_path_sends_one_unsolicited_pong_then_echoes() {
    let addr = echo_server().await;
    let (mut stream, mut connection) = open(addr, "/pong").await;
    let mut buf = [0u8; 256];
    loop {
        if let Some(event) = connection.poll_event() {
            assert_eq!(event, Event::Pong(b"unsolicited"));
            break;
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert_ne!(n, 0);
        connection.receive_data(&buf[..n]);
    }
    connection.send_text("after").unwrap();
    flush(&mut stream, &mut connection).await;
    let n = stream.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"\x81\x05after");
}

#[tokio::test]
async fn mute_never_answers_after_the_handshake() {
    let addr = echo_server().await;
    let (mut stream, mut connection) = open(addr, "/mute").await;
    connection.send_ping(b"p").unwrap();
    connection.send_text("echo me").unwrap();
    connection.send_close(Some(1000), "bye").unwrap();
    flush(&mut stream, &mut connection).await;
    let mut buf = [0u8; 64];
    let read = timeout(Duration::from_millis(500), stream.read(&mut buf)).await;
    assert!(read.is_err(), "the mute path sent {read:?}");
    // It goes away once the client does.
    stream.shutdown().await.unwrap();
    let end = timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
    assert_eq!(end.expect("EOF after our shutdown").unwrap(), 0);
}

#[tokio::test]
async fn trickle_sends_one_byte_per_second() {
    let addr = echo_server().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(handshake("/trickle", &[]).request())
        .await
        .unwrap();
    let mut received = Vec::new();
    let started = tokio::time::Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        let _ = timeout(Duration::from_millis(100), stream.read_buf(&mut received)).await;
    }
    // A byte at once, a second one after a second: at most two in 1.5 s.
    assert!(
        (1..=2).contains(&received.len()),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    assert!(b"HTTP/1.1 101".starts_with(&received));
}

#[tokio::test]
async fn ticks_come_every_100_ms_while_messages_are_echoed() {
    let addr = echo_server().await;
    let started = tokio::time::Instant::now();
    let (mut stream, mut connection) = open(addr, "/ticks/3").await;
    connection.send_text("echo me").unwrap();
    flush(&mut stream, &mut connection).await;
    let mut texts = Vec::new();
    let mut buf = [0u8; 256];
    while texts.len() < 4 {
        while let Some(event) = connection.poll_event() {
            if let Event::Message { data, .. } = event {
                texts.push(String::from_utf8(data.to_vec()).unwrap());
            }
        }
        if texts.len() == 4 {
            break;
        }
        let n = timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("a message within 5 s")
            .unwrap();
        assert_ne!(n, 0, "EOF before the ticks");
        connection.receive_data(&buf[..n]);
    }
    assert_eq!(texts, ["echo me", "tick 0", "tick 1", "tick 2"]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    // Three ticks, then only echoes.
    let more = timeout(Duration::from_millis(300), stream.read(&mut buf)).await;
    assert!(more.is_err(), "a fourth tick: {more:?}");
}
