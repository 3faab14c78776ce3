//! The stdin thread: reading stdin blocks, so it has a plain thread of its own that turns each
//! line into a message and queues it on the connection (before the open too: the client sends
//! what was queued once it is open). It tells the session when stdin ends or a line cannot be
//! sent.
use crate::format::{decode_hex, BinaryFormat};
use crate::outlet::Outlet;
use crate::session::Event;
use net_websocket_client::{MessageKind, SendError};
use std::borrow::Cow;
use std::io::{self, BufRead, Read};
use std::sync::mpsc::Sender;
use std::sync::Arc;

/// What a stdin line becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineMode {
    Text,
    Binary(BinaryFormat),
}

pub fn spawn(outlet: Arc<Outlet>, mode: LineMode, max_message: usize, events: Sender<Event>) {
    // Not joined: the session may end while it is blocked in a read, and the process then
    // exits without it.
    std::thread::spawn(move || {
        let event = send_lines(&mut io::stdin().lock(), &outlet, mode, max_message);
        let _ = events.send(event);
    });
}

/// Sends every line of `input` and returns what ended it: the end of input, a line that
/// cannot be sent, or a read error. It also stops, saying [`Event::InputEnd`], when the
/// connection no longer takes messages: the session is ending anyway.
pub fn send_lines(
    input: &mut impl BufRead,
    outlet: &Outlet,
    mode: LineMode,
    max_message: usize,
) -> Event {
    // A line that cannot fit a message is refused before it fills memory; hex takes up to
    // three characters per byte ("ff ").
    let max_line = match mode {
        LineMode::Binary(BinaryFormat::Hex) => max_message.saturating_mul(3),
        _ => max_message,
    };
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        number += 1;
        line.clear();
        let read = input
            .by_ref()
            .take(max_line as u64 + 1)
            .read_until(b'\n', &mut line);
        match read {
            Ok(0) => return Event::InputEnd,
            Ok(_) => {}
            Err(e) => return Event::InputFailed(format!("cannot read stdin: {e}")),
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() > max_line {
            return Event::InputFailed(format!(
                "stdin line {number} is longer than the message limit of {max_message} bytes"
            ));
        }
        let (kind, data) = match message(&line, mode) {
            Ok(message) => message,
            Err(why) => return Event::InputFailed(format!("stdin line {number} {why}")),
        };
        match outlet.send(kind, &data) {
            Ok(()) => {}
            Err(SendError::NotConnected) => return Event::InputEnd,
            Err(SendError::InvalidUtf8) => {
                return Event::InputFailed(format!(
                    "stdin line {number} is not UTF-8 (send it with --binary --binary-format raw)"
                ))
            }
            Err(SendError::TooLarge | SendError::QueueFull) => {
                return Event::InputFailed(format!(
                    "stdin line {number} makes a message over the limit of {max_message} bytes"
                ))
            }
            Err(SendError::NoMemory) => {
                return Event::InputFailed(format!("stdin line {number}: out of memory"))
            }
            // Lines are whole messages, never fragments.
            Err(SendError::FragmentKindMismatch) => unreachable!("a whole message"),
        }
    }
}

/// The message a line stands for; the error completes "stdin line N ...".
fn message(line: &[u8], mode: LineMode) -> Result<(MessageKind, Cow<'_, [u8]>), String> {
    match mode {
        LineMode::Text => Ok((MessageKind::Text, Cow::Borrowed(line))),
        LineMode::Binary(BinaryFormat::Raw) => Ok((MessageKind::Binary, Cow::Borrowed(line))),
        LineMode::Binary(BinaryFormat::Hex) => decode_hex(line)
            .map(|bytes| (MessageKind::Binary, Cow::Owned(bytes)))
            .map_err(|e| format!("is not hex: {e}")),
    }
}
