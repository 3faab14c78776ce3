//! `--replay FILE [URL]`: the [`Plan`] read from a transcript (what netws sent, when, and what
//! came back), the thread that plays it, the handler that collects what arrives, and the
//! verdict (exit 0 or 5, see `compare.rs`).
//!
//! Pings and pongs the server sends or answers are not compared: keepalive makes them vary.
use crate::args::ServerUrl;
use crate::compare::{self, Difference};
use crate::exit::Exit;
use crate::json_pointer::JsonPointer;
use crate::outlet::Outlet;
use crate::redact::REDACTED;
use crate::session::Event;
use crate::transcript::{Direction, Header, Transcript, What};
use net_websocket_client::{
    Accepted, End, Handler, Lost, Message, MessageData, MessageKind, ResponseHead, SendError,
};
use std::path::Path;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest wait between two recorded sends that a replay keeps (a transcript written by
/// hand could say anything).
const LONGEST_PAUSE: Duration = Duration::from_secs(24 * 60 * 60);
/// Differences printed in full; the rest are counted.
const SHOWN_DIFFERENCES: usize = 5;
/// netws closes with a normal closure when the recording did not close itself.
const NORMAL_CLOSURE: u16 = 1000;

/// How fast the recorded sends follow each other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// At the recorded times divided by this factor.
    Recorded(f64),
    /// Each send as soon as the replies recorded before it have arrived.
    AsAnswered,
}

impl Pace {
    pub fn from_speed(speed: f64) -> Pace {
        match speed {
            0.0 => Pace::AsAnswered,
            speed => Pace::Recorded(speed),
        }
    }
}

/// Something netws sent in the recorded session.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    Send(MessageKind, Vec<u8>),
    Ping(Vec<u8>),
    Close(u16, String),
}

#[derive(Debug, Clone, PartialEq)]
struct Step {
    /// When, after the open.
    at: Duration,
    /// How many messages had arrived by then.
    replies_before: usize,
    action: Action,
}

/// What a transcript asks a replay to do and to expect.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    header: Header,
    steps: Vec<Step>,
    expected: Vec<Message>,
    /// The recorded end's close code and reason.
    end: Option<(u16, String)>,
}

impl Plan {
    pub fn read(path: &Path) -> Result<Plan, String> {
        let transcript = Transcript::read(path)?;
        Plan::from_transcript(transcript).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn from_transcript(transcript: Transcript) -> Result<Plan, String> {
        let mut steps = Vec::new();
        let mut expected = Vec::new();
        let mut end = None;
        for (number, event) in transcript.events.into_iter().enumerate() {
            let at = Duration::try_from_secs_f64(event.t / 1000.0)
                .map_err(|_| format!("event {} has the time {}", number + 1, event.t))?;
            let action = match event.what {
                What::Text {
                    dir: Direction::In,
                    text,
                } => {
                    expected.push(Message::Text(text));
                    continue;
                }
                What::Binary {
                    dir: Direction::In,
                    base64,
                } => {
                    expected.push(Message::Binary(base64));
                    continue;
                }
                What::Text {
                    dir: Direction::Out,
                    text,
                } => Action::Send(MessageKind::Text, text.into_bytes()),
                What::Binary {
                    dir: Direction::Out,
                    base64,
                } => Action::Send(MessageKind::Binary, base64),
                What::Ping {
                    dir: Direction::Out,
                    base64,
                } => Action::Ping(base64),
                What::Close {
                    dir: Direction::Out,
                    code,
                    reason,
                } => Action::Close(code, reason),
                What::End { code, reason, .. } => {
                    end = code.map(|code| (code, reason.unwrap_or_default()));
                    continue;
                }
                // Pongs (not compared); pings in, pongs out, closes in (netws writes none).
                _ => continue,
            };
            steps.push(Step {
                at: at.min(LONGEST_PAUSE),
                replies_before: expected.len(),
                action,
            });
        }
        Ok(Plan {
            header: transcript.header,
            steps,
            expected,
            end,
        })
    }

    /// The recorded URL, unless a credential was taken out of it.
    pub fn url(&self) -> Result<ServerUrl, String> {
        if self.header.url.contains(REDACTED) {
            return Err(format!(
                "the recorded URL {} had a credential redacted: give the URL after the transcript",
                self.header.url
            ));
        }
        ServerUrl::parse(&self.header.url)
    }

    /// The recorded request headers that still have their values, then the ones given now
    /// (which replace recorded ones of the same name).
    pub fn headers(&self, given: &[(String, String)]) -> Vec<(String, String)> {
        let kept = self.header.request_headers.iter().filter(|(name, value)| {
            value != REDACTED && !given.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
        });
        kept.chain(given).cloned().collect()
    }

    /// The subprotocols to offer: the ones given now, else the recorded offer.
    pub fn subprotocols(&self, given: &[String]) -> Vec<String> {
        match given.is_empty() {
            true => self.header.subprotocols_offered.clone(),
            false => given.to_vec(),
        }
    }

    pub fn compression_offered(&self) -> bool {
        self.header.compression_offered
    }

    /// Whether netws closed the recorded session itself.
    fn closes(&self) -> bool {
        self.steps
            .iter()
            .any(|step| matches!(step.action, Action::Close(..)))
    }
}

/// What has arrived so far, shared by the connection's handler and the replay thread.
#[derive(Default)]
pub struct Received {
    state: Mutex<Arrivals>,
    changed: Condvar,
}

#[derive(Default)]
struct Arrivals {
    opened: bool,
    ended: bool,
    messages: Vec<Message>,
}

impl Received {
    fn update(&self, change: impl FnOnce(&mut Arrivals)) {
        change(&mut self.state.lock().unwrap());
        self.changed.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, Arrivals> {
        self.state.lock().unwrap()
    }

    fn ended(&self) -> bool {
        self.lock().ended
    }

    /// Until the connection opens (true) or ends without opening (false); the connect timeout
    /// bounds it.
    fn wait_open(&self) -> bool {
        let guard = self.lock();
        let guard = self
            .changed
            .wait_while(guard, |a| !a.opened && !a.ended)
            .unwrap();
        guard.opened
    }

    /// Until `count` messages have arrived or the connection ended; gives up when no message
    /// has arrived for `patience`.
    fn wait_for(&self, count: usize, patience: Duration) {
        let mut guard = self.lock();
        while guard.messages.len() < count && !guard.ended {
            let before = guard.messages.len();
            let (next, timeout) = self.changed.wait_timeout(guard, patience).unwrap();
            guard = next;
            if timeout.timed_out() && guard.messages.len() == before {
                return;
            }
        }
    }

    /// Until `deadline` or the end.
    fn wait_until(&self, deadline: Instant) {
        let mut guard = self.lock();
        while !guard.ended {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            guard = self.changed.wait_timeout(guard, deadline - now).unwrap().0;
        }
    }

    fn messages(&self) -> Vec<Message> {
        self.lock().messages.clone()
    }
}

/// Starts the replay thread: it waits for the open, sends the recorded messages at the pace
/// asked for, waits for the recorded replies, then asks the session to close as the
/// recording did (or with 1000).
pub fn spawn(
    plan: Arc<Plan>,
    outlet: Arc<Outlet>,
    received: Arc<Received>,
    pace: Pace,
    reply_timeout: Duration,
    events: Sender<Event>,
) {
    std::thread::spawn(move || {
        if let Some(event) = play(&plan, &outlet, &received, pace, reply_timeout) {
            let _ = events.send(event);
        }
    });
}

/// The event that ends the replay's part, or None when the connection ended first.
fn play(
    plan: &Plan,
    outlet: &Outlet,
    received: &Received,
    pace: Pace,
    reply_timeout: Duration,
) -> Option<Event> {
    if !received.wait_open() {
        return None;
    }
    let start = Instant::now();
    for (number, step) in plan.steps.iter().enumerate() {
        match pace {
            Pace::AsAnswered => received.wait_for(step.replies_before, reply_timeout),
            Pace::Recorded(speed) => {
                let wait = Duration::try_from_secs_f64(step.at.as_secs_f64() / speed)
                    .unwrap_or(LONGEST_PAUSE)
                    .min(LONGEST_PAUSE);
                received.wait_until(start + wait);
            }
        }
        if received.ended() {
            return None;
        }
        let sent = match &step.action {
            Action::Send(kind, data) => outlet.send(*kind, data),
            Action::Ping(payload) => outlet.ping(payload),
            Action::Close(code, reason) => {
                // Every recorded reply is awaited before the close, whatever the pace (some
                // were recorded after it: stdin ended before they came).
                received.wait_for(plan.expected.len(), reply_timeout);
                return Some(Event::Close(*code, reason.clone()));
            }
        };
        match sent {
            Ok(()) => {}
            Err(SendError::NotConnected) => return None,
            Err(e) => {
                return Some(Event::InputFailed(format!(
                    "the transcript's step {} cannot be sent: {e}",
                    number + 1
                )))
            }
        }
    }
    received.wait_for(plan.expected.len(), reply_timeout);
    if plan.end.is_some() && !plan.closes() {
        // The server ended the recorded session: give it the time of a reply to do it again.
        received.wait_until(Instant::now() + reply_timeout);
        if received.ended() {
            return None;
        }
    }
    Some(Event::Close(NORMAL_CLOSURE, String::new()))
}

/// A handler that collects the messages that arrive, then passes everything on.
pub struct Collecting {
    pub received: Arc<Received>,
    pub inner: Box<dyn Handler>,
}

impl Handler for Collecting {
    fn on_response(&mut self, head: &ResponseHead) {
        self.inner.on_response(head);
    }

    fn on_open(&mut self, accepted: &Accepted) {
        self.received.update(|a| a.opened = true);
        self.inner.on_open(accepted);
    }

    fn on_message(&mut self, kind: MessageKind, data: MessageData<'_>) {
        let message = match kind {
            MessageKind::Text => Message::Text(String::from_utf8_lossy(&data).into_owned()),
            MessageKind::Binary => Message::Binary(data.to_vec()),
        };
        self.received.update(|a| a.messages.push(message));
        self.inner.on_message(kind, data);
    }

    fn on_pong(&mut self, payload: &[u8]) {
        self.inner.on_pong(payload);
    }

    fn on_reconnecting(&mut self, lost: Lost<'_>) {
        // --replay and --reconnect exclude each other.
        self.inner.on_reconnecting(lost);
    }

    fn on_end(&mut self, end: End<'_>) {
        self.received.update(|a| a.ended = true);
        self.inner.on_end(end);
    }
}

/// Compares the session with the recording, prints the first differences (or a line saying it
/// matched) on stderr, and returns the exit status.
pub fn verdict(
    plan: &Plan,
    received: &Received,
    ignore: &[JsonPointer],
    close: Option<(u16, String)>,
    error: Option<String>,
) -> Exit {
    let arrived = received.messages();
    let mut differences = compare::messages(&plan.expected, &arrived, ignore);
    differences.extend(compare::close(plan.end.as_ref(), close, error));
    if differences.is_empty() {
        let close = match &plan.end {
            Some(_) => " and the close",
            None => "",
        };
        eprintln!(
            "netws: replay: as recorded: {} messages{close}",
            plan.expected.len()
        );
        return Exit::Normal;
    }
    for difference in differences.iter().take(SHOWN_DIFFERENCES) {
        eprintln!("netws: replay: {difference}");
    }
    let hidden = differences.len().saturating_sub(SHOWN_DIFFERENCES);
    let more = match hidden {
        0 => String::new(),
        n => format!(" ({n} not shown)"),
    };
    let total = plan.expected.len().max(arrived.len());
    eprintln!("netws: replay: {}{more}", summary(&differences, total));
    Exit::Mismatch
}

/// The last line of a mismatch: how many of the `total` messages differ, and the close.
fn summary(differences: &[Difference], total: usize) -> String {
    let close = differences
        .iter()
        .any(|d| matches!(d, Difference::Close { .. }));
    match (differences.len() - usize::from(close), close) {
        (0, _) => format!("{total} messages as recorded, but not the close"),
        (n, false) => format!("{n} of {total} messages differ"),
        (n, true) => format!("{n} of {total} messages differ, and the close"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::{self, Event as Line, Response};

    fn header(url: &str) -> Header {
        Header {
            version: transcript::VERSION,
            url: url.into(),
            request_headers: vec![
                ("Authorization".into(), REDACTED.into()),
                ("X-Client".into(), "recorded".into()),
                ("X-Trace".into(), "1".into()),
            ],
            subprotocols_offered: vec!["chat".into()],
            compression_offered: true,
            response: Response {
                status: 101,
                reason: "Switching Protocols".into(),
                headers: Vec::new(),
            },
            subprotocol: None,
            extensions: None,
        }
    }

    fn event(t: f64, what: What) -> Line {
        Line { t, what }
    }

    fn text(dir: Direction, text: &str) -> What {
        What::Text {
            dir,
            text: text.into(),
        }
    }

    #[test]
    fn a_plan_sends_what_went_out_and_expects_what_came_in() {
        let transcript = Transcript {
            header: header("ws://127.0.0.1:9/"),
            events: vec![
                event(0.0, text(Direction::Out, "a")),
                event(1.5, text(Direction::In, "A")),
                event(
                    2.0,
                    What::Ping {
                        dir: Direction::Out,
                        base64: b"p".to_vec(),
                    },
                ),
                event(
                    2.1,
                    What::Pong {
                        dir: Direction::In,
                        base64: b"p".to_vec(),
                    },
                ),
                event(
                    3.0,
                    What::Binary {
                        dir: Direction::Out,
                        base64: vec![1],
                    },
                ),
                event(
                    3.2,
                    What::Binary {
                        dir: Direction::In,
                        base64: vec![1],
                    },
                ),
                event(
                    4.0,
                    What::Close {
                        dir: Direction::Out,
                        code: 4000,
                        reason: "bye".into(),
                    },
                ),
                event(
                    4.1,
                    What::End {
                        code: Some(4000),
                        reason: Some("bye".into()),
                        error: None,
                    },
                ),
            ],
        };
        let plan = Plan::from_transcript(transcript).unwrap();
        let steps: Vec<(u128, usize, Action)> = plan
            .steps
            .iter()
            .map(|s| (s.at.as_micros(), s.replies_before, s.action.clone()))
            .collect();
        assert_eq!(
            steps,
            [
                (0, 0, Action::Send(MessageKind::Text, b"a".to_vec())),
                (2000, 1, Action::Ping(b"p".to_vec())),
                (3000, 1, Action::Send(MessageKind::Binary, vec![1])),
                (4000, 2, Action::Close(4000, "bye".into())),
            ]
        );
        assert_eq!(
            plan.expected,
            [Message::text("A"), Message::binary(vec![1])]
        );
        assert_eq!(plan.end, Some((4000, "bye".into())));
        assert!(plan.closes());
    }

    #[test]
    fn a_time_that_is_not_one_is_refused() {
        let transcript = Transcript {
            header: header("ws://127.0.0.1:9/"),
            events: vec![event(-1.0, text(Direction::Out, "a"))],
        };
        assert_eq!(
            Plan::from_transcript(transcript).unwrap_err(),
            "event 1 has the time -1"
        );
    }

    #[test]
    fn redacted_values_stay_behind_and_given_headers_win() {
        let plan = Plan::from_transcript(Transcript {
            header: header("ws://127.0.0.1:9/?token=[redacted]"),
            events: Vec::new(),
        })
        .unwrap();
        let given = [
            ("authorization".to_string(), "Bearer NEW".to_string()),
            ("x-client".to_string(), "now".to_string()),
        ];
        let names: Vec<(String, String)> = plan.headers(&given);
        assert_eq!(
            names,
            [
                ("X-Trace".to_string(), "1".to_string()),
                ("authorization".to_string(), "Bearer NEW".to_string()),
                ("x-client".to_string(), "now".to_string()),
            ]
        );
        assert!(plan.url().unwrap_err().contains("give the URL"));
        assert_eq!(plan.subprotocols(&[]), ["chat"]);
        assert_eq!(plan.subprotocols(&["v2".into()]), ["v2"]);
    }

    #[test]
    fn speed_zero_waits_for_the_answers() {
        assert_eq!(Pace::from_speed(0.0), Pace::AsAnswered);
        assert_eq!(Pace::from_speed(2.0), Pace::Recorded(2.0));
    }

    #[test]
    fn waiting_for_replies_gives_up_after_the_patience_without_news() {
        let received = Received::default();
        let started = Instant::now();
        received.wait_for(1, Duration::from_millis(50));
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(50), "{waited:?}");
        received.update(|a| a.messages.push(Message::text("x")));
        let started = Instant::now();
        received.wait_for(1, Duration::from_secs(60));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn the_summary_counts_messages_and_names_the_close() {
        let missing = Difference::Missing {
            number: 1,
            recorded: Message::text("a"),
        };
        let close = Difference::Close {
            recorded: None,
            received: None,
            error: None,
        };
        assert_eq!(
            summary(&[missing.clone(), close.clone()], 3),
            "1 of 3 messages differ, and the close"
        );
        assert_eq!(summary(&[missing], 3), "1 of 3 messages differ");
        assert_eq!(
            summary(&[close], 2),
            "2 messages as recorded, but not the close"
        );
    }
}
