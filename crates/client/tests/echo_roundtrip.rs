//! The Rust API against the bundled echo server: messages of every length class round-trip
//! byte for byte with their type, and the close handshake reports the server's code.
mod support;

use net_websocket_client::{connect, Accepted, End, Handler, MessageData, MessageKind};
use std::sync::mpsc;
use std::time::Duration;
use support::{direct, echo_server, next};

#[derive(Debug, PartialEq)]
enum Seen {
    Open(u16, String),
    Message(MessageKind, Vec<u8>),
    End(Option<String>, Option<(u16, String)>),
}

struct Recorder(mpsc::Sender<Seen>);

impl Handler for Recorder {
    fn on_open(&mut self, response: &Accepted) {
        let _ = self
            .0
            .send(Seen::Open(response.status, response.reason.clone()));
    }
    fn on_message(&mut self, kind: MessageKind, data: MessageData<'_>) {
        let _ = self.0.send(Seen::Message(kind, data.to_vec()));
    }
    fn on_end(&mut self, end: End<'_>) {
        let _ = self.0.send(Seen::End(
            end.error.map(|e| e.to_string()),
            end.close.map(|(c, r)| (c, r.to_string())),
        ));
    }
}

fn pattern(len: usize, text: bool) -> Vec<u8> {
    (0..len)
        .map(|i| {
            if text {
                b'a' + (i % 26) as u8
            } else {
                (i * 7 % 256) as u8
            }
        })
        .collect()
}

#[test]
fn messages_of_every_length_class_round_trip() {
    let addr = echo_server();
    let (tx, rx) = mpsc::channel();
    let url = format!("ws://{addr}/");
    let connection = connect(&url, &[], direct(), Box::new(Recorder(tx))).unwrap();
    assert_eq!(next(&rx), Seen::Open(101, "Switching Protocols".into()));
    for len in [0, 1, 125, 126, 65535, 65536, 4 << 20] {
        for kind in [MessageKind::Text, MessageKind::Binary] {
            let data = pattern(len, kind == MessageKind::Text);
            connection.send(kind, &data).unwrap();
            match next(&rx) {
                Seen::Message(k, d) => {
                    assert_eq!(k, kind, "type of a {len}-byte message");
                    assert!(d == data, "{len}-byte {kind:?} message changed in the echo");
                }
                other => panic!("expected the echo of {len} bytes, got {other:?}"),
            }
        }
    }
    connection.close(4000, "bye").unwrap();
    // The server's close frame echoes the code (RFC 6455 §5.5.1), not necessarily the reason.
    match next(&rx) {
        Seen::End(None, Some((4000, _))) => {}
        other => panic!("expected the close handshake with 4000, got {other:?}"),
    }
    assert!(!connection.is_active());
}

#[test]
fn refused_connection_reports_one_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let (tx, rx) = mpsc::channel();
    let _connection = connect(
        &format!("ws://{addr}/"),
        &[],
        direct(),
        Box::new(Recorder(tx)),
    )
    .unwrap();
    match next(&rx) {
        Seen::End(Some(message), None) => assert!(message.contains("TCP connect failed")),
        other => panic!("expected a connect error, got {other:?}"),
    }
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn server_status_404_is_a_protocol_error_naming_the_status() {
    let addr = echo_server();
    let (tx, rx) = mpsc::channel();
    let url = format!("ws://{addr}/status/404");
    let _connection = connect(&url, &[], direct(), Box::new(Recorder(tx))).unwrap();
    match next(&rx) {
        Seen::End(Some(message), None) => {
            assert!(message.contains("404 Not Found"), "{message}")
        }
        other => panic!("expected a handshake error, got {other:?}"),
    }
}

#[test]
fn abrupt_loss_reports_an_error_then_1006() {
    let addr = echo_server();
    let (tx, rx) = mpsc::channel();
    let url = format!("ws://{addr}/drop");
    let _connection = connect(&url, &[], direct(), Box::new(Recorder(tx))).unwrap();
    assert!(matches!(next(&rx), Seen::Open(101, _)));
    match next(&rx) {
        Seen::End(Some(_), Some((1006, _))) => {}
        other => panic!("expected an abnormal end, got {other:?}"),
    }
}
