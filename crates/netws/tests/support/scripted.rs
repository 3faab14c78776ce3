//! A server for the replay tests, on 127.0.0.1 in this process: it answers each message as the
//! echo server does, unless its script says to restamp it (its JSON member `ts` set to 0, as a
//! server that stamps replies with the time would) or to drop it. Its handshake response sets a
//! cookie, which a recording must not keep.
use net_websocket_protocol::handshake::accept_request;
use net_websocket_protocol::{Config, Event, MessageKind, Protocol, Role};
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What the server does with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Echo,
    /// Echo it with `"ts": 0`.
    Restamp,
    /// No answer.
    Drop,
}

/// The cookie of the handshake response.
pub const SET_COOKIE: &str = "session=SECRET-SET-COOKIE; HttpOnly";

/// The server, for as long as this lives.
pub struct Scripted {
    _runtime: tokio::runtime::Runtime,
    pub addr: SocketAddr,
}

impl Scripted {
    /// `script(n)` says what to do with the n-th message (from 1) of each connection.
    pub fn start(script: fn(usize) -> Answer) -> Scripted {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, script));
            }
        });
        Scripted {
            _runtime: runtime,
            addr,
        }
    }
}

async fn serve(mut stream: TcpStream, script: fn(usize) -> Answer) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let accepted = loop {
        if stream.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
        if let Ok(Some(accepted)) = accept_request(&buf, false) {
            break accepted;
        }
    };
    stream.write_all(&with_cookie(&accepted.response)).await?;
    let mut connection = Protocol::new(
        Role::Server,
        Config::default(),
        None,
        Box::new(|bytes: &mut [u8]| bytes.fill(0)),
    );
    connection.receive_data(&buf[accepted.consumed..]);
    let mut number = 0;
    loop {
        while let Some(event) = connection.poll_event() {
            let Event::Message { kind, data } = event else {
                continue;
            };
            let (kind, data) = (kind, data.to_vec());
            number += 1;
            let _ = match (script(number), kind) {
                (Answer::Drop, _) => Ok(()),
                (Answer::Restamp, MessageKind::Text) => {
                    connection.send_text(&restamp(&String::from_utf8(data).unwrap()))
                }
                (_, MessageKind::Text) => connection.send_text(std::str::from_utf8(&data).unwrap()),
                (_, MessageKind::Binary) => connection.send_binary(&data),
            };
        }
        let out = connection.pending_output();
        if !out.is_empty() {
            let n = out.len();
            stream.write_all(out).await?;
            connection.consume_output(n);
        }
        if connection.close_expected() {
            // The server ends TCP first (RFC 6455 §7.1.1).
            return stream.shutdown().await;
        }
        let n = stream.read(connection.read_space()).await?;
        connection.commit_read(n);
        if n == 0 {
            connection.receive_eof();
            return Ok(());
        }
    }
}

/// The 101 response with a Set-Cookie field before its empty line.
fn with_cookie(response: &[u8]) -> Vec<u8> {
    let head = &response[..response.len() - 2];
    [head, format!("Set-Cookie: {SET_COOKIE}\r\n\r\n").as_bytes()].concat()
}

fn restamp(text: &str) -> String {
    let mut value: Value = serde_json::from_str(text).expect("the replay tests send JSON");
    value["ts"] = Value::from(0);
    value.to_string()
}
