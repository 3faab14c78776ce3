//! Messages in pieces through both Rust APIs against the echo server: sending fragments
//! (`WebSocket::send_fragment`, `Connection::send_fragment`), receiving pieces
//! (`Options::receive_fragments`), whole messages waiting behind a fragmented one, and the
//! refusals (a type that changes midway, text that is not UTF-8 on its own).
mod support;

use futures_util::StreamExt;
use net_websocket_client::protocol::SendError as ProtocolSendError;
use net_websocket_client::{
    connect, connect_async, Accepted, Cause, DeflateConfig, End, Handler, Message, MessageData,
    MessageKind, Options, SendError, WebSocket,
};
use std::sync::mpsc;
use std::time::Duration;
use support::{direct, echo_server, next};

/// Text of every UTF-8 width, cut into pieces between characters.
fn text_pieces() -> Vec<String> {
    let text: String = ['a', 'é', '€', '😀'].iter().cycle().take(30_000).collect();
    let mut pieces = Vec::new();
    let mut rest = text.as_str();
    let mut size = 1;
    while !rest.is_empty() {
        let mut cut = size.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        pieces.push(rest[..cut].to_string());
        rest = &rest[cut..];
        size = size * 3 + 1;
    }
    pieces
}

/// Receives pieces until a message's last one, checking the flags; the message joined.
async fn receive_pieces(ws: &mut WebSocket) -> (MessageKind, Vec<u8>, usize) {
    let mut joined = Vec::new();
    let mut count = 0;
    loop {
        let item = ws.next().await.expect("the stream ended early").unwrap();
        let Message::Fragment {
            kind,
            data,
            first,
            last,
        } = item
        else {
            panic!("a piece, not {item:?}");
        };
        assert_eq!(first, count == 0, "FIRST on the first piece only");
        if kind == MessageKind::Text {
            assert!(std::str::from_utf8(&data).is_ok(), "a text piece is UTF-8");
        }
        joined.extend_from_slice(&data);
        count += 1;
        if last {
            return (kind, joined, count);
        }
    }
}

fn run(test: impl std::future::Future<Output = ()>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(60), test).await })
        .expect("timed out");
}

#[test]
fn async_fragments_round_trip_through_the_streaming_echo() {
    let addr = echo_server();
    for deflate in [None, Some(DeflateConfig::default())] {
        run(async {
            let options = Options {
                receive_fragments: true,
                max_frame_size: 4096,
                deflate: deflate.clone(),
                ..direct()
            };
            let mut ws = connect_async(&format!("ws://{addr}/stream"), options)
                .await
                .unwrap();
            let pieces = text_pieces();
            for (i, piece) in pieces.iter().enumerate() {
                let last = i == pieces.len() - 1;
                ws.send_fragment(MessageKind::Text, piece.clone().into_bytes(), last)
                    .await
                    .unwrap();
            }
            let (kind, joined, _) = receive_pieces(&mut ws).await;
            assert_eq!(kind, MessageKind::Text);
            assert_eq!(joined, pieces.concat().into_bytes());
            // A 3 MiB binary message, sent whole, comes back in bounded pieces.
            let big: Vec<u8> = (0..3 << 20).map(|i| (i * 7 % 251) as u8).collect();
            ws.send(Message::Binary(big.clone())).await.unwrap();
            let (kind, joined, count) = receive_pieces(&mut ws).await;
            assert_eq!((kind, joined == big), (MessageKind::Binary, true));
            assert!(count > 1, "{count} pieces");
            // An empty message is one piece, FIRST and FINAL.
            ws.send(Message::Binary(Vec::new())).await.unwrap();
            assert_eq!(
                ws.next().await.unwrap().unwrap(),
                Message::Fragment {
                    kind: MessageKind::Binary,
                    data: Vec::new(),
                    first: true,
                    last: true
                }
            );
        });
    }
}

#[test]
fn async_fragment_refusals_keep_the_message_open() {
    let addr = echo_server();
    run(async {
        let mut ws = connect_async(&format!("ws://{addr}/"), direct())
            .await
            .unwrap();
        ws.send_fragment(MessageKind::Text, b"valid ".to_vec(), false)
            .await
            .unwrap();
        let refused = ws
            .send_fragment(MessageKind::Text, vec![0xE2, 0x82], false)
            .await
            .unwrap_err();
        assert!(
            matches!(refused.cause(), Cause::Send(ProtocolSendError::InvalidUtf8)),
            "{refused}"
        );
        let refused = ws
            .send_fragment(MessageKind::Binary, b"x".to_vec(), true)
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused.cause(),
                Cause::Send(ProtocolSendError::FragmentKindMismatch)
            ),
            "{refused}"
        );
        let refused = ws.send(Message::text("whole")).await.unwrap_err();
        assert!(
            matches!(
                refused.cause(),
                Cause::Send(ProtocolSendError::FragmentedMessageOpen)
            ),
            "{refused}"
        );
        ws.send_fragment(MessageKind::Text, "end €".into(), true)
            .await
            .unwrap();
        // The whole-message echo: the fragments joined.
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::text("valid end €")
        );
    });
}

#[derive(Debug, PartialEq)]
enum Seen {
    Open,
    Message(MessageKind, Vec<u8>),
    Piece(MessageKind, Vec<u8>, bool, bool),
    End(Option<(u16, String)>),
}

struct Recorder(mpsc::Sender<Seen>);

impl Handler for Recorder {
    fn on_open(&mut self, _: &Accepted) {
        let _ = self.0.send(Seen::Open);
    }
    fn on_message(&mut self, kind: MessageKind, data: MessageData<'_>) {
        let _ = self.0.send(Seen::Message(kind, data.to_vec()));
    }
    fn on_fragment(&mut self, kind: MessageKind, data: MessageData<'_>, first: bool, last: bool) {
        let _ = self.0.send(Seen::Piece(kind, data.to_vec(), first, last));
    }
    fn on_end(&mut self, end: End<'_>) {
        let _ = self
            .0
            .send(Seen::End(end.close.map(|(c, r)| (c, r.to_string()))));
    }
}

#[test]
fn handler_messages_sent_during_a_fragmented_one_wait_for_its_end() {
    let addr = echo_server();
    let (tx, rx) = mpsc::channel();
    let connection = connect(
        &format!("ws://{addr}/"),
        &[],
        direct(),
        Box::new(Recorder(tx)),
    )
    .unwrap();
    // Queued while connecting: the fragments and the whole messages between them.
    connection
        .send_fragment(MessageKind::Binary, b"one ", false)
        .unwrap();
    connection.send(MessageKind::Text, b"after").unwrap();
    assert_eq!(
        connection.send_fragment(MessageKind::Text, b"x", true),
        Err(SendError::FragmentKindMismatch)
    );
    assert_eq!(connection.fragmented_kind(), Some(MessageKind::Binary));
    connection.send(MessageKind::Binary, b"later").unwrap();
    connection
        .send_fragment(MessageKind::Binary, b"two", true)
        .unwrap();
    assert_eq!(connection.fragmented_kind(), None);
    assert_eq!(next(&rx), Seen::Open);
    assert_eq!(
        next(&rx),
        Seen::Message(MessageKind::Binary, b"one two".to_vec())
    );
    assert_eq!(
        next(&rx),
        Seen::Message(MessageKind::Text, b"after".to_vec())
    );
    assert_eq!(
        next(&rx),
        Seen::Message(MessageKind::Binary, b"later".to_vec())
    );
    connection.close(1000, "").unwrap();
    assert_eq!(next(&rx), Seen::End(Some((1000, String::new()))));
}

#[test]
fn handler_receives_pieces_in_fragment_mode() {
    let addr = echo_server();
    let (tx, rx) = mpsc::channel();
    let options = Options {
        receive_fragments: true,
        ..direct()
    };
    let connection = connect(
        &format!("ws://{addr}/"),
        &[],
        options,
        Box::new(Recorder(tx)),
    )
    .unwrap();
    assert_eq!(next(&rx), Seen::Open);
    let big: Vec<u8> = (0..1 << 20).map(|i| (i % 253) as u8).collect();
    connection.send(MessageKind::Binary, &big).unwrap();
    let mut joined = Vec::new();
    let mut pieces = 0;
    loop {
        let Seen::Piece(kind, data, first, last) = next(&rx) else {
            panic!("a piece")
        };
        assert_eq!((kind, first), (MessageKind::Binary, pieces == 0));
        joined.extend(data);
        pieces += 1;
        if last {
            break;
        }
    }
    assert_eq!(joined, big);
    assert!(pieces > 1);
    connection.send(MessageKind::Text, b"").unwrap();
    assert_eq!(
        next(&rx),
        Seen::Piece(MessageKind::Text, Vec::new(), true, true)
    );
    connection.close(1000, "").unwrap();
    assert_eq!(next(&rx), Seen::End(Some((1000, String::new()))));
}
