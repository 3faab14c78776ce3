//! The async API (`connect_async`, `WebSocket` as Stream + Sink) against the bundled echo
//! server: every message type and every error path, each on a current-thread runtime and on
//! a multi-thread one.
mod support;

use futures_util::{SinkExt, StreamExt};
use net_websocket_client::HandshakeError;
use net_websocket_client::{
    connect_async, connect_async_with_headers, Cause, CloseFrame, Error, Message, MessageRef,
    Options, ProtocolError, Stage, WebSocket,
};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use support::{direct, echo_server};

/// Runs `test` on a current-thread runtime, then on a multi-thread one, each bounded.
fn on_both_runtimes<F, Fut>(test: F)
where
    F: Fn(SocketAddr) -> Fut,
    Fut: Future<Output = ()>,
{
    let addr = echo_server();
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    current
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), test(addr)).await })
        .expect("timed out on the current-thread runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    multi
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), test(addr)).await })
        .expect("timed out on the multi-thread runtime");
}

async fn open(addr: SocketAddr, path: &str) -> WebSocket {
    open_with(addr, path, direct()).await
}

async fn open_with(addr: SocketAddr, path: &str, options: Options) -> WebSocket {
    connect_async(&format!("ws://{addr}{path}"), options)
        .await
        .unwrap_or_else(|e| panic!("connect to {path}: {e}"))
}

async fn failure(addr: SocketAddr, path: &str, options: Options) -> Error {
    match connect_async(&format!("ws://{addr}{path}"), options).await {
        Ok(ws) => panic!("{path} opened: {ws:?}"),
        Err(e) => e,
    }
}

/// The next item, which must come.
async fn next(ws: &mut WebSocket) -> Result<Message, Error> {
    ws.next().await.expect("the stream ended early")
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn text_and_binary_messages_round_trip_at_every_length_class() {
    on_both_runtimes(|addr| async move {
        let mut ws = open(addr, "/").await;
        assert_eq!(ws.response().status, 101);
        for len in [0, 1, 125, 126, 65_535, 65_536, 1 << 20] {
            let text: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            ws.send(Message::Text(text.clone())).await.unwrap();
            assert_eq!(next(&mut ws).await.unwrap(), Message::Text(text));
            ws.send(Message::Binary(pattern(len))).await.unwrap();
            assert_eq!(next(&mut ws).await.unwrap(), Message::Binary(pattern(len)));
        }
        // Non-ASCII text survives byte for byte.
        let text = "grüße, 世界 🎉".to_string();
        ws.send(Message::text(text.as_str())).await.unwrap();
        assert_eq!(next(&mut ws).await.unwrap(), Message::Text(text));
        ws.close().await.unwrap();
    });
}

#[test]
fn pings_are_answered_and_pongs_arrive_as_messages() {
    on_both_runtimes(|addr| async move {
        let mut ws = open(addr, "/").await;
        ws.send(Message::Ping(b"are you there".to_vec()))
            .await
            .unwrap();
        assert_eq!(
            next(&mut ws).await.unwrap(),
            Message::Pong(b"are you there".to_vec())
        );
        // An unsolicited pong of ours is allowed and changes nothing.
        ws.send(Message::Pong(b"heartbeat".to_vec())).await.unwrap();
        ws.send(Message::text("after the pong")).await.unwrap();
        assert_eq!(
            next(&mut ws).await.unwrap(),
            Message::text("after the pong")
        );

        // The server's unsolicited pong.
        let mut ws = open(addr, "/pong").await;
        assert_eq!(
            next(&mut ws).await.unwrap(),
            Message::Pong(b"unsolicited".to_vec())
        );
    });
}

#[test]
fn a_close_we_start_is_answered_then_the_stream_ends() {
    on_both_runtimes(|addr| async move {
        let mut ws = open(addr, "/").await;
        ws.send(Message::close(4000, "bye")).await.unwrap();
        assert_eq!(
            next(&mut ws).await.unwrap(),
            Message::Close(Some(CloseFrame {
                code: 4000,
                reason: "bye".into()
            }))
        );
        assert!(ws.next().await.is_none());
        assert!(futures_core::stream::FusedStream::is_terminated(&ws));
        let refused = ws.send(Message::text("too late")).await.unwrap_err();
        assert!(matches!(refused.cause(), Cause::Send(_)), "{refused}");
    });
}

#[test]
fn the_servers_close_is_a_message_and_a_second_close_of_ours_is_refused() {
    on_both_runtimes(|addr| async move {
        let mut ws = open(addr, "/close/4001").await;
        assert_eq!(
            next(&mut ws).await.unwrap(),
            Message::close(4001, "server closing")
        );
        assert!(ws.next().await.is_none());
        let again = ws.send(Message::close(1000, "")).await.unwrap_err();
        assert!(matches!(again.cause(), Cause::Send(_)), "{again}");
    });
}

#[test]
fn sink_close_sends_1000_and_the_stream_gets_the_reply() {
    on_both_runtimes(|addr| async move {
        let mut ws = open(addr, "/").await;
        SinkExt::close(&mut ws).await.unwrap();
        assert_eq!(next(&mut ws).await.unwrap(), Message::close(1000, ""));
        assert!(ws.next().await.is_none());
    });
}

#[test]
fn split_halves_run_in_separate_tasks() {
    on_both_runtimes(|addr| async move {
        const COUNT: usize = 500;
        let ws = open(addr, "/").await;
        let (mut sink, mut stream) = ws.split();
        let writer = tokio::spawn(async move {
            for i in 0..COUNT {
                // Every size class, a few large enough to fill the socket buffers.
                let len = [10, 200, 70_000, 300_000][i % 4];
                let mut data = pattern(len);
                data[0] = i as u8;
                sink.send(Message::Binary(data)).await.unwrap();
            }
            sink.close().await.unwrap();
        });
        let mut received = 0;
        while let Some(message) = stream.next().await {
            match message.unwrap() {
                Message::Binary(data) => {
                    assert_eq!(data[0], received as u8);
                    assert_eq!(data.len(), [10, 200, 70_000, 300_000][received % 4]);
                    received += 1;
                }
                Message::Close(frame) => assert_eq!(frame.unwrap().code, 1000),
                other => panic!("unexpected {other:?}"),
            }
        }
        writer.await.unwrap();
        assert_eq!(received, COUNT);
    });
}

#[test]
fn connect_errors_are_typed() {
    on_both_runtimes(|addr| async move {
        let url = connect_async("ftp://example.com/", direct())
            .await
            .unwrap_err();
        assert!(matches!(url.cause(), Cause::Url(_)), "{url}");
        assert!(url.to_string().starts_with("invalid URL"), "{url}");

        // A port nobody listens on (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let refused = connect_async(&format!("ws://127.0.0.1:{port}/"), direct())
            .await
            .unwrap_err();
        assert!(
            matches!(refused.cause(), Cause::Connect { .. }),
            "{refused}"
        );
        assert!(
            refused.to_string().contains("connection refused"),
            "{refused}"
        );

        let status = failure(addr, "/status/404", direct()).await;
        assert!(
            matches!(
                status.cause(),
                Cause::Handshake(HandshakeError::Status { code: 404, .. })
            ),
            "{status}"
        );

        let header = [("Upgrade".to_string(), "h2c".to_string())];
        let forbidden = connect_async_with_headers(&format!("ws://{addr}/"), &header, direct())
            .await
            .unwrap_err();
        assert!(
            matches!(
                forbidden.cause(),
                Cause::Handshake(HandshakeError::ForbiddenHeader(_))
            ),
            "{forbidden}"
        );

        let options = Options {
            connect_timeout: Duration::from_millis(300),
            ..direct()
        };
        let timeout = failure(addr, "/silent", options).await;
        assert!(
            matches!(
                timeout.cause(),
                Cause::Timeout {
                    stage: Stage::Handshake,
                    ..
                }
            ),
            "{timeout}"
        );
    });
}

#[test]
fn borrowed_receive_and_fed_messages_round_trip() {
    on_both_runtimes(|addr| async move {
        let mut ws = open(addr, "/").await;
        // Several fed at once go out when the connection next waits to receive.
        let lens = [0, 1, 125, 126, 65_535, 65_536, 1 << 20];
        for len in lens {
            ws.feed_ref(MessageRef::Binary(&pattern(len)))
                .await
                .unwrap();
        }
        ws.feed_ref(MessageRef::Text("grüße, 世界")).await.unwrap();
        for len in lens {
            let echo = ws.recv_ref().await.expect("an echo").unwrap();
            assert_eq!(echo, MessageRef::Binary(&pattern(len)), "{len} bytes");
        }
        let text = ws.recv_ref().await.expect("an echo").unwrap();
        assert_eq!(text, MessageRef::Text("grüße, 世界"));
        // Control frames come through the owned path, borrowed from where it keeps them.
        ws.feed_ref(MessageRef::Ping(b"are you there"))
            .await
            .unwrap();
        ws.flush().await.unwrap();
        let pong = ws.recv_ref().await.expect("a pong").unwrap();
        assert_eq!(pong, MessageRef::Pong(b"are you there"));
        assert_eq!(pong.to_message(), Message::Pong(b"are you there".to_vec()));
        // Borrowed and owned receives mix.
        ws.feed_ref(MessageRef::Binary(b"one")).await.unwrap();
        ws.feed_ref(MessageRef::Binary(b"two")).await.unwrap();
        ws.flush().await.unwrap();
        assert_eq!(
            next(&mut ws).await.unwrap(),
            Message::binary(b"one".to_vec())
        );
        let two = ws.recv_ref().await.expect("an echo").unwrap();
        assert_eq!(two, MessageRef::Binary(b"two"));
        let stats = ws.stats();
        assert_eq!((stats.messages_sent, stats.messages_received), (10, 10));
        // The close: a message, then the end; feeding after it is refused.
        ws.feed_ref(MessageRef::Close(Some((4000, "bye"))))
            .await
            .unwrap();
        let close = ws.recv_ref().await.expect("the reply").unwrap();
        assert_eq!(close, MessageRef::Close(Some((4000, "bye"))));
        assert!(ws.recv_ref().await.is_none());
        let refused = ws.feed_ref(MessageRef::Text("late")).await.unwrap_err();
        assert!(matches!(refused.cause(), Cause::Send(_)), "{refused}");
    });
}

#[test]
fn borrowed_receive_reports_a_failure_once_then_ends() {
    on_both_runtimes(|addr| async move {
        let mut ws = open(addr, "/violate").await;
        let violation = ws.recv_ref().await.expect("the failure").unwrap_err();
        assert!(
            matches!(
                violation.cause(),
                Cause::Protocol(ProtocolError::ReservedOpcode(3))
            ),
            "{violation}"
        );
        assert!(ws.recv_ref().await.is_none());
        let mut ws = open(addr, "/drop").await;
        let dropped = ws.recv_ref().await.expect("the loss").unwrap_err();
        assert!(matches!(dropped.cause(), Cause::ClosedByPeer), "{dropped}");
        assert!(ws.recv_ref().await.is_none());
    });
}

#[test]
fn failures_after_open_end_the_stream_with_one_error() {
    on_both_runtimes(|addr| async move {
        let mut ws = open(addr, "/violate").await;
        let violation = next(&mut ws).await.unwrap_err();
        assert!(
            matches!(
                violation.cause(),
                Cause::Protocol(ProtocolError::ReservedOpcode(3))
            ),
            "{violation}"
        );
        assert!(ws.next().await.is_none());

        let mut ws = open(addr, "/invalid-utf8").await;
        let invalid = next(&mut ws).await.unwrap_err();
        assert!(
            matches!(invalid.cause(), Cause::Protocol(ProtocolError::InvalidUtf8)),
            "{invalid}"
        );
        assert!(ws.next().await.is_none());

        let mut ws = open(addr, "/drop").await;
        let dropped = next(&mut ws).await.unwrap_err();
        assert!(matches!(dropped.cause(), Cause::ClosedByPeer), "{dropped}");
        assert!(ws.next().await.is_none());

        let options = Options {
            ping_interval: Some(Duration::from_millis(100)),
            dead_after: Duration::from_millis(300),
            ..direct()
        };
        let mut ws = open_with(addr, "/mute", options).await;
        let dead = next(&mut ws).await.unwrap_err();
        assert!(matches!(dead.cause(), Cause::Keepalive { .. }), "{dead}");
        assert!(ws.next().await.is_none());
    });
}

#[test]
fn keepalive_pings_an_idle_connection() {
    on_both_runtimes(|addr| async move {
        let options = Options {
            ping_interval: Some(Duration::from_millis(50)),
            ..direct()
        };
        let mut ws = open_with(addr, "/", options).await;
        assert_eq!(
            next(&mut ws).await.unwrap(),
            Message::Pong(b"keepalive".to_vec())
        );
    });
}

/// `WebSocket::stats()` counts what went through the async API: messages and payload both
/// ways, frame bytes (client frames masked), a ping and its round trip, the handshake's time.
#[test]
fn stats_count_the_messages_frames_and_round_trip() {
    on_both_runtimes(|addr| async move {
        let mut ws = open(addr, "/").await;
        let stats = ws.stats();
        assert_eq!((stats.messages_sent, stats.bytes_received), (0, 0));
        assert!(stats.handshake > Duration::ZERO);
        ws.send(Message::Text("hello".into())).await.unwrap();
        ws.send(Message::Binary(vec![7; 300])).await.unwrap();
        assert_eq!(next(&mut ws).await.unwrap(), Message::Text("hello".into()));
        assert_eq!(next(&mut ws).await.unwrap(), Message::Binary(vec![7; 300]));
        ws.send(Message::Ping(b"rtt".to_vec())).await.unwrap();
        assert_eq!(next(&mut ws).await.unwrap(), Message::Pong(b"rtt".to_vec()));
        let stats = ws.stats();
        assert_eq!((stats.messages_sent, stats.messages_received), (2, 2));
        assert_eq!((stats.frames_sent, stats.frames_received), (2, 2));
        assert_eq!(stats.payload_bytes_sent, 305);
        assert_eq!(stats.payload_bytes_received, 305);
        // 2-byte header + mask + 5; 4-byte header + mask + 300; the ping 2 + 4 + 3.
        assert_eq!(stats.bytes_sent, (6 + 5) + (8 + 300) + (6 + 3));
        assert_eq!(stats.bytes_received, (2 + 5) + (4 + 300) + (2 + 3));
        assert_eq!((stats.pings_sent, stats.pongs_received), (1, 1));
        assert!(stats.rtt > Duration::ZERO && stats.rtt < Duration::from_millis(500));
        assert!(stats.open_for > Duration::ZERO);
        ws.close().await.unwrap();
    });
}
