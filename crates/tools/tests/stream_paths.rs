//! The streaming test paths of the echo server (`/generate/...`, `/checksum`), in-process over
//! TCP: the frames as sent, the reports' lengths and CRC-32s, the pings of `/checksum?ping=MS`,
//! and the requests refused with 400. The C tests test_streaming and test_streaming_send rely
//! on them at sizes of hundreds of MiB.
use net_websocket_protocol::frame::{FrameHeader, Opcode};
use net_websocket_protocol::handshake::ClientHandshake;
use net_websocket_protocol::{Config, DeflateConfig, Event, MessageKind, Protocol, Role};
use net_websocket_tools::crc32::checksum;
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

/// Sends the handshake for `resource`; the stream, the response head and the bytes after it.
async fn request(
    addr: SocketAddr,
    resource: &str,
    deflate: Option<&DeflateConfig>,
) -> (TcpStream, ClientHandshake, Vec<u8>) {
    let hs = ClientHandshake::new([7; 16], "127.0.0.1", resource, &[], deflate).unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(hs.request()).await.unwrap();
    let mut received = Vec::new();
    while !received.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = timeout(Duration::from_secs(5), stream.read_buf(&mut received))
            .await
            .expect("a response head within 5 s")
            .unwrap();
        assert_ne!(n, 0, "EOF before the response head");
    }
    (stream, hs, received)
}

/// A client connection on `resource` after a successful handshake.
async fn open(
    addr: SocketAddr,
    resource: &str,
    deflate: Option<&DeflateConfig>,
) -> (TcpStream, Protocol) {
    let (stream, hs, received) = request(addr, resource, deflate).await;
    let accepted = hs.parse_response(&received).unwrap().expect("a whole head");
    let mut connection = Protocol::new(
        Role::Client,
        Config::default(),
        accepted.deflate,
        Box::new(|b: &mut [u8]| b.fill(1)),
    );
    connection.receive_data(&received[accepted.consumed..]);
    (stream, connection)
}

/// Writes what the connection queued (pongs, messages, a close).
async fn flush(stream: &mut TcpStream, connection: &mut Protocol) {
    while !connection.pending_output().is_empty() {
        let out = connection.pending_output().to_vec();
        stream.write_all(&out).await.unwrap();
        connection.consume_output(out.len());
    }
}

/// Reads and handles events for `time` (or until EOF), answering pings; the messages that
/// came (binary ones as their bytes, lossily).
async fn pump(stream: &mut TcpStream, connection: &mut Protocol, time: Duration) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + time;
    let mut messages = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        while let Some(event) = connection.poll_event() {
            if let Event::Message { data, .. } = event {
                messages.push(String::from_utf8_lossy(&data).into_owned());
            }
        }
        flush(stream, connection).await;
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => connection.receive_data(&buf[..n]),
            _ => return messages,
        }
    }
}

/// The frames the server sends first on `resource`, until (and without) the text frame that
/// follows the message: each header, and the payloads joined.
async fn raw_message(addr: SocketAddr, resource: &str) -> (Vec<FrameHeader>, Vec<u8>, String) {
    let (mut stream, _, received) = request(addr, resource, None).await;
    let head_end = received.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut bytes = received[head_end..].to_vec();
    let (mut headers, mut payload, mut at) = (Vec::new(), Vec::new(), 0);
    loop {
        match FrameHeader::decode(&bytes[at..]).unwrap() {
            Some((header, len)) if bytes.len() - at - len >= header.payload_len as usize => {
                let body = &bytes[at + len..at + len + header.payload_len as usize];
                at += len + body.len();
                // The report is the text frame after the message's FIN.
                if headers.last().is_some_and(|h: &FrameHeader| h.fin) {
                    assert_eq!((header.opcode, header.fin), (Opcode::Text, true));
                    return (headers, payload, String::from_utf8(body.to_vec()).unwrap());
                }
                payload.extend_from_slice(body);
                headers.push(header);
            }
            _ => {
                let n = timeout(Duration::from_secs(10), stream.read_buf(&mut bytes))
                    .await
                    .expect("more within 10 s")
                    .unwrap();
                assert_ne!(n, 0, "EOF before the report");
            }
        }
    }
}

#[tokio::test]
async fn binary_comes_in_frames_of_the_size_asked_then_its_report() {
    let addr = echo_server().await;
    let (headers, payload, report) = raw_message(addr, "/generate/binary/300000/65536").await;
    let sizes: Vec<u64> = headers.iter().map(|h| h.payload_len).collect();
    assert_eq!(sizes, [65536, 65536, 65536, 65536, 37856]);
    assert_eq!(headers[0].opcode, Opcode::Binary);
    assert!(headers[1..]
        .iter()
        .all(|h| h.opcode == Opcode::Continuation));
    let fins: Vec<bool> = headers.iter().map(|h| h.fin).collect();
    assert_eq!(fins, [false, false, false, false, true]);
    assert!(headers.iter().all(|h| h.mask.is_none() && !h.rsv1));
    assert_eq!(report, format!("300000 {:08x}", checksum(&payload)));

    let (headers, payload, report) = raw_message(addr, "/generate/binary/1000/0").await;
    assert_eq!(headers.len(), 1);
    assert_eq!(report, format!("1000 {:08x}", checksum(&payload)));
    let (headers, _, report) = raw_message(addr, "/generate/binary/0/0").await;
    assert_eq!((headers.len(), headers[0].payload_len), (1, 0));
    assert_eq!(report, "0 00000000");
}

#[tokio::test]
async fn text_is_utf8_in_frames_cut_inside_characters() {
    let addr = echo_server().await;
    let (headers, payload, report) = raw_message(addr, "/generate/text/200000").await;
    assert_eq!(headers[0].opcode, Opcode::Text);
    let text = String::from_utf8(payload).expect("the message is UTF-8");
    assert_eq!(text.len(), 200_000);
    // Frame boundaries inside characters.
    let mut boundary = 0;
    let mut inside = 0;
    for header in &headers[..headers.len() - 1] {
        boundary += header.payload_len as usize;
        inside += usize::from(!text.is_char_boundary(boundary));
    }
    assert!(
        inside > 5,
        "{inside} of {} boundaries inside characters",
        headers.len()
    );
    assert_eq!(report, format!("200000 {:08x}", checksum(text.as_bytes())));
}

#[tokio::test]
async fn compressed_needs_deflate_and_reports_the_crc_of_the_uncompressed_bytes() {
    let addr = echo_server().await;
    let (_, _, received) = request(addr, "/generate/compressed/1000", None).await;
    assert!(received.starts_with(b"HTTP/1.1 400 "), "without deflate");

    let deflate = DeflateConfig::default();
    let total = 3 * (1 << 20) + 5;
    let (mut stream, mut connection) = open(
        addr,
        &format!("/generate/compressed/{total}"),
        Some(&deflate),
    )
    .await;
    let mut buf = vec![0u8; 64 * 1024];
    let mut wire_bytes = 0;
    let (message, report) = loop {
        let n = timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("the message within 10 s")
            .unwrap();
        assert_ne!(n, 0);
        wire_bytes += n;
        connection.receive_data(&buf[..n]);
        let mut texts = Vec::new();
        let mut binary = None;
        while let Some(event) = connection.poll_event() {
            match event {
                Event::Message {
                    kind: MessageKind::Binary,
                    data,
                } => binary = Some(data.to_vec()),
                Event::Message { data, .. } => texts.push(String::from_utf8(data.to_vec())),
                other => panic!("{other:?}"),
            }
        }
        if let (Some(message), Some(Ok(report))) = (binary, texts.pop()) {
            break (message, report);
        }
    };
    assert_eq!(message.len(), total);
    assert_eq!(report, format!("{total} {:08x}", checksum(&message)));
    assert!(
        wire_bytes < total / 2,
        "{wire_bytes} bytes on the wire for {total}: not compressed"
    );
}

#[tokio::test]
async fn bad_text_fails_the_client_in_its_middle_and_the_server_ends() {
    let addr = echo_server().await;
    // The raw frames: 10 of 100 bytes (2-byte headers), 0xFF at 500 (a cycle start).
    let (mut stream, _, received) = request(addr, "/generate/bad-text/1000/100", None).await;
    let head_end = received.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut bytes = received[head_end..].to_vec();
    while bytes.len() < 10 * 102 {
        let n = stream.read_buf(&mut bytes).await.unwrap();
        assert_ne!(n, 0);
    }
    let mut payload = Vec::new();
    for (i, frame) in bytes[..10 * 102].chunks(102).enumerate() {
        let (header, len) = FrameHeader::decode(frame).unwrap().unwrap();
        assert_eq!((len, header.payload_len, header.fin), (2, 100, i == 9));
        payload.extend_from_slice(&frame[2..]);
    }
    assert_eq!(payload[500], 0xFF);
    assert!(std::str::from_utf8(&payload[..500]).is_ok());

    // A client fails there with 1007; the server answers its close and ends.
    let (mut stream, mut connection) = open(addr, "/generate/bad-text/1000/100", None).await;
    let mut buf = [0u8; 4096];
    let failed = loop {
        if let Some(event) = connection.poll_event() {
            break event;
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert_ne!(n, 0);
        connection.receive_data(&buf[..n]);
    };
    let Event::Failed(error) = failed else {
        panic!("{failed:?}");
    };
    assert_eq!(error.close_code(), 1007);
    flush(&mut stream, &mut connection).await;
    let mut rest = Vec::new();
    timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .expect("the server ends within 5 s")
        .unwrap();
}

#[tokio::test]
async fn checksum_reports_each_message_and_the_pongs_of_its_pings() {
    let addr = echo_server().await;
    let (mut stream, mut connection) = open(addr, "/checksum?ping=5", None).await;
    // A message in 8 fragments, 20 ms apart: pings come meanwhile, and are answered.
    let mut sent = Vec::new();
    let mut reports = Vec::new();
    for i in 0..8u8 {
        let piece: Vec<u8> = (0..100_000u32).map(|j| (j as u8) ^ i).collect();
        sent.extend_from_slice(&piece);
        connection
            .send_binary_fragment(piece, i == 0, i == 7)
            .unwrap();
        flush(&mut stream, &mut connection).await;
        reports.extend(pump(&mut stream, &mut connection, Duration::from_millis(20)).await);
        // No report before the message ends.
        assert!(i == 7 || reports.is_empty(), "{reports:?}");
    }
    connection.send_text("hello").unwrap();
    flush(&mut stream, &mut connection).await;
    for _ in 0..100 {
        reports.extend(pump(&mut stream, &mut connection, Duration::from_millis(50)).await);
        if reports.len() == 2 {
            break;
        }
    }
    assert_eq!(reports.len(), 2, "{reports:?}");
    let big = format!("800000 {:08x} pongs=", checksum(&sent));
    assert!(reports[0].starts_with(&big), "{reports:?}");
    let pongs: u64 = reports[0][big.len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pongs >= 10, "{reports:?}");
    assert!(reports[0].contains(" max_rtt_ms="), "{reports:?}");
    let hello = format!("5 {:08x} pongs=1 max_rtt_ms=", checksum(b"hello"));
    assert!(reports[1].starts_with(&hello), "{reports:?}");

    // Without pings, just the figures; compressed too.
    let deflate = DeflateConfig::default();
    let (mut stream, mut connection) = open(addr, "/checksum", Some(&deflate)).await;
    connection.send_text(&"ab".repeat(50_000)).unwrap();
    flush(&mut stream, &mut connection).await;
    let reports = pump(&mut stream, &mut connection, Duration::from_millis(500)).await;
    let expected = format!("100000 {:08x}", checksum("ab".repeat(50_000).as_bytes()));
    assert_eq!(reports, [expected]);
}

#[tokio::test]
async fn nonsense_is_refused_with_400() {
    let addr = echo_server().await;
    for resource in [
        "/generate/binary/x/1",
        "/generate/binary/10",
        "/generate/text/10/5",
        "/generate/nothing/1",
        "/checksum?ping=0",
        "/checksum?ping=soon",
    ] {
        let (_, _, received) = request(addr, resource, None).await;
        assert!(
            received.starts_with(b"HTTP/1.1 400 Bad Request\r\n"),
            "{resource}: {}",
            String::from_utf8_lossy(&received)
        );
    }
}
