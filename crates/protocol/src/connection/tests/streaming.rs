//! Streaming: receiving data messages in pieces (fragment mode), sending them in fragments
//! (RFC 6455 §5.4, RFC 7692 §6.1 for compressed ones), and frames of at most the max frame
//! size with control frames between them.
use super::*;
use crate::reader::PIECE_MAX;
use crate::writer::MIN_FRAME;

fn pieces_config() -> Config {
    Config {
        fragments: true,
        ..Config::default()
    }
}

fn streaming(role: Role, deflate: Option<DeflateParams>) -> Protocol {
    conn_with(role, pieces_config(), deflate)
}

/// The role that talks to `role`.
fn peer_of(role: Role) -> Role {
    match role {
        Role::Client => Role::Server,
        Role::Server => Role::Client,
    }
}

/// Pieces joined into the messages they make, checking the flags on the way: FIRST on each
/// message's first piece only, FINAL on its last only, one kind per message, text pieces
/// valid UTF-8 on their own. Other events pass through; an unfinished message is returned
/// as its pieces so far (as `Ev::Piece`).
fn join(events: Vec<Ev>) -> Vec<Ev> {
    let mut out = Vec::new();
    let mut open: Option<(MessageKind, Vec<u8>)> = None;
    for event in events {
        let Ev::Piece(kind, data, first, last) = event else {
            out.push(event);
            continue;
        };
        if kind == MessageKind::Text {
            assert!(std::str::from_utf8(&data).is_ok(), "a text piece is UTF-8");
        }
        assert_eq!(
            first,
            open.is_none(),
            "FIRST exactly on a message's first piece"
        );
        let (open_kind, mut bytes) = open.take().unwrap_or((kind, Vec::new()));
        assert_eq!(open_kind, kind, "one kind per message");
        bytes.extend_from_slice(&data);
        if last {
            out.push(match kind {
                MessageKind::Text => Ev::Text(String::from_utf8(bytes).unwrap()),
                MessageKind::Binary => Ev::Binary(bytes),
            });
        } else {
            open = Some((kind, bytes));
        }
    }
    if let Some((kind, bytes)) = open {
        out.push(Ev::Piece(kind, bytes, true, false));
    }
    out
}

/// The frames in a sender's output: (first byte, payload unmasked).
fn frames_in(mut wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while !wire.is_empty() {
        let b0 = wire[0];
        let masked = wire[1] & 0x80 != 0;
        let (len, mut at) = match wire[1] & 0x7F {
            126 => (u16::from_be_bytes([wire[2], wire[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(wire[2..10].try_into().unwrap()) as usize,
                10,
            ),
            n => (n as usize, 2),
        };
        let key = masked.then(|| {
            let key: [u8; 4] = wire[at..at + 4].try_into().unwrap();
            at += 4;
            key
        });
        let mut payload = wire[at..at + len].to_vec();
        if let Some(key) = key {
            apply_mask(&mut payload, key, 0);
        }
        frames.push((b0, payload));
        wire = &wire[at + len..];
    }
    frames
}

/// Multi-byte text: 1-, 2-, 3- and 4-byte characters.
fn mixed_text(chars: usize) -> String {
    ['a', 'é', '€', '😀'].iter().cycle().take(chars).collect()
}

mod receiving {
    use super::*;

    #[test]
    fn a_message_of_one_frame_comes_as_it_is_read() {
        for role in ROLES {
            let data: Vec<u8> = (0..10_000).map(|i| (i % 251) as u8).collect();
            let wire = incoming(role, 0x82, &data);
            let mut c = streaming(role, None);
            let mut events = Vec::new();
            for chunk in wire.chunks(1000) {
                let got = receive(&mut c, chunk);
                assert!(got.len() <= 1, "one piece per read");
                events.extend(got);
            }
            // A piece per read (the first read also held the header).
            assert_eq!(events.len(), wire.len().div_ceil(1000));
            for e in &events {
                let Ev::Piece(_, data, ..) = e else {
                    panic!("{e:?}")
                };
                assert!(data.len() <= 1000);
            }
            assert_eq!(join(events), vec![Ev::Binary(data)], "{role:?}");
        }
    }

    #[test]
    fn pieces_end_in_a_zero_byte_past_their_length() {
        for role in ROLES {
            let mut c = streaming(role, None);
            let wire = incoming(role, 0x02, b"abc");
            c.receive_data(&wire[..wire.len() - 1]);
            let Some(Event::Fragment {
                mut data,
                first,
                last,
                ..
            }) = c.poll_event()
            else {
                panic!("a piece");
            };
            assert_eq!((&*data, first, last), (&b"ab"[..], true, false));
            assert_eq!(data.with_nul(), b"ab\0");
        }
    }

    #[test]
    fn fragments_control_frames_and_empty_frames() {
        for role in ROLES {
            let mut wire = incoming(role, 0x01, b"");
            wire.extend(incoming(role, 0x00, b"one "));
            wire.extend(incoming(role, 0x89, b"ping"));
            wire.extend(incoming(role, 0x00, b""));
            wire.extend(incoming(role, 0x80, b"two"));
            wire.extend(incoming(role, 0x82, b""));
            wire.extend(incoming(role, 0x02, b""));
            wire.extend(incoming(role, 0x80, b""));
            let want = vec![
                Ev::Ping(b"ping".to_vec()),
                text("one two"),
                Ev::Binary(vec![]),
                Ev::Binary(vec![]),
            ];
            let mut c = streaming(role, None);
            let events = receive(&mut c, &wire);
            // The ping comes between the message's pieces.
            assert!(matches!(events[0], Ev::Piece(_, _, true, false)));
            assert!(matches!(events[1], Ev::Ping(_)));
            // A message of empty frames is one piece, FIRST and FINAL.
            assert_eq!(
                &events[events.len() - 2..],
                &[
                    Ev::Piece(MessageKind::Binary, vec![], true, true),
                    Ev::Piece(MessageKind::Binary, vec![], true, true)
                ]
            );
            assert_eq!(join(events), want, "{role:?}");
            let mut c = streaming(role, None);
            let joined = join(receive_bytewise(&mut c, &wire));
            assert_eq!(joined, want, "{role:?} byte by byte");
        }
    }

    #[test]
    fn text_is_cut_only_between_characters() {
        let s = mixed_text(40);
        let bytes = s.as_bytes();
        for role in ROLES {
            // Every split into two frames, every read size from 1 to 7.
            for split in 0..=bytes.len() {
                let mut wire = incoming(role, 0x01, &bytes[..split]);
                wire.extend(incoming(role, 0x80, &bytes[split..]));
                for read in 1..=7 {
                    let mut c = streaming(role, None);
                    let mut events = Vec::new();
                    for chunk in wire.chunks(read) {
                        events.extend(receive(&mut c, chunk));
                    }
                    assert_eq!(join(events), vec![text(&s)], "{role:?} {split} {read}");
                }
            }
        }
    }

    #[test]
    fn invalid_text_fails_after_the_pieces_before_it() {
        for role in ROLES {
            let mut bad = "good ".repeat(100).into_bytes();
            bad.push(0xFF);
            bad.extend_from_slice(b"never");
            let mut c = streaming(role, None);
            let wire = incoming(role, 0x81, &bad);
            let mut events = receive(&mut c, &wire[..300]);
            events.extend(receive(&mut c, &wire[300..]));
            assert_eq!(events.last(), Some(&Ev::Failed(ProtocolError::InvalidUtf8)));
            let joined = join(events[..events.len() - 1].to_vec());
            let [Ev::Piece(MessageKind::Text, delivered, true, false)] = &joined[..] else {
                panic!("{joined:?}")
            };
            assert_eq!(delivered, &bad[..delivered.len()]);
            assert!(delivered.len() <= 500, "nothing after the bad byte");
            assert_eq!(output(&mut c), outgoing(role, 0x88, &1007u16.to_be_bytes()));
        }
    }

    #[test]
    fn a_character_cut_by_the_last_frame_fails() {
        for role in ROLES {
            let mut c = streaming(role, None);
            let mut wire = incoming(role, 0x01, b"ok");
            wire.extend(incoming(role, 0x80, &"€".as_bytes()[..2]));
            let events = receive(&mut c, &wire);
            assert_eq!(events.last(), Some(&Ev::Failed(ProtocolError::InvalidUtf8)));
            assert!(!events.iter().any(|e| matches!(e, Ev::Piece(_, _, _, true))));
        }
    }

    #[test]
    fn the_message_limit_does_not_apply() {
        for role in ROLES {
            let config = Config {
                max_message_size: 100,
                fragments: true,
                ..Config::default()
            };
            let mut c = conn_with(role, config, None);
            let data = vec![7u8; 5000];
            let mut wire = incoming(role, 0x02, &data);
            wire.extend(incoming(role, 0x80, &data));
            let events = receive(&mut c, &wire);
            assert_eq!(join(events), vec![Ev::Binary([&data[..], &data].concat())]);
        }
    }

    #[test]
    fn memory_stays_at_the_read_buffer_whatever_the_message_size() {
        for role in ROLES {
            let mut c = streaming(role, None);
            let chunk = vec![1u8; 16 * 1024];
            let total = 64 * 1024 * 1024usize;
            let mut header = incoming(role, 0x82, &[]);
            // The same header with a 64 MiB length (and, for a server, the peer's mask).
            header.truncate(1);
            header.push(if role == Role::Server { 0xFF } else { 0x7F });
            header.extend_from_slice(&(total as u64).to_be_bytes());
            if role == Role::Server {
                header.extend_from_slice(&[0; 4]);
            }
            c.receive_data(&header);
            let mut received = 0;
            for _ in 0..total / chunk.len() {
                c.receive_data(&chunk);
                while let Some(event) = c.poll_event() {
                    let Event::Fragment { data, .. } = event else {
                        panic!("a piece")
                    };
                    received += data.len();
                }
                assert!(c.reader.buffer_capacity() < 256 * 1024, "{role:?}");
            }
            assert_eq!(received, total);
        }
    }
}

mod compressed {
    use super::*;

    /// `sender`'s messages, compressed, as pieces at a streaming receiver in `read`-byte reads.
    fn round_trip(role: Role, messages: &[Ev], read: usize) -> Vec<Ev> {
        let p = deflate_params();
        let mut sender = conn_with(peer_of(role), Config::default(), Some(p));
        for m in messages {
            match m {
                Ev::Text(s) => sender.send_text(s).unwrap(),
                Ev::Binary(b) => sender.send_binary(b).unwrap(),
                _ => unreachable!(),
            }
        }
        let wire = output(&mut sender);
        let mut c = streaming(role, Some(p));
        let mut events = Vec::new();
        for chunk in wire.chunks(read) {
            events.extend(receive(&mut c, chunk));
        }
        events
    }

    #[test]
    fn messages_are_inflated_as_they_arrive() {
        for role in ROLES {
            let messages = vec![
                text(&mixed_text(5000)),
                Ev::Binary((0..20_000).map(|i| (i % 13) as u8).collect()),
                text(""),
                text("shared window: ".repeat(50).as_str()),
            ];
            for read in [1, 3, 100, 4096, 1 << 20] {
                let events = round_trip(role, &messages, read);
                assert_eq!(join(events), messages, "{role:?} {read}");
            }
        }
    }

    #[test]
    fn a_bomb_comes_in_bounded_pieces() {
        for role in ROLES {
            // 64 MiB of zeros compress to about 64 KiB.
            let zeros = vec![0u8; 64 << 20];
            let events = round_trip(role, &[Ev::Binary(zeros)], 64 * 1024);
            let mut total = 0;
            for e in &events {
                let Ev::Piece(MessageKind::Binary, data, ..) = e else {
                    panic!("{e:?}")
                };
                assert!(data.len() <= PIECE_MAX);
                assert!(data.iter().all(|&b| b == 0));
                total += data.len();
            }
            assert_eq!(total, 64 << 20);
            assert!(matches!(events.last(), Some(Ev::Piece(_, _, _, true))));
        }
    }

    /// RFC 7692 §7.2.3.4: a block with BFINAL ends the message's data; what follows it in the
    /// message is ignored, and the next message starts a new stream.
    #[test]
    fn a_final_block_midway_ends_the_message_data() {
        for role in ROLES {
            let hello_final = [0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00, 0xAB, 0xCD];
            let hello = [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00];
            let mut wire = incoming(role, 0xC1, &hello_final);
            wire.extend(incoming(role, 0xC1, &hello));
            let want = vec![text("Hello"), text("Hello")];
            let mut c = streaming(role, Some(deflate_params()));
            assert_eq!(join(receive(&mut c, &wire)), want, "{role:?}");
            let mut c = streaming(role, Some(deflate_params()));
            assert_eq!(
                join(receive_bytewise(&mut c, &wire)),
                want,
                "{role:?} bytewise"
            );
        }
    }

    #[test]
    fn bad_compressed_data_fails_with_1007() {
        for role in ROLES {
            let p = deflate_params();
            let mut c = streaming(role, Some(p));
            let events = receive(&mut c, &incoming(role, 0xC2, &[0xFF; 40]));
            assert_eq!(
                events.last(),
                Some(&Ev::Failed(ProtocolError::BadCompressedData))
            );
        }
    }
}

mod sending {
    use super::*;
    use crate::frame::MAX_HEADER_LEN;
    use crate::writer::MASK_PIECE;
    use std::io::IoSlice;

    #[test]
    fn fragments_make_one_message() {
        for role in ROLES {
            let mut c = conn(role);
            c.send_binary_fragment(b"one ".to_vec(), true, false)
                .unwrap();
            c.send_ping(b"p").unwrap();
            c.send_binary_fragment(vec![], false, false).unwrap();
            c.send_binary_fragment(b"two".to_vec(), false, true)
                .unwrap();
            let frames = frames_in(&output(&mut c));
            let expect: Vec<(u8, &[u8])> =
                vec![(0x02, b"one "), (0x89, b"p"), (0x00, b""), (0x80, b"two")];
            let frames: Vec<(u8, &[u8])> = frames.iter().map(|(b, p)| (*b, &p[..])).collect();
            assert_eq!(frames, expect, "{role:?}");
            assert!(!c.in_fragmented_message());
        }
    }

    #[test]
    fn messages_do_not_begin_inside_a_fragmented_one() {
        let mut c = conn(Role::Client);
        assert_eq!(
            c.send_binary_fragment(b"x".to_vec(), false, true),
            Err(SendError::NoFragmentedMessage)
        );
        let text = crate::Utf8Text::new(b"t".to_vec()).unwrap();
        c.send_text_fragment(text, true, false).unwrap();
        assert!(c.in_fragmented_message());
        assert_eq!(c.send_text("no"), Err(SendError::FragmentedMessageOpen));
        assert_eq!(c.send_binary(b"no"), Err(SendError::FragmentedMessageOpen));
        assert_eq!(
            c.send_binary_owned(vec![1; 20_000]),
            Err(SendError::FragmentedMessageOpen)
        );
        assert_eq!(
            c.send_binary_fragment(b"x".to_vec(), true, false),
            Err(SendError::FragmentedMessageOpen)
        );
        assert_eq!(c.fragmented_kind(), Some(MessageKind::Text));
        assert_eq!(
            c.send_binary_fragment(b"x".to_vec(), false, true),
            Err(SendError::FragmentKindMismatch)
        );
        // Control frames still go.
        c.send_ping(b"").unwrap();
        let end = crate::Utf8Text::new(b"end".to_vec()).unwrap();
        c.send_text_fragment(end, false, true).unwrap();
        c.send_text("now").unwrap();
        let frames = frames_in(&output(&mut c));
        let b0: Vec<u8> = frames.iter().map(|f| f.0).collect();
        assert_eq!(b0, [0x01, 0x89, 0x80, 0x81]);
    }

    #[test]
    fn a_close_ends_a_fragmented_message() {
        let mut c = conn(Role::Client);
        c.send_binary_fragment(b"abandoned".to_vec(), true, false)
            .unwrap();
        c.send_close(Some(1000), "").unwrap();
        assert!(!c.in_fragmented_message());
        let frames = frames_in(&output(&mut c));
        let b0: Vec<u8> = frames.iter().map(|f| f.0).collect();
        assert_eq!(b0, [0x02, 0x88]);
    }

    #[test]
    fn large_fragments_and_messages_go_in_frames_of_the_max_size() {
        for role in ROLES {
            for max in [MIN_FRAME, 5000] {
                let config = Config {
                    max_frame_size: max,
                    ..Config::default()
                };
                let mut c = conn_with(role, config, None);
                let data: Vec<u8> = (0..40_000).map(|i| (i % 251) as u8).collect();
                // Copied, from its own buffer, and a fragment of each size.
                c.send_binary(&data[..12_345]).unwrap();
                c.send_binary_owned(data.clone()).unwrap();
                c.send_binary_fragment(data[..3000].to_vec(), true, false)
                    .unwrap();
                c.send_binary_fragment(data.clone(), false, true).unwrap();
                let wire = output(&mut c);
                assert!(frames_in(&wire).iter().all(|(_, p)| p.len() <= max));
                let mut receiver = conn(peer_of(role));
                let events = receive(&mut receiver, &wire);
                assert_eq!(
                    events,
                    vec![
                        Ev::Binary(data[..12_345].to_vec()),
                        Ev::Binary(data.clone()),
                        Ev::Binary([&data[..3000], &data].concat()),
                    ]
                );
            }
        }
    }

    #[test]
    fn the_max_frame_size_is_at_least_1_kib() {
        let config = Config {
            max_frame_size: 1,
            ..Config::default()
        };
        let mut c = conn_with(Role::Client, config, None);
        c.send_binary(&[0; 2048]).unwrap();
        let frames = frames_in(&output(&mut c));
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].1.len(), MIN_FRAME);
    }

    #[test]
    fn control_frames_go_between_the_frames_of_a_large_message() {
        let config = Config {
            max_frame_size: MIN_FRAME,
            ..Config::default()
        };
        let mut c = conn_with(Role::Client, config, None);
        c.send_binary_owned(vec![5; 20 * MIN_FRAME]).unwrap();
        // Two frames written, then a ping and the pong of a received ping are queued.
        let mut wire = Vec::new();
        let two_frames = 2 * (MIN_FRAME + 8);
        while wire.len() < two_frames {
            let n = c.pending_output().len().min(two_frames - wire.len());
            wire.extend_from_slice(&c.pending_output()[..n]);
            c.consume_output(n);
        }
        c.send_ping(b"mine").unwrap();
        receive(&mut c, &incoming(Role::Client, 0x89, b"theirs"));
        wire.extend(output(&mut c));
        let b0: Vec<u8> = frames_in(&wire).iter().map(|f| f.0).collect();
        let mut want = vec![0x02, 0x00, 0x89, 0x8A];
        want.extend([0x00; 17]);
        want.push(0x80);
        assert_eq!(b0, want);
    }

    #[test]
    fn a_close_we_owe_goes_after_the_frame_being_written() {
        let config = Config {
            max_frame_size: MIN_FRAME,
            ..Config::default()
        };
        let mut c = conn_with(Role::Client, config, None);
        c.send_binary_owned(vec![5; 20 * MIN_FRAME]).unwrap();
        c.send_binary(b"queued after").unwrap();
        let mut wire = Vec::new();
        while wire.len() < 100 {
            let n = c.pending_output().len().min(100 - wire.len());
            wire.extend_from_slice(&c.pending_output()[..n]);
            c.consume_output(n);
        }
        // The server closes: our reply follows the frame begun, the rest is dropped.
        let frames = server_closes_1001(&mut c, wire);
        assert_eq!(frames[0].1.len(), MIN_FRAME);
        assert_eq!(frames[1].1, 1001u16.to_be_bytes());
    }

    /// The server's close 1001 arrives while `wire` holds part of a binary frame: the frames
    /// of all that is written, which must be that frame, then our close reply.
    fn server_closes_1001(c: &mut Protocol, mut wire: Vec<u8>) -> Vec<(u8, Vec<u8>)> {
        let events = receive(c, &incoming(Role::Client, 0x88, &close_payload(1001, "")));
        assert_eq!(events, vec![Ev::Close(Some(1001), String::new())]);
        wire.extend(output(c));
        let frames = frames_in(&wire);
        let b0: Vec<u8> = frames.iter().map(|f| f.0).collect();
        assert_eq!(b0, [0x02, 0x88]);
        frames
    }

    const MIB: usize = 1 << 20;

    fn frames_of_1_mib() -> Config {
        Config {
            max_frame_size: MIB,
            ..Config::default()
        }
    }

    /// Client keys that change from frame to frame, so that a piece masked with another
    /// frame's key shows.
    fn counting_entropy() -> Entropy {
        let mut next = 0u8;
        Box::new(move |buf: &mut [u8]| {
            for b in buf {
                next = next.wrapping_add(37);
                *b = next;
            }
        })
    }

    /// What one vectored write of everything offered would write.
    fn offered(c: &Protocol) -> Vec<u8> {
        let mut slices = [IoSlice::new(&[]); 8];
        let n = c.pending_output_vectored(&mut slices);
        slices[..n].iter().flat_map(|s| s.iter().copied()).collect()
    }

    /// 3 MiB + 123 bytes: three frames of 1 MiB and one of 123.
    fn large_payload() -> Vec<u8> {
        let mut rng = Rng(11);
        (0..3 * MIB + 123).map(|_| rng.next() as u8).collect()
    }

    /// A client masks a spooled frame a piece at a time, each once the one before it is
    /// written: never more than a piece is offered (after a header and a waiting ping), the
    /// bytes left count what is not masked yet and reach 0 exactly, a ping queued mid-frame
    /// goes out after that frame, and the wire, written in writes of all sizes, parses back
    /// into the payload with each frame's own key.
    #[test]
    fn a_client_masks_spooled_frames_in_pieces_as_they_are_written() {
        let mut c = Protocol::new(Role::Client, frames_of_1_mib(), None, counting_entropy());
        let payload = large_payload();
        c.send_binary_owned(payload.clone()).unwrap();
        // The wire: frames of 1 MiB with 14-byte headers, the ping (queued during the second)
        // after the second, then 123 bytes after a 6-byte header.
        let second_at = 14 + MIB;
        let ping_at = 2 * (14 + MIB);
        let third_at = ping_at + 9;
        let last_at = third_at + 14 + MIB;
        // Once a frame is written whole, the next is made: its header joins the bytes left.
        let next_header = |written: usize| match written {
            w if w == second_at || w == ping_at => 14,
            w if w == last_at => 6,
            _ => 0,
        };
        let mut left = 14 + payload.len();
        assert_eq!(c.pending_output_len(), left);
        let mut wire = Vec::new();
        let mut pinged = false;
        for size in [1, 7, 4096, 300_000, 13, 65_536, MIB, 2].iter().cycle() {
            if !pinged && wire.len() >= second_at + MIB / 2 {
                c.send_ping(b"mid").unwrap();
                pinged = true;
                left += 9;
                assert_eq!(c.pending_output_len(), left);
            }
            let ready = offered(&c);
            if ready.is_empty() {
                break;
            }
            // At most a piece, after a header and the ping.
            assert!(
                ready.len() <= 9 + MAX_HEADER_LEN + MASK_PIECE,
                "at {}",
                wire.len()
            );
            // A header never goes out alone: some of its payload is ready with it.
            let headers_here = match wire.len() {
                w if w == 0 || w == second_at || w == third_at => 14,
                w if w == ping_at => 9 + 14,
                w if w == last_at => 6,
                _ => 0,
            };
            assert!(ready.len() > headers_here, "at {}", wire.len());
            let n = ready.len().min(*size);
            wire.extend_from_slice(&ready[..n]);
            c.consume_output(n);
            left = left - n + next_header(wire.len());
            assert_eq!(c.pending_output_len(), left, "after {} bytes", wire.len());
        }
        assert_eq!((wire.len(), left), (last_at + 6 + 123, 0));
        for at in [0, second_at, ping_at, third_at, last_at] {
            assert_eq!(wire[at + 1] & 0x80, 0x80, "a masked frame at {at}");
        }
        let frames = frames_in(&wire);
        let b0: Vec<u8> = frames.iter().map(|f| f.0).collect();
        assert_eq!(b0, [0x02, 0x00, 0x89, 0x00, 0x80]);
        assert_eq!(frames[2].1, b"mid");
        let data: Vec<u8> = frames
            .iter()
            .filter(|f| f.0 != 0x89)
            .flat_map(|f| f.1.iter().copied())
            .collect();
        assert!(data == payload, "the payload comes back");
    }

    /// A server does not mask: each spooled frame is offered whole at once.
    #[test]
    fn a_server_offers_whole_spooled_frames() {
        let mut s = conn_with(Role::Server, frames_of_1_mib(), None);
        let payload = large_payload();
        s.send_binary_owned(payload.clone()).unwrap();
        // Frames of 1 MiB with 10-byte headers, then 123 bytes with a 2-byte header.
        let frame_ends = [
            10 + MIB,
            2 * (10 + MIB),
            3 * (10 + MIB),
            3 * (10 + MIB) + 2 + 123,
        ];
        let mut wire = Vec::new();
        for size in [1, 7, 4096, 300_000].iter().cycle() {
            let ready = offered(&s);
            if ready.is_empty() {
                break;
            }
            let end = frame_ends.iter().find(|&&end| end > wire.len()).unwrap();
            assert_eq!(wire.len() + ready.len(), *end, "the rest of the frame");
            let n = ready.len().min(*size);
            wire.extend_from_slice(&ready[..n]);
            s.consume_output(n);
        }
        assert_eq!(s.pending_output_len(), 0);
        let frames = frames_in(&wire);
        let b0: Vec<u8> = frames.iter().map(|f| f.0).collect();
        assert_eq!(b0, [0x02, 0x00, 0x00, 0x80]);
        for at in [0, frame_ends[0], frame_ends[1], frame_ends[2]] {
            assert_eq!(wire[at + 1] & 0x80, 0, "an unmasked frame at {at}");
        }
        let data: Vec<u8> = frames.iter().flat_map(|f| f.1.iter().copied()).collect();
        assert!(data == payload, "the payload comes back unmasked");
    }

    /// A close we owe while a frame is written and only partly masked: the frame still goes
    /// out whole, masked to its end, then the close, and nothing after.
    #[test]
    fn a_close_we_owe_mid_piece_follows_the_whole_frame() {
        let mut c = Protocol::new(Role::Client, frames_of_1_mib(), None, counting_entropy());
        let payload = large_payload();
        c.send_binary_owned(payload.clone()).unwrap();
        let mut wire = Vec::new();
        while wire.len() < 300_000 {
            let ready = offered(&c);
            let n = ready.len().min(300_000 - wire.len()).min(70_000);
            wire.extend_from_slice(&ready[..n]);
            c.consume_output(n);
        }
        let frames = server_closes_1001(&mut c, wire);
        assert_eq!(c.pending_output_len(), 0);
        assert!(frames[0].1 == payload[..MIB], "the first frame whole");
        assert_eq!(frames[1].1, 1001u16.to_be_bytes());
    }

    #[test]
    fn compressed_fragments_are_one_stream() {
        let p = deflate_params();
        for role in ROLES {
            let mut c = conn_with(role, Config::default(), Some(p));
            let parts = ["Hello, ", "Hello, ", "world ".repeat(100).leak()];
            for (i, part) in parts.iter().enumerate() {
                let text = crate::Utf8Text::new(part.as_bytes().to_vec()).unwrap();
                c.send_text_fragment(text, i == 0, i == parts.len() - 1)
                    .unwrap();
            }
            let wire = output(&mut c);
            let frames = frames_in(&wire);
            let b0: Vec<u8> = frames.iter().map(|f| f.0).collect();
            // RSV1 on the first frame only (§6.1).
            assert_eq!(b0, [0x41, 0x00, 0x80], "{role:?}");
            // Repetition is compressed across fragments: the message is one stream.
            assert!(frames[2].1.len() < 40, "{:?}", frames[2].1.len());
            // A whole-message receiver and a streaming one read it.
            let whole = parts.concat();
            let mut receiver = conn_with(peer_of(role), Config::default(), Some(p));
            assert_eq!(receive(&mut receiver, &wire), vec![text(&whole)]);
            let mut receiver = streaming(peer_of(role), Some(p));
            assert_eq!(join(receive(&mut receiver, &wire)), vec![text(&whole)]);
            // The next message still uses the shared window.
            c.send_text("Hello, world").unwrap();
            assert_eq!(
                receive(&mut receiver, &output(&mut c)),
                vec![Ev::Piece(
                    MessageKind::Text,
                    b"Hello, world".to_vec(),
                    true,
                    true
                )]
            );
        }
    }

    #[test]
    fn random_fragments_round_trip() {
        let mut rng = Rng(31);
        for round in 0..60 {
            let deflate = (round % 2 == 1).then(deflate_params);
            let role = ROLES[round % 4 / 2];
            let config = Config {
                max_frame_size: MIN_FRAME * (1 + rng.below(3)),
                ..Config::default()
            };
            let mut sender = conn_with(role, config, deflate);
            let mut receiver = conn_with(peer_of(role), pieces_config(), deflate);
            let mut want = Vec::new();
            for _ in 0..1 + rng.below(4) {
                let s = mixed_text(rng.below(3000));
                let bytes = s.as_bytes();
                // Cut between characters, in 1 to 5 fragments.
                let mut cuts: Vec<usize> = (0..rng.below(5))
                    .map(|_| rng.below(bytes.len() + 1))
                    .filter(|&i| s.is_char_boundary(i))
                    .collect();
                cuts.sort_unstable();
                cuts.push(bytes.len());
                let mut from = 0;
                for (i, &to) in cuts.iter().enumerate() {
                    let piece = crate::Utf8Text::new(bytes[from..to].to_vec()).unwrap();
                    sender
                        .send_text_fragment(piece, i == 0, i == cuts.len() - 1)
                        .unwrap();
                    if rng.below(3) == 0 {
                        sender.send_ping(b"between").unwrap();
                    }
                    from = to;
                }
                want.push(text(&s));
            }
            let events: Vec<Ev> = join(transfer(&mut rng, &mut sender, &mut receiver))
                .into_iter()
                .filter(|e| !matches!(e, Ev::Ping(_)))
                .collect();
            assert_eq!(events, want, "round {round}");
        }
    }
}

/// Messages in 1 to 5 pieces of every size class (empty, small, over the spooling threshold),
/// compressible or not, one after another on one deflate stream: each arrives whole. (Found
/// the missing `00` of an empty last piece, §7.2.3.6.)
#[test]
fn compressed_pieces_of_every_size_round_trip() {
    let mut rng = Rng(5);
    for role in ROLES {
        let p = deflate_params();
        let mut sender = conn_with(role, Config::default(), Some(p));
        let mut receiver = conn_with(peer_of(role), Config::default(), Some(p));
        for m in 0..40 {
            let mut whole = Vec::new();
            let n = 1 + rng.below(5);
            let compressible = rng.below(2) == 0;
            for i in 0..n {
                let len = match rng.below(4) {
                    0 => 0,
                    1 => rng.below(100),
                    _ => rng.below(70_000),
                };
                let piece: Vec<u8> = (0..len)
                    .map(|j| {
                        if compressible {
                            b'a' + (j % 31) as u8
                        } else {
                            rng.next() as u8
                        }
                    })
                    .collect();
                whole.extend_from_slice(&piece);
                sender
                    .send_binary_fragment(piece, i == 0, i == n - 1)
                    .unwrap();
            }
            let events = transfer(&mut rng, &mut sender, &mut receiver);
            assert_eq!(events, vec![Ev::Binary(whole)], "{role:?} message {m}");
        }
    }
}

/// Whole messages masked while copied ([`crate::MaskedMessage`]): written as they are, each
/// frame with its own key, control frames between frames; unmasked first where the plain
/// payload is needed.
mod masked_ahead {
    use super::*;
    use crate::MaskedMessage;

    const MIB: usize = 1 << 20;

    /// A new key for every call: 1 2 3 4, 5 6 7 8, ...
    fn counting_keys() -> impl FnMut(&mut [u8]) {
        let mut next = 0u8;
        move |buf: &mut [u8]| {
            for b in buf {
                next = next.wrapping_add(1);
                *b = next;
            }
        }
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 253) as u8).collect()
    }

    /// The masking keys on the wire, frame by frame.
    fn keys_in(mut wire: &[u8]) -> Vec<Option<[u8; 4]>> {
        let mut keys = Vec::new();
        while !wire.is_empty() {
            let (len, at) = match wire[1] & 0x7F {
                126 => (u16::from_be_bytes([wire[2], wire[3]]) as usize, 4),
                127 => (
                    u64::from_be_bytes(wire[2..10].try_into().unwrap()) as usize,
                    10,
                ),
                n => (n as usize, 2),
            };
            let masked = wire[1] & 0x80 != 0;
            keys.push(masked.then(|| wire[at..at + 4].try_into().unwrap()));
            wire = &wire[at + usize::from(masked) * 4 + len..];
        }
        keys
    }

    /// What `c` wrote carries only the connection's keys (none for a server) and is `plain`
    /// as one binary message to its peer: it was encoded from the plain bytes.
    fn assert_encoded_from_plain(
        c: &mut Protocol,
        role: Role,
        deflate: Option<DeflateParams>,
        plain: Vec<u8>,
        case: &str,
    ) {
        let wire = output(c);
        let expected_key = (role == Role::Client).then_some(KEY);
        assert!(keys_in(&wire).iter().all(|k| *k == expected_key), "{case}");
        let mut peer = conn_with(peer_of(role), Config::default(), deflate);
        assert_eq!(receive(&mut peer, &wire), vec![Ev::Binary(plain)], "{case}");
    }

    /// A refused payload's buffer comes back, with room for `len` bytes.
    fn assert_buffer_back(c: &mut Protocol, len: usize) {
        assert!(c.take_written_buffer().is_some_and(|b| b.capacity() >= len));
    }

    #[test]
    fn a_client_writes_it_in_its_own_frames_with_its_own_keys() {
        let config = Config {
            max_frame_size: 10 * MIN_FRAME,
            ..Config::default()
        };
        let mut c = conn_with(Role::Client, config, None);
        let plain = data(25 * MIN_FRAME);
        // Made with another frame size than the connection's: its own frames count.
        let message =
            MaskedMessage::binary(&plain, Vec::new(), 8 * MIN_FRAME, &mut counting_keys());
        c.send_masked(message, Compress::Auto).unwrap();
        let mut wire = Vec::new();
        let first_frame = 8 * MIN_FRAME + 8;
        while wire.len() < first_frame {
            let n = c.pending_output().len().min(first_frame - wire.len());
            wire.extend_from_slice(&c.pending_output()[..n]);
            c.consume_output(n);
        }
        // A ping goes between its frames, with a key of the connection's.
        c.send_ping(b"p").unwrap();
        wire.extend(output(&mut c));
        let b0: Vec<u8> = frames_in(&wire).iter().map(|f| f.0).collect();
        assert_eq!(b0, [0x02, 0x89, 0x00, 0x00, 0x80]);
        let keys = keys_in(&wire);
        assert_eq!(keys[0], Some([1, 2, 3, 4]));
        assert_eq!(keys[1], Some(KEY), "the ping's key is the connection's");
        assert_eq!(
            &keys[2..],
            [
                Some([5, 6, 7, 8]),
                Some([9, 10, 11, 12]),
                Some([13, 14, 15, 16])
            ]
        );
        let mut server = conn(Role::Server);
        let events = receive(&mut server, &wire);
        assert_eq!(events, vec![Ev::Ping(b"p".to_vec()), Ev::Binary(plain)]);
        assert!(c.take_written_buffer().is_some(), "the buffer comes back");
    }

    #[test]
    fn text_round_trips_and_a_refused_message_gives_its_buffer_back() {
        let mut c = conn(Role::Client);
        let text = "é".repeat(MaskedMessage::MIN_LEN);
        let message = MaskedMessage::text(&text, Vec::new(), MIB, &mut counting_keys());
        assert!(message.is_text());
        c.send_masked(message, Compress::Never).unwrap();
        let mut server = conn(Role::Server);
        assert_eq!(receive(&mut server, &output(&mut c)), vec![Ev::Text(text)]);
        c.send_close(Some(1000), "").unwrap();
        while c.take_written_buffer().is_some() {}
        let late = MaskedMessage::binary(&data(20_000), Vec::new(), MIB, &mut counting_keys());
        assert_eq!(
            c.send_masked(late, Compress::Auto),
            Err(SendError::AlreadyClosing)
        );
        assert_buffer_back(&mut c, 20_000);
    }

    #[test]
    fn where_the_plain_payload_is_needed_it_is_unmasked_first() {
        // Compressed (permessage-deflate negotiated), short, or sent by a server: the
        // message is encoded from its plain bytes, with the connection's keys.
        let cases = [
            (Role::Client, Some(deflate_params()), 40_000, Compress::Auto),
            (Role::Client, None, 100, Compress::Auto),
            (Role::Server, None, 40_000, Compress::Auto),
        ];
        for (role, deflate, len, compress) in cases {
            let mut c = conn_with(role, Config::default(), deflate);
            let plain = data(len);
            let message = MaskedMessage::binary(&plain, Vec::new(), MIB, &mut counting_keys());
            c.send_masked(message, compress).unwrap();
            assert_encoded_from_plain(&mut c, role, deflate, plain, &format!("{role:?} {len}"));
        }
    }

    /// Fragments masked ahead: a large piece goes out in its own frames with its own keys,
    /// a short one is unmasked and takes the connection's key; the opcodes and FIN are those
    /// of fragments (§5.4), and the peer assembles the message.
    #[test]
    fn fragments_are_written_with_their_own_keys_and_assembled_by_the_peer() {
        let mut c = conn(Role::Client);
        let pieces = [data(40_000), data(100), data(20_000)];
        let mut keys = counting_keys();
        for (i, piece) in pieces.iter().enumerate() {
            let masked = MaskedMessage::binary(piece, Vec::new(), MIB, &mut keys);
            c.send_masked_fragment(masked, i == 0, i == 2).unwrap();
        }
        let wire = output(&mut c);
        let b0: Vec<u8> = frames_in(&wire).iter().map(|f| f.0).collect();
        assert_eq!(b0, [0x02, 0x00, 0x80]);
        assert_eq!(
            keys_in(&wire),
            [Some([1, 2, 3, 4]), Some(KEY), Some([9, 10, 11, 12])],
            "the short piece was unmasked (its key, 5 6 7 8, unused) and took the connection's"
        );
        let mut server = conn(Role::Server);
        assert_eq!(
            receive(&mut server, &wire),
            vec![Ev::Binary(pieces.concat())]
        );
        while c.take_written_buffer().is_some() {}
        // A piece that cannot be sent gives its buffer back: no message is open now.
        let late = MaskedMessage::text(&"x".repeat(20_000), Vec::new(), MIB, &mut keys);
        assert_eq!(
            c.send_masked_fragment(late, false, true),
            Err(SendError::NoFragmentedMessage)
        );
        assert_buffer_back(&mut c, 20_000);
    }

    #[test]
    fn fragments_that_need_their_plain_bytes_are_unmasked_first() {
        // A compressed message (permessage-deflate negotiated) or a server's: encoded from
        // the plain bytes, with the connection's keys.
        for (role, deflate) in [(Role::Client, Some(deflate_params())), (Role::Server, None)] {
            let mut c = conn_with(role, Config::default(), deflate);
            let pieces = [data(40_000), data(30_000)];
            for (i, piece) in pieces.iter().enumerate() {
                let masked = MaskedMessage::binary(piece, Vec::new(), MIB, &mut counting_keys());
                c.send_masked_fragment(masked, i == 0, i == 1).unwrap();
            }
            assert_encoded_from_plain(&mut c, role, deflate, pieces.concat(), &format!("{role:?}"));
        }
    }
}
