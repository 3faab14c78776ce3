//! What the connection reports, on a runtime worker: each message to stdout (locked and flushed
//! per message, or per piece with `--stream`, so a pipe sees it at once), the handshake and the
//! close to stderr with `-v`, and to the session the events it acts on. In the console,
//! messages and notices go above the prompt instead, the open and the close are always said,
//! and `/ping`'s pongs are timed.
use crate::args::Args;
use crate::console::{describe_pong, Display, Pings};
use crate::format::{write_message, BinaryFormat};
use crate::session::{Ending, Event};
use net_websocket_client::{Accepted, End, Handler, Lost, MessageData, MessageKind, ResponseHead};
use std::io::{self, Write};
use std::sync::mpsc::Sender;
use std::sync::Arc;

/// Where messages and notices go.
pub enum Output {
    /// Messages on stdout (binary per `--binary-format`), notices on stderr.
    Streams(BinaryFormat),
    /// Both above the console's prompt.
    Console { display: Display, pings: Arc<Pings> },
}

pub struct Printer {
    output: Output,
    verbose: bool,
    /// Messages still to print before the session closes; `None`: every message.
    remaining: Option<u64>,
    /// `--reconnect-attempts`, for the "attempt n of N" notices.
    max_attempts: u32,
    events: Sender<Event>,
    /// Set once the count is reached or stdout failed: nothing more is printed.
    done: bool,
}

impl Printer {
    pub fn new(args: &Args, output: Output, events: Sender<Event>) -> Printer {
        Printer {
            output,
            verbose: args.verbose,
            remaining: args.count(),
            max_attempts: args.reconnect_attempts,
            events,
            done: false,
        }
    }

    fn tell(&self, event: Event) {
        // The session only stops listening once it has the end, which comes last.
        let _ = self.events.send(event);
    }

    /// `-v`'s lines; the console says the open and the close without it.
    fn announces(&self) -> bool {
        self.verbose || matches!(self.output, Output::Console { .. })
    }

    /// A message was printed whole: the session hears when it was the `--count`-th.
    fn count_message(&mut self) {
        if let Some(remaining) = &mut self.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                self.done = true;
                self.tell(Event::CountReached);
            }
        }
    }

    /// A line on stderr, or above the console's prompt.
    fn notice(&self, line: String) {
        match &self.output {
            Output::Streams(_) => {
                let _ = writeln!(io::stderr().lock(), "{line}");
            }
            Output::Console { display, .. } => display.line(line),
        }
    }
}

impl Handler for Printer {
    fn on_response(&mut self, head: &ResponseHead) {
        if !self.verbose {
            return;
        }
        let mut lines = vec![format!(
            "< HTTP/1.{} {} {}",
            head.http_minor_version, head.status, head.reason
        )];
        lines.extend(
            head.headers
                .iter()
                .map(|(name, value)| format!("< {name}: {value}")),
        );
        self.notice(lines.join("\n"));
    }

    fn on_open(&mut self, accepted: &Accepted) {
        if self.announces() {
            self.notice(format!("* open: {}", negotiated(accepted)));
        }
        self.tell(Event::Opened);
    }

    fn on_message(&mut self, kind: MessageKind, data: MessageData<'_>) {
        if self.done {
            return;
        }
        match &self.output {
            Output::Streams(binary) => {
                let mut out = io::stdout().lock();
                if let Err(error) =
                    write_message(&mut out, kind, &data, *binary).and_then(|()| out.flush())
                {
                    self.done = true;
                    return self.tell(Event::OutputFailed(error));
                }
            }
            Output::Console { display, .. } => display.message(kind, &data),
        }
        self.count_message();
    }

    /// `--stream`: each piece as it comes, raw and flushed, messages one after another with
    /// nothing between them. Never with the console (the flags exclude each other).
    fn on_fragment(&mut self, _kind: MessageKind, data: MessageData<'_>, _first: bool, last: bool) {
        if self.done {
            return;
        }
        let mut out = io::stdout().lock();
        if let Err(error) = out.write_all(&data).and_then(|()| out.flush()) {
            self.done = true;
            return self.tell(Event::OutputFailed(error));
        }
        if last {
            self.count_message();
        }
    }

    fn on_pong(&mut self, payload: &[u8]) {
        if let Output::Console { pings, .. } = &self.output {
            if let Some(rtt) = pings.answered(payload) {
                return self.notice(describe_pong(payload, rtt));
            }
        }
        if self.verbose {
            self.notice(format!("* pong ({} bytes)", payload.len()));
        }
    }

    fn on_reconnecting(&mut self, lost: Lost<'_>) {
        // Always said: the wait would otherwise look like a hang.
        let why = lost
            .error
            .map_or_else(|| "the server closed".to_string(), ToString::to_string);
        self.notice(format!(
            "netws: {why}; reconnecting in {:.1} s (attempt {} of {})",
            lost.delay.as_secs_f32(),
            lost.attempt,
            self.max_attempts
        ));
        self.tell(Event::Reconnecting);
    }

    fn on_end(&mut self, end: End<'_>) {
        if self.announces() {
            match end.close {
                Some((code, "")) => self.notice(format!("* closed: {code}")),
                Some((code, reason)) => self.notice(format!("* closed: {code} {reason}")),
                None => {}
            }
        }
        self.tell(Event::Ended(Ending {
            error: end.error.map(ToString::to_string),
            close: end.close.map(|(code, reason)| (code, reason.to_string())),
        }));
    }
}

/// The subprotocol and extension the server chose, as `-v` prints them.
fn negotiated(accepted: &Accepted) -> String {
    let subprotocol = match &accepted.subprotocol {
        Some(name) => format!("subprotocol {name}"),
        None => "no subprotocol".to_string(),
    };
    let extension = match &accepted.deflate {
        Some(p) => {
            let mut text = format!(
                "permessage-deflate (client_max_window_bits={}, server_max_window_bits={}",
                p.client_max_window_bits, p.server_max_window_bits
            );
            if p.client_no_context_takeover {
                text.push_str(", client_no_context_takeover");
            }
            if p.server_no_context_takeover {
                text.push_str(", server_no_context_takeover");
            }
            text.push(')');
            text
        }
        None => "no extension".to_string(),
    };
    format!("{subprotocol}, {extension}")
}
