//! What the connection reports, on a runtime worker: each message to stdout (locked and flushed
//! per message, so a pipe sees it at once), the handshake and the close to stderr with `-v`,
//! and to the session the events it acts on.
use crate::args::Args;
use crate::format::{write_message, BinaryFormat};
use crate::session::{Ending, Event};
use net_websocket_client::{Accepted, End, Handler, Lost, MessageData, MessageKind, ResponseHead};
use std::io::{self, Write};
use std::sync::mpsc::Sender;

pub struct Printer {
    binary: BinaryFormat,
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
    pub fn new(args: &Args, events: Sender<Event>) -> Printer {
        Printer {
            binary: args.binary_format,
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
}

impl Handler for Printer {
    fn on_response(&mut self, head: &ResponseHead) {
        if !self.verbose {
            return;
        }
        let mut err = io::stderr().lock();
        let _ = writeln!(
            err,
            "< HTTP/1.{} {} {}",
            head.http_minor_version, head.status, head.reason
        );
        for (name, value) in &head.headers {
            let _ = writeln!(err, "< {name}: {value}");
        }
    }

    fn on_open(&mut self, accepted: &Accepted) {
        if self.verbose {
            eprintln!("* open: {}", negotiated(accepted));
        }
        self.tell(Event::Opened);
    }

    fn on_message(&mut self, kind: MessageKind, data: MessageData<'_>) {
        if self.done {
            return;
        }
        let mut out = io::stdout().lock();
        if let Err(error) =
            write_message(&mut out, kind, &data, self.binary).and_then(|()| out.flush())
        {
            self.done = true;
            return self.tell(Event::OutputFailed(error));
        }
        if let Some(remaining) = &mut self.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                self.done = true;
                self.tell(Event::CountReached);
            }
        }
    }

    fn on_pong(&mut self, payload: &[u8]) {
        if self.verbose {
            eprintln!("* pong ({} bytes)", payload.len());
        }
    }

    fn on_reconnecting(&mut self, lost: Lost<'_>) {
        // Always said: the wait would otherwise look like a hang.
        let why = lost
            .error
            .map_or_else(|| "the server closed".to_string(), ToString::to_string);
        eprintln!(
            "netws: {why}; reconnecting in {:.1} s (attempt {} of {})",
            lost.delay.as_secs_f32(),
            lost.attempt,
            self.max_attempts
        );
        self.tell(Event::Reconnecting);
    }

    fn on_end(&mut self, end: End<'_>) {
        if self.verbose {
            match end.close {
                Some((code, "")) => eprintln!("* closed: {code}"),
                Some((code, reason)) => eprintln!("* closed: {code} {reason}"),
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
