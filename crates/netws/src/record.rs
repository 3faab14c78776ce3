//! `--record FILE`: the [`Recorder`] writes the transcript (see `transcript.rs`) as the session
//! goes, one flushed line per event, so a session that is killed still leaves what happened;
//! [`Recording`] feeds it what the connection reports, the [`crate::outlet::Outlet`] what
//! netws sends.
//!
//! The header needs the server's answer, so it is written at the open; what is sent before
//! (stdin lines queued while connecting) waits for it and is written with time 0.
use crate::redact;
use crate::transcript::{self, Direction, Event, Header, Response, What};
use net_websocket_client::{
    Accepted, End, Handler, Lost, MessageData, MessageKind, ResponseHead, Target,
};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A message or control frame, either way.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
}

impl Frame {
    fn what(self, dir: Direction) -> What {
        match self {
            Frame::Text(text) => What::Text { dir, text },
            Frame::Binary(base64) => What::Binary { dir, base64 },
            Frame::Ping(base64) => What::Ping { dir, base64 },
            Frame::Pong(base64) => What::Pong { dir, base64 },
            Frame::Close(code, reason) => What::Close { dir, code, reason },
        }
    }
}

/// What the request said, known before connecting; the header's first fields.
pub struct Request<'a> {
    pub target: &'a Target,
    pub headers: &'a [(String, String)],
    pub subprotocols: &'a [String],
    pub compression: bool,
}

pub struct Recorder {
    path: PathBuf,
    state: Mutex<State>,
}

struct State {
    out: BufWriter<File>,
    /// The header without the response, until the open.
    request: Option<Header>,
    /// When the connection opened: the events' time 0.
    opened_at: Option<Instant>,
    /// What was sent before the open.
    early: Vec<What>,
    /// The first write that failed; nothing is written after it.
    failed: Option<io::Error>,
}

impl Recorder {
    /// Creates (or truncates) the file now, so an unusable path is refused before connecting.
    pub fn create(path: &Path, request: Request<'_>) -> io::Result<Recorder> {
        let out = BufWriter::new(File::create(path)?);
        let header = Header {
            version: transcript::VERSION,
            url: redact::url(request.target),
            request_headers: redact::headers(request.headers),
            subprotocols_offered: request.subprotocols.to_vec(),
            compression_offered: request.compression,
            response: Response {
                status: 0,
                reason: String::new(),
                headers: Vec::new(),
            },
            subprotocol: None,
            extensions: None,
        };
        Ok(Recorder {
            path: path.to_path_buf(),
            state: Mutex::new(State {
                out,
                request: Some(header),
                opened_at: None,
                early: Vec::new(),
                failed: None,
            }),
        })
    }

    /// Something netws queued for sending.
    pub fn sent(&self, frame: Frame) {
        self.event(frame.what(Direction::Out));
    }

    /// Why the transcript is incomplete, if a write failed.
    pub fn failure(&self) -> Option<String> {
        let state = self.state.lock().unwrap();
        let error = state.failed.as_ref()?;
        Some(format!("cannot write {}: {error}", self.path.display()))
    }

    fn event(&self, what: What) {
        let mut state = self.state.lock().unwrap();
        match state.opened_at {
            Some(opened_at) => {
                let t = transcript::milliseconds(opened_at.elapsed());
                state.write(&Event { t, what });
            }
            None => state.early.push(what),
        }
    }

    fn opened(&self, accepted: &Accepted) {
        let mut state = self.state.lock().unwrap();
        let Some(mut header) = state.request.take() else {
            return;
        };
        header.response = Response {
            status: accepted.status,
            reason: accepted.reason.clone(),
            headers: redact::headers(&accepted.headers),
        };
        header.subprotocol = accepted.subprotocol.clone();
        header.extensions = accepted
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("Sec-WebSocket-Extensions"))
            .map(|(_, value)| value.clone());
        state.write(&header);
        state.opened_at = Some(Instant::now());
        for what in std::mem::take(&mut state.early) {
            state.write(&Event { t: 0.0, what });
        }
    }

    fn ended(&self, end: &End<'_>) {
        self.event(What::End {
            code: end.close.map(|(code, _)| code),
            reason: end.close.map(|(_, reason)| reason.to_string()),
            error: end.error.map(ToString::to_string),
        });
    }
}

impl State {
    /// Writes one line and flushes it; after a failure, nothing.
    fn write(&mut self, value: &impl serde::Serialize) {
        if self.failed.is_some() {
            return;
        }
        let mut line = transcript::line(value);
        line.push('\n');
        if let Err(error) = self
            .out
            .write_all(line.as_bytes())
            .and_then(|()| self.out.flush())
        {
            self.failed = Some(error);
        }
    }
}

/// A handler that records what the connection reports, then passes it on.
pub struct Recording {
    pub recorder: Arc<Recorder>,
    pub inner: Box<dyn Handler>,
}

impl Handler for Recording {
    fn on_response(&mut self, head: &ResponseHead) {
        self.inner.on_response(head);
    }

    fn on_open(&mut self, accepted: &Accepted) {
        self.recorder.opened(accepted);
        self.inner.on_open(accepted);
    }

    fn on_message(&mut self, kind: MessageKind, data: MessageData<'_>) {
        let frame = match kind {
            MessageKind::Text => Frame::Text(String::from_utf8_lossy(&data).into_owned()),
            MessageKind::Binary => Frame::Binary(data.to_vec()),
        };
        self.recorder.event(frame.what(Direction::In));
        self.inner.on_message(kind, data);
    }

    fn on_pong(&mut self, payload: &[u8]) {
        self.recorder
            .event(Frame::Pong(payload.to_vec()).what(Direction::In));
        self.inner.on_pong(payload);
    }

    fn on_reconnecting(&mut self, lost: Lost<'_>) {
        // --record and --reconnect exclude each other: a transcript is one connection.
        self.inner.on_reconnecting(lost);
    }

    fn on_end(&mut self, end: End<'_>) {
        // Before the session hears of the end, so the file is complete when netws exits.
        self.recorder.ended(&end);
        self.inner.on_end(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Transcript;

    fn recorder(test: &str) -> (Recorder, PathBuf) {
        let path =
            std::env::temp_dir().join(format!("netws-record-{test}-{}.jsonl", std::process::id()));
        let target = Target::parse("ws://127.0.0.1:9/chat?token=abc&room=1").unwrap();
        let headers = [
            ("Authorization".to_string(), "Bearer T".to_string()),
            ("X-Client".to_string(), "test".to_string()),
        ];
        let request = Request {
            target: &target,
            headers: &headers,
            subprotocols: &["chat".to_string()],
            compression: false,
        };
        (Recorder::create(&path, request).unwrap(), path)
    }

    fn accepted() -> Accepted {
        Accepted {
            status: 101,
            reason: "Switching Protocols".into(),
            headers: vec![
                ("Upgrade".into(), "websocket".into()),
                ("Set-Cookie".into(), "sid=secret".into()),
                ("Sec-WebSocket-Protocol".into(), "chat".into()),
            ],
            subprotocol: Some("chat".into()),
            deflate: None,
            consumed: 0,
        }
    }

    #[test]
    fn the_header_comes_at_the_open_with_what_was_sent_before_it() {
        let (recorder, path) = recorder("order");
        recorder.sent(Frame::Text("early".into()));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        recorder.opened(&accepted());
        recorder.sent(Frame::Binary(vec![1, 2]));
        recorder.ended(&End {
            error: None,
            close: Some((1000, "")),
        });
        let transcript = Transcript::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(recorder.failure().is_none());

        let header = transcript.header;
        assert_eq!(header.url, "ws://127.0.0.1:9/chat?token=[redacted]&room=1");
        assert_eq!(
            header.request_headers,
            [
                ("Authorization".to_string(), "[redacted]".to_string()),
                ("X-Client".to_string(), "test".to_string()),
            ]
        );
        assert_eq!(header.response.status, 101);
        assert!(header
            .response
            .headers
            .contains(&("Set-Cookie".into(), "[redacted]".into())));
        assert_eq!(header.subprotocol.as_deref(), Some("chat"));
        assert_eq!(header.extensions, None);

        let whats: Vec<What> = transcript.events.iter().map(|e| e.what.clone()).collect();
        assert_eq!(
            whats,
            [
                What::Text {
                    dir: Direction::Out,
                    text: "early".into()
                },
                What::Binary {
                    dir: Direction::Out,
                    base64: vec![1, 2]
                },
                What::End {
                    code: Some(1000),
                    reason: Some(String::new()),
                    error: None
                },
            ]
        );
        assert_eq!(transcript.events[0].t, 0.0);
        let times: Vec<f64> = transcript.events.iter().map(|e| e.t).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    }

    #[test]
    fn nothing_secret_reaches_the_file() {
        let (recorder, path) = recorder("secrets");
        recorder.opened(&accepted());
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        for secret in ["Bearer T", "sid=secret", "abc"] {
            assert!(!text.contains(secret), "{secret:?} in {text}");
        }
    }
}
