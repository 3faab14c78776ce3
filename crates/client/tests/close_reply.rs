//! The end of a server-initiated close handshake is reported only once our close reply is
//! written: a handler that aborts the connection (the C API's Destroy) from inside `on_end`
//! must not cut the reply off, or the server sees an unclean close.
mod support;

use net_websocket_client::{connect, Accepted, Connection, End, Handler, MessageData, MessageKind};
use net_websocket_protocol::handshake::{accept_request, MAX_HEAD_SIZE};
use net_websocket_protocol::{Config, Event, Protocol, Role};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use support::direct;

const ROUNDS: usize = 30;

/// Aborts its own connection as soon as the end is reported.
struct AbortOnEnd {
    connection: Arc<Mutex<Option<Connection>>>,
    ended: mpsc::Sender<Option<(u16, String)>>,
}

impl Handler for AbortOnEnd {
    fn on_open(&mut self, _: &Accepted) {}
    fn on_message(&mut self, _: MessageKind, _: MessageData<'_>) {}
    fn on_end(&mut self, end: End<'_>) {
        if let Some(connection) = self.connection.lock().unwrap().take() {
            connection.abort();
        }
        let _ = self
            .ended
            .send(end.close.map(|(code, reason)| (code, reason.to_owned())));
    }
}

/// Accepts one client, sends close 4000 "bye" and returns the close code the client answered
/// with (None: TCP ended without a close frame).
fn close_and_read_reply(stream: &mut TcpStream) -> Option<u16> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let accepted = loop {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "client left during the handshake");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(accepted) = accept_request(&buf, false).unwrap() {
            break accepted;
        }
        assert!(buf.len() <= MAX_HEAD_SIZE);
    };
    let entropy = Box::new(|b: &mut [u8]| b.fill(0));
    let mut protocol = Protocol::new(Role::Server, Config::default(), None, entropy);
    protocol.receive_data(&buf[accepted.consumed..]);
    protocol.send_close(Some(4000), "bye").unwrap();
    stream.write_all(&accepted.response).unwrap();
    stream.write_all(protocol.pending_output()).unwrap();
    let sent = protocol.pending_output().len();
    protocol.consume_output(sent);
    loop {
        while let Some(event) = protocol.poll_event() {
            match event {
                Event::Close { code, .. } => return code,
                Event::Failed(failure) => panic!("client sent a bad frame: {failure}"),
                _ => {}
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => protocol.receive_data(&chunk[..n]),
        }
    }
}

#[test]
fn abort_inside_on_end_does_not_cut_off_the_close_reply() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        (0..ROUNDS)
            .map(|_| close_and_read_reply(&mut listener.accept().unwrap().0))
            .collect::<Vec<_>>()
    });
    for round in 0..ROUNDS {
        let slot = Arc::new(Mutex::new(None));
        let (tx, rx) = mpsc::channel();
        let handler = AbortOnEnd {
            connection: slot.clone(),
            ended: tx,
        };
        // Hold the slot while connecting so on_end cannot run before the handle is stored.
        let mut guard = slot.lock().unwrap();
        *guard = Some(connect(&url, &[], direct(), Box::new(handler)).unwrap());
        drop(guard);
        let end = rx.recv_timeout(Duration::from_secs(10)).expect("no end");
        assert_eq!(end, Some((4000, "bye".to_owned())), "round {round}");
    }
    let replies = server.join().unwrap();
    let missing = replies.iter().filter(|r| r.is_none()).count();
    assert_eq!(
        missing, 0,
        "{missing} of {ROUNDS} close replies were cut off"
    );
    assert!(replies.iter().all(|r| *r == Some(4000)), "{replies:?}");
}
