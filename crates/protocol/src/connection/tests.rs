//! Protocol tests, one group per RFC area, for both roles. Masking keys come from a fixed
//! pattern, so every byte sent is asserted exactly.
use super::*;
use crate::deflate::DeflateConfig;
use crate::mask::apply_mask;

/// RFC 6455 §5.7's masking key: our connections draw it from their entropy.
const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
/// The key our hand-made client frames use.
const PEER_KEY: [u8; 4] = [0x01, 0x02, 0x03, 0x04];
const ROLES: [Role; 2] = [Role::Client, Role::Server];

fn fixed_entropy() -> Entropy {
    Box::new(|buf: &mut [u8]| {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = KEY[i % 4];
        }
    })
}

/// permessage-deflate with every parameter at its default.
fn deflate_params() -> DeflateParams {
    DeflateParams {
        client_max_window_bits: 15,
        server_max_window_bits: 15,
        client_no_context_takeover: false,
        server_no_context_takeover: false,
        min_compress_size: 0,
        level: 6,
        mem_level: 8,
    }
}

fn conn_with(role: Role, config: Config, deflate: Option<DeflateParams>) -> Protocol {
    Protocol::new(role, config, deflate, fixed_entropy())
}

fn conn(role: Role) -> Protocol {
    conn_with(role, Config::default(), None)
}

/// Encodes one frame: `b0` holds FIN, RSV and opcode.
fn frame(b0: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = vec![b0];
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(m | n as u8),
        n if n <= 0xFFFF => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let mut p = payload.to_vec();
    if let Some(k) = mask {
        out.extend_from_slice(&k);
        apply_mask(&mut p, k, 0);
    }
    out.extend_from_slice(&p);
    out
}

/// A frame as the peer of `receiver` sends it: clients mask (§5.1), servers do not.
fn incoming(receiver: Role, b0: u8, payload: &[u8]) -> Vec<u8> {
    match receiver {
        Role::Server => frame(b0, payload, Some(PEER_KEY)),
        Role::Client => frame(b0, payload, None),
    }
}

/// The frame `sender` puts on the wire for `b0` and `payload`.
fn outgoing(sender: Role, b0: u8, payload: &[u8]) -> Vec<u8> {
    match sender {
        Role::Client => frame(b0, payload, Some(KEY)),
        Role::Server => frame(b0, payload, None),
    }
}

fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason.as_bytes());
    p
}

/// An owned copy of an [`Event`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
    Failed(ProtocolError),
    /// A piece in fragment mode: kind, bytes, first, last.
    Piece(MessageKind, Vec<u8>, bool, bool),
}

impl From<Event<'_>> for Ev {
    fn from(e: Event<'_>) -> Ev {
        match e {
            Event::Message {
                kind: MessageKind::Text,
                data,
            } => Ev::Text(String::from_utf8(data.to_vec()).expect("validated text")),
            Event::Message {
                kind: MessageKind::Binary,
                data,
            } => Ev::Binary(data.to_vec()),
            Event::Ping(p) => Ev::Ping(p.to_vec()),
            Event::Pong(p) => Ev::Pong(p.to_vec()),
            Event::Close { code, reason } => Ev::Close(code, reason.to_string()),
            Event::Failed(e) => Ev::Failed(e),
            Event::Fragment {
                kind,
                data,
                first,
                last,
            } => Ev::Piece(kind, data.to_vec(), first, last),
        }
    }
}

fn poll_all(c: &mut Protocol) -> Vec<Ev> {
    let mut events = Vec::new();
    while let Some(e) = c.poll_event() {
        events.push(e.into());
    }
    events
}

fn receive(c: &mut Protocol, bytes: &[u8]) -> Vec<Ev> {
    c.receive_data(bytes);
    poll_all(c)
}

/// Feeds one byte at a time, polling after each.
fn receive_bytewise(c: &mut Protocol, bytes: &[u8]) -> Vec<Ev> {
    let mut events = Vec::new();
    for b in bytes {
        events.extend(receive(c, std::slice::from_ref(b)));
    }
    events
}

fn output(c: &mut Protocol) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let piece = c.pending_output().to_vec();
        if piece.is_empty() {
            break;
        }
        c.consume_output(piece.len());
        out.extend_from_slice(&piece);
    }
    out
}

fn text(s: &str) -> Ev {
    Ev::Text(s.to_string())
}

/// The bytes make `role` fail with `error`: one Failed event, the matching close frame, state
/// Closed, and nothing processed afterwards.
fn assert_fails(role: Role, bytes: &[u8], error: ProtocolError) {
    let mut c = conn(role);
    let events = receive(&mut c, bytes);
    assert_eq!(events.last(), Some(&Ev::Failed(error.clone())), "{role:?}");
    assert_eq!(
        output(&mut c),
        outgoing(role, 0x88, &error.close_code().to_be_bytes()),
        "{role:?} {error}"
    );
    assert_eq!(c.state(), State::Closed);
    assert!(c.close_expected());
    assert_eq!(receive(&mut c, &incoming(role, 0x81, b"more")), vec![]);
    assert_eq!(receive(&mut c, &incoming(role, 0x89, b"")), vec![]);
    assert_eq!(output(&mut c), b"");
}

#[test]
fn connection_is_send_and_debug() {
    fn assert_send<T: Send>() {}
    assert_send::<Protocol>();
    assert_eq!(
        format!("{:?}", conn(Role::Client)),
        "Protocol { state: Open, pending_output: 0, .. }"
    );
}

// RFC 6455 §5.2: framing and the three length forms.
mod framing {
    use super::*;

    #[test]
    fn rfc_5_7_examples_sent_exactly() {
        let mut c = conn(Role::Client);
        c.send_text("Hello").unwrap();
        assert_eq!(
            output(&mut c),
            [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        );
        let mut s = conn(Role::Server);
        s.send_text("Hello").unwrap();
        assert_eq!(output(&mut s), [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        s.send_binary(&[0u8; 256]).unwrap();
        assert_eq!(output(&mut s)[..4], [0x82, 0x7E, 0x01, 0x00]);
        s.send_binary(&vec![0u8; 65536]).unwrap();
        assert_eq!(
            output(&mut s)[..10],
            [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]
        );
    }

    #[test]
    fn rfc_5_7_examples_received() {
        let mut c = conn(Role::Client);
        assert_eq!(
            receive(&mut c, &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]),
            vec![text("Hello")]
        );
        // A fragmented unmasked text message.
        assert_eq!(
            receive(
                &mut c,
                &[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]
            ),
            vec![text("Hello")]
        );
        let mut s = conn(Role::Server);
        assert_eq!(
            receive(
                &mut s,
                &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
            ),
            vec![text("Hello")]
        );
    }

    #[test]
    fn length_boundaries_both_directions() {
        for role in ROLES {
            for len in [0usize, 1, 125, 126, 127, 65535, 65536, 70000] {
                let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let mut c = conn(role);
                c.send_binary(&data).unwrap();
                assert_eq!(
                    output(&mut c),
                    outgoing(role, 0x82, &data),
                    "{role:?} {len}"
                );
                let bytes = incoming(role, 0x82, &data);
                assert_eq!(receive(&mut c, &bytes), vec![Ev::Binary(data.clone())]);
                // Split at every header boundary and mid-payload.
                let mut c = conn(role);
                let mut events = Vec::new();
                for piece in bytes.chunks(3) {
                    events.extend(receive(&mut c, piece));
                }
                assert_eq!(events, vec![Ev::Binary(data)], "{role:?} {len} in pieces");
            }
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        for role in ROLES {
            let mut bytes = incoming(role, 0x81, "héllo".as_bytes());
            bytes.extend(incoming(role, 0x82, &[1, 2, 3]));
            bytes.extend(incoming(role, 0x89, b"p"));
            let mut c = conn(role);
            assert_eq!(
                receive_bytewise(&mut c, &bytes),
                vec![
                    text("héllo"),
                    Ev::Binary(vec![1, 2, 3]),
                    Ev::Ping(b"p".to_vec())
                ]
            );
        }
    }

    #[test]
    fn many_frames_in_one_read() {
        for role in ROLES {
            let mut bytes = Vec::new();
            for i in 0..50u8 {
                bytes.extend(incoming(role, 0x82, &[i; 3]));
            }
            let mut c = conn(role);
            let events = receive(&mut c, &bytes);
            assert_eq!(events.len(), 50);
            assert_eq!(events[49], Ev::Binary(vec![49; 3]));
        }
    }

    #[test]
    fn non_minimal_lengths_are_accepted() {
        let mut c = conn(Role::Client);
        assert_eq!(
            receive(&mut c, &[0x82, 126, 0, 2, 7, 8]),
            vec![Ev::Binary(vec![7, 8])]
        );
        assert_eq!(
            receive(&mut c, &[0x82, 127, 0, 0, 0, 0, 0, 0, 0, 1, 9]),
            vec![Ev::Binary(vec![9])]
        );
    }

    #[test]
    fn length_with_top_bit_fails() {
        for role in ROLES {
            let mut bytes = vec![0x82, 0x7F | if role == Role::Server { 0x80 } else { 0 }];
            bytes.extend_from_slice(&(1u64 << 63).to_be_bytes());
            assert_fails(role, &bytes, ProtocolError::LengthTopBitSet);
        }
    }

    #[test]
    fn reserved_bits_fail() {
        for role in ROLES {
            for b0 in [0xA1, 0x91, 0xB1] {
                assert_fails(
                    role,
                    &incoming(role, b0, b"x"),
                    ProtocolError::ReservedBitsSet,
                );
            }
            // RSV1 without a negotiated extension.
            assert_fails(
                role,
                &incoming(role, 0xC1, b"x"),
                ProtocolError::UnexpectedRsv1,
            );
        }
    }

    #[test]
    fn reserved_opcodes_fail() {
        for role in ROLES {
            for op in (3..=7).chain(11..=15) {
                assert_fails(
                    role,
                    &incoming(role, 0x80 | op, b""),
                    ProtocolError::ReservedOpcode(op),
                );
            }
        }
    }

    #[test]
    fn failure_is_detected_from_the_first_byte() {
        let mut c = conn(Role::Client);
        assert_eq!(
            receive(&mut c, &[0x83]),
            vec![Ev::Failed(ProtocolError::ReservedOpcode(3))]
        );
    }
}

// RFC 6455 §5.1, §5.3: masking.
mod masking {
    use super::*;

    #[test]
    fn client_draws_a_fresh_key_per_frame() {
        let mut counter = 0u8;
        let entropy: Entropy = Box::new(move |buf: &mut [u8]| {
            for b in buf {
                counter = counter.wrapping_add(1);
                *b = counter;
            }
        });
        let mut c = Protocol::new(Role::Client, Config::default(), None, entropy);
        c.send_binary(b"ab").unwrap();
        c.send_ping(b"").unwrap();
        c.send_text("c").unwrap();
        let mut want = frame(0x82, b"ab", Some([1, 2, 3, 4]));
        want.extend(frame(0x89, b"", Some([5, 6, 7, 8])));
        want.extend(frame(0x81, b"c", Some([9, 10, 11, 12])));
        assert_eq!(output(&mut c), want);
    }

    #[test]
    fn server_does_not_mask() {
        let mut s = conn(Role::Server);
        s.send_binary(b"ab").unwrap();
        assert_eq!(output(&mut s), [0x82, 0x02, b'a', b'b']);
    }

    #[test]
    fn server_requires_masked_frames() {
        assert_fails(
            Role::Server,
            &frame(0x81, b"hi", None),
            ProtocolError::UnmaskedFrame,
        );
        assert_fails(
            Role::Server,
            &frame(0x89, b"", None),
            ProtocolError::UnmaskedFrame,
        );
    }

    #[test]
    fn client_requires_unmasked_frames() {
        assert_fails(
            Role::Client,
            &frame(0x81, b"hi", Some(PEER_KEY)),
            ProtocolError::MaskedFrame,
        );
        assert_fails(
            Role::Client,
            &frame(0x8A, b"", Some(PEER_KEY)),
            ProtocolError::MaskedFrame,
        );
    }

    #[test]
    fn masked_payload_split_anywhere() {
        let data: Vec<u8> = (0..=255).collect();
        let bytes = frame(0x82, &data, Some(PEER_KEY));
        for split in 0..bytes.len() {
            let mut s = conn(Role::Server);
            let mut events = receive(&mut s, &bytes[..split]);
            events.extend(receive(&mut s, &bytes[split..]));
            assert_eq!(events, vec![Ev::Binary(data.clone())], "split {split}");
        }
    }
}

// RFC 6455 §5.4: fragmentation.
mod fragmentation {
    use super::*;

    #[test]
    fn multi_byte_code_point_split_across_fragments() {
        for role in ROLES {
            let s = "a€b𝄞c";
            let bytes = s.as_bytes();
            for split in 0..=bytes.len() {
                let mut c = conn(role);
                let mut wire = incoming(role, 0x01, &bytes[..split]);
                wire.extend(incoming(role, 0x80, &bytes[split..]));
                assert_eq!(receive(&mut c, &wire), vec![text(s)], "{role:?} {split}");
            }
            // One byte per fragment.
            let mut wire = incoming(role, 0x01, &bytes[..1]);
            for b in &bytes[1..bytes.len() - 1] {
                wire.extend(incoming(role, 0x00, std::slice::from_ref(b)));
            }
            wire.extend(incoming(role, 0x80, &bytes[bytes.len() - 1..]));
            let mut c = conn(role);
            assert_eq!(receive_bytewise(&mut c, &wire), vec![text(s)]);
        }
    }

    #[test]
    fn empty_fragments() {
        for role in ROLES {
            let mut wire = incoming(role, 0x02, b"");
            wire.extend(incoming(role, 0x00, b"x"));
            wire.extend(incoming(role, 0x00, b""));
            wire.extend(incoming(role, 0x80, b""));
            let mut c = conn(role);
            assert_eq!(receive(&mut c, &wire), vec![Ev::Binary(b"x".to_vec())]);
        }
    }

    #[test]
    fn control_frames_interleaved() {
        for role in ROLES {
            let mut c = conn(role);
            let mut wire = incoming(role, 0x01, b"Hel");
            wire.extend(incoming(role, 0x89, b"ping!"));
            wire.extend(incoming(role, 0x00, b"l"));
            wire.extend(incoming(role, 0x8A, b"pong!"));
            wire.extend(incoming(role, 0x80, b"o"));
            assert_eq!(
                receive(&mut c, &wire),
                vec![
                    Ev::Ping(b"ping!".to_vec()),
                    Ev::Pong(b"pong!".to_vec()),
                    text("Hello")
                ]
            );
            assert_eq!(output(&mut c), outgoing(role, 0x8A, b"ping!"));
        }
    }

    #[test]
    fn continuation_without_start_fails() {
        for role in ROLES {
            assert_fails(
                role,
                &incoming(role, 0x80, b"x"),
                ProtocolError::UnexpectedContinuation,
            );
            assert_fails(
                role,
                &incoming(role, 0x00, b"x"),
                ProtocolError::UnexpectedContinuation,
            );
            // After a complete message there is nothing to continue either.
            let mut wire = incoming(role, 0x81, b"done");
            wire.extend(incoming(role, 0x80, b"x"));
            assert_fails(role, &wire, ProtocolError::UnexpectedContinuation);
        }
    }

    #[test]
    fn new_message_inside_a_fragmented_one_fails() {
        for role in ROLES {
            for b0 in [0x81, 0x82, 0x01, 0x02] {
                let mut wire = incoming(role, 0x01, b"a");
                wire.extend(incoming(role, b0, b"b"));
                assert_fails(role, &wire, ProtocolError::ExpectedContinuation);
            }
        }
    }

    #[test]
    fn fragmented_control_frames_fail() {
        for role in ROLES {
            for op in [0x08, 0x09, 0x0A] {
                assert_fails(
                    role,
                    &incoming(role, op, b""),
                    ProtocolError::FragmentedControlFrame,
                );
            }
        }
    }
}

// RFC 6455 §8.1: UTF-8 of text messages.
mod utf8 {
    use super::*;

    #[test]
    fn invalid_text_fails_at_the_first_bad_fragment() {
        for role in ROLES {
            let mut c = conn(role);
            // Valid so far: no event.
            assert_eq!(receive(&mut c, &incoming(role, 0x01, b"ok \xce")), vec![]);
            // 0xCE then 'A': invalid now, before the message ends.
            assert_eq!(
                receive(&mut c, &incoming(role, 0x00, b"A")),
                vec![Ev::Failed(ProtocolError::InvalidUtf8)]
            );
            assert_eq!(output(&mut c), outgoing(role, 0x88, &1007u16.to_be_bytes()));
        }
    }

    #[test]
    fn invalid_text_fails_within_a_frame_before_it_completes() {
        for role in ROLES {
            let wire = incoming(role, 0x81, b"abc\xf4\x90def");
            // Header + "abc" + F4 90: the bad prefix is complete at the 90.
            let header = wire.len() - 8;
            let mut c = conn(role);
            assert_eq!(receive(&mut c, &wire[..header + 4]), vec![]);
            assert_eq!(
                receive(&mut c, &wire[header + 4..header + 5]),
                vec![Ev::Failed(ProtocolError::InvalidUtf8)]
            );
        }
    }

    #[test]
    fn truncated_sequence_at_message_end_fails() {
        for role in ROLES {
            assert_fails(
                role,
                &incoming(role, 0x81, b"\xe2\x82"),
                ProtocolError::InvalidUtf8,
            );
        }
    }

    #[test]
    fn invalid_sequences() {
        for bad in [
            &b"\xff"[..],
            b"\xc0\xaf",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\xf8\x88\x80\x80\x80",
            b"\x80",
        ] {
            assert_fails(
                Role::Client,
                &incoming(Role::Client, 0x81, bad),
                ProtocolError::InvalidUtf8,
            );
        }
    }

    #[test]
    fn binary_is_not_checked() {
        let mut c = conn(Role::Client);
        assert_eq!(
            receive(&mut c, &incoming(Role::Client, 0x82, b"\xff\xfe")),
            vec![Ev::Binary(vec![0xff, 0xfe])]
        );
    }

    #[test]
    fn validator_resets_between_messages() {
        let mut c = conn(Role::Client);
        let mut wire = incoming(Role::Client, 0x81, "é".as_bytes());
        wire.extend(incoming(Role::Client, 0x82, b"\xc3"));
        wire.extend(incoming(Role::Client, 0x81, b"A"));
        assert_eq!(
            receive(&mut c, &wire),
            vec![text("é"), Ev::Binary(vec![0xc3]), text("A")]
        );
    }
}

// RFC 6455 §5.5.2, §5.5.3: ping and pong.
mod ping_pong {
    use super::*;

    #[test]
    fn ping_is_answered_with_the_same_payload() {
        for role in ROLES {
            for payload in [&b""[..], b"hello", &[7u8; 125]] {
                let mut c = conn(role);
                assert_eq!(
                    receive(&mut c, &incoming(role, 0x89, payload)),
                    vec![Ev::Ping(payload.to_vec())]
                );
                assert_eq!(output(&mut c), outgoing(role, 0x8A, payload));
            }
        }
    }

    #[test]
    fn pong_is_reported_and_not_answered() {
        for role in ROLES {
            let mut c = conn(role);
            assert_eq!(
                receive(&mut c, &incoming(role, 0x8A, b"x")),
                vec![Ev::Pong(b"x".to_vec())]
            );
            assert_eq!(output(&mut c), b"");
        }
    }

    #[test]
    fn no_pong_after_we_sent_close() {
        for role in ROLES {
            let mut c = conn(role);
            c.send_close(Some(1000), "").unwrap();
            output(&mut c);
            assert_eq!(
                receive(&mut c, &incoming(role, 0x89, b"x")),
                vec![Ev::Ping(b"x".to_vec())]
            );
            assert_eq!(output(&mut c), b"");
        }
    }

    #[test]
    fn control_frame_over_125_bytes_fails() {
        for role in ROLES {
            for op in [0x88, 0x89, 0x8A] {
                assert_fails(
                    role,
                    &incoming(role, op, &[0u8; 126]),
                    ProtocolError::ControlFrameTooLong(126),
                );
            }
        }
    }

    #[test]
    fn sending_pings_and_pongs() {
        for role in ROLES {
            let mut c = conn(role);
            c.send_ping(&[1; 125]).unwrap();
            c.send_pong(b"p").unwrap();
            let mut want = outgoing(role, 0x89, &[1; 125]);
            want.extend(outgoing(role, 0x8A, b"p"));
            assert_eq!(output(&mut c), want);
            assert_eq!(
                c.send_ping(&[0; 126]),
                Err(SendError::ControlPayloadTooLong(126))
            );
            assert_eq!(
                c.send_pong(&[0; 200]),
                Err(SendError::ControlPayloadTooLong(200))
            );
            assert_eq!(output(&mut c), b"");
        }
    }
}

// RFC 6455 §5.5.1, §7: the close handshake.
mod closing {
    use super::*;

    const VALID: &[u16] = &[
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999,
    ];
    const INVALID: &[u16] = &[
        0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ];

    #[test]
    fn peer_closes_first_and_we_echo_code_and_reason() {
        for role in ROLES {
            for &code in VALID {
                let mut c = conn(role);
                let events = receive(&mut c, &incoming(role, 0x88, &close_payload(code, "bye")));
                assert_eq!(events, vec![Ev::Close(Some(code), "bye".to_string())]);
                assert_eq!(
                    output(&mut c),
                    outgoing(role, 0x88, &close_payload(code, "bye"))
                );
                assert_eq!(c.state(), State::Closed);
                assert!(c.close_expected());
            }
        }
    }

    #[test]
    fn empty_close_is_answered_empty() {
        for role in ROLES {
            let mut c = conn(role);
            assert_eq!(
                receive(&mut c, &incoming(role, 0x88, b"")),
                vec![Ev::Close(None, String::new())]
            );
            assert_eq!(output(&mut c), outgoing(role, 0x88, b""));
        }
    }

    #[test]
    fn invalid_close_codes_fail() {
        for role in ROLES {
            for &code in INVALID {
                assert_fails(
                    role,
                    &incoming(role, 0x88, &code.to_be_bytes()),
                    ProtocolError::InvalidCloseCode(code),
                );
            }
        }
    }

    #[test]
    fn one_byte_close_payload_fails() {
        for role in ROLES {
            assert_fails(
                role,
                &incoming(role, 0x88, &[0x03]),
                ProtocolError::InvalidClosePayload,
            );
        }
    }

    #[test]
    fn invalid_utf8_reason_fails_with_1007() {
        for role in ROLES {
            assert_fails(
                role,
                &incoming(role, 0x88, b"\x03\xe8\xce\xba\xe1"),
                ProtocolError::InvalidCloseReason,
            );
        }
    }

    #[test]
    fn we_close_first() {
        for role in ROLES {
            let mut c = conn(role);
            c.send_close(Some(1000), "done").unwrap();
            assert_eq!(c.state(), State::Closing);
            assert!(!c.close_expected());
            assert_eq!(
                output(&mut c),
                outgoing(role, 0x88, &close_payload(1000, "done"))
            );
            // Messages the peer sent before seeing our close still arrive.
            assert_eq!(
                receive(&mut c, &incoming(role, 0x81, b"late")),
                vec![text("late")]
            );
            assert_eq!(
                receive(&mut c, &incoming(role, 0x88, &close_payload(1001, ""))),
                vec![Ev::Close(Some(1001), String::new())]
            );
            // No second close frame.
            assert_eq!(output(&mut c), b"");
            assert_eq!(c.state(), State::Closed);
            assert!(c.close_expected());
        }
    }

    #[test]
    fn data_after_the_peers_close_is_ignored() {
        for role in ROLES {
            let mut c = conn(role);
            let mut wire = incoming(role, 0x88, &close_payload(1000, ""));
            wire.extend(incoming(role, 0x81, b"ignored"));
            wire.extend(incoming(role, 0x89, b"ignored"));
            assert_eq!(
                receive(&mut c, &wire),
                vec![Ev::Close(Some(1000), String::new())]
            );
            assert_eq!(receive(&mut c, &incoming(role, 0x82, b"more")), vec![]);
            assert_eq!(output(&mut c), outgoing(role, 0x88, &1000u16.to_be_bytes()));
        }
    }

    #[test]
    fn sending_after_close() {
        for role in ROLES {
            let mut c = conn(role);
            c.send_close(None, "").unwrap();
            assert_eq!(output(&mut c), outgoing(role, 0x88, b""));
            assert_eq!(c.send_text("x"), Err(SendError::AlreadyClosing));
            assert_eq!(c.send_binary(b"x"), Err(SendError::AlreadyClosing));
            assert_eq!(c.send_ping(b"x"), Err(SendError::AlreadyClosing));
            assert_eq!(c.send_pong(b"x"), Err(SendError::AlreadyClosing));
            assert_eq!(c.send_close(Some(1000), ""), Err(SendError::AlreadyClosing));
            receive(&mut c, &incoming(role, 0x88, b""));
            assert_eq!(c.state(), State::Closed);
            assert_eq!(c.send_text("x"), Err(SendError::Closed));
            assert_eq!(c.send_close(Some(1000), ""), Err(SendError::Closed));
            assert_eq!(output(&mut c), b"");
        }
    }

    #[test]
    fn send_close_validation() {
        for role in ROLES {
            let mut c = conn(role);
            for &code in INVALID {
                assert_eq!(
                    c.send_close(Some(code), ""),
                    Err(SendError::InvalidCloseCode(code))
                );
            }
            assert_eq!(
                c.send_close(None, "reason"),
                Err(SendError::InvalidCloseCode(1005))
            );
            let long = "x".repeat(124);
            assert_eq!(
                c.send_close(Some(1000), &long),
                Err(SendError::ControlPayloadTooLong(124))
            );
            assert_eq!(c.state(), State::Open);
            assert_eq!(output(&mut c), b"");
            let max = "é".repeat(61) + "x";
            c.send_close(Some(4999), &max).unwrap();
            assert_eq!(
                output(&mut c),
                outgoing(role, 0x88, &close_payload(4999, &max))
            );
        }
        for &code in VALID {
            let mut c = conn(Role::Server);
            c.send_close(Some(code), "").unwrap();
            assert_eq!(
                output(&mut c),
                outgoing(Role::Server, 0x88, &code.to_be_bytes())
            );
        }
    }
}

// RFC 6455 §7.1.7: failing the connection.
mod failing {
    use super::*;

    #[test]
    fn failure_after_we_sent_close_sends_nothing_more() {
        let mut c = conn(Role::Client);
        c.send_close(Some(1000), "").unwrap();
        output(&mut c);
        assert_eq!(
            receive(&mut c, &[0x83, 0x00]),
            vec![Ev::Failed(ProtocolError::ReservedOpcode(3))]
        );
        assert_eq!(output(&mut c), b"");
        assert_eq!(c.state(), State::Closed);
        assert_eq!(c.send_text("x"), Err(SendError::Closed));
    }

    #[test]
    fn events_before_the_failure_are_delivered() {
        let mut wire = incoming(Role::Client, 0x81, b"first");
        wire.extend(incoming(Role::Client, 0x89, b"p"));
        wire.extend([0x83, 0x00]);
        wire.extend(incoming(Role::Client, 0x81, b"never"));
        let mut c = conn(Role::Client);
        assert_eq!(
            receive(&mut c, &wire),
            vec![
                text("first"),
                Ev::Ping(b"p".to_vec()),
                Ev::Failed(ProtocolError::ReservedOpcode(3))
            ]
        );
        let mut want = outgoing(Role::Client, 0x8A, b"p");
        want.extend(outgoing(Role::Client, 0x88, &1002u16.to_be_bytes()));
        assert_eq!(output(&mut c), want);
    }
}

// SPEC §5, §7: never allocate for bytes that have not arrived; 1009 over the limit.
mod limits {
    use super::*;

    fn limited(role: Role, max: usize) -> Protocol {
        conn_with(
            role,
            Config {
                max_message_size: max,
                ..Config::default()
            },
            None,
        )
    }

    #[test]
    fn message_at_the_limit_is_accepted() {
        for role in ROLES {
            let mut c = limited(role, 100);
            assert_eq!(
                receive(&mut c, &incoming(role, 0x82, &[1; 100])),
                vec![Ev::Binary(vec![1; 100])]
            );
            let mut wire = incoming(role, 0x02, &[1; 60]);
            wire.extend(incoming(role, 0x80, &[2; 40]));
            assert_eq!(receive(&mut c, &wire).len(), 1);
        }
    }

    #[test]
    fn frame_header_over_the_limit_fails_before_buffering() {
        for role in ROLES {
            let mut c = limited(role, 100);
            let wire = incoming(role, 0x82, &[1; 101]);
            // Only the header: the frame's payload has not arrived.
            let header = if role == Role::Server { 6 } else { 2 };
            assert_eq!(
                receive(&mut c, &wire[..header]),
                vec![Ev::Failed(ProtocolError::MessageTooBig {
                    size: 101,
                    max: 100
                })]
            );
            assert_eq!(output(&mut c), outgoing(role, 0x88, &1009u16.to_be_bytes()));
        }
    }

    #[test]
    fn fragments_adding_up_over_the_limit_fail() {
        for role in ROLES {
            let mut c = limited(role, 100);
            let mut wire = incoming(role, 0x01, &[b'a'; 60]);
            wire.extend(incoming(role, 0x00, &[b'a'; 41]));
            assert_eq!(
                receive(&mut c, &wire),
                vec![Ev::Failed(ProtocolError::MessageTooBig {
                    size: 101,
                    max: 100
                })]
            );
        }
    }

    #[test]
    fn huge_announced_length_allocates_nothing() {
        for role in ROLES {
            let mut c = conn(role);
            let mut wire = vec![0x82, 0x7F];
            wire.extend_from_slice(&(1u64 << 62).to_be_bytes());
            if role == Role::Server {
                wire[1] |= 0x80;
                wire.extend_from_slice(&PEER_KEY);
            }
            assert_eq!(
                receive(&mut c, &wire),
                vec![Ev::Failed(ProtocolError::MessageTooBig {
                    size: 1 << 62,
                    max: 1 << 30
                })]
            );
            assert!(
                c.reader.buffer_capacity() < 1024,
                "{}",
                c.reader.buffer_capacity()
            );
        }
    }

    #[test]
    fn partial_large_frame_grows_only_with_received_bytes() {
        let mut c = conn(Role::Client);
        let wire = incoming(Role::Client, 0x82, &vec![5u8; 1 << 20]);
        assert_eq!(receive(&mut c, &wire[..1000]), vec![]);
        assert!(
            c.reader.buffer_capacity() < 8192,
            "{}",
            c.reader.buffer_capacity()
        );
        assert_eq!(
            receive(&mut c, &wire[1000..]),
            vec![Ev::Binary(vec![5; 1 << 20])]
        );
    }
}

// Event::Message's buffer contract.
mod message_buffer {
    use super::*;

    fn next_message(c: &mut Protocol) -> (*const u8, Vec<u8>) {
        match c.poll_event() {
            Some(Event::Message { mut data, .. }) => {
                let with_nul = data.with_nul().to_vec();
                assert_eq!(with_nul.last(), Some(&0), "terminated");
                (data.as_ptr(), with_nul[..with_nul.len() - 1].to_vec())
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn whole_frames_are_delivered_where_they_were_read_and_terminated() {
        let mut c = conn(Role::Client);
        let mut wire = incoming(Role::Client, 0x81, &[b'x'; 1000]);
        wire.extend_from_slice(&incoming(Role::Client, 0x82, b"short"));
        let space = c.read_space();
        space[..wire.len()].copy_from_slice(&wire);
        let read_at = space.as_ptr();
        c.commit_read(wire.len());
        let (first, bytes) = next_message(&mut c);
        assert_eq!(bytes, vec![b'x'; 1000]);
        // Past the 4-byte header: the payload was not copied.
        assert_eq!(first, read_at.wrapping_add(4));
        // The terminator replaced the next frame's first byte, which is back now.
        let (second, bytes) = next_message(&mut c);
        assert_eq!(bytes, b"short");
        assert_eq!(second, read_at.wrapping_add(4 + 1000 + 2));
        assert_eq!(c.poll_event(), None);
    }

    /// Reads `wire` into `c` as a transport does: as much as each read space takes, at most
    /// `chunk` bytes a read; collects the messages and every read space's start and length.
    fn read_all(c: &mut Protocol, wire: &[u8], chunk: usize) -> (Vec<Vec<u8>>, Vec<usize>) {
        let (mut messages, mut spaces) = (Vec::new(), Vec::new());
        let mut rest = wire;
        while !rest.is_empty() {
            let space = c.read_space();
            spaces.push(space.len());
            let n = space.len().min(chunk).min(rest.len());
            space[..n].copy_from_slice(&rest[..n]);
            c.commit_read(n);
            rest = &rest[n..];
            while let Some(event) = c.poll_event() {
                match event {
                    Event::Message { data, .. } => messages.push(data.to_vec()),
                    other => panic!("{other:?}"),
                }
            }
        }
        (messages, spaces)
    }

    #[test]
    fn a_large_frame_is_read_up_to_its_end_and_no_further() {
        let large: Vec<u8> = (0..40_000).map(|i| (i % 251) as u8).collect();
        let mut wire = Vec::new();
        for _ in 0..3 {
            wire.extend(incoming(Role::Client, 0x82, &large));
            wire.extend(incoming(Role::Client, 0x82, b"small"));
        }
        for chunk in [1000, 30_000, 100_000] {
            let mut c = conn(Role::Client);
            let (messages, spaces) = read_all(&mut c, &wire, chunk);
            let want: Vec<Vec<u8>> = (0..6)
                .map(|i| {
                    if i % 2 == 0 {
                        large.clone()
                    } else {
                        b"small".to_vec()
                    }
                })
                .collect();
            assert_eq!(messages, want, "reads of {chunk}");
            // Once a large frame's header is in, no read space reaches past its end: the
            // frame's last read leaves the buffer empty for the next one.
            let header = 4;
            let frame = header + large.len();
            let mut at = 0;
            for space in spaces {
                let in_frame = at % (frame + 7);
                if in_frame >= header && in_frame < frame {
                    assert!(
                        space <= frame - in_frame,
                        "reads of {chunk}: {space} at {in_frame}"
                    );
                }
                at += space.min(chunk).min(wire.len() - at);
            }
        }
    }

    #[test]
    fn fragments_are_assembled_and_terminated() {
        let mut c = conn(Role::Client);
        c.receive_data(&incoming(Role::Client, 0x01, b"frag"));
        c.receive_data(&incoming(Role::Client, 0x80, b"ments"));
        let (_, bytes) = next_message(&mut c);
        assert_eq!(bytes, b"fragments");
    }

    /// A message assembled from fragments grows the message buffer to its size; once it was
    /// handed out and nothing is being assembled, the buffer can be freed (a quiet
    /// connection keeps no large buffer), not before: not mid-message, not while a message
    /// waits peeked.
    #[test]
    fn a_large_assembled_message_buffer_is_freed_once_idle() {
        let large: Vec<u8> = (0..200_000).map(|i| (i % 251) as u8).collect();
        let (first, second) = large.split_at(90_000);
        let mut c = conn(Role::Client);
        assert_eq!(receive(&mut c, &incoming(Role::Client, 0x02, first)), []);
        assert!(
            !c.holds_large_idle_buffers(),
            "a message is being assembled"
        );
        c.release_idle_buffers();
        c.receive_data(&incoming(Role::Client, 0x80, second));
        assert!(c.has_event());
        assert!(!c.holds_large_idle_buffers(), "it waits to be handed out");
        c.release_idle_buffers();
        assert_eq!(poll_all(&mut c), [Ev::Binary(large.clone())]);
        let _ = c.take_idle_read_buffer();
        assert!(c.holds_large_idle_buffers());
        assert!(c.reader.buffer_capacity() >= large.len());
        c.release_idle_buffers();
        assert!(
            !c.holds_large_idle_buffers(),
            "a release leaves nothing to release"
        );
        assert_eq!(c.reader.buffer_capacity(), 0);
        // The next message assembles as before.
        let wire = [
            incoming(Role::Client, 0x01, b"a"),
            incoming(Role::Client, 0x80, b"b"),
        ]
        .concat();
        let events = receive(&mut c, &wire);
        assert_eq!(events, [Ev::Text("ab".into())]);
    }

    /// A large message copied into the output buffer grows it; once all of it is written
    /// the buffer can be freed, not while part of it waits.
    #[test]
    fn a_large_output_buffer_is_freed_once_written() {
        for (role, peer) in [(Role::Client, Role::Server), (Role::Server, Role::Client)] {
            let large: Vec<u8> = (0..100_000).map(|i| (i % 253) as u8).collect();
            let mut c = conn(role);
            c.send_binary(&large).unwrap();
            let half = c.pending_output().len() / 2;
            let mut wire = c.pending_output()[..half].to_vec();
            c.consume_output(half);
            assert!(!c.holds_large_idle_buffers(), "{role:?}: output waits");
            c.release_idle_buffers();
            wire.extend(output(&mut c));
            assert!(c.holds_large_idle_buffers(), "{role:?}");
            assert!(c.writer.buffer_capacity() >= large.len(), "{role:?}");
            c.release_idle_buffers();
            assert!(!c.holds_large_idle_buffers(), "{role:?}");
            assert_eq!(c.writer.buffer_capacity(), 0, "{role:?}");
            // All of it was written, and the next message goes out as before.
            c.send_binary(b"next").unwrap();
            wire.extend(output(&mut c));
            let events = receive(&mut conn(peer), &wire);
            assert_eq!(
                events,
                [Ev::Binary(large), Ev::Binary(b"next".to_vec())],
                "{role:?}"
            );
        }
    }

    #[test]
    fn an_idle_buffer_can_be_handed_over() {
        let mut c = conn(Role::Client);
        c.receive_data(&incoming(Role::Client, 0x82, b"x"));
        assert!(c.take_idle_read_buffer().is_none(), "bytes wait");
        let _ = poll_all(&mut c);
        let buffer = c.take_idle_read_buffer().expect("empty now");
        let mut other = conn(Role::Client);
        let address = buffer.as_ptr();
        assert!(!other.has_read_buffer());
        assert_eq!(other.give_read_buffer(vec![0; 8192]), None);
        assert!(other.has_read_buffer());
        let refused = other.give_read_buffer(buffer).expect("it has one");
        assert_eq!(refused.as_ptr(), address);
        assert_ne!(
            other.read_space().as_ptr(),
            address,
            "the first buffer given stays"
        );
    }
}

mod streaming;

// Output queue.
mod output_queue {
    use super::*;
    use crate::writer::IN_PLACE_MIN;
    use std::io::IoSlice;

    /// Writes everything pending through vectored writes of at most `max` bytes each.
    fn drain_vectored(c: &mut Protocol, max: usize) -> Vec<u8> {
        let mut wire = Vec::new();
        loop {
            let mut slices = [IoSlice::new(&[]); 8];
            let n = c.pending_output_vectored(&mut slices);
            if n == 0 {
                assert_eq!(c.pending_output_len(), 0);
                return wire;
            }
            let mut taken = 0;
            for slice in &slices[..n] {
                let take = slice.len().min(max - taken);
                wire.extend_from_slice(&slice[..take]);
                taken += take;
                if taken == max {
                    break;
                }
            }
            c.consume_output(taken);
        }
    }

    #[test]
    fn large_owned_messages_go_out_in_order_from_their_own_buffer() {
        for role in ROLES {
            for max in [1, 7, 1000, 1 << 20] {
                let mut c = conn(role);
                let large: Vec<u8> = (0..IN_PLACE_MIN * 3).map(|i| (i % 251) as u8).collect();
                let small = b"small".to_vec();
                c.send_binary(b"before").unwrap();
                c.send_binary_owned(large.clone()).unwrap();
                c.send_binary_owned(small.clone()).unwrap();
                c.send_ping(b"p").unwrap();
                c.send_binary_owned(large.clone()).unwrap();
                // The ping goes out before the next frame of the spooled payload in front
                // (here its only frame): control frames never wait behind large messages.
                let mut want = outgoing(role, 0x82, b"before");
                want.extend(outgoing(role, 0x89, b"p"));
                want.extend(outgoing(role, 0x82, &large));
                want.extend(outgoing(role, 0x82, &small));
                want.extend(outgoing(role, 0x82, &large));
                assert_eq!(c.pending_output_len(), want.len());
                assert_eq!(
                    drain_vectored(&mut c, max),
                    want,
                    "{role:?} in writes of {max}"
                );
                // Every owned buffer comes back: the two large ones once written, the small one
                // (copied) at once.
                let mut back = 0;
                while c.take_written_buffer().is_some() {
                    back += 1;
                }
                assert_eq!(back, 3);
            }
        }
    }

    #[test]
    fn an_owned_message_after_the_close_comes_back() {
        let mut c = conn(Role::Client);
        c.send_close(Some(1000), "").unwrap();
        assert!(c.send_binary_owned(vec![1; IN_PLACE_MIN]).is_err());
        assert_eq!(c.take_written_buffer().map(|b| b.len()), Some(IN_PLACE_MIN));
    }

    #[test]
    fn partial_writes() {
        let mut s = conn(Role::Server);
        s.send_text("abc").unwrap();
        assert_eq!(s.pending_output(), [0x81, 3, b'a', b'b', b'c']);
        s.consume_output(2);
        assert_eq!(s.pending_output(), b"abc");
        s.send_text("d").unwrap();
        assert_eq!(s.pending_output(), [b'a', b'b', b'c', 0x81, 1, b'd']);
        s.consume_output(100);
        assert_eq!(s.pending_output(), b"");
    }
}

// EOF from the transport.
mod eof {
    use super::*;

    #[test]
    fn eof_closes_and_buffered_events_still_arrive() {
        for role in ROLES {
            let mut c = conn(role);
            c.receive_data(&incoming(role, 0x81, b"last"));
            c.receive_data(&incoming(role, 0x89, b"p"));
            c.receive_data(&incoming(role, 0x88, &close_payload(1000, "")));
            c.receive_eof();
            assert_eq!(c.state(), State::Closed);
            assert!(c.close_expected());
            assert_eq!(
                poll_all(&mut c),
                vec![
                    text("last"),
                    Ev::Ping(b"p".to_vec()),
                    Ev::Close(Some(1000), String::new())
                ]
            );
            // Nothing is sent on a closed transport.
            assert_eq!(output(&mut c), b"");
            assert_eq!(c.send_text("x"), Err(SendError::Closed));
            c.receive_data(&incoming(role, 0x81, b"after"));
            assert_eq!(poll_all(&mut c), vec![]);
        }
    }
}

// RFC 7692: permessage-deflate on a connection.
mod deflate {
    use super::*;

    use super::deflate_params as params;

    fn deflating(role: Role, p: DeflateParams) -> Protocol {
        conn_with(role, Config::default(), Some(p))
    }

    const HELLO: &[u8] = &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

    // RFC 7692 §7.2.3.1, §7.2.3.2.
    #[test]
    fn rfc_examples_received() {
        for role in ROLES {
            let mut c = deflating(role, params());
            assert_eq!(
                receive(&mut c, &incoming(role, 0xC1, HELLO)),
                vec![text("Hello")]
            );
            let mut wire = incoming(role, 0x41, &HELLO[..3]);
            wire.extend(incoming(role, 0x80, &HELLO[3..]));
            assert_eq!(receive(&mut c, &wire), vec![text("Hello")]);
            // Shared window: the second message refers to the first.
            assert_eq!(
                receive(
                    &mut c,
                    &incoming(role, 0xC1, &[0xf2, 0x00, 0x11, 0x00, 0x00])
                ),
                vec![text("Hello")]
            );
            // Uncompressed messages stay possible (RSV1 clear).
            assert_eq!(
                receive(&mut c, &incoming(role, 0x81, b"plain")),
                vec![text("plain")]
            );
            // §7.2.3.3: a stored block.
            let stored = [
                0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
            ];
            assert_eq!(
                receive_bytewise(&mut c, &incoming(role, 0xC2, &stored)),
                vec![Ev::Binary(b"Hello".to_vec())]
            );
        }
    }

    #[test]
    fn rfc_examples_sent() {
        for role in ROLES {
            let mut c = deflating(role, params());
            c.send_text("Hello").unwrap();
            c.send_text("Hello").unwrap();
            let mut want = outgoing(role, 0xC1, HELLO);
            want.extend(outgoing(role, 0xC1, &[0xf2, 0x00, 0x11, 0x00, 0x00]));
            assert_eq!(output(&mut c), want);
            // Control frames are never compressed.
            c.send_ping(b"Hello").unwrap();
            assert_eq!(output(&mut c), outgoing(role, 0x89, b"Hello"));
        }
        let mut s = deflating(Role::Server, params());
        s.send_text("Hello").unwrap();
        assert_eq!(
            output(&mut s),
            [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
        );
    }

    #[test]
    fn our_no_context_takeover_resets_per_message() {
        let p = DeflateParams {
            client_no_context_takeover: true,
            ..params()
        };
        let mut c = deflating(Role::Client, p);
        c.send_text("Hello").unwrap();
        c.send_text("Hello").unwrap();
        let mut want = outgoing(Role::Client, 0xC1, HELLO);
        want.extend(outgoing(Role::Client, 0xC1, HELLO));
        assert_eq!(output(&mut c), want);
        // The server side keeps its context.
        let mut s = deflating(Role::Server, p);
        s.send_text("Hello").unwrap();
        s.send_text("Hello").unwrap();
        let mut want = outgoing(Role::Server, 0xC1, HELLO);
        want.extend(outgoing(
            Role::Server,
            0xC1,
            &[0xf2, 0x00, 0x11, 0x00, 0x00],
        ));
        assert_eq!(output(&mut s), want);
    }

    #[test]
    fn window_8_and_short_messages_go_uncompressed() {
        let p = DeflateParams {
            client_max_window_bits: 8,
            ..params()
        };
        let mut c = deflating(Role::Client, p);
        c.send_text("Hello").unwrap();
        assert_eq!(output(&mut c), outgoing(Role::Client, 0x81, b"Hello"));
        let p = DeflateParams {
            min_compress_size: 6,
            level: 6,
            mem_level: 8,
            ..params()
        };
        let mut c = deflating(Role::Client, p);
        c.send_text("Hello").unwrap();
        c.send_text("Hello!").unwrap();
        let mut want = outgoing(Role::Client, 0x81, b"Hello");
        want.extend(outgoing(
            Role::Client,
            0xC1,
            &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0x04, 0x00],
        ));
        assert_eq!(output(&mut c), want);
    }

    /// The opt-out (and the threshold) mid-stream with context takeover on: the plain
    /// message goes out with RSV1 clear and stays out of our window, so the next compressed
    /// message, which refers back past it, still inflates at the peer (RFC 7692 §6.1).
    #[test]
    fn uncompressed_message_mid_stream_keeps_the_peer_in_step() {
        let secret = "token=0123456789abcdef0123456789abcdef";
        for threshold in [0, secret.len() + 1] {
            let p = DeflateParams {
                min_compress_size: threshold,
                ..params()
            };
            let mut c = deflating(Role::Client, p);
            let mut s = deflating(Role::Server, p);
            let first = format!("{secret} {secret} {secret} {secret}");
            c.send_text(&first).unwrap();
            let plain = Utf8Text::new(secret.as_bytes().to_vec()).unwrap();
            let compress = if threshold == 0 {
                Compress::Never
            } else {
                Compress::Auto
            };
            c.send_utf8_owned_with(plain, compress).unwrap();
            let wire = output(&mut c);
            // Its frame follows the first message's, with FIN and RSV1 clear: 0x81.
            let tail = outgoing(Role::Client, 0x81, secret.as_bytes());
            assert!(wire.ends_with(&tail), "threshold {threshold}");
            c.send_text(&first).unwrap();
            let mut wire_all = wire;
            let third = output(&mut c);
            assert_eq!(third[0], 0xC1, "the next message is compressed");
            // Shorter than the first: it refers to the first message through the window.
            assert!(third.len() < 20, "{}", third.len());
            wire_all.extend(third);
            s.receive_data(&wire_all);
            let mut compressed = Vec::new();
            while let Some(event) = s.poll_event() {
                assert!(matches!(event, Event::Message { .. }));
                compressed.push(s.message_was_compressed());
            }
            assert_eq!(compressed, [true, false, true]);
            let mut s = deflating(Role::Server, p);
            assert_eq!(
                receive(&mut s, &wire_all),
                vec![text(&first), text(secret), text(&first)]
            );
        }
    }

    /// Every level (0: stored blocks, still RSV1) and memLevel round-trips, message after
    /// message in one stream, for each window size.
    #[test]
    fn every_level_and_mem_level_round_trips() {
        let json = r#"{"id":12345,"name":"sensor-7","values":[1.5,2.25,3.125],"ok":true}"#;
        let message = json.repeat(40);
        for level in 0..=9 {
            for (mem_level, bits) in [(1, 9), (8, 15), (9, 12), (level.max(1), 10)] {
                let p = DeflateParams {
                    client_max_window_bits: bits,
                    level,
                    mem_level,
                    ..params()
                };
                let mut c = deflating(Role::Client, p);
                let mut s = deflating(Role::Server, p);
                for _ in 0..3 {
                    c.send_text(&message).unwrap();
                }
                let wire = output(&mut c);
                assert_eq!(wire[0], 0xC1, "level {level}: RSV1 set");
                if level > 0 {
                    assert!(wire.len() < message.len(), "level {level}");
                } else {
                    assert!(wire.len() > 3 * message.len(), "level 0: stored blocks");
                }
                assert_eq!(receive(&mut s, &wire), vec![text(&message); 3]);
            }
        }
    }

    #[test]
    fn rsv1_rules() {
        for role in ROLES {
            // RSV1 on a continuation frame.
            let mut wire = incoming(role, 0x41, &HELLO[..3]);
            wire.extend(incoming(role, 0xC0, &HELLO[3..]));
            let mut c = deflating(role, params());
            assert_eq!(
                receive(&mut c, &wire).last(),
                Some(&Ev::Failed(ProtocolError::UnexpectedRsv1))
            );
            // RSV1 on control frames.
            for op in [0xC8, 0xC9, 0xCA] {
                let mut c = deflating(role, params());
                assert_eq!(
                    receive(&mut c, &incoming(role, op, b"")),
                    vec![Ev::Failed(ProtocolError::UnexpectedRsv1)]
                );
            }
        }
    }

    #[test]
    fn bad_compressed_data_fails() {
        for role in ROLES {
            let mut c = deflating(role, params());
            assert_eq!(
                receive(&mut c, &incoming(role, 0xC2, &[0xff, 0xff, 0xff])),
                vec![Ev::Failed(ProtocolError::BadCompressedData)]
            );
            assert_eq!(output(&mut c), outgoing(role, 0x88, &1002u16.to_be_bytes()));
        }
    }

    #[test]
    fn invalid_utf8_after_inflating_fails() {
        let mut s = deflating(Role::Server, params());
        s.send_binary(b"ok\xff").unwrap();
        let mut wire = output(&mut s);
        wire[0] = 0xC1; // the same payload as a text message
        let mut c = deflating(Role::Client, params());
        assert_eq!(
            receive(&mut c, &wire),
            vec![Ev::Failed(ProtocolError::InvalidUtf8)]
        );
        assert_eq!(
            output(&mut c),
            outgoing(Role::Client, 0x88, &1007u16.to_be_bytes())
        );
    }

    #[test]
    fn deflate_bomb_fails_with_1009_without_allocating() {
        let mut s = deflating(Role::Server, params());
        s.send_binary(&vec![0u8; 64 << 20]).unwrap();
        let bomb = output(&mut s);
        assert!(bomb.len() < 200_000, "{}", bomb.len());
        let max = 256 * 1024;
        let mut c = conn_with(
            Role::Client,
            Config {
                max_message_size: max,
                ..Config::default()
            },
            Some(params()),
        );
        let events = receive(&mut c, &bomb);
        assert!(
            matches!(&events[..], [Ev::Failed(ProtocolError::MessageTooBig { max: m, .. })] if *m == max),
            "{events:?}"
        );
        assert!(
            c.reader.buffer_capacity() < max + bomb.len() + 64 * 1024,
            "{}",
            c.reader.buffer_capacity()
        );
        assert_eq!(
            output(&mut c),
            outgoing(Role::Client, 0x88, &1009u16.to_be_bytes())
        );
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Moves `from`'s output into `to` in random pieces, copied in or read into `to`'s own buffer
/// (as a transport read does), and collects `to`'s events.
fn transfer(rng: &mut Rng, from: &mut Protocol, to: &mut Protocol) -> Vec<Ev> {
    let bytes = output(from);
    let mut events = Vec::new();
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let mut n = (1 + rng.below(rest.len().min(70_000))).min(rest.len());
        if rng.below(2) == 0 {
            to.receive_data(&rest[..n]);
        } else {
            let space = to.read_space();
            n = n.min(space.len());
            space[..n].copy_from_slice(&rest[..n]);
            to.commit_read(n);
        }
        events.extend(poll_all(to));
        rest = &rest[n..];
    }
    events
}

// A client Protocol talking to a server Protocol through the handshake.
mod client_server_loop {
    use super::*;
    use crate::handshake::{accept_request, ClientHandshake};

    fn pair(deflate: Option<&DeflateConfig>) -> (Protocol, Protocol) {
        let handshake = ClientHandshake::new([7; 16], "localhost", "/", &[], deflate).unwrap();
        let accepted = accept_request(handshake.request(), deflate.is_some())
            .unwrap()
            .unwrap();
        let response = handshake
            .parse_response(&accepted.response)
            .unwrap()
            .unwrap();
        assert_eq!(response.deflate.is_some(), deflate.is_some());
        let client = conn_with(Role::Client, Config::default(), response.deflate);
        let server = conn_with(Role::Server, Config::default(), accepted.deflate);
        (client, server)
    }

    #[test]
    fn full_conversation() {
        for deflate in [None, Some(DeflateConfig::default())] {
            let (mut client, mut server) = pair(deflate.as_ref());
            let mut rng = Rng(42);
            client.send_text("hello server").unwrap();
            client.send_binary(&[0, 1, 2]).unwrap();
            client.send_ping(b"are you there").unwrap();
            assert_eq!(
                transfer(&mut rng, &mut client, &mut server),
                vec![
                    text("hello server"),
                    Ev::Binary(vec![0, 1, 2]),
                    Ev::Ping(b"are you there".to_vec())
                ]
            );
            server.send_text("hello client").unwrap();
            assert_eq!(
                transfer(&mut rng, &mut server, &mut client),
                vec![Ev::Pong(b"are you there".to_vec()), text("hello client")]
            );
            client.send_close(Some(1000), "bye").unwrap();
            assert_eq!(
                transfer(&mut rng, &mut client, &mut server),
                vec![Ev::Close(Some(1000), "bye".to_string())]
            );
            assert!(server.close_expected());
            assert_eq!(
                transfer(&mut rng, &mut server, &mut client),
                vec![Ev::Close(Some(1000), "bye".to_string())]
            );
            assert!(client.close_expected());
            assert_eq!(client.state(), State::Closed);
            assert_eq!(server.state(), State::Closed);
        }
    }
}

// Random messages, random chunking, both directions: what one role sends the other receives
// byte for byte.
mod property {
    use super::*;

    fn random_message(rng: &mut Rng) -> (bool, Vec<u8>) {
        let len = match rng.below(10) {
            0 => 0,
            1..=5 => rng.below(130),
            6..=8 => rng.below(70_000),
            _ => rng.below(300_000),
        };
        if rng.below(2) == 0 {
            let alphabet = ["a", "é", "€", "𝄞", " ", "z"];
            let mut s = String::new();
            while s.len() < len {
                s.push_str(alphabet[rng.below(alphabet.len())]);
            }
            (true, s.into_bytes())
        } else {
            let repetitive = rng.below(2) == 0;
            let data = (0..len)
                .map(|i| {
                    if repetitive {
                        (i % 7) as u8
                    } else {
                        rng.next() as u8
                    }
                })
                .collect();
            (false, data)
        }
    }

    fn run(seed: u64, deflate: Option<DeflateParams>) {
        let mut rng = Rng(seed);
        let mut client = conn_with(Role::Client, Config::default(), deflate);
        let mut server = conn_with(Role::Server, Config::default(), deflate);
        for _ in 0..40 {
            let batch: Vec<(bool, Vec<u8>)> = (0..1 + rng.below(5))
                .map(|_| random_message(&mut rng))
                .collect();
            let client_sends = rng.below(2) == 0;
            let (from, to) = if client_sends {
                (&mut client, &mut server)
            } else {
                (&mut server, &mut client)
            };
            let mut want = Vec::new();
            for (is_text, data) in &batch {
                // Copied, or from its own buffer (written in place when large).
                let owned = rng.below(2) == 0;
                if *is_text {
                    let s = std::str::from_utf8(data).unwrap();
                    if owned {
                        let checked = crate::Utf8Text::new(data.clone()).unwrap();
                        from.send_utf8_owned(checked).unwrap();
                    } else {
                        from.send_text(s).unwrap();
                    }
                    want.push(text(s));
                } else {
                    if owned {
                        from.send_binary_owned(data.clone()).unwrap();
                    } else {
                        from.send_binary(data).unwrap();
                    }
                    want.push(Ev::Binary(data.clone()));
                }
            }
            assert_eq!(transfer(&mut rng, from, to), want, "seed {seed}");
        }
    }

    #[test]
    fn random_round_trips() {
        for seed in 1..=6 {
            run(seed, None);
        }
    }

    #[test]
    fn random_round_trips_with_deflate() {
        let variants = [
            (15, 15, false, false),
            (9, 10, true, false),
            (8, 15, false, true),
            (12, 8, true, true),
        ];
        for (seed, (cb, sb, cn, sn)) in variants.into_iter().enumerate() {
            let p = DeflateParams {
                client_max_window_bits: cb,
                server_max_window_bits: sb,
                client_no_context_takeover: cn,
                server_no_context_takeover: sn,
                min_compress_size: seed * 20,
                level: 6,
                mem_level: 8,
            };
            run(100 + seed as u64, Some(p));
        }
    }

    /// Valid streams with a few bytes corrupted, fed in random pieces: no panic, and a
    /// failure is the last event.
    #[test]
    fn corrupted_streams_never_panic() {
        let mut rng = Rng(7);
        let p = deflate_params();
        for round in 0..400 {
            let deflate = (round % 2 == 0).then_some(p);
            let receiver = ROLES[round % 4 / 2];
            let sender_role = match receiver {
                Role::Client => Role::Server,
                Role::Server => Role::Client,
            };
            let mut sender = conn_with(sender_role, Config::default(), deflate);
            for _ in 0..1 + rng.below(4) {
                let (is_text, data) = random_message(&mut rng);
                let data = &data[..data.len().min(3000)];
                match (is_text, std::str::from_utf8(data)) {
                    (true, Ok(s)) => sender.send_text(s).unwrap(),
                    _ => sender.send_binary(data).unwrap(),
                }
                if rng.below(3) == 0 {
                    sender.send_ping(b"p").unwrap();
                }
            }
            let mut wire = output(&mut sender);
            for _ in 0..1 + rng.below(3) {
                let i = rng.below(wire.len());
                wire[i] ^= 1 << rng.below(8);
            }
            let mut c = conn_with(
                receiver,
                Config {
                    max_message_size: 1 << 16,
                    ..Config::default()
                },
                deflate,
            );
            let mut events = Vec::new();
            let mut rest = &wire[..];
            while !rest.is_empty() {
                let n = (1 + rng.below(200)).min(rest.len());
                events.extend(receive(&mut c, &rest[..n]));
                rest = &rest[n..];
            }
            let failures = events.iter().filter(|e| matches!(e, Ev::Failed(_))).count();
            assert!(failures <= 1, "{events:?}");
            if failures == 1 {
                assert!(matches!(events.last(), Some(Ev::Failed(_))));
            }
        }
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = Rng(99);
        for round in 0..300 {
            let garbage: Vec<u8> = (0..rng.below(400)).map(|_| rng.next() as u8).collect();
            let deflate = (round % 2 == 0).then(deflate_params);
            let mut c = conn_with(ROLES[round % 4 / 2], Config::default(), deflate);
            let events = receive(&mut c, &garbage);
            assert!(events.iter().filter(|e| matches!(e, Ev::Failed(_))).count() <= 1);
            // The handshake parsers too.
            let _ = crate::handshake::accept_request(&garbage, true);
            let handshake =
                crate::handshake::ClientHandshake::new([0; 16], "h", "/", &[], None).unwrap();
            let _ = handshake.parse_response(&garbage);
        }
    }
}

mod has_event {
    use super::*;

    #[test]
    fn next_is_data_tells_messages_from_control_frames_and_failures() {
        for role in ROLES {
            let mut c = conn(role);
            assert!(!c.next_is_data(), "nothing received");
            c.receive_data(&incoming(role, 0x82, b"data"));
            c.receive_data(&incoming(role, 0x89, b"ping"));
            c.receive_data(&incoming(role, 0x81, b"text"));
            assert!(c.next_is_data());
            assert_eq!(poll_all(&mut c).len(), 3);
            c.receive_data(&incoming(role, 0x89, b"ping"));
            assert!(!c.next_is_data(), "a ping is not data");
            assert!(c.has_event(), "but it is an event");
            c.poll_event();
            // A reserved opcode: a failure, not data.
            c.receive_data(&incoming(role, 0x83, b""));
            assert!(!c.next_is_data());
            assert!(c.has_event());
        }
    }

    #[test]
    fn false_until_a_whole_frame_then_the_same_event_is_polled() {
        for role in ROLES {
            let mut c = conn(role);
            let bytes = incoming(role, 0x81, b"hello");
            c.receive_data(&bytes[..bytes.len() - 1]);
            assert!(!c.has_event());
            assert!(!c.has_event(), "asking twice changes nothing");
            c.receive_data(&bytes[bytes.len() - 1..]);
            assert!(c.has_event());
            assert!(c.has_event(), "asking twice keeps the event");
            assert_eq!(poll_all(&mut c), vec![text("hello")]);
            assert!(!c.has_event());
        }
    }

    #[test]
    fn an_event_parsed_ahead_survives_more_input() {
        for role in ROLES {
            let mut c = conn(role);
            c.receive_data(&incoming(role, 0x81, b"first"));
            assert!(c.has_event());
            // Enough input to move, grow and overwrite the buffer the event was parsed in.
            let big = vec![b'y'; 100_000];
            c.receive_data(&incoming(role, 0x82, &big));
            c.receive_data(&incoming(role, 0x89, b"ping"));
            assert_eq!(
                poll_all(&mut c),
                vec![text("first"), Ev::Binary(big), Ev::Ping(b"ping".to_vec())]
            );
            c.receive_data(&incoming(role, 0x89, b"p2"));
            assert!(c.has_event());
            let space = c.read_space();
            let wire = incoming(role, 0x81, b"after");
            space[..wire.len()].copy_from_slice(&wire);
            c.commit_read(wire.len());
            assert_eq!(
                poll_all(&mut c),
                vec![Ev::Ping(b"p2".to_vec()), text("after")]
            );
        }
    }

    #[test]
    fn a_violation_is_an_event_and_nothing_follows() {
        for role in ROLES {
            let mut c = conn(role);
            c.receive_data(&incoming(role, 0x83, b""));
            assert!(c.has_event());
            assert!(matches!(c.poll_event(), Some(Event::Failed(_))));
            c.receive_data(&incoming(role, 0x81, b"late"));
            assert!(!c.has_event());
            assert_eq!(c.poll_event(), None);
        }
    }
}

/// The counts statistics are made of: frame bytes as written and taken in, data frames
/// (continuations in, control frames out) as encoded and parsed.
mod tally {
    use super::*;

    const FRAME: usize = 8192;

    #[test]
    fn frame_bytes_and_data_frames_are_counted_both_ways() {
        let config = Config {
            max_frame_size: FRAME,
            ..Config::default()
        };
        let mut c = conn_with(Role::Client, config, None);
        c.send_binary(&[1; 100]).unwrap();
        // Written from its own buffer (16 KiB and more): two full frames, then the rest.
        let large = vec![2u8; 2 * FRAME + 10];
        c.send_binary_owned(large).unwrap();
        c.send_ping(b"p").unwrap();
        assert_eq!(c.tally().bytes_sent, 0, "nothing written yet");
        let written = output(&mut c).len() as u64;
        let header = |len: usize| 4 + if len < 126 { 2 } else { 4 };
        let expected =
            (header(100) + 100) + 2 * (header(FRAME) + FRAME) + (header(10) + 10) + (header(1) + 1);
        assert_eq!(written, expected as u64);
        let tally = c.tally();
        assert_eq!((tally.bytes_sent, tally.frames_sent), (written, 4));

        let mut input = incoming(Role::Client, 0x01, b"ab");
        input.extend(incoming(Role::Client, 0x80, b"c"));
        input.extend(incoming(Role::Client, 0x89, b"ping"));
        input.extend(incoming(Role::Client, 0x82, &[0; 200]));
        let events = receive_bytewise(&mut c, &input);
        assert_eq!(events.len(), 3);
        let tally = c.tally();
        assert_eq!(tally.bytes_received, input.len() as u64);
        assert_eq!(tally.frames_received, 3, "the ping is not a data frame");
    }
}
