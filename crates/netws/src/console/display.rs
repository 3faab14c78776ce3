//! What the console shows, from any thread: received messages, notices and answers to
//! commands, one line each, printed above the prompt without breaking the line being typed
//! (rustyline's `ExternalPrinter`), or on stdout when there is no line editor.
//!
//! One thread prints, fed by a channel: the printer waits while the line editor is busy, and
//! the connection's handler should not wait for each line. The channel is bounded, so a server
//! that sends faster than the terminal shows is slowed down rather than queued in memory.
use net_websocket_client::MessageKind;
use rustyline::ExternalPrinter;
use std::io::{self, Write};
use std::sync::mpsc::{self, Sender, SyncSender, TrySendError};
use std::time::{Duration, Instant};

pub type Printer = Box<dyn ExternalPrinter + Send>;

/// A line that shows nothing: up one row, then down again. [`Display::flush`] sends it because
/// rustyline shows a printed line only when the next one is handed over (its queue holds one).
const INVISIBLE: &str = "\x1b[A\n";
/// Lines waiting for the terminal before the senders wait.
const BACKLOG: usize = 1024;
/// How often [`Display::flush`] tries again to queue its request in a full channel.
const FULL_RETRY: Duration = Duration::from_millis(5);

enum Job {
    Line(String),
    /// Everything before this is shown: answer on the sender.
    Flush(Sender<()>),
}

#[derive(Clone)]
pub struct Display {
    jobs: SyncSender<Job>,
}

impl Display {
    /// Starts the printing thread, printing through `printer` (above the prompt) or, without
    /// one, on stdout.
    pub fn spawn(printer: Option<Printer>) -> Display {
        let (jobs, queue) = mpsc::sync_channel(BACKLOG);
        let mut printer = printer;
        // Not joined: it ends with the process (or when every Display is gone).
        std::thread::spawn(move || {
            for job in queue {
                match job {
                    Job::Line(line) => show(&mut printer, line),
                    Job::Flush(done) => {
                        if printer.is_some() {
                            show(&mut printer, INVISIBLE.to_string());
                            show(&mut printer, INVISIBLE.to_string());
                        }
                        let _ = done.send(());
                    }
                }
            }
        });
        Display { jobs }
    }

    /// Shows one line (a newline is added), control characters escaped: what the server sends
    /// (messages, close reasons, headers) must not move the cursor or recolour the terminal.
    pub fn line(&self, text: impl AsRef<str>) {
        let mut text = printable(text.as_ref());
        text.push('\n');
        // The thread outlives every Display; sending cannot fail while one exists.
        let _ = self.jobs.send(Job::Line(text));
    }

    /// A received message: `< text`, or `< [binary] hex`.
    pub fn message(&self, kind: MessageKind, data: &[u8]) {
        self.line(format_message(kind, data));
    }

    /// Waits (up to `limit`) until everything handed over so far is on the screen.
    pub fn flush(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let (done, shown) = mpsc::channel();
        let mut job = Job::Flush(done);
        loop {
            match self.jobs.try_send(job) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) if Instant::now() < deadline => {
                    job = back;
                    std::thread::sleep(FULL_RETRY);
                }
                Err(_) => return,
            }
        }
        let _ = shown.recv_timeout(deadline.saturating_duration_since(Instant::now()));
    }
}

/// Prints through the line editor; if it refuses (it is gone), on stdout from then on.
fn show(printer: &mut Option<Printer>, text: String) {
    if let Some(editor) = printer {
        match editor.print(text.clone()) {
            Ok(()) => return,
            Err(_) => *printer = None,
        }
    }
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn format_message(kind: MessageKind, data: &[u8]) -> String {
    match kind {
        MessageKind::Text => format!("< {}", String::from_utf8_lossy(data)),
        MessageKind::Binary => {
            let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
            format!("< [binary] {hex}")
        }
    }
}

/// The text with control characters other than newline and tab escaped.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c.is_control() && c != '\n' && c != '\t' {
            true => c.escape_default().collect::<Vec<_>>(),
            false => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_marked_received() {
        assert_eq!(format_message(MessageKind::Text, b"hi"), "< hi");
        assert_eq!(
            format_message(MessageKind::Binary, &[0, 1, 0xfe, 0xff]),
            "< [binary] 0001feff"
        );
    }

    #[test]
    fn control_characters_are_shown_escaped_but_lines_and_tabs_stay() {
        assert_eq!(printable("a\x1b[2Jb\tc\nd\r"), "a\\u{1b}[2Jb\tc\nd\\r");
        assert_eq!(printable(&printable("\x07")), "\\u{7}");
    }
}
