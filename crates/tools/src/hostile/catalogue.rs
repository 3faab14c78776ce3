//! The catalogue: every scenario of the hostile server in one table, each with its name (the
//! request path without the `/`), what it does, and the rule it breaks. `ws-hostile-server
//! --list` prints it.
use super::frames::{
    head, switching, BINARY, CLOSE, CONTINUATION, FIN, PING, RSV1, RSV2, RSV3, SWITCHING, TEXT,
};

/// One way of misbehaving.
#[derive(Debug)]
pub struct Scenario {
    /// The request path without its `/`, e.g. `opcode-3` for `/opcode-3`.
    pub name: &'static str,
    /// What the server does, in a sentence.
    pub does: &'static str,
    /// The rule of RFC 6455 / RFC 7692 (or HTTP) that it breaks, or, for the few rows that
    /// break nothing, what they check.
    pub breaks: &'static str,
    pub play: Play,
}

/// What the server does with the connection. Every head of [`Play::Respond`] is under 1 KiB
/// and written at once, so a client that fails it has read all of it and leaves with a FIN
/// (`eof`), not a reset.
#[derive(Debug)]
pub enum Play {
    /// Answers the request with this head (and whatever follows it) instead of a valid 101;
    /// the function gets the correct Sec-WebSocket-Accept value.
    Respond(fn(&str) -> Vec<u8>),
    /// Never answers the request.
    NoResponse,
    /// Ends TCP (FIN) after reading the request.
    EofBeforeResponse,
    /// Resets TCP (SO_LINGER 0) after reading the request.
    ResetBeforeResponse,
    /// A 101 status line, then 1 KiB header lines for as long as the client reads.
    EndlessHeaders,
    /// A 101 status line, then one header line that never ends.
    EndlessHeaderLine,
    /// The first `bytes` of a valid 101 response, then `then`.
    PartialResponse { bytes: usize, then: &'static [Step] },
    /// A valid 101 (with `extra` fields; accepting permessage-deflate when `deflate`, and
    /// then requiring an offer), then `steps`.
    Open {
        deflate: bool,
        extra: &'static [(&'static str, &'static str)],
        steps: &'static [Step],
    },
}

/// What an open connection gets, in order. After the last step the server waits for the
/// client's close frame or end of the connection (unless the step ended it).
#[derive(Debug)]
pub enum Step {
    /// A frame with this first byte (taken as given), unmasked.
    Frame(u8, &'static [u8]),
    /// The same, masked (servers must not mask).
    Masked(u8, &'static [u8]),
    /// Bytes as they are.
    Bytes(&'static [u8]),
    /// This many zero bytes.
    Zeros(usize),
    /// Everything so far is sent, then nothing for this many milliseconds.
    Pause(u64),
    /// A ping every `every_ms` milliseconds, `count` times, without reading anything meanwhile
    /// (a write that fails ends the connection: the client went away).
    PingsWithoutReading { count: usize, every_ms: u64 },
    /// A close frame with this code (as given, allowed or not) and reason bytes.
    Close(u16, &'static [u8]),
    /// A header announcing this 64-bit length, and no payload.
    Announce(u8, u64),
    /// Text messages `message 0` … `message N-1`; every tenth (5, 15, …) in three fragments
    /// with a ping between the first two.
    Messages(usize),
    /// A binary message of this many zero bytes, compressed with permessage-deflate, in frames
    /// of at most `frame_size` compressed bytes.
    Deflated { zeros: usize, frame_size: usize },
    /// A compressed text message in two frames, RSV1 set on the continuation too.
    DeflatedRsv1Continuation,
    /// This many pings (payloads `0`, `1`, …), then, once every pong came back in order, a
    /// close frame 1000 "N pongs" (else 4000 with what was missing, when the client ends or
    /// after the server's time bound).
    PingFlood(usize),
    /// Ends our side of TCP (FIN), still reading what the client does.
    Eof,
    /// Resets TCP (SO_LINGER 0): nothing more is seen of the client.
    Reset,
}

const fn open(steps: &'static [Step]) -> Play {
    Play::Open {
        deflate: false,
        extra: &[],
        steps,
    }
}

const fn open_deflate(steps: &'static [Step]) -> Play {
    Play::Open {
        deflate: true,
        extra: &[],
        steps,
    }
}

/// The payload of a 126-byte control frame (one byte over §5.5's limit).
const LONG_CONTROL: &[u8] = &[b'x'; 126];

/// Every scenario. Names are unique (a unit test checks).
pub static SCENARIOS: &[Scenario] = &[
    // ---- the opening handshake: the client must fail before open (onError only) ----------
    Scenario {
        name: "bad-status-line",
        does: "answers with a status line whose code is `1O1` (a letter O)",
        breaks: "RFC 9112 §4 status-line; RFC 6455 §4.1 (a 101 response)",
        play: Play::Respond(|accept| {
            let mut out = b"HTTP/1.1 1O1 Switching Protocols".to_vec();
            out.extend_from_slice(&switching(accept, &[], &[])[SWITCHING.len()..]);
            out
        }),
    },
    Scenario {
        name: "not-http",
        does: "answers with an SSH banner instead of HTTP",
        breaks: "RFC 6455 §4.1: the response must be an HTTP response",
        play: Play::Respond(|_| b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".to_vec()),
    },
    Scenario {
        name: "status-200",
        does: "answers 200 OK with an empty body",
        breaks: "RFC 6455 §4.1: the status must be 101",
        play: Play::Respond(|_| head("HTTP/1.1 200 OK", &[("Content-Length", "0")])),
    },
    Scenario {
        name: "status-500",
        does: "answers 500 Internal Server Error",
        breaks: "RFC 6455 §4.1: the status must be 101",
        play: Play::Respond(|_| {
            head(
                "HTTP/1.1 500 Internal Server Error",
                &[("Content-Length", "0"), ("Connection", "close")],
            )
        }),
    },
    Scenario {
        name: "http-1.0",
        does: "answers a correct 101 as HTTP/1.0",
        breaks: "RFC 6455 §4.1 / §4.2.2: the handshake is HTTP/1.1",
        play: Play::Respond(|accept| {
            let mut out = b"HTTP/1.0".to_vec();
            out.extend_from_slice(&switching(accept, &[], &[])[b"HTTP/1.1".len()..]);
            out
        }),
    },
    Scenario {
        name: "no-accept",
        does: "answers 101 without Sec-WebSocket-Accept",
        breaks: "RFC 6455 §4.1 client requirement 4",
        play: Play::Respond(|accept| switching(accept, &["Sec-WebSocket-Accept"], &[])),
    },
    Scenario {
        name: "wrong-accept",
        does: "answers 101 with the Sec-WebSocket-Accept of RFC 6455's sample key",
        breaks: "RFC 6455 §4.1 client requirement 4",
        play: Play::Respond(|_| switching("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", &[], &[])),
    },
    Scenario {
        name: "two-accepts",
        does: "answers 101 with the right Sec-WebSocket-Accept and a second, wrong one",
        breaks: "RFC 6455 §4.1 client requirement 4 (§11.3.3: the field appears once)",
        play: Play::Respond(|accept| {
            switching(
                accept,
                &[],
                &[("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")],
            )
        }),
    },
    Scenario {
        name: "no-upgrade",
        does: "answers 101 without an Upgrade field",
        breaks: "RFC 6455 §4.1 client requirement 2",
        play: Play::Respond(|accept| switching(accept, &["Upgrade"], &[])),
    },
    Scenario {
        name: "wrong-upgrade",
        does: "answers 101 with `Upgrade: h2c`",
        breaks: "RFC 6455 §4.1 client requirement 2",
        play: Play::Respond(|accept| switching(accept, &["Upgrade"], &[("Upgrade", "h2c")])),
    },
    Scenario {
        name: "no-connection",
        does: "answers 101 without a Connection field",
        breaks: "RFC 6455 §4.1 client requirement 3",
        play: Play::Respond(|accept| switching(accept, &["Connection"], &[])),
    },
    Scenario {
        name: "wrong-connection",
        does: "answers 101 with `Connection: keep-alive`",
        breaks: "RFC 6455 §4.1 client requirement 3",
        play: Play::Respond(|accept| {
            switching(accept, &["Connection"], &[("Connection", "keep-alive")])
        }),
    },
    Scenario {
        name: "extension-not-offered",
        does: "answers 101 with permessage-deflate to a client that offered no extension",
        breaks: "RFC 6455 §4.1 client requirement 5",
        play: Play::Respond(|accept| {
            switching(
                accept,
                &[],
                &[("Sec-WebSocket-Extensions", "permessage-deflate")],
            )
        }),
    },
    Scenario {
        name: "deflate-unknown-parameter",
        does: "answers a permessage-deflate offer with `permessage-deflate; x_bits=3`",
        breaks: "RFC 7692 §5 / §7.1: an unknown extension parameter fails the connection",
        play: Play::Respond(|accept| {
            switching(
                accept,
                &[],
                &[("Sec-WebSocket-Extensions", "permessage-deflate; x_bits=3")],
            )
        }),
    },
    Scenario {
        name: "subprotocol-not-offered",
        does: "answers 101 with `Sec-WebSocket-Protocol: chat` to a client that offered none",
        breaks: "RFC 6455 §4.1 client requirement 6",
        play: Play::Respond(|accept| switching(accept, &[], &[("Sec-WebSocket-Protocol", "chat")])),
    },
    Scenario {
        name: "header-without-colon",
        does: "answers 101 with a header line `Upgrade websocket` (no colon)",
        breaks: "RFC 9112 §5: field-line = field-name \":\" field-value",
        play: Play::Respond(|accept| {
            let mut out = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\n".to_vec();
            out.extend_from_slice(&switching(accept, &["Upgrade"], &[])[SWITCHING.len() + 2..]);
            out
        }),
    },
    Scenario {
        name: "too-many-headers",
        does: "answers 101 with 130 more fields `X: 1` (133 in all, the head under 1 KiB)",
        breaks: "a client limit (128 fields), like RFC 9112 §5's \"reasonable limits\"",
        play: Play::Respond(|accept| switching(accept, &[], &[("X", "1"); 130])),
    },
    Scenario {
        name: "endless-headers",
        does: "sends a 101 status line, then 1 KiB header lines forever (while the client reads)",
        breaks: "RFC 6455 §4.1 (the head never ends); the client's 64 KiB head limit",
        play: Play::EndlessHeaders,
    },
    Scenario {
        name: "huge-header-line",
        does: "sends a 101 status line, then one header line that never ends",
        breaks: "RFC 6455 §4.1 (the head never ends); the client's 64 KiB head limit",
        play: Play::EndlessHeaderLine,
    },
    Scenario {
        name: "no-response",
        does: "reads the request and never answers",
        breaks: "RFC 6455 §4.1: the server answers; the client's connect timeout",
        play: Play::NoResponse,
    },
    Scenario {
        name: "eof-before-response",
        does: "ends TCP right after the request",
        breaks: "RFC 6455 §4.1: the server answers",
        play: Play::EofBeforeResponse,
    },
    Scenario {
        name: "reset-before-response",
        does: "resets TCP right after the request",
        breaks: "RFC 6455 §4.1: the server answers",
        play: Play::ResetBeforeResponse,
    },
    // ---- after the 101: the client fails the connection (onError, close frame, onClose) ---
    Scenario {
        name: "body-after-101",
        does: "answers 101 with `Content-Length: 18` and sends `<html>hello</html>` as if a body",
        breaks: "RFC 6455 §4.1 / §5.2: after the 101 only frames follow (`<` has RSV2+RSV3)",
        play: Play::Open {
            deflate: false,
            extra: &[("Content-Length", "18")],
            steps: &[Step::Bytes(b"<html>hello</html>")],
        },
    },
    Scenario {
        name: "masked-frame",
        does: "sends a masked text frame",
        breaks: "RFC 6455 §5.1: a server MUST NOT mask",
        play: open(&[Step::Masked(FIN | TEXT, b"masked")]),
    },
    Scenario {
        name: "rsv1-without-extension",
        does: "sends a text frame with RSV1, no extension negotiated",
        breaks: "RFC 6455 §5.2: RSV1 MUST be 0",
        play: open(&[Step::Frame(FIN | RSV1 | TEXT, b"rsv1")]),
    },
    Scenario {
        name: "rsv2",
        does: "sends a text frame with RSV2",
        breaks: "RFC 6455 §5.2: RSV2 MUST be 0",
        play: open(&[Step::Frame(FIN | RSV2 | TEXT, b"rsv2")]),
    },
    Scenario {
        name: "rsv3",
        does: "sends a text frame with RSV3",
        breaks: "RFC 6455 §5.2: RSV3 MUST be 0",
        play: open(&[Step::Frame(FIN | RSV3 | TEXT, b"rsv3")]),
    },
    Scenario {
        name: "opcode-3",
        does: "sends a frame with the reserved non-control opcode 0x3",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0x3, b"")]),
    },
    Scenario {
        name: "opcode-4",
        does: "sends a frame with the reserved non-control opcode 0x4",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0x4, b"four")]),
    },
    Scenario {
        name: "opcode-5",
        does: "sends a frame with the reserved non-control opcode 0x5",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0x5, b"")]),
    },
    Scenario {
        name: "opcode-6",
        does: "sends a frame with the reserved non-control opcode 0x6",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0x6, b"")]),
    },
    Scenario {
        name: "opcode-7",
        does: "sends a frame with the reserved non-control opcode 0x7",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0x7, b"")]),
    },
    Scenario {
        name: "opcode-b",
        does: "sends a frame with the reserved control opcode 0xB",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0xB, b"")]),
    },
    Scenario {
        name: "opcode-c",
        does: "sends a frame with the reserved control opcode 0xC",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0xC, b"twelve")]),
    },
    Scenario {
        name: "opcode-d",
        does: "sends a frame with the reserved control opcode 0xD",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0xD, b"")]),
    },
    Scenario {
        name: "opcode-e",
        does: "sends a frame with the reserved control opcode 0xE",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0xE, b"")]),
    },
    Scenario {
        name: "opcode-f",
        does: "sends a frame with the reserved control opcode 0xF",
        breaks: "RFC 6455 §5.2: reserved opcodes fail the connection",
        play: open(&[Step::Frame(FIN | 0xF, b"")]),
    },
    Scenario {
        name: "fragmented-ping",
        does: "sends a ping without FIN",
        breaks: "RFC 6455 §5.5: control frames MUST NOT be fragmented",
        play: open(&[Step::Frame(PING, b"frag")]),
    },
    Scenario {
        name: "fragmented-close",
        does: "sends a close frame 1000 without FIN",
        breaks: "RFC 6455 §5.5: control frames MUST NOT be fragmented",
        play: open(&[Step::Frame(CLOSE, &[0x03, 0xE8])]),
    },
    Scenario {
        name: "ping-126",
        does: "sends a ping with a 126-byte payload",
        breaks: "RFC 6455 §5.5: control frames carry at most 125 bytes",
        play: open(&[Step::Frame(FIN | PING, LONG_CONTROL)]),
    },
    Scenario {
        name: "close-126",
        does: "sends a close frame with a 126-byte payload",
        breaks: "RFC 6455 §5.5: control frames carry at most 125 bytes",
        play: open(&[Step::Frame(FIN | CLOSE, LONG_CONTROL)]),
    },
    Scenario {
        name: "orphan-continuation",
        does: "sends a continuation frame with no message to continue",
        breaks: "RFC 6455 §5.4: a fragmented message starts with a non-continuation frame",
        play: open(&[Step::Frame(FIN | CONTINUATION, b"orphan")]),
    },
    Scenario {
        name: "text-inside-fragmented",
        does: "starts a fragmented text message, then sends a new text frame inside it",
        breaks: "RFC 6455 §5.4: fragments of one message MUST NOT be interleaved",
        play: open(&[
            Step::Frame(TEXT, b"first part"),
            Step::Frame(FIN | TEXT, b"new message"),
        ]),
    },
    Scenario {
        name: "binary-inside-fragmented",
        does: "starts a fragmented binary message, then sends a new binary frame inside it",
        breaks: "RFC 6455 §5.4: fragments of one message MUST NOT be interleaved",
        play: open(&[
            Step::Frame(BINARY, b"\x00\x01"),
            Step::Frame(FIN | BINARY, b"\x02\x03"),
        ]),
    },
    Scenario {
        name: "invalid-utf8",
        does: "sends the text message `caf\\xc3(` (a lead byte without its continuation)",
        breaks: "RFC 6455 §8.1: text is UTF-8 (RFC 3629)",
        play: open(&[Step::Frame(FIN | TEXT, b"caf\xc3(")]),
    },
    Scenario {
        name: "invalid-utf8-surrogate",
        does: "sends a text message holding the UTF-8 form of the surrogate U+D800",
        breaks: "RFC 6455 §8.1: text is UTF-8 (RFC 3629 §3: no surrogates)",
        play: open(&[Step::Frame(FIN | TEXT, b"\xed\xa0\x80")]),
    },
    Scenario {
        name: "invalid-utf8-fragments",
        does: "sends `\\xe2\\x82` and then `(` as two fragments of one text message",
        breaks: "RFC 6455 §8.1 / §5.4: the reassembled text is not UTF-8",
        play: open(&[
            Step::Frame(TEXT, b"\xe2\x82"),
            Step::Frame(FIN | CONTINUATION, b"("),
        ]),
    },
    Scenario {
        name: "invalid-utf8-fail-fast",
        does: "sends the first fragment `ok \\xc0\\xaf` (an overlong form) and nothing more",
        breaks: "RFC 6455 §8.1; the client must fail at the bad byte, not wait for FIN",
        play: open(&[Step::Frame(TEXT, b"ok \xc0\xaf")]),
    },
    Scenario {
        name: "close-reason-invalid-utf8",
        does: "sends a close frame 1000 whose reason is the byte 0xFF",
        breaks: "RFC 6455 §5.5.1: the close reason is UTF-8",
        play: open(&[Step::Close(1000, b"\xff")]),
    },
    Scenario {
        name: "close-1-byte",
        does: "sends a close frame with a 1-byte payload",
        breaks: "RFC 6455 §5.5.1: a close body starts with a 2-byte code",
        play: open(&[Step::Frame(FIN | CLOSE, b"\x03")]),
    },
    Scenario {
        name: "close-code-0",
        does: "sends a close frame with code 0",
        breaks: "RFC 6455 §7.4.2: codes below 1000 are not used",
        play: open(&[Step::Close(0, b"")]),
    },
    Scenario {
        name: "close-code-999",
        does: "sends a close frame with code 999",
        breaks: "RFC 6455 §7.4.2: codes below 1000 are not used",
        play: open(&[Step::Close(999, b"")]),
    },
    Scenario {
        name: "close-code-1004",
        does: "sends a close frame with the reserved code 1004",
        breaks: "RFC 6455 §7.4.1: 1004 is reserved",
        play: open(&[Step::Close(1004, b"")]),
    },
    Scenario {
        name: "close-code-1005",
        does: "sends a close frame with code 1005",
        breaks: "RFC 6455 §7.4.1: 1005 MUST NOT be set in a close frame",
        play: open(&[Step::Close(1005, b"")]),
    },
    Scenario {
        name: "close-code-1006",
        does: "sends a close frame with code 1006",
        breaks: "RFC 6455 §7.4.1: 1006 MUST NOT be set in a close frame",
        play: open(&[Step::Close(1006, b"")]),
    },
    Scenario {
        name: "close-code-1015",
        does: "sends a close frame with code 1015",
        breaks: "RFC 6455 §7.4.1: 1015 MUST NOT be set in a close frame",
        play: open(&[Step::Close(1015, b"")]),
    },
    Scenario {
        name: "close-code-1016",
        does: "sends a close frame with the unassigned code 1016",
        breaks: "RFC 6455 §7.4.2 / IANA registry: 1016-2999 are not assigned for use",
        play: open(&[Step::Close(1016, b"")]),
    },
    Scenario {
        name: "close-code-2999",
        does: "sends a close frame with the unassigned code 2999",
        breaks: "RFC 6455 §7.4.2: 1000-2999 are reserved for the protocol",
        play: open(&[Step::Close(2999, b"")]),
    },
    Scenario {
        name: "close-code-5000",
        does: "sends a close frame with code 5000",
        breaks: "RFC 6455 §7.4.2: codes end at 4999",
        play: open(&[Step::Close(5000, b"")]),
    },
    Scenario {
        name: "length-top-bit",
        does: "sends a binary frame whose 64-bit length has the most significant bit set",
        breaks: "RFC 6455 §5.2: the most significant bit MUST be 0",
        play: open(&[Step::Announce(FIN | BINARY, 0x8000_0000_0000_0005)]),
    },
    Scenario {
        name: "announce-max",
        does: "announces a binary frame of 2^63-1 bytes, then sends nothing",
        breaks: "the client's size limit (1 GiB by default): it must fail at the header",
        play: open(&[Step::Announce(FIN | BINARY, (1 << 63) - 1)]),
    },
    Scenario {
        name: "announce-1gib",
        does: "announces a binary frame of 1 GiB (the default limit), then stays silent",
        breaks: "nothing yet: the client must not allocate for bytes it has not received",
        play: open(&[Step::Announce(FIN | BINARY, 1 << 30)]),
    },
    Scenario {
        name: "non-minimal-length",
        does: "sends `message 0` with a 16-bit and `message 1` with a 64-bit length, then a close",
        breaks: "RFC 6455 §5.2 (the minimal length encoding); the client accepts it on purpose",
        play: open(&[
            Step::Bytes(b"\x81\x7e\x00\x09message 0"),
            Step::Bytes(b"\x81\x7f\x00\x00\x00\x00\x00\x00\x00\x09message 1"),
            Step::Close(1000, b"lengths"),
        ]),
    },
    // ---- permessage-deflate (the client offers it): bombs and broken streams --------------
    Scenario {
        name: "deflate-bomb",
        does: "sends 32 MiB of zeros compressed into one frame of about 32 KiB",
        breaks: "the client's receive limit (RFC 7692 §8.1: limit the decompressed size)",
        play: open_deflate(&[Step::Deflated {
            zeros: 32 << 20,
            frame_size: usize::MAX,
        }]),
    },
    Scenario {
        name: "deflate-bomb-fragmented",
        does: "sends 32 MiB of zeros compressed, in frames of 1 KiB",
        breaks: "the client's receive limit across fragments (RFC 7692 §8.1)",
        play: open_deflate(&[Step::Deflated {
            zeros: 32 << 20,
            frame_size: 1024,
        }]),
    },
    Scenario {
        name: "deflate-invalid-block-type",
        does: "sends a compressed (RSV1) text frame starting with deflate block type 3",
        breaks: "RFC 7692 §7.2.2 / RFC 1951 §3.2.3: BTYPE 11 is an error",
        play: open_deflate(&[Step::Frame(FIN | RSV1 | TEXT, b"\xff\xff\xff\xff")]),
    },
    Scenario {
        name: "deflate-bad-stored-length",
        does: "sends a compressed frame whose stored block has LEN 5 and NLEN 0",
        breaks: "RFC 7692 §7.2.2 / RFC 1951 §3.2.4: NLEN is the complement of LEN",
        play: open_deflate(&[Step::Frame(
            FIN | RSV1 | BINARY,
            b"\x00\x05\x00\x00\x00hello",
        )]),
    },
    Scenario {
        name: "deflate-rsv1-continuation",
        does: "sends a compressed text message in two frames, RSV1 on the continuation too",
        breaks: "RFC 7692 §6.1: RSV1 is set on the first frame of a message only",
        play: open_deflate(&[Step::DeflatedRsv1Continuation]),
    },
    Scenario {
        name: "deflate-rsv1-ping",
        does: "sends a ping with RSV1, deflate negotiated",
        breaks: "RFC 7692 §6.1: control frames MUST NOT have RSV1",
        play: open_deflate(&[Step::Frame(FIN | RSV1 | PING, b"")]),
    },
    // ---- closing, floods and abrupt ends -----------------------------------------------------
    Scenario {
        name: "close-normal",
        does: "sends a close frame 1000 \"normal\" (a well-behaved baseline)",
        breaks: "nothing: the client answers 1000 and reports onClose(1000, \"normal\")",
        play: open(&[Step::Close(1000, b"normal")]),
    },
    Scenario {
        name: "close-reason-newline",
        does: "sends close 1000 whose reason holds a newline and what looks like a log line",
        breaks: "nothing in the RFC (a reason is any UTF-8): the client's logger must escape \
                 it, so that a server cannot forge log lines",
        play: open(&[Step::Close(
            1000,
            b"bye\nnet_websocket ERROR forged by the server",
        )]),
    },
    Scenario {
        name: "close-empty",
        does: "sends a close frame with an empty payload",
        breaks: "nothing: the client reports 1005 (RFC 6455 §7.1.5) and answers an empty close",
        play: open(&[Step::Frame(FIN | CLOSE, b"")]),
    },
    Scenario {
        name: "messages-then-close",
        does: "sends 100 text messages (some fragmented around a ping), then close 4000",
        breaks: "nothing: all 100 reach the client, in order, before onClose (SPEC §4)",
        play: open(&[
            Step::Messages(100),
            Step::Close(4000, b"bye after 100 messages"),
        ]),
    },
    Scenario {
        name: "close-then-frames",
        does: "sends close 1000 \"first\", then a text frame, a reserved opcode and close 4001",
        breaks: "RFC 6455 §5.5.1: no frames after a close; the client ignores them",
        play: open(&[
            Step::Close(1000, b"first"),
            Step::Frame(FIN | TEXT, b"after the close"),
            Step::Frame(FIN | 0x3, b""),
            Step::Close(4001, b"second"),
        ]),
    },
    Scenario {
        name: "ping-flood",
        does: "sends 10,000 pings at once, waits for every pong, then closes 1000 \"10000 pongs\"",
        breaks: "nothing: RFC 6455 §5.5.2 pongs for every ping, in order, without falling over",
        play: open(&[Step::PingFlood(10_000)]),
    },
    Scenario {
        name: "silent",
        does: "completes the handshake, then never sends a byte (but reads)",
        breaks: "nothing in the RFC: the client's keepalive must give up (close 1011)",
        play: open(&[]),
    },
    Scenario {
        name: "reset-mid-frame",
        does: "sends half of a 100-byte binary frame, then resets TCP",
        breaks: "RFC 6455 §7.1.1 (an abrupt end): onError then onClose(1006)",
        play: open(&[
            Step::Bytes(&[0x82, 100, b'h', b'a', b'l', b'f', 0, 0, 0, 0, 0, 0]),
            Step::Reset,
        ]),
    },
    Scenario {
        name: "eof-mid-frame",
        does: "sends half of a 100-byte binary frame, then ends TCP (FIN)",
        breaks: "RFC 6455 §7.1.1 (no close handshake): onError then onClose(1006)",
        play: open(&[
            Step::Bytes(&[0x82, 100, b'h', b'a', b'l', b'f', 0, 0, 0, 0, 0, 0]),
            Step::Eof,
        ]),
    },
    Scenario {
        name: "eof-after-messages",
        does: "sends 5 text messages, then ends TCP without a close frame",
        breaks: "RFC 6455 §7.1.1: the 5 messages first, then onError and onClose(1006)",
        play: open(&[Step::Messages(5), Step::Eof]),
    },
    // ---- stalls: the client waits without spinning, and its timers still run ---------------
    Scenario {
        name: "partial-frame-stall",
        does: "announces a 1 MiB binary frame, sends 200 KiB of it, then sends nothing more \
               (but reads)",
        breaks: "nothing in the RFC: the client waits without using the CPU, and its \
                 keepalive still gives up (close 1011)",
        play: open(&[
            Step::Bytes(&[0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 0]),
            Step::Zeros(200 << 10),
        ]),
    },
    Scenario {
        name: "partial-header-stall",
        does: "sends a binary frame header cut inside its 64-bit length, then nothing more \
               (but reads)",
        breaks: "nothing in the RFC: the client waits without using the CPU, and its \
                 keepalive still gives up (close 1011)",
        play: open(&[Step::Bytes(&[0x82, 127, 0, 0, 0])]),
    },
    Scenario {
        name: "pings-never-reads",
        does: "sends a ping every second (60 at most) and never reads, so the client's sends \
               back up",
        breaks: "nothing in the RFC: Close's timeout counts from the call, and then the \
                 connection is cut with what was not sent in onClose's reason",
        play: open(&[Step::PingsWithoutReading {
            count: 60,
            every_ms: 1000,
        }]),
    },
    // ---- the peer goes first: writes after it must fail quietly (no SIGPIPE) --------------
    Scenario {
        name: "half-response-eof-reset",
        does: "sends half of a valid 101 response, ends TCP (FIN), resets it 50 ms later",
        breaks: "RFC 6455 §4.1 (no complete response): onError(1003), no SIGPIPE",
        play: Play::PartialResponse {
            bytes: 40,
            then: &[Step::Eof, Step::Pause(50), Step::Reset],
        },
    },
    Scenario {
        name: "message-eof-reset",
        does: "sends a text message, ends TCP (FIN), resets it 50 ms later",
        breaks: "RFC 6455 §7.1.1 (an abrupt end): a write after the reset fails with EPIPE, \
                 which must not raise SIGPIPE in the client's process",
        play: open(&[Step::Messages(1), Step::Eof, Step::Pause(50), Step::Reset]),
    },
    Scenario {
        name: "close-eof-reset",
        does: "sends a text message and close 1000 \"bye\", ends TCP (FIN), resets it 50 ms \
               later",
        breaks: "RFC 6455 §7.1.1 (the server closes TCP first): the client's close reply \
                 meets the reset (EPIPE, never SIGPIPE), and onClose(1000) still comes",
        play: open(&[
            Step::Messages(1),
            Step::Close(1000, b"bye"),
            Step::Eof,
            Step::Pause(50),
            Step::Reset,
        ]),
    },
];

/// The scenario called `name`.
pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_paths_and_every_row_is_described() {
        let mut names = HashSet::new();
        for s in SCENARIOS {
            assert!(names.insert(s.name), "{} twice", s.name);
            assert!(
                s.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b)),
                "{} is not a plain path segment",
                s.name
            );
            assert!(!s.does.is_empty() && !s.breaks.is_empty(), "{}", s.name);
        }
        assert!(SCENARIOS.len() >= 40, "{} scenarios", SCENARIOS.len());
        assert!(find("opcode-3").is_some() && find("nothing-like-this").is_none());
    }

    #[test]
    fn handshake_answers_are_complete_heads_where_they_should_be() {
        let accept = "x3JJHMbDL1EzLkh9GBhXDw==";
        for s in SCENARIOS {
            if let Play::Respond(respond) = s.play {
                let response = respond(accept);
                let text = String::from_utf8_lossy(&response);
                assert!(
                    response.len() < 1024,
                    "{}: {} bytes",
                    s.name,
                    response.len()
                );
                if s.name != "not-http" {
                    assert!(text.ends_with("\r\n\r\n"), "{}: {text:?}", s.name);
                }
            }
        }
        let bad = (find("bad-status-line").map(|s| &s.play)).unwrap();
        let Play::Respond(respond) = bad else {
            panic!("bad-status-line answers")
        };
        assert!(respond(accept).starts_with(b"HTTP/1.1 1O1 Switching Protocols\r\nUpgrade"));
    }
}
