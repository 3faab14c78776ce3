//! The console: what netws is when standard input and output are a terminal (or with
//! `--interactive`). Lines are edited with rustyline and kept in a history file; a line is a
//! message, or a command (see `command.rs`); what arrives is printed above the prompt by the
//! [`Display`].
//!
//! The console thread reads lines for as long as the session lasts, even after Ctrl-D or
//! `/quit`, so that lines printed meanwhile are drawn by the editor; when the session ends it
//! calls [`Running::leave`], which takes the terminal back (see `interrupt.rs`).
mod command;
mod display;
mod history;
mod interrupt;
mod pings;

use crate::args::Args;
use crate::outlet::Outlet;
use crate::session::Event;
use command::{Action, Mode, HELP};
pub use display::Display;
use net_websocket_client::SendError;
pub use pings::{describe as describe_pong, Pings};
use rustyline::error::ReadlineError;
use rustyline::{Config, DefaultEditor};
use std::io::{self, BufRead, IsTerminal};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Entries the history keeps (rustyline's default is 100).
const HISTORY_SIZE: usize = 1000;
/// At the end, how long to wait for the screen to show every line, then for the console
/// thread to leave the editor.
const FLUSH_LIMIT: Duration = Duration::from_millis(500);
const LEAVE_LIMIT: Duration = Duration::from_secs(1);
const INTERRUPT_EVERY: Duration = Duration::from_millis(10);
/// After an end of input, the pause before reading again (a terminal that hung up reports
/// one end after another).
const AFTER_END: Duration = Duration::from_millis(100);

/// Whether netws is a console: on a terminal, or when asked.
pub fn wanted(args: &Args) -> bool {
    args.interactive || (io::stdin().is_terminal() && io::stdout().is_terminal())
}

/// The console before the connection starts: its reader, its display and its history.
pub struct Console {
    reader: Reader,
    display: Display,
    pings: Arc<Pings>,
    history: Option<PathBuf>,
    mode: Mode,
}

enum Reader {
    /// rustyline on the terminal.
    Editor(Box<DefaultEditor>),
    /// Plain lines from stdin (`--interactive` without a terminal): no editing, no history.
    Lines,
}

/// What one read gave.
enum Read {
    Line(String),
    /// Ctrl-C.
    Interrupted,
    /// Ctrl-D, or the end of stdin.
    End,
    Failed(String),
}

impl Console {
    /// The line editor when stdin and stdout are a terminal (with the history unless
    /// `--no-history`), else plain lines.
    pub fn open(args: &Args) -> Console {
        let mode = match args.binary {
            true => Mode::Binary,
            false => Mode::Text,
        };
        let terminal = io::stdin().is_terminal() && io::stdout().is_terminal();
        let editor = terminal.then(editor).and_then(Result::ok);
        let Some(mut editor) = editor else {
            return Console {
                reader: Reader::Lines,
                display: Display::spawn(None),
                pings: Arc::default(),
                history: None,
                mode,
            };
        };
        let printer = editor
            .create_external_printer()
            .ok()
            .map(|printer| Box::new(printer) as display::Printer);
        let display = Display::spawn(printer);
        let history = match args.no_history {
            true => None,
            false => history::path(),
        };
        if let Some(path) = &history {
            match editor.load_history(path) {
                Err(ReadlineError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => display.line(format!("netws: cannot read {}: {e}", path.display())),
                Ok(()) => {}
            }
        }
        if let Err(e) = interrupt::ignore_outside_the_editor() {
            display.line(format!("netws: cannot ignore SIGINT: {e}"));
        }
        Console {
            reader: Reader::Editor(Box::new(editor)),
            display,
            pings: Arc::default(),
            history,
            mode,
        }
    }

    pub fn display(&self) -> Display {
        self.display.clone()
    }

    pub fn pings(&self) -> Arc<Pings> {
        self.pings.clone()
    }

    /// Says where the console connects. Called before the connection starts: its open is
    /// printed by another thread, which would otherwise be able to come first.
    pub fn connecting(&self, endpoint: &str) {
        self.display.line(format!(
            "* connecting to {endpoint} (/help lists the commands, Ctrl-D closes)"
        ));
    }

    /// Starts reading lines, on a thread of its own.
    pub fn start(self, outlet: Arc<Outlet>, events: Sender<Event>) -> Running {
        let leaving = Arc::new(AtomicBool::new(false));
        let editor = matches!(self.reader, Reader::Editor(_));
        let display = self.display.clone();
        let console = Loop {
            reader: self.reader,
            display: self.display,
            pings: self.pings,
            history: self.history,
            mode: self.mode,
            outlet,
            events,
            leaving: leaving.clone(),
        };
        Running {
            display,
            thread: std::thread::spawn(move || console.run()),
            leaving,
            editor,
        }
    }
}

/// rustyline as the console wants it: its own history settings, and pasted lines sent one by
/// one, as piped lines are (no bracketed paste).
fn editor() -> rustyline::Result<DefaultEditor> {
    let config = Config::builder()
        .max_history_size(HISTORY_SIZE)?
        .history_ignore_dups(true)?
        .auto_add_history(true)
        .bracketed_paste(false)
        .build();
    DefaultEditor::with_config(config)
}

/// The console while the session runs.
pub struct Running {
    display: Display,
    thread: JoinHandle<()>,
    leaving: Arc<AtomicBool>,
    editor: bool,
}

impl Running {
    pub fn display(&self) -> &Display {
        &self.display
    }

    /// At the end of the session: shows every line handed to the display, then gives the
    /// terminal back (the editor's read is interrupted). Bounded: the thread reading plain
    /// stdin is left blocked, as the piped input's is.
    pub fn leave(self) {
        self.display.flush(FLUSH_LIMIT);
        self.leaving.store(true, Ordering::Release);
        if !self.editor {
            return;
        }
        let deadline = Instant::now() + LEAVE_LIMIT;
        while !self.thread.is_finished() && Instant::now() < deadline {
            interrupt::interrupt_the_editor();
            std::thread::sleep(INTERRUPT_EVERY);
        }
    }
}

struct Loop {
    reader: Reader,
    display: Display,
    pings: Arc<Pings>,
    history: Option<PathBuf>,
    mode: Mode,
    outlet: Arc<Outlet>,
    events: Sender<Event>,
    leaving: Arc<AtomicBool>,
}

impl Loop {
    fn run(mut self) {
        let mut interrupted = false;
        let mut ended = false;
        while !self.leaving() {
            let read = self.read();
            if self.leaving() {
                return;
            }
            match read {
                Read::Line(line) => {
                    interrupted = false;
                    self.remember();
                    self.act(&line);
                }
                Read::Interrupted if interrupted => return self.tell(Event::Quit),
                Read::Interrupted => {
                    interrupted = true;
                    self.display
                        .line("* Ctrl-C again leaves at once; Ctrl-D or /quit closes first");
                }
                Read::End if matches!(self.reader, Reader::Lines) => {
                    return self.tell(Event::InputEnd)
                }
                Read::End => {
                    if ended {
                        std::thread::sleep(AFTER_END);
                    }
                    ended = true;
                    self.tell(Event::InputEnd);
                }
                Read::Failed(why) => return self.tell(Event::InputFailed(why)),
            }
        }
    }

    fn leaving(&self) -> bool {
        self.leaving.load(Ordering::Acquire)
    }

    fn read(&mut self) -> Read {
        let prompt = match self.mode {
            Mode::Text => "> ",
            Mode::Binary => "hex> ",
        };
        match &mut self.reader {
            Reader::Editor(editor) => match editor.readline(prompt) {
                Ok(line) => Read::Line(line),
                Err(ReadlineError::Interrupted) => Read::Interrupted,
                Err(ReadlineError::Eof) => Read::End,
                Err(e) => Read::Failed(format!("cannot read the terminal: {e}")),
            },
            Reader::Lines => {
                let mut line = String::new();
                match io::stdin().lock().read_line(&mut line) {
                    Ok(0) => Read::End,
                    Ok(_) => {
                        if line.ends_with('\n') {
                            line.pop();
                        }
                        Read::Line(line)
                    }
                    Err(e) => Read::Failed(format!("cannot read stdin: {e}")),
                }
            }
        }
    }

    /// Appends the new history entry to the file (rustyline added it to memory), so that a
    /// console that is killed loses nothing. A failure is said once, then writing stops.
    fn remember(&mut self) {
        let (Reader::Editor(editor), Some(path)) = (&mut self.reader, &self.history) else {
            return;
        };
        let written = match path.parent() {
            Some(dir) => std::fs::create_dir_all(dir).map_err(ReadlineError::Io),
            None => Ok(()),
        }
        .and_then(|()| editor.append_history(path));
        if let Err(e) = written {
            self.display
                .line(format!("netws: cannot write {}: {e}", path.display()));
            self.history = None;
        }
    }

    fn act(&mut self, line: &str) {
        match command::parse(line, self.mode) {
            Ok(Action::Send(kind, data)) => {
                let sent = self.outlet.send(kind, &data);
                self.refused(sent);
            }
            Ok(Action::Ping(payload)) => {
                self.pings.sent(&payload);
                let sent = self.outlet.ping(&payload);
                self.refused(sent);
            }
            Ok(Action::Close(code, reason)) => self.tell(Event::Close(code, reason)),
            Ok(Action::Switch(mode)) => {
                self.mode = mode;
                self.display.line(match mode {
                    Mode::Text => "* lines are sent as text",
                    Mode::Binary => "* lines are sent as binary messages, written in hex",
                });
            }
            Ok(Action::Help) => self.display.line(HELP),
            Ok(Action::Stats) => self.display.line(crate::stats::line(&self.outlet.stats())),
            Ok(Action::Quit) => self.tell(Event::InputEnd),
            Err(why) => self.display.line(format!("netws: {why}")),
        }
    }

    /// Says why a message or ping was not sent; the console goes on.
    fn refused(&self, sent: Result<(), SendError>) {
        let why = match sent {
            Ok(()) => return,
            Err(SendError::NotConnected) => "the connection is closing or closed".to_string(),
            Err(e) => e.to_string(),
        };
        self.display.line(format!("netws: not sent: {why}"));
    }

    fn tell(&self, event: Event) {
        // The session listens until the end, and this thread stops reading then.
        let _ = self.events.send(event);
    }
}
