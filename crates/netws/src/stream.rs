//! `--stream`: the stdin thread sends all of stdin as one message, a fragment per read, so any
//! size passes with memory bounded by the send queue. The message's type is chosen at its
//! first fragment: text when what was read first is UTF-8, else binary (`--binary`: binary).
//! A text message then continues only while stdin stays UTF-8; its pieces are cut between
//! characters, a character cut by a read waiting for the next one.
use crate::outlet::Outlet;
use crate::session::Event;
use net_websocket_client::{MessageKind, SendError};
use std::io::{self, ErrorKind, Read};
use std::sync::mpsc::Sender;
use std::sync::Arc;

/// The most bytes one read takes, and so about the size of a fragment: far below the 4 MiB
/// a send accepts, and small enough that the send queue holds many of them.
const PIECE: usize = 256 * 1024;

pub fn spawn(outlet: Arc<Outlet>, binary: bool, verbose: bool, events: Sender<Event>) {
    // Not joined, like the line reader: the session may end while it is blocked in a read.
    std::thread::spawn(move || {
        let event = send_stream(&mut io::stdin().lock(), &outlet, binary, verbose);
        let _ = events.send(event);
    });
}

/// Sends all of `input` as one message and returns what ended it: the end of input (once
/// everything was handed to the connection), input that cannot continue a text message, or
/// a read error. The connection no longer taking fragments also ends it, as
/// [`Event::InputEnd`]: the session is ending anyway.
pub fn send_stream(input: &mut impl Read, outlet: &Outlet, binary: bool, verbose: bool) -> Event {
    // A read goes after what is held, which is less than a piece (see `next_step`).
    let mut buf = vec![0u8; 2 * PIECE];
    let mut held = 0;
    // The offset in stdin of `buf[0]`.
    let mut offset = 0u64;
    let mut kind = binary.then_some(MessageKind::Binary);
    // A fragment was queued: the message has begun.
    let mut begun = false;
    loop {
        let read = match read_some(input, &mut buf[held..held + PIECE]) {
            Ok(read) => read,
            Err(e) => return Event::InputFailed(format!("cannot read stdin: {e}")),
        };
        let end = held + read;
        let eof = read == 0;
        let (chosen, ready) = match next_step(kind, &buf[..end], eof) {
            Step::Wait => {
                held = end;
                continue;
            }
            Step::NotUtf8(at) => {
                return Event::InputFailed(format!(
                    "stdin is not UTF-8 at byte offset {}, but the message began as text \
                     (send it with --binary)",
                    offset + at as u64
                ))
            }
            Step::Send(chosen, ready) => (chosen, ready),
        };
        kind = Some(chosen);
        // Nothing to send yet but part of a character, unless it is the end.
        if ready > 0 || eof {
            if verbose && !begun {
                eprintln!("* sending stdin as one {} message", kind_name(chosen));
            }
            begun = true;
            match outlet.send_fragment(chosen, &buf[..ready], eof) {
                Ok(()) => {}
                Err(SendError::NotConnected) => return Event::InputEnd,
                Err(e) => return Event::InputFailed(format!("cannot send stdin: {e}")),
            }
        }
        if eof {
            outlet.wait_sent();
            return Event::InputEnd;
        }
        buf.copy_within(ready..end, 0);
        held = end - ready;
        offset += ready as u64;
    }
}

/// One read, retried when a signal interrupts it.
fn read_some(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            read => return read,
        }
    }
}

fn kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Text => "text",
        MessageKind::Binary => "binary",
    }
}

/// What to do with the bytes in hand.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// Send the first n as a fragment of this type and keep the rest (part of a character)
    /// for the next one.
    Send(MessageKind, usize),
    /// Keep them all and read more: they are UTF-8 but for a character cut at their end, and
    /// the type is not chosen yet (should stdin end there, the message is binary).
    Wait,
    /// A text message cannot go on: the bytes are not UTF-8 from this offset.
    NotUtf8(usize),
}

/// The next step for `bytes` (what was held, then what was just read) in a message of `kind`
/// (`None`: not chosen yet); `eof`: nothing more will come. Waiting for the end of a character
/// stops once a piece's worth is in hand: text it is then.
fn next_step(kind: Option<MessageKind>, bytes: &[u8], eof: bool) -> Step {
    let all = bytes.len();
    let (valid, cut) = match std::str::from_utf8(bytes) {
        Ok(_) => return Step::Send(kind.unwrap_or(MessageKind::Text), all),
        // A character cut at the end (`error_len` None) or a byte that is not UTF-8.
        Err(e) => (e.valid_up_to(), e.error_len().is_none() && !eof),
    };
    match kind {
        Some(MessageKind::Binary) => Step::Send(MessageKind::Binary, all),
        Some(MessageKind::Text) if cut => Step::Send(MessageKind::Text, valid),
        Some(MessageKind::Text) => Step::NotUtf8(valid),
        None if cut && all >= PIECE => Step::Send(MessageKind::Text, valid),
        None if cut => Step::Wait,
        None => Step::Send(MessageKind::Binary, all),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MessageKind::{Binary, Text};

    #[test]
    fn utf8_first_makes_text_else_binary() {
        assert_eq!(
            next_step(None, "wörld".as_bytes(), false),
            Step::Send(Text, 6)
        );
        assert_eq!(next_step(None, b"", true), Step::Send(Text, 0));
        assert_eq!(next_step(None, b"ab\xff", false), Step::Send(Binary, 3));
        assert_eq!(
            next_step(Some(Binary), b"abc", false),
            Step::Send(Binary, 3)
        );
    }

    #[test]
    fn a_character_cut_by_a_read_waits_for_the_next() {
        // "é" is c3 a9; "€" is e2 82 ac.
        assert_eq!(next_step(Some(Text), b"ab\xc3", false), Step::Send(Text, 2));
        assert_eq!(
            next_step(Some(Text), b"\xe2\x82", false),
            Step::Send(Text, 0)
        );
        assert_eq!(
            next_step(Some(Text), b"\xe2\x82\xac", false),
            Step::Send(Text, 3)
        );
        // Before the type is chosen, the whole read waits.
        assert_eq!(next_step(None, b"ab\xc3", false), Step::Wait);
        assert_eq!(next_step(None, b"ab\xc3\xa9", false), Step::Send(Text, 4));
        // ...unless a piece's worth is in hand.
        let mut long = vec![b'a'; PIECE - 1];
        long.push(0xc3);
        assert_eq!(next_step(None, &long, false), Step::Send(Text, PIECE - 1));
    }

    #[test]
    fn text_stops_at_a_byte_that_is_not_utf8_or_an_end_inside_a_character() {
        assert_eq!(next_step(Some(Text), b"ok\xffok", false), Step::NotUtf8(2));
        assert_eq!(next_step(Some(Text), b"ab\xc3", true), Step::NotUtf8(2));
        // A lone continuation byte is no character's start.
        assert_eq!(next_step(Some(Text), b"\xa9", false), Step::NotUtf8(0));
        // Input that ends inside its first character was never text.
        assert_eq!(next_step(None, b"ab\xc3", true), Step::Send(Binary, 3));
    }
}
