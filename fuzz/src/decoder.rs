//! `frame_decoder` and `frame_decoder_deflate`: bytes from the peer into a
//! [`Protocol`], in random pieces through both input paths, with every event polled.
//!
//! Input: a flags byte, (deflate only) a parameters byte, a seed byte, then the wire bytes.
//! Flags: bit 0 the role (client, server), bits 1-2 the message limit, bit 3 also sends
//! messages, pings and a close at random points, bit 4 ends the input with EOF.
//!
//! Asserted, besides "no panic":
//! - the events do not depend on how the input was cut: one `receive_data` of everything
//!   gives the same events as the random pieces through `receive_data` and
//!   `read_space`/`commit_read` (with junk written past the committed bytes), `has_event`
//!   peeks, more input arriving after a peek, events left unpolled across reads, the read
//!   buffer taken away and given back, and EOF;
//! - without deflate, the events equal those of [`crate::reference`], a separate reading of
//!   RFC 6455 §5 (same messages, pings, pongs and close, same failure close code);
//! - at most one `Failed` and nothing after it or after `Close`; the state is `Closed` then;
//! - a message is at most the limit, ends in a 0 byte outside its length, and a text message
//!   is UTF-8 (by std's validator); control payloads are at most 125 bytes;
//! - `send_*` results follow the state (Closing: `AlreadyClosing`, Closed: `Closed`) and the
//!   argument rules;
//! - everything the connection wrote (pongs, close replies, the failure's close frame, and
//!   with bit 3 our messages, compressed when negotiated) is read back by a peer
//!   `Protocol` of the other role as exactly the frames expected: the messages in order, the
//!   pings and pongs in order (one may go ahead of a large message queued before it), the
//!   close last (after a close we owe, a reply or a failure's, our messages not begun yet may
//!   be missing: a prefix of them and some of the pongs come before the close);
//! - memory: the most bytes live at once stays under a bound set by the input's length and
//!   the message limit (a frame header announcing 2^62 bytes allocates nothing).
use crate::alloc;
use crate::reference::{self, Expected};
use crate::rng::Rng;
use net_websocket_protocol::{
    Config, DeflateParams, Entropy, Event, MessageKind, Protocol, ProtocolError, Role, SendError,
    State, DEFAULT_DEFLATE_LEVEL, DEFAULT_DEFLATE_MEM_LEVEL,
};

/// The message limits bits 1-2 choose: small, so that the limit is reached often.
const LIMITS: [usize; 4] = [64 * 1024, 4096, 200, 0];

/// Bytes as their length and a hash: the chunked run keeps no copies of what it received,
/// so that the memory it measures is the library's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Print(usize, u64);

pub fn print(bytes: &[u8]) -> Print {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    Print(bytes.len(), h.finish())
}

/// A received event, summarized.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Message(MessageKind, Print),
    Ping(Print),
    Pong(Print),
    Close(Option<u16>, Print),
    Failed(ProtocolError),
}

impl Got {
    fn is_final(&self) -> bool {
        matches!(self, Got::Close(..) | Got::Failed(_))
    }
}

/// A frame our connection must have written, as the peer will see it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sent {
    Message(MessageKind, Print),
    Ping(Print),
    Pong(Print),
    Close(Option<u16>, Print),
    /// A close we owe (the reply to the peer's close, or a failure's): it goes out after the
    /// frame being written, and data queued but not begun is dropped (RFC 6455 §5.5.1: "as
    /// soon as practical").
    CloseOwed(Option<u16>, Print),
}

fn entropy(seed: u8) -> Entropy {
    let mut state = Rng::new(u64::from(seed) ^ 0x5eed);
    Box::new(move |buf: &mut [u8]| {
        for b in buf.iter_mut() {
            *b = state.next() as u8;
        }
    })
}

struct Setup {
    role: Role,
    max: usize,
    sends: bool,
    eof: bool,
    deflate: Option<DeflateParams>,
    seed: u8,
}

/// `frame_decoder`: no extension negotiated.
pub fn frame_decoder(data: &[u8]) {
    let [flags, seed, wire @ ..] = data else {
        return;
    };
    let setup = Setup::new(*flags, None, *seed);
    let got = setup.run_chunked(wire);
    let whole = setup.run_whole(wire);
    assert_same(&got, &whole, true);
    let expected = reference::events(setup.role, setup.max, wire);
    assert_matches_reference(&whole, &expected);
}

/// `frame_decoder_deflate`: permessage-deflate negotiated with the parameters of the second
/// byte: bits 0-2 client_max_window_bits - 8, bits 3-5 server_max_window_bits - 8, bit 6
/// client_no_context_takeover, bit 7 server_no_context_takeover.
pub fn frame_decoder_deflate(data: &[u8]) {
    let [flags, params, seed, wire @ ..] = data else {
        return;
    };
    let deflate = DeflateParams {
        client_max_window_bits: 8 + (params & 7),
        server_max_window_bits: 8 + ((params >> 3) & 7),
        client_no_context_takeover: params & 0x40 != 0,
        server_no_context_takeover: params & 0x80 != 0,
        min_compress_size: usize::from(flags >> 5) * 8,
        level: DEFAULT_DEFLATE_LEVEL,
        mem_level: DEFAULT_DEFLATE_MEM_LEVEL,
    };
    let setup = Setup::new(*flags, Some(deflate), *seed);
    let got = setup.run_chunked(wire);
    let whole = setup.run_whole(wire);
    // Where a compressed message fails may depend on the pieces (zlib sees the bad bits and
    // the output limit in a different order): only the failure's kind is compared loosely.
    assert_same(&got, &whole, false);
}

impl Setup {
    fn new(flags: u8, deflate: Option<DeflateParams>, seed: u8) -> Setup {
        Setup {
            role: if flags & 1 == 0 {
                Role::Client
            } else {
                Role::Server
            },
            max: LIMITS[usize::from((flags >> 1) & 3)],
            sends: flags & 8 != 0,
            eof: flags & 16 != 0,
            deflate,
            seed,
        }
    }

    fn connection(&self) -> Protocol {
        let config = Config {
            max_message_size: self.max,
            ..Config::default()
        };
        Protocol::new(self.role, config, self.deflate, entropy(self.seed))
    }

    /// All the input in one `receive_data`, then every event.
    fn run_whole(&self, wire: &[u8]) -> Vec<Got> {
        let mut conn = self.connection();
        let mut got = Vec::new();
        let mut sent = Vec::new();
        conn.receive_data(wire);
        poll_all(&mut conn, self.max, &mut got, &mut sent);
        let mut output = Vec::new();
        drain_output(&mut conn, &mut output, usize::MAX);
        self.check_output(&output, &sent);
        got
    }

    /// The input in random pieces through both input paths, with random API calls between.
    fn run_chunked(&self, wire: &[u8]) -> Vec<Got> {
        let base = alloc::start();
        let mut rng = Rng::new(u64::from(self.seed) << 32 | wire.len() as u64);
        let mut conn = self.connection();
        let mut got = Vec::new();
        let mut sent = Vec::new();
        let mut output = Vec::new();
        let mut pos = 0;
        // What a peek (has_event) promised: an event is there even if more input comes.
        let mut promised = false;
        while pos < wire.len() {
            match rng.below(16) {
                0..=6 => {
                    let n = rng.piece(wire.len() - pos);
                    conn.receive_data(&wire[pos..pos + n]);
                    pos += n;
                }
                7..=10 => {
                    let want = rng.piece(wire.len() - pos);
                    let space = conn.read_space();
                    assert!(space.len() >= 4096, "read_space under 4 KiB");
                    let n = want.min(space.len());
                    space[..n].copy_from_slice(&wire[pos..pos + n]);
                    // Junk where the transport did not write: never to be parsed.
                    for b in space[n..].iter_mut().take(16) {
                        *b = 0x8A;
                    }
                    conn.commit_read(n);
                    pos += n;
                }
                11 => {
                    // Peek, then maybe more input before the poll (the peeked event must
                    // survive it).
                    let has = conn.has_event();
                    assert!(has || !promised, "has_event forgot what it promised");
                    promised = has;
                    if !has {
                        assert!(
                            conn.poll_event().is_none(),
                            "has_event false, poll_event Some"
                        );
                    }
                    continue;
                }
                12 => {
                    // Poll only some events; the rest wait in the buffer across reads.
                    let n = rng.below(3);
                    for _ in 0..n {
                        if !poll_one(&mut conn, self.max, &mut got, &mut sent) {
                            break;
                        }
                        promised = false;
                    }
                    continue;
                }
                13 => {
                    let n = rng.piece(conn.pending_output_len().max(1));
                    drain_output(&mut conn, &mut output, n);
                    while conn.take_written_buffer().is_some() {}
                    continue;
                }
                14 => {
                    if self.sends {
                        let slice = &wire[pos..(pos + rng.below(200)).min(wire.len())];
                        send_something(&mut conn, &mut rng, slice, &mut sent);
                        while conn.take_written_buffer().is_some() {}
                    }
                    continue;
                }
                _ => {
                    // An idle buffer taken away (pooled), then given back or replaced.
                    if let Some(buffer) = conn.take_idle_read_buffer() {
                        assert!(!conn.has_read_buffer());
                        let buffer_len = buffer.len();
                        match rng.below(3) {
                            // Buffers of 4 KiB or less are refused (read_space promises
                            // 4 KiB of room, and the last byte is never handed out).
                            0 => assert_eq!(
                                conn.give_read_buffer(buffer).is_none(),
                                buffer_len > 4096
                            ),
                            1 => {
                                let other = vec![0xEE; 4097 + rng.below(5000)];
                                assert!(conn.give_read_buffer(other).is_none());
                            }
                            _ => {}
                        }
                    }
                    continue;
                }
            }
            if rng.below(4) != 0 {
                poll_all(&mut conn, self.max, &mut got, &mut sent);
                promised = false;
            }
        }
        if self.eof {
            conn.receive_eof();
            assert_eq!(conn.state(), State::Closed);
        }
        poll_all(&mut conn, self.max, &mut got, &mut sent);
        drain_output(&mut conn, &mut output, usize::MAX);
        let peak = alloc::peak_since(base);
        let sent_bytes: usize = sent
            .iter()
            .map(|s| match s {
                Sent::Message(_, Print(len, _)) => *len,
                _ => 0,
            })
            .sum();
        // What this function itself holds (its vectors only grow, so their final capacity
        // bounds them at any moment).
        let harness = got.capacity() * std::mem::size_of::<Got>()
            + sent.capacity() * std::mem::size_of::<Sent>()
            + output.capacity();
        let bound = memory_bound(wire.len(), self.max, self.deflate.is_some(), sent_bytes);
        assert!(
            peak <= bound + harness,
            "{peak} bytes live at once for {} bytes of input (bound {bound} + {harness})",
            wire.len()
        );
        drop(conn);
        self.check_output(&output, &sent);
        got
    }

    /// A peer of the other role reads back what we wrote: exactly the frames in `sent`.
    fn check_output(&self, output: &[u8], sent: &[Sent]) {
        let peer_role = match self.role {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        };
        let config = Config {
            max_message_size: 1 << 24,
            ..Config::default()
        };
        // Control frames alone need no inflater (and zlib's state is most of the cost).
        let messages = sent.iter().any(|s| matches!(s, Sent::Message(..)));
        let deflate = self.deflate.filter(|_| messages);
        let mut peer = Protocol::new(peer_role, config, deflate, entropy(0));
        peer.receive_data(output);
        let mut seen = Vec::new();
        while let Some(event) = peer.poll_event() {
            seen.push(match event {
                Event::Message { kind, data } => Sent::Message(kind, print(&data)),
                Event::Ping(p) => Sent::Ping(print(p)),
                Event::Pong(p) => Sent::Pong(print(p)),
                Event::Close { code, reason } => Sent::Close(code, print(reason.as_bytes())),
                Event::Failed(e) => panic!("the peer failed on our output: {e} after {seen:?}"),
                Event::Fragment { .. } => unreachable!("not in fragment mode"),
            });
        }
        let owed = matches!(sent.last(), Some(Sent::CloseOwed(..)));
        let sent: Vec<Sent> = sent
            .iter()
            .map(|s| match s {
                Sent::CloseOwed(code, reason) => Sent::Close(*code, *reason),
                other => other.clone(),
            })
            .collect();
        // Data messages keep their order, and so do pings and pongs, but a ping or pong may go
        // out ahead of a large message queued before it (between two of its frames, or before
        // its first). A close is last.
        let messages = |v: &[Sent]| -> Vec<Sent> {
            v.iter()
                .filter(|s| matches!(s, Sent::Message(..)))
                .cloned()
                .collect()
        };
        let controls = |v: &[Sent]| -> Vec<Sent> {
            v.iter()
                .filter(|s| matches!(s, Sent::Ping(_) | Sent::Pong(_)))
                .cloned()
                .collect()
        };
        let closes = |v: &[Sent]| v.iter().filter(|s| matches!(s, Sent::Close(..))).count();
        assert!(closes(&seen) <= 1, "{seen:?}");
        if closes(&sent) == 1 {
            assert_eq!(seen.last(), sent.last(), "the close, last: {seen:?}");
        } else {
            assert_eq!(closes(&seen), 0, "{seen:?}");
        }
        let (got, want) = (messages(&seen), messages(&sent));
        let (got_controls, want_controls) = (controls(&seen), controls(&sent));
        if !owed {
            assert_eq!(got, want, "the messages the peer read != what we sent");
            assert_eq!(got_controls, want_controls, "pings and pongs");
        } else {
            // After a close we owe, those not begun are dropped: a prefix of the messages,
            // some of the pings and pongs, in order.
            assert!(want.starts_with(&got), "messages {got:?} of {want:?}");
            let mut ours = want_controls.iter();
            for control in &got_controls {
                assert!(
                    ours.any(|s| s == control),
                    "{control:?} not sent, or out of order"
                );
            }
        }
        if !output.is_empty() {
            assert!(
                peer.take_idle_read_buffer().is_some(),
                "bytes after our last frame"
            );
        }
    }
}

/// The most bytes the library may hold at once: its input and output buffers may reach a few
/// times what came in (a buffer at most doubles per read; a 2-byte ping makes a 6-byte pong),
/// messages up to the limit with their assembly and detach copies (and inflate's 32 KiB
/// steps), zlib's state, and what we sent (payload, compressed copy, output).
fn memory_bound(input: usize, max: usize, deflate: bool, sent: usize) -> usize {
    let zlib = if deflate { 512 * 1024 } else { 0 };
    64 * 1024 + 24 * input + 4 * max + 2 * 32 * 1024 + zlib + 3 * sent
}

/// Polls until `None`.
fn poll_all(conn: &mut Protocol, max: usize, got: &mut Vec<Got>, sent: &mut Vec<Sent>) {
    while poll_one(conn, max, got, sent) {}
}

/// Polls one event, checks it and what it queued; false when there was none.
fn poll_one(conn: &mut Protocol, max: usize, got: &mut Vec<Got>, sent: &mut Vec<Sent>) -> bool {
    let open = conn.state() == State::Open;
    let finished = got.last().is_some_and(Got::is_final);
    let Some(event) = conn.poll_event() else {
        return false;
    };
    assert!(!finished, "an event after {:?}: {event:?}", got.last());
    let event = match event {
        Event::Message { kind, mut data } => {
            assert!(data.len() <= max, "message of {} over {max}", data.len());
            assert_eq!(data.with_nul().last(), Some(&0), "no terminator");
            assert_eq!(data.with_nul().len(), data.len() + 1);
            if kind == MessageKind::Text {
                assert!(std::str::from_utf8(&data).is_ok(), "text is not UTF-8");
            }
            let summary = print(&data);
            // The caller may change the bytes (terminator included): nothing may depend on
            // them afterwards.
            data.with_nul().fill(0xA5);
            Got::Message(kind, summary)
        }
        Event::Ping(p) => {
            assert!(p.len() <= 125);
            if open {
                sent.push(Sent::Pong(print(p)));
            }
            Got::Ping(print(p))
        }
        Event::Pong(p) => {
            assert!(p.len() <= 125);
            Got::Pong(print(p))
        }
        Event::Close { code, reason } => {
            assert!(reason.len() <= 123);
            if open {
                sent.push(Sent::CloseOwed(code, print(reason.as_bytes())));
            }
            Got::Close(code, print(reason.as_bytes()))
        }
        Event::Fragment { .. } => unreachable!("not in fragment mode"),
        Event::Failed(e) => {
            if open {
                sent.push(Sent::CloseOwed(Some(e.close_code()), print(b"")));
            }
            Got::Failed(e)
        }
    };
    if event.is_final() {
        assert_eq!(conn.state(), State::Closed);
        assert!(conn.close_expected());
        assert!(!conn.has_event(), "has_event after the last event");
        assert!(
            conn.poll_event().is_none(),
            "poll_event after the last event"
        );
    }
    got.push(event);
    true
}

/// Moves up to `n` pending output bytes to `output`, in pieces as a transport would.
fn drain_output(conn: &mut Protocol, output: &mut Vec<u8>, mut n: usize) {
    while n > 0 && conn.pending_output_len() > 0 {
        let before = conn.pending_output_len();
        let piece = conn.pending_output();
        assert!(
            !piece.is_empty(),
            "pending_output_len > 0, pending_output empty"
        );
        let take = piece.len().min(n);
        output.extend_from_slice(&piece[..take]);
        conn.consume_output(take);
        assert_eq!(conn.pending_output_len(), before - take);
        n -= take;
    }
}

/// One `send_*` call with arguments from the input; checks its result against the state.
fn send_something(conn: &mut Protocol, rng: &mut Rng, bytes: &[u8], sent: &mut Vec<Sent>) {
    let refusal = match conn.state() {
        State::Open => None,
        State::Closing => Some(SendError::AlreadyClosing),
        State::Closed => Some(SendError::Closed),
    };
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (result, ok) = match rng.below(7) {
        0 => (
            conn.send_text(&text),
            Sent::Message(MessageKind::Text, print(text.as_bytes())),
        ),
        1 => (
            conn.send_binary(bytes),
            Sent::Message(MessageKind::Binary, print(bytes)),
        ),
        2 => {
            // Large enough (sometimes) for the in-place path of owned buffers.
            let mut big = Vec::new();
            let target = rng.below(40 * 1024);
            while big.len() < target {
                big.extend_from_slice(if bytes.is_empty() { b"x" } else { bytes });
            }
            let summary = print(&big);
            (
                conn.send_binary_owned(big),
                Sent::Message(MessageKind::Binary, summary),
            )
        }
        3 | 4 => {
            let payload = &bytes[..bytes.len().min(130)];
            let ping = rng.one_in(2);
            let result = if ping {
                conn.send_ping(payload)
            } else {
                conn.send_pong(payload)
            };
            let frame = if ping {
                Sent::Ping(print(payload))
            } else {
                Sent::Pong(print(payload))
            };
            match (&refusal, payload.len() > 125) {
                (None, true) => {
                    assert_eq!(result, Err(SendError::ControlPayloadTooLong(payload.len())));
                    return;
                }
                _ => (result, frame),
            }
        }
        _ => {
            const CODES: [Option<u16>; 8] = [
                None,
                Some(1000),
                Some(1001),
                Some(1005),
                Some(1006),
                Some(3000),
                Some(4999),
                Some(5000),
            ];
            let code = CODES[rng.below(CODES.len())];
            let mut reason = text;
            while reason.len() > 124 {
                reason.pop();
            }
            if rng.one_in(2) {
                reason.clear();
            }
            let result = conn.send_close(code, &reason);
            if refusal.is_none() {
                let valid = |c: u16| matches!(c, 1000..=1003 | 1007..=1014 | 3000..=4999);
                let expected = match code {
                    Some(c) if !valid(c) => Some(SendError::InvalidCloseCode(c)),
                    None if !reason.is_empty() => Some(SendError::InvalidCloseCode(1005)),
                    _ if reason.len() > 123 => Some(SendError::ControlPayloadTooLong(reason.len())),
                    _ => None,
                };
                if let Some(error) = expected {
                    assert_eq!(result, Err(error));
                    return;
                }
                assert_eq!(conn.state(), State::Closing);
            }
            (result, Sent::Close(code, print(reason.as_bytes())))
        }
    };
    match refusal {
        Some(error) => assert_eq!(result, Err(error)),
        None => {
            assert_eq!(result, Ok(()));
            sent.push(ok);
        }
    }
}

/// The chunked run's events equal the whole run's. `strict`: failures too; else only that
/// both failed.
fn assert_same(chunked: &[Got], whole: &[Got], strict: bool) {
    let same = chunked.len() == whole.len()
        && chunked.iter().zip(whole).all(|(a, b)| match (a, b) {
            (Got::Failed(x), Got::Failed(y)) => strict.then(|| x == y).unwrap_or(true),
            _ => a == b,
        });
    assert!(
        same,
        "events depend on how the input was cut:\n pieces: {chunked:?}\n whole:  {whole:?}"
    );
}

/// The whole run's events equal the reference model's.
fn assert_matches_reference(got: &[Got], expected: &[Expected<Vec<u8>>]) {
    let as_expected: Vec<Expected<Print>> = got
        .iter()
        .map(|g| match g {
            Got::Message(k, d) => Expected::Message(*k, *d),
            Got::Ping(p) => Expected::Ping(*p),
            Got::Pong(p) => Expected::Pong(*p),
            Got::Close(c, r) => Expected::Close(*c, *r),
            Got::Failed(e) => Expected::Failed(e.close_code()),
        })
        .collect();
    let expected: Vec<Expected<Print>> = expected
        .iter()
        .map(|e| match e {
            Expected::Message(k, d) => Expected::Message(*k, print(d)),
            Expected::Ping(p) => Expected::Ping(print(p)),
            Expected::Pong(p) => Expected::Pong(print(p)),
            Expected::Close(c, r) => Expected::Close(*c, print(r)),
            Expected::Failed(code) => Expected::Failed(*code),
        })
        .collect();
    assert_eq!(
        as_expected, expected,
        "library and reference model disagree"
    );
}
