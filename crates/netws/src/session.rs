//! One session, from connect to the exit status. The connection's events (from the handler,
//! on a runtime worker) and those of what sends (stdin, the console or a replay, each on a
//! thread of its own) arrive on one channel, in order, and this thread alone decides when to
//! close and how netws exits.
//!
//! Its waits are bounded by the client's own timers: the connect timeout before the open, the
//! close timeout once closing, keepalive in between (or nothing, with `--ping-interval 0`,
//! which asks for exactly that).
use crate::args::{Args, ServerUrl};
use crate::console::{self, Console};
use crate::exit::Exit;
use crate::handler::{Output, Printer};
use crate::input::{self, LineMode};
use crate::json_pointer::JsonPointer;
use crate::options::client_options;
use crate::outlet::Outlet;
use crate::record::{Recorder, Recording, Request};
use crate::replay::{self, Collecting, Pace, Plan, Received};
use crate::stream;
use net_websocket_client::proxy::{self, ProxyEnvironment};
use net_websocket_client::{connect, ConnectError, DeflateConfig, Handler, Options, Target};
use std::fmt::Display;
use std::io;
use std::path::Path;
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
    /// Stdin ended (or the connection stopped taking messages); the console's Ctrl-D or /quit.
    InputEnd,
    /// A stdin line cannot be sent, or stdin cannot be read: why, completing "netws: ".
    InputFailed(String),
    /// Close with this code and reason: the console's /close, or the end of a replay.
    Close(u16, String),
    /// Ctrl-C twice in the console: leave at once.
    Quit,
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
    let mut options = match client_options(&args) {
        Ok(options) => options,
        Err(e) => return fail(Exit::Usage, e),
    };
    if args.insecure {
        eprintln!(
            "netws: warning: --insecure: the server's certificate is not verified, so anyone \
             on the path can impersonate the server"
        );
    }
    let plan = match args.replay.as_deref().map(Plan::read).transpose() {
        Ok(plan) => plan.map(Arc::new),
        Err(e) => return fail(Exit::Usage, e),
    };
    let (url, headers) = match request(&args, plan.as_deref(), &mut options) {
        Ok(request) => request,
        Err(e) => return fail(Exit::Usage, e),
    };
    if args.verbose {
        // Not the URL as given: its user:password must not be shown.
        eprintln!(
            "* connecting to {}{}",
            crate::redact::url(&url.target),
            route(&url.target, &options)
        );
    }
    let recorder = match &args.record {
        Some(path) => match record(path, &url, &headers, &options) {
            Ok(recorder) => Some(Arc::new(recorder)),
            Err(e) => return fail(Exit::Usage, format!("{}: {e}", path.display())),
        },
        None => None,
    };
    // `--stream` on a terminal streams what is typed, no console.
    let console =
        (plan.is_none() && !args.stream && console::wanted(&args)).then(|| Console::open(&args));
    let output = match &console {
        Some(console) => Output::Console {
            display: console.display(),
            pings: console.pings(),
        },
        None => Output::Streams(args.binary_format()),
    };
    let (events, received) = mpsc::channel();
    let arrivals = Arc::new(Received::default());
    let handler = handlers(
        Printer::new(&args, output, events.clone()),
        recorder.clone(),
        plan.is_some().then(|| arrivals.clone()),
    );
    let max_message = options.max_send_size;
    let queue_limit = options.send_queue_limit;
    let endpoint = url.target.endpoint();
    if let Some(console) = &console {
        console.connecting(&endpoint);
    }
    let connection = match connect(&url.text, &headers, options, handler) {
        Ok(connection) => connection,
        Err(ConnectError::Runtime(e)) => return fail(Exit::Connect, e),
        // A header the handshake sets itself, or one given twice (also as --protocol).
        Err(e) => return fail(Exit::Usage, e),
    };
    let outlet = Arc::new(Outlet::new(connection, recorder.clone(), queue_limit));
    let counted = outlet.clone();
    let mut session = Session::new(&args, outlet.clone(), endpoint, recorder);
    // What sends: a replay, the console or stdin, each on a thread of its own.
    match (plan, console) {
        (Some(plan), _) => {
            let pace = Pace::from_speed(args.speed);
            replay::spawn(
                plan.clone(),
                outlet,
                arrivals.clone(),
                pace,
                args.reply_timeout,
                events,
            );
            session.replay = Some(ReplayCheck {
                plan,
                arrivals,
                ignore: args.ignore,
            });
        }
        (None, Some(console)) => {
            session.console = Some(console.start(outlet, events));
        }
        (None, None) if args.stream => stream::spawn(outlet, args.binary, args.verbose, events),
        (None, None) => {
            let mode = match args.binary {
                true => LineMode::Binary(args.binary_format()),
                false => LineMode::Text,
            };
            input::spawn(outlet, mode, max_message, events);
        }
    }
    let exit = session.run(received);
    if args.verbose || args.stats {
        let stats = counted.stats();
        if args.verbose {
            eprintln!("{}", crate::stats::line(&stats));
        }
        if args.stats {
            eprintln!("{}", crate::stats::json(&stats));
        }
    }
    exit
}

/// The URL and headers to connect with: the command line's, or a replay's from its transcript
/// (which also offers the recorded subprotocols and compression, unless told otherwise).
fn request(
    args: &Args,
    plan: Option<&Plan>,
    options: &mut Options,
) -> Result<(ServerUrl, Vec<(String, String)>), String> {
    let Some(plan) = plan else {
        let url = args
            .url
            .clone()
            .expect("clap asks for a URL unless --replay");
        return Ok((url, args.headers.clone()));
    };
    let url = match &args.url {
        Some(url) => url.clone(),
        None => plan.url()?,
    };
    options.subprotocols = plan.subprotocols(&args.protocols);
    if plan.compression_offered() && options.deflate.is_none() {
        options.deflate = Some(DeflateConfig::default());
    }
    Ok((url, plan.headers(&args.headers)))
}

/// The `--record` file, created now.
fn record(
    path: &Path,
    url: &ServerUrl,
    headers: &[(String, String)],
    options: &Options,
) -> io::Result<Recorder> {
    let request = Request {
        target: &url.target,
        headers,
        subprotocols: &options.subprotocols,
        compression: options.deflate.is_some(),
    };
    Recorder::create(path, request)
}

/// The printer, behind the recorder and a replay's collector when there are: each report
/// reaches the printer last, and the printer tells the session, so the transcript and the
/// collected messages are complete when the session hears of the end.
fn handlers(
    printer: Printer,
    recorder: Option<Arc<Recorder>>,
    arrivals: Option<Arc<Received>>,
) -> Box<dyn Handler> {
    let mut handler: Box<dyn Handler> = Box::new(printer);
    if let Some(recorder) = recorder {
        handler = Box::new(Recording {
            recorder,
            inner: handler,
        });
    }
    if let Some(received) = arrivals {
        handler = Box::new(Collecting {
            received,
            inner: handler,
        });
    }
    handler
}

/// What a replay's verdict needs at the end.
struct ReplayCheck {
    plan: Arc<Plan>,
    arrivals: Arc<Received>,
    ignore: Vec<JsonPointer>,
}

/// " through PROXY" when one is used, as `-v` says; an unusable proxy setting is left to
/// the connection to report.
fn route(target: &Target, options: &Options) -> String {
    match proxy::select(&options.proxy, target, &ProxyEnvironment::capture()) {
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
    outlet: Arc<Outlet>,
    /// `ws://host:port` for the messages that are not the client's own.
    endpoint: String,
    verbose: bool,
    close_at_input_end: bool,
    open: bool,
    /// A close asked for before the open, sent once open (a close while connecting would
    /// cancel the attempt, and what was queued would never leave).
    close_when_open: Option<(u16, String)>,
    /// The code of the close we asked for.
    closed_with: Option<u16>,
    /// An exit decided before the end (stdin or stdout failed), and its message.
    verdict: Option<(Exit, Option<String>)>,
    console: Option<console::Running>,
    replay: Option<ReplayCheck>,
    recorder: Option<Arc<Recorder>>,
}

impl Session {
    fn new(
        args: &Args,
        outlet: Arc<Outlet>,
        endpoint: String,
        recorder: Option<Arc<Recorder>>,
    ) -> Session {
        Session {
            outlet,
            endpoint,
            verbose: args.verbose,
            // With --count the messages wanted end the session, not the input.
            close_at_input_end: args.count().is_none(),
            open: false,
            close_when_open: None,
            closed_with: None,
            verdict: None,
            console: None,
            replay: None,
            recorder,
        }
    }

    fn run(mut self, events: Receiver<Event>) -> Exit {
        loop {
            match events.recv() {
                Ok(Event::Ended(ending)) => return self.finish(ending),
                Ok(Event::Quit) => return self.quit(),
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
                if let Some((code, reason)) = self.close_when_open.take() {
                    self.close(code, &reason);
                }
            }
            Event::Reconnecting => self.open = false,
            Event::CountReached => self.close(NORMAL_CLOSURE, ""),
            Event::InputEnd if self.close_at_input_end => {
                self.close_once_open(NORMAL_CLOSURE, String::new())
            }
            Event::InputEnd => {}
            Event::InputFailed(message) => self.stop(Exit::Usage, Some(message)),
            Event::Close(code, reason) => self.close_once_open(code, reason),
            // The reader went away (`netws URL | head -n 3`): a normal end.
            Event::OutputFailed(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.stop(Exit::Normal, None)
            }
            Event::OutputFailed(e) => {
                self.stop(Exit::Usage, Some(format!("cannot write to stdout: {e}")))
            }
            Event::Ended(_) | Event::Quit => unreachable!("handled by run"),
        }
    }

    /// Decides the exit now and closes; the first decision stands.
    fn stop(&mut self, exit: Exit, message: Option<String>) {
        self.verdict.get_or_insert((exit, message));
        self.close(NORMAL_CLOSURE, "");
    }

    fn close_once_open(&mut self, code: u16, reason: String) {
        if self.open {
            self.close(code, &reason);
        } else {
            self.close_when_open.get_or_insert((code, reason));
        }
    }

    /// Starts the close handshake after what is queued (or cancels an attempt), once.
    fn close(&mut self, code: u16, reason: &str) {
        if self.closed_with.is_some() {
            return;
        }
        self.closed_with = Some(code);
        if self.verbose {
            self.notice(format!("* closing with {code}"));
        }
        // Refused only when the end is already on its way.
        let _ = self.outlet.close(code, reason);
    }

    /// A `-v` line: on stderr, or above the console's prompt.
    fn notice(&self, line: String) {
        match &self.console {
            Some(console) => console.display().line(line),
            None => eprintln!("{line}"),
        }
    }

    /// Ctrl-C twice: the connection is dropped (the client tries a close 1001) and netws
    /// leaves without waiting.
    fn quit(mut self) -> Exit {
        self.outlet.abort();
        self.leave_console();
        match self.recorder.as_ref().and_then(|r| r.failure()) {
            Some(failure) => fail(Exit::Usage, failure),
            None => Exit::Normal,
        }
    }

    /// The terminal is the user's again, with every line shown.
    fn leave_console(&mut self) {
        if let Some(console) = self.console.take() {
            console.leave();
        }
    }

    fn finish(mut self, ending: Ending) -> Exit {
        self.leave_console();
        if let Some((exit, message)) = self.verdict {
            if let Some(message) = message {
                eprintln!("netws: {message}");
            }
            return exit;
        }
        if let Some(failure) = self.recorder.as_ref().and_then(|r| r.failure()) {
            return fail(Exit::Usage, failure);
        }
        if let (Some(replay), true) = (&self.replay, self.open) {
            return replay::verdict(
                &replay.plan,
                &replay.arrivals,
                &replay.ignore,
                ending.close,
                ending.error,
            );
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
            (None, Some((NO_STATUS, _))) if self.closed_with.is_some() => Exit::Normal,
            (None, Some((code, reason))) => {
                let reason = match reason.is_empty() {
                    true => String::new(),
                    false => format!(": {reason}"),
                };
                // The console's /close 4000 comes back as 4000: the same status, in its words.
                let message = match self.closed_with == Some(code) {
                    true => format!("{endpoint}: closed with code {code}{reason}, as netws asked"),
                    false => format!(
                        "{endpoint}: the server closed the connection with code {code}{reason}"
                    ),
                };
                fail(Exit::ServerClosed, message)
            }
            (None, None) => fail(Exit::Lost, format!("{endpoint}: the connection ended")),
        }
    }
}
