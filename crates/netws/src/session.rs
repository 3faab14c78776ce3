//! One session, from connect to the exit status. The connection's events (from the handler,
//! on a runtime worker) and stdin's (from the input thread) arrive on one channel, in order,
//! and this thread alone decides when to close and how netws exits.
//!
//! Its waits are bounded by the client's own timers: the connect timeout before the open, the
//! close timeout once closing, keepalive in between (or nothing, with `--ping-interval 0`,
//! which asks for exactly that).
use crate::args::Args;
use crate::exit::Exit;
use crate::handler::Printer;
use crate::input::{self, LineMode};
use crate::options::client_options;
use net_websocket_client::proxy::{self, ProxyEnvironment};
use net_websocket_client::{connect, ConnectError, Connection, Options};
use std::fmt::Display;
use std::io;
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;

/// Something the session acts on.
#[derive(Debug)]
pub enum Event {
    /// The handshake succeeded (again, after a reconnection).
    Opened,
    /// The connection was lost or the attempt failed; another attempt is scheduled.
    Reconnecting,
    /// The `--count`-th message was printed.
    CountReached,
    /// Writing a message to stdout failed; nothing more is printed.
    OutputFailed(io::Error),
    /// Stdin ended (or the connection stopped taking messages).
    InputEnd,
    /// A stdin line cannot be sent, or stdin cannot be read: why, completing "netws: ".
    InputFailed(String),
    /// The end of the connection, the last event.
    Ended(Ending),
}

/// [`net_websocket_client::End`], owned, to cross threads.
#[derive(Debug)]
pub struct Ending {
    pub error: Option<String>,
    pub close: Option<(u16, String)>,
}

/// The close code netws sends: a normal closure (RFC 6455 §7.4.1).
const NORMAL_CLOSURE: u16 = 1000;
/// What a close frame without a code reports (RFC 6455 §7.1.5).
const NO_STATUS: u16 = 1005;

pub fn run(args: Args) -> Exit {
    let options = match client_options(&args) {
        Ok(options) => options,
        Err(e) => return fail(Exit::Usage, e),
    };
    if args.insecure {
        eprintln!(
            "netws: warning: --insecure: the server's certificate is not verified, so anyone \
             on the path can impersonate the server"
        );
    }
    if args.verbose {
        eprintln!(
            "* connecting to {}{}",
            args.url.text,
            route(&args, &options)
        );
    }
    let (events, received) = mpsc::channel();
    let printer = Printer::new(&args, events.clone());
    let max_message = options.max_send_size;
    let connection = match connect(&args.url.text, &args.headers, options, Box::new(printer)) {
        Ok(connection) => Arc::new(connection),
        Err(ConnectError::Runtime(e)) => return fail(Exit::Connect, e),
        // A header the handshake sets itself, or one given twice (also as --protocol).
        Err(e) => return fail(Exit::Usage, e),
    };
    let mode = match args.binary {
        true => LineMode::Binary(args.binary_format),
        false => LineMode::Text,
    };
    input::spawn(connection.clone(), mode, max_message, events);
    Session {
        connection,
        endpoint: args.url.target.endpoint(),
        verbose: args.verbose,
        // With --count the messages wanted end the session, not the input.
        close_at_input_end: args.count().is_none(),
        open: false,
        close_when_open: false,
        closing: false,
        verdict: None,
    }
    .run(received)
}

/// " through PROXY" when one is used, as `-v` says; an unusable proxy setting is left to
/// the connection to report.
fn route(args: &Args, options: &Options) -> String {
    match proxy::select(
        &options.proxy,
        &args.url.target,
        &ProxyEnvironment::capture(),
    ) {
        Ok(Some(proxy)) => format!(" through {proxy}"),
        _ => String::new(),
    }
}

/// Prints the one line a failure gets and returns its status.
fn fail(exit: Exit, message: impl Display) -> Exit {
    eprintln!("netws: {message}");
    exit
}

struct Session {
    connection: Arc<Connection>,
    /// `ws://host:port` for the messages that are not the client's own.
    endpoint: String,
    verbose: bool,
    close_at_input_end: bool,
    open: bool,
    /// Stdin ended before the open: close once open (a close while connecting would cancel
    /// the attempt, and what stdin sent would never leave).
    close_when_open: bool,
    /// We asked for the close.
    closing: bool,
    /// An exit decided before the end (stdin or stdout failed), and its message.
    verdict: Option<(Exit, Option<String>)>,
}

impl Session {
    fn run(mut self, events: Receiver<Event>) -> Exit {
        loop {
            match events.recv() {
                Ok(Event::Ended(ending)) => return self.finish(ending),
                Ok(event) => self.on(event),
                // Unreachable while the handler lives, and it sends the end before it goes.
                Err(_) => return fail(Exit::Lost, "the connection ended without a report"),
            }
        }
    }

    fn on(&mut self, event: Event) {
        match event {
            Event::Opened => {
                self.open = true;
                if self.close_when_open {
                    self.close();
                }
            }
            Event::Reconnecting => self.open = false,
            Event::CountReached => self.close(),
            Event::InputEnd if self.close_at_input_end => {
                if self.open {
                    self.close();
                } else {
                    self.close_when_open = true;
                }
            }
            Event::InputEnd => {}
            Event::InputFailed(message) => self.stop(Exit::Usage, Some(message)),
            // The reader went away (`netws URL | head -n 3`): a normal end.
            Event::OutputFailed(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.stop(Exit::Normal, None)
            }
            Event::OutputFailed(e) => {
                self.stop(Exit::Usage, Some(format!("cannot write to stdout: {e}")))
            }
            Event::Ended(_) => unreachable!("handled by run"),
        }
    }

    /// Decides the exit now and closes; the first decision stands.
    fn stop(&mut self, exit: Exit, message: Option<String>) {
        self.verdict.get_or_insert((exit, message));
        self.close();
    }

    /// Starts the close handshake after what is queued (or cancels an attempt), once.
    fn close(&mut self) {
        if self.closing {
            return;
        }
        self.closing = true;
        if self.verbose {
            eprintln!("* closing with {NORMAL_CLOSURE}");
        }
        // Refused only when the end is already on its way.
        let _ = self.connection.close(NORMAL_CLOSURE, "");
    }

    fn finish(self, ending: Ending) -> Exit {
        if let Some((exit, message)) = self.verdict {
            if let Some(message) = message {
                eprintln!("netws: {message}");
            }
            return exit;
        }
        let endpoint = &self.endpoint;
        match (ending.error, ending.close) {
            // The client's message names the endpoint and the cause.
            (Some(error), _) if self.open => fail(Exit::Lost, error),
            (Some(error), _) => fail(Exit::Connect, error),
            // No close frame came back in time: "close handshake timed out".
            (None, Some((1006, reason))) => fail(Exit::Lost, format!("{endpoint}: {reason}")),
            (None, Some((NORMAL_CLOSURE, _))) => Exit::Normal,
            // Our close answered without a code: still a completed close handshake. (Any
            // other code is reported, even in reply to ours: it may be the server's own close
            // crossing ours, as a server that fails a request and closes at once does.)
            (None, Some((NO_STATUS, _))) if self.closing => Exit::Normal,
            (None, Some((code, reason))) => {
                let reason = match reason.is_empty() {
                    true => String::new(),
                    false => format!(": {reason}"),
                };
                fail(
                    Exit::ServerClosed,
                    format!(
                        "{endpoint}: the server closed the connection with code {code}{reason}"
                    ),
                )
            }
            (None, None) => fail(Exit::Lost, format!("{endpoint}: the connection ended")),
        }
    }
}
