//! A second, deliberately simple reading of RFC 6455 §5 for uncompressed streams: the
//! `frame_decoder` target checks that the library's events on a whole input are exactly the
//! ones this model predicts, including where and with which close code it fails.
//!
//! Written from the RFC, not from the library: one pass over all the bytes, no buffering
//! tricks, no incremental state. It reports errors as early as the library promises to
//! ("as soon as the bytes that break a rule are present"): header rules once the bytes they
//! concern are there, the size limit at the header, and invalid UTF-8 at the first bad byte.
use net_websocket_protocol::{MessageKind, Role};

/// What the model expects, with failures named by the close code they send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected<B> {
    Message(MessageKind, B),
    Ping(B),
    Pong(B),
    /// The code and the reason's bytes.
    Close(Option<u16>, B),
    Failed(u16),
}

const PROTOCOL_ERROR: u16 = 1002;
const INVALID_DATA: u16 = 1007;
const TOO_BIG: u16 = 1009;

/// Whether `bytes` can be the start of a UTF-8 text (complete or cut in a sequence).
fn utf8_prefix_ok(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

fn valid_close_code(code: u16) -> bool {
    // RFC 6455 §7.4.1 defines 1000-1003 and 1007-1011 (1004-1006 and 1015 must not be sent);
    // the IANA registry adds 1012-1014; 3000-4999 are for libraries and applications.
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// The events for `wire` received by `role` with the given message limit.
pub fn events(role: Role, max_message_size: usize, wire: &[u8]) -> Vec<Expected<Vec<u8>>> {
    let mut out = Vec::new();
    if let Err(code) = run(role, max_message_size as u64, wire, &mut out) {
        out.push(Expected::Failed(code));
    }
    out
}

fn run(role: Role, max: u64, wire: &[u8], out: &mut Vec<Expected<Vec<u8>>>) -> Result<(), u16> {
    let mut pos = 0;
    // The fragmented message in progress: its kind and the payload so far.
    let mut partial: Option<(MessageKind, Vec<u8>)> = None;
    loop {
        let Some(&b0) = wire.get(pos) else {
            return Ok(());
        };
        let fin = b0 & 0x80 != 0;
        if b0 & 0x30 != 0 {
            return Err(PROTOCOL_ERROR); // RSV2/RSV3 without an extension
        }
        let opcode = b0 & 0x0F;
        if !matches!(opcode, 0 | 1 | 2 | 8 | 9 | 10) {
            return Err(PROTOCOL_ERROR); // reserved opcode
        }
        let control = opcode >= 8;
        if control && !fin {
            return Err(PROTOCOL_ERROR); // fragmented control frame
        }
        let Some(&b1) = wire.get(pos + 1) else {
            return Ok(());
        };
        let masked = b1 & 0x80 != 0;
        let len7 = u64::from(b1 & 0x7F);
        if control && len7 > 125 {
            return Err(PROTOCOL_ERROR);
        }
        let mut at = pos + 2;
        let len = match len7 {
            126 => {
                let Some(b) = wire.get(at..at + 2) else {
                    return Ok(());
                };
                at += 2;
                u64::from(u16::from_be_bytes([b[0], b[1]]))
            }
            127 => {
                let Some(b) = wire.get(at..at + 8) else {
                    return Ok(());
                };
                at += 8;
                let len = u64::from_be_bytes(b.try_into().unwrap());
                if len >> 63 != 0 {
                    return Err(PROTOCOL_ERROR);
                }
                len
            }
            n => n,
        };
        let key = if masked {
            let Some(b) = wire.get(at..at + 4) else {
                return Ok(());
            };
            at += 4;
            Some([b[0], b[1], b[2], b[3]])
        } else {
            None
        };
        // The header is complete: the rules that depend on the connection.
        match role {
            Role::Client if masked => return Err(PROTOCOL_ERROR),
            Role::Server if !masked => return Err(PROTOCOL_ERROR),
            _ => {}
        }
        if b0 & 0x40 != 0 {
            return Err(PROTOCOL_ERROR); // RSV1 without permessage-deflate
        }
        let available = (wire.len() - at) as u64;
        let here = len.min(available) as usize;
        let mut payload = wire[at..at + here].to_vec();
        if let Some(key) = key {
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= key[i % 4];
            }
        }
        let complete = here as u64 == len;
        if control {
            if !complete {
                return Ok(());
            }
            match opcode {
                9 => out.push(Expected::Ping(payload)),
                10 => out.push(Expected::Pong(payload)),
                _ => {
                    let close = match payload.as_slice() {
                        [] => Expected::Close(None, Vec::new()),
                        [_] => return Err(PROTOCOL_ERROR),
                        [hi, lo, reason @ ..] => {
                            let code = u16::from_be_bytes([*hi, *lo]);
                            if !valid_close_code(code) {
                                return Err(PROTOCOL_ERROR);
                            }
                            if std::str::from_utf8(reason).is_err() {
                                return Err(INVALID_DATA);
                            }
                            Expected::Close(Some(code), reason.to_vec())
                        }
                    };
                    // Nothing after the peer's close is read.
                    out.push(close);
                    return Ok(());
                }
            }
            pos = at + here;
            continue;
        }
        let (kind, mut message) = match (opcode, partial.take()) {
            (1, None) => (MessageKind::Text, Vec::new()),
            (2, None) => (MessageKind::Binary, Vec::new()),
            (0, Some(p)) => p,
            // A new message inside a fragmented one, or a continuation of nothing.
            _ => return Err(PROTOCOL_ERROR),
        };
        if message.len() as u64 + len > max {
            return Err(TOO_BIG);
        }
        message.extend_from_slice(&payload);
        if kind == MessageKind::Text && !utf8_prefix_ok(&message) {
            return Err(INVALID_DATA);
        }
        if !complete {
            return Ok(());
        }
        pos = at + here;
        if fin {
            if kind == MessageKind::Text && std::str::from_utf8(&message).is_err() {
                return Err(INVALID_DATA);
            }
            out.push(Expected::Message(kind, message));
        } else {
            partial = Some((kind, message));
        }
    }
}
