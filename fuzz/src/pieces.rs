//! `frame_decoder_pieces`: the same bytes from the peer through a [`Protocol`] in fragment mode
//! (fed in random pieces) and through one that delivers whole messages (fed at once).
//!
//! Input: a flags byte (bit 0 the role, bit 1 permessage-deflate), a parameters byte (as
//! `frame_decoder_deflate`'s, used with bit 1), a seed byte, then the wire bytes.
//!
//! Asserted, besides "no panic":
//! - the pieces of each message, joined, are the message the other connection delivers whole,
//!   with the same control frames around them; a message that fails midway delivered only
//!   pieces before the failure (never its FINAL one), and both connections fail (with the
//!   same error without deflate);
//! - FIRST exactly on a message's first piece, FINAL on its last, one kind per message, every
//!   piece followed by a 0 byte, every text piece valid UTF-8 on its own (std's validator);
//!   the caller overwriting a piece (terminator included) changes nothing that follows;
//! - an inflated piece is at most 64 KiB;
//! - both connections wrote the same bytes (pongs, close replies and failures' close frames);
//! - memory: the most bytes live at once in fragment mode stays under a bound set by the
//!   input's length, whatever the messages inflate to.
use crate::alloc;
use crate::rng::Rng;
use net_websocket_protocol::{
    Config, DeflateParams, Entropy, Event, MessageKind, Protocol, ProtocolError, Role,
    DEFAULT_DEFLATE_LEVEL, DEFAULT_DEFLATE_MEM_LEVEL,
};
use std::hash::Hasher;

/// The most inflated bytes one piece holds (the reader's `PIECE_MAX`).
const PIECE_MAX: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Message(MessageKind, Print),
    Ping(Print),
    Pong(Print),
    Close(Option<u16>, Print),
    Failed(ProtocolError),
}

fn entropy() -> Entropy {
    let mut state = Rng::new(0x91ec);
    Box::new(move |buf: &mut [u8]| {
        for b in buf.iter_mut() {
            *b = state.next() as u8;
        }
    })
}

pub fn frame_decoder_pieces(data: &[u8]) {
    let [flags, params, seed, wire @ ..] = data else {
        return;
    };
    let role = if flags & 1 == 0 {
        Role::Client
    } else {
        Role::Server
    };
    let deflate = (flags & 2 != 0).then_some(DeflateParams {
        client_max_window_bits: 8 + (params & 7),
        server_max_window_bits: 8 + ((params >> 3) & 7),
        client_no_context_takeover: params & 0x40 != 0,
        server_no_context_takeover: params & 0x80 != 0,
        min_compress_size: 0,
        level: DEFAULT_DEFLATE_LEVEL,
        mem_level: DEFAULT_DEFLATE_MEM_LEVEL,
    });
    let base = alloc::start();
    let (pieces, pieces_output) = run_pieces(role, deflate, *seed, wire);
    let peak = alloc::peak_since(base);
    // The read buffer (a few times the input at most), zlib's states (deflate's about 330 KiB
    // with a 15-bit window, inflate's 45 KiB), one piece (64 KiB): nothing grows with a
    // message's size (the corpus has a 1 MiB message in 1 KiB of input).
    let bound = 2 * wire.len() + 1024 * 1024;
    assert!(
        peak <= bound,
        "fragment mode used {peak} bytes, bound {bound}"
    );
    let (mut whole, mut whole_output) = run_whole(role, deflate, wire);
    let (mut pieces, mut pieces_output) = (pieces, pieces_output);
    let failed = |got: &[Got]| matches!(got.last(), Some(Got::Failed(_)));
    assert_eq!(failed(&pieces), failed(&whole), "{pieces:?} {whole:?}");
    if deflate.is_some() && failed(&whole) && pieces.last() != whole.last() {
        // Inflating all of a message first or piece by piece may meet a bad bit or bad text
        // in a different order: a different error, and so a different code in the close
        // frame that ends both outputs (its last two bytes; the frames are the same size).
        pieces.pop();
        whole.pop();
        assert_eq!(pieces_output.len(), whole_output.len());
        let keep = pieces_output.len().saturating_sub(2);
        pieces_output.truncate(keep);
        whole_output.truncate(keep);
    }
    assert_eq!(pieces, whole);
    assert_eq!(pieces_output, whole_output, "the same bytes written");
}

/// Fragment mode, the input in random pieces, every event polled after each.
fn run_pieces(
    role: Role,
    deflate: Option<DeflateParams>,
    seed: u8,
    wire: &[u8],
) -> (Vec<Got>, Vec<u8>) {
    let config = Config {
        fragments: true,
        ..Config::default()
    };
    let mut conn = Protocol::new(role, config, deflate, entropy());
    let mut rng = Rng::new(u64::from(seed) << 32 | wire.len() as u64);
    let mut got = Vec::new();
    // The message being received: its kind and the hash of its bytes so far.
    let mut open: Option<(MessageKind, Joined)> = None;
    let mut pos = 0;
    loop {
        while let Some(event) = conn.poll_event() {
            match event {
                Event::Fragment {
                    kind,
                    mut data,
                    first,
                    last,
                } => {
                    assert_eq!(data.with_nul().last(), Some(&0), "a terminator");
                    if kind == MessageKind::Text {
                        assert!(std::str::from_utf8(&data).is_ok(), "a text piece is UTF-8");
                    }
                    if deflate.is_some() {
                        assert!(data.len() <= PIECE_MAX, "a piece of {}", data.len());
                    }
                    assert_eq!(first, open.is_none(), "FIRST on the first piece only");
                    let (open_kind, mut joined) = open.take().unwrap_or((kind, Joined::new()));
                    assert_eq!(open_kind, kind, "one kind per message");
                    joined.add(&data);
                    // The caller may change the bytes (terminator included): nothing may
                    // depend on them afterwards.
                    data.with_nul().fill(0xA5);
                    if last {
                        got.push(Got::Message(kind, joined.print()));
                    } else {
                        open = Some((kind, joined));
                    }
                }
                Event::Message { .. } => panic!("a whole message in fragment mode"),
                other => got.push(summary(other)),
            }
        }
        if pos == wire.len() {
            break;
        }
        let n = rng.piece(wire.len() - pos);
        conn.receive_data(&wire[pos..pos + n]);
        pos += n;
    }
    (got, drain(&mut conn))
}

/// Whole messages, the input at once.
fn run_whole(role: Role, deflate: Option<DeflateParams>, wire: &[u8]) -> (Vec<Got>, Vec<u8>) {
    // No message limit, as in fragment mode (the input is small, so is any message).
    let config = Config {
        max_message_size: usize::MAX,
        ..Config::default()
    };
    let mut conn = Protocol::new(role, config, deflate, entropy());
    conn.receive_data(wire);
    let mut got = Vec::new();
    while let Some(event) = conn.poll_event() {
        got.push(match event {
            Event::Message { kind, data } => Got::Message(kind, print(&data)),
            other => summary(other),
        });
    }
    (got, drain(&mut conn))
}

fn summary(event: Event<'_>) -> Got {
    match event {
        Event::Ping(p) => Got::Ping(print(p)),
        Event::Pong(p) => Got::Pong(print(p)),
        Event::Close { code, reason } => Got::Close(code, print(reason.as_bytes())),
        Event::Failed(e) => Got::Failed(e),
        Event::Message { .. } | Event::Fragment { .. } => unreachable!("data handled apart"),
    }
}

fn drain(conn: &mut Protocol) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let n = conn.pending_output().len();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(conn.pending_output());
        conn.consume_output(n);
    }
}

/// Bytes as their length and a hash, the same whether they come whole or in pieces (the
/// pieces are not kept, so the memory measured is the library's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Print(usize, u64);

fn print(bytes: &[u8]) -> Print {
    let mut joined = Joined::new();
    joined.add(bytes);
    joined.print()
}

/// A hash fed piece by piece (SipHash's `write` does not depend on how the bytes are cut).
struct Joined(usize, std::collections::hash_map::DefaultHasher);

impl Joined {
    fn new() -> Joined {
        Joined(0, std::collections::hash_map::DefaultHasher::new())
    }

    fn add(&mut self, piece: &[u8]) {
        self.0 += piece.len();
        self.1.write(piece);
    }

    fn print(&self) -> Print {
        Print(self.0, self.1.finish())
    }
}
