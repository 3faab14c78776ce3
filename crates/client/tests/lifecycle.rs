//! Redirects, subprotocols, the handshake response and pings through the Rust API, against
//! the echo server's test paths (in-process, 127.0.0.1).
mod support;

use net_websocket_client::{
    connect, Accepted, Cause, End, Handler, MessageData, MessageKind, Options, RedirectProblem,
    ResponseHead, MAX_REDIRECTS,
};
use std::sync::mpsc;
use support::{direct, echo_server, next};

#[derive(Debug)]
enum Seen {
    Response(u16),
    Open(Option<String>),
    Pong(Vec<u8>),
    Failed(Option<RedirectProblem>, String),
    End,
}

struct Recorder(mpsc::Sender<Seen>);

impl Handler for Recorder {
    fn on_response(&mut self, head: &ResponseHead) {
        let _ = self.0.send(Seen::Response(head.status));
    }
    fn on_open(&mut self, accepted: &Accepted) {
        let _ = self.0.send(Seen::Open(accepted.subprotocol.clone()));
    }
    fn on_message(&mut self, _: MessageKind, _: MessageData<'_>) {}
    fn on_pong(&mut self, payload: &[u8]) {
        let _ = self.0.send(Seen::Pong(payload.to_vec()));
    }
    fn on_end(&mut self, end: End<'_>) {
        let seen = match end.error {
            Some(error) => {
                let problem = match error.cause() {
                    Cause::Redirect { problem, .. } => Some(problem.clone()),
                    _ => None,
                };
                Seen::Failed(problem, error.to_string())
            }
            None => Seen::End,
        };
        let _ = self.0.send(seen);
    }
}

/// `/redirect/302?` nested `hops` times, ending at `/`.
fn chain(hops: usize) -> String {
    "/redirect/302?".repeat(hops) + "/"
}

#[test]
fn redirects_are_followed_up_to_the_limit() {
    let addr = echo_server();
    let (tx, rx) = mpsc::channel();
    let url = format!("ws://{addr}{}", chain(MAX_REDIRECTS));
    let _c = connect(&url, &[], direct(), Box::new(Recorder(tx))).unwrap();
    for _ in 0..MAX_REDIRECTS {
        assert!(matches!(next(&rx), Seen::Response(302)));
    }
    assert!(matches!(next(&rx), Seen::Response(101)));
    assert!(matches!(next(&rx), Seen::Open(None)));

    let (tx, rx) = mpsc::channel();
    let url = format!("ws://{addr}{}", chain(MAX_REDIRECTS + 1));
    let _c = connect(&url, &[], direct(), Box::new(Recorder(tx))).unwrap();
    let failure = loop {
        match next(&rx) {
            Seen::Response(302) => continue,
            other => break other,
        }
    };
    assert!(
        matches!(
            failure,
            Seen::Failed(Some(RedirectProblem::TooMany(MAX_REDIRECTS)), _)
        ),
        "{failure:?}"
    );
}

#[test]
fn loops_and_disabled_redirects_are_refused() {
    let addr = echo_server();
    let failure = |path: &str, options: Options| {
        let (tx, rx) = mpsc::channel();
        let url = format!("ws://{addr}{path}");
        let _c = connect(&url, &[], options, Box::new(Recorder(tx))).unwrap();
        loop {
            match next(&rx) {
                Seen::Response(_) => continue,
                other => return other,
            }
        }
    };
    let looped = failure("/redirect-loop", direct());
    assert!(
        matches!(looped, Seen::Failed(Some(RedirectProblem::Loop), _)),
        "{looped:?}"
    );
    let off = Options {
        follow_redirects: false,
        ..direct()
    };
    match failure("/redirect/307?/elsewhere", off) {
        Seen::Failed(Some(RedirectProblem::Disabled), message) => assert!(
            message.ends_with("redirect 307 to /elsewhere not followed: redirects are off"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn subprotocols_and_pings() {
    let addr = echo_server();
    let (tx, rx) = mpsc::channel();
    let options = Options {
        subprotocols: vec!["chat.v2".into(), "chat".into()],
        ..direct()
    };
    let url = format!("ws://{addr}/subprotocol/first");
    let c = connect(&url, &[], options, Box::new(Recorder(tx))).unwrap();
    assert!(matches!(next(&rx), Seen::Response(101)));
    assert!(matches!(next(&rx), Seen::Open(Some(p)) if p == "chat.v2"));
    c.ping(b"rtt").unwrap();
    assert!(matches!(next(&rx), Seen::Pong(p) if p == b"rtt"));
    assert!(c.ping(&[0; 126]).is_err());
    c.close(1000, "").unwrap();
    assert!(matches!(next(&rx), Seen::End));
}
