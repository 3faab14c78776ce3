//! A panic in a connection's task (here: in the handler) ends that connection like any
//! failure, reported once with `Cause::Internal` and close 1006, and nothing else is hurt:
//! the runtime and other connections carry on.
mod support;

use net_websocket_client::{connect, Accepted, Cause, End, Handler, MessageData, MessageKind};
use std::sync::mpsc;
use std::time::Duration;
use support::{direct, echo_server, next};

#[derive(Debug, PartialEq)]
enum Seen {
    Open,
    Message(Vec<u8>),
    End {
        internal: bool,
        error: Option<String>,
        close: Option<(u16, String)>,
    },
}

/// Panics in the method named by `panic_in`.
struct Panicky {
    panic_in: &'static str,
    seen: mpsc::Sender<Seen>,
}

impl Handler for Panicky {
    fn on_open(&mut self, _: &Accepted) {
        let _ = self.seen.send(Seen::Open);
        if self.panic_in == "on_open" {
            panic!("deliberate panic in on_open");
        }
    }
    fn on_message(&mut self, _: MessageKind, data: MessageData<'_>) {
        let _ = self.seen.send(Seen::Message(data.to_vec()));
        if self.panic_in == "on_message" {
            panic!("deliberate panic in on_message");
        }
    }
    fn on_end(&mut self, end: End<'_>) {
        let _ = self.seen.send(Seen::End {
            internal: end
                .error
                .is_some_and(|e| matches!(e.cause(), Cause::Internal { .. })),
            error: end.error.map(|e| e.to_string()),
            close: end.close.map(|(code, reason)| (code, reason.to_owned())),
        });
        if self.panic_in == "on_end" {
            panic!("deliberate panic in on_end");
        }
    }
}

fn start(
    url: &str,
    panic_in: &'static str,
) -> (net_websocket_client::Connection, mpsc::Receiver<Seen>) {
    let (seen, rx) = mpsc::channel();
    let connection = connect(url, &[], direct(), Box::new(Panicky { panic_in, seen })).unwrap();
    (connection, rx)
}

fn expect_internal_end(rx: &mpsc::Receiver<Seen>, url_host: &str, method: &str) {
    match next(rx) {
        Seen::End {
            internal: true,
            error: Some(error),
            close: Some((1006, reason)),
        } => {
            assert_eq!(
                error,
                format!(
                    "{url_host}: internal error: deliberate panic in {method} (a bug in net_websocket)"
                )
            );
            assert_eq!(reason, "internal error");
        }
        other => panic!("expected an internal-error end, got {other:?}"),
    }
}

#[test]
fn a_panicking_handler_ends_only_its_own_connection() {
    let addr = echo_server();
    let url = format!("ws://{addr}/");
    let endpoint = format!("ws://{addr}");

    // A healthy connection, open throughout.
    let (healthy, healthy_rx) = start(&url, "nowhere");
    assert_eq!(next(&healthy_rx), Seen::Open);

    let (panics_on_open, rx) = start(&url, "on_open");
    assert_eq!(next(&rx), Seen::Open);
    expect_internal_end(&rx, &endpoint, "on_open");
    assert!(!panics_on_open.is_active());
    assert!(panics_on_open.send(MessageKind::Text, b"too late").is_err());

    let (panics_on_message, rx) = start(&url, "on_message");
    assert_eq!(next(&rx), Seen::Open);
    panics_on_message.send(MessageKind::Text, b"first").unwrap();
    assert_eq!(next(&rx), Seen::Message(b"first".to_vec()));
    expect_internal_end(&rx, &endpoint, "on_message");

    // A panic in on_end: the end was reported already, and is not reported again.
    let (panics_on_end, rx) = start(&url, "on_end");
    assert_eq!(next(&rx), Seen::Open);
    panics_on_end.close(1000, "bye").unwrap();
    assert!(matches!(
        next(&rx),
        Seen::End {
            internal: false,
            error: None,
            ..
        }
    ));
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());

    // The healthy connection and the runtime carry on.
    healthy.send(MessageKind::Binary, b"still here").unwrap();
    assert_eq!(next(&healthy_rx), Seen::Message(b"still here".to_vec()));
    let (_fresh, fresh_rx) = start(&url, "nowhere");
    assert_eq!(next(&fresh_rx), Seen::Open);
}
