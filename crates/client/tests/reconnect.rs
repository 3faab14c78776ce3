//! Reconnection through the Rust API: a server that goes away and comes back on the same
//! port, giving up after the configured attempts, and Close during the wait.
mod support;

use net_websocket_client::{
    connect, Accepted, End, Handler, Lost, MessageData, MessageKind, Options, ProxySetting,
    Reconnect,
};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::next;

#[derive(Debug)]
enum Seen {
    Open,
    Message(Vec<u8>),
    Reconnecting {
        attempt: u32,
        delay: Duration,
        failed: bool,
    },
    End(Option<(u16, String)>),
}

struct Recorder(mpsc::Sender<Seen>);

impl Handler for Recorder {
    fn on_open(&mut self, _: &Accepted) {
        let _ = self.0.send(Seen::Open);
    }
    fn on_message(&mut self, _: MessageKind, data: MessageData<'_>) {
        let _ = self.0.send(Seen::Message(data.to_vec()));
    }
    fn on_reconnecting(&mut self, lost: Lost<'_>) {
        let _ = self.0.send(Seen::Reconnecting {
            attempt: lost.attempt,
            delay: lost.delay,
            failed: lost.error.is_some(),
        });
    }
    fn on_end(&mut self, end: End<'_>) {
        let _ = self
            .0
            .send(Seen::End(end.close.map(|(c, r)| (c, r.to_string()))));
    }
}

const POLICY: Reconnect = Reconnect {
    max_attempts: 100,
    base_delay: Duration::from_millis(20),
    max_delay: Duration::from_millis(160),
    after_server_close: false,
};

fn options(reconnect: Reconnect) -> Options {
    Options {
        proxy: ProxySetting::Off,
        reconnect: Some(reconnect),
        ..Options::default()
    }
}

/// An echo server on its own runtime; dropping it closes the listener and every connection.
struct Server(Option<tokio::runtime::Runtime>);

impl Server {
    fn start(addr: &str) -> (Server, SocketAddr) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .unwrap();
        let local = listener.local_addr().unwrap();
        runtime.spawn(net_websocket_tools::echo::serve(listener));
        (Server(Some(runtime)), local)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

#[test]
fn the_conversation_continues_when_the_server_comes_back() {
    let (server, addr) = Server::start("127.0.0.1:0");
    let (tx, rx) = mpsc::channel();
    let url = format!("ws://{addr}/");
    let connection = connect(&url, &[], options(POLICY), Box::new(Recorder(tx))).unwrap();
    assert!(matches!(next(&rx), Seen::Open));
    connection.send(MessageKind::Text, b"before").unwrap();
    assert!(matches!(next(&rx), Seen::Message(m) if m == b"before"));

    drop(server);
    let gone = Instant::now();
    let mut attempts = Vec::new();
    while gone.elapsed() < Duration::from_millis(600) {
        match next(&rx) {
            Seen::Reconnecting {
                attempt,
                delay,
                failed,
            } => {
                assert!(failed, "a lost connection is a failure");
                assert!(delay <= POLICY.ceiling(attempt), "{attempt}: {delay:?}");
                attempts.push(attempt);
            }
            other => panic!("while the server is gone: {other:?}"),
        }
    }
    let expected: Vec<u32> = (1..=attempts.len() as u32).collect();
    assert_eq!(attempts, expected, "attempts count up from 1");
    assert!(attempts.len() >= 3, "{attempts:?}");
    // Queued while reconnecting, sent after the next open.
    connection.send(MessageKind::Text, b"queued").unwrap();

    let (_server, _) = Server::start(&addr.to_string());
    loop {
        match next(&rx) {
            Seen::Reconnecting { .. } => continue,
            Seen::Open => break,
            other => panic!("waiting for the reopen: {other:?}"),
        }
    }
    assert!(matches!(next(&rx), Seen::Message(m) if m == b"queued"));
    connection.send(MessageKind::Text, b"after").unwrap();
    assert!(matches!(next(&rx), Seen::Message(m) if m == b"after"));
    connection.close(1000, "done").unwrap();
    assert!(matches!(next(&rx), Seen::End(Some((1000, _)))));
}

#[test]
fn it_gives_up_after_the_configured_attempts() {
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let policy = Reconnect {
        max_attempts: 3,
        ..POLICY
    };
    let url = format!("ws://{refused}/");
    let _connection = connect(&url, &[], options(policy), Box::new(Recorder(tx))).unwrap();
    for expected in 1..=3 {
        match next(&rx) {
            Seen::Reconnecting { attempt, .. } => assert_eq!(attempt, expected),
            other => panic!("attempt {expected}: {other:?}"),
        }
    }
    match next(&rx) {
        Seen::End(Some((1006, reason))) => {
            assert_eq!(reason, "gave up after 3 reconnection attempts")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn close_during_the_wait_ends_it_at_once() {
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let policy = Reconnect {
        base_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(30),
        ..POLICY
    };
    let url = format!("ws://{refused}/");
    let connection = connect(&url, &[], options(policy), Box::new(Recorder(tx))).unwrap();
    assert!(matches!(next(&rx), Seen::Reconnecting { attempt: 1, .. }));
    let asked = Instant::now();
    connection.close(1000, "stop").unwrap();
    // Full jitter may pick a wait short enough for another attempt to fail first.
    loop {
        match next(&rx) {
            Seen::Reconnecting { .. } => continue,
            Seen::End(Some((1006, reason))) => {
                assert_eq!(reason, "reconnection cancelled by Close");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(asked.elapsed() < Duration::from_secs(2));
}
