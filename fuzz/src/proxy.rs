//! `proxy_replies`: the HTTP CONNECT answer parser (`parse_connect_response`) and the SOCKS5
//! reply parsers (`parse_reply_head`, `parse_reply_length`).
//!
//! Input: byte 0 says whether credentials were sent (bit 0); the rest is the proxy's answer,
//! read both as an HTTP answer and as a SOCKS5 reply.
//!
//! Asserted:
//! - CONNECT: a complete 2xx answer's head length is at most the input; exactly that many
//!   bytes give the same length; every shorter prefix tried is incomplete, never an error
//!   (the tunnel parses again as bytes arrive, so the read that completes the head must never
//!   be preceded by a failure: the tunnel's `length - before` would underflow); an error
//!   stays an error with more bytes; a refusal's status is not 2xx and says whether
//!   credentials were sent; "incomplete" only under 64 KiB;
//! - the tunnel's own loop, replayed over the answer in pieces of every size from 1 to 7
//!   (two sizes for heads over 256 bytes), consumes exactly the head and nothing of the
//!   tunnel;
//! - SOCKS5: the reply head is accepted exactly for version 5 and reply 0 (returning the
//!   address type), refused with the reply code for version 5, malformed otherwise; the
//!   address length is 4+2 for IPv4, 16+2 for IPv6, the length byte + 2 for a name, and an
//!   error for any other type.
use net_websocket_client::proxy::{parse_connect_response, parse_reply_head, parse_reply_length};
use net_websocket_client::ProxyError;

const MAX_RESPONSE_HEAD: usize = 64 * 1024;

pub fn proxy_replies(data: &[u8]) {
    let [flags, answer @ ..] = data else {
        return;
    };
    let credentials = flags & 1 != 0;
    check_connect(answer, credentials);
    check_socks5(answer);
}

fn check_connect(answer: &[u8], credentials: bool) {
    match parse_connect_response(answer, credentials) {
        Ok(Some(n)) => {
            assert!(n <= answer.len() && n > 0);
            assert!(
                matches!(parse_connect_response(&answer[..n], credentials), Ok(Some(m)) if m == n)
            );
            for cut in [n - 1, n / 2, 1, 0] {
                let prefix = parse_connect_response(&answer[..cut], credentials);
                assert!(
                    matches!(prefix, Ok(None)),
                    "a prefix of {cut} of a {n}-byte head: {prefix:?}"
                );
            }
            // Every piece size for short heads; for long ones (quadratic to replay byte by
            // byte) two sizes.
            let pieces: Vec<usize> = if n <= 256 {
                (1..=7).collect()
            } else {
                vec![n / 7 + 1, 97]
            };
            for piece in pieces {
                assert_eq!(tunnel_reads(answer, piece, credentials), Some(n));
            }
        }
        Ok(None) => assert!(answer.len() < MAX_RESPONSE_HEAD),
        Err(e) => {
            match &e {
                ProxyError::Status {
                    code,
                    sent_credentials,
                    ..
                } => {
                    assert!(!(200..300).contains(code));
                    assert_eq!(*sent_credentials, credentials);
                }
                ProxyError::Malformed(_) => {}
                other => panic!("unexpected error {other:?}"),
            }
            let mut longer = answer.to_vec();
            longer.extend_from_slice(b"\r\n\r\nmore");
            assert!(parse_connect_response(&longer, credentials).is_err());
        }
    }
}

/// The tunnel's loop (proxy/http.rs `tunnel`) over `answer` peeked `piece` bytes at a time:
/// how many bytes it consumes, None if it fails.
fn tunnel_reads(answer: &[u8], piece: usize, credentials: bool) -> Option<usize> {
    let mut head: Vec<u8> = Vec::new();
    let mut read = 0;
    loop {
        let peeked = &answer[read..(read + piece).min(answer.len())];
        if peeked.is_empty() {
            return None;
        }
        let before = head.len();
        head.extend_from_slice(peeked);
        let parsed = parse_connect_response(&head, credentials).ok()?;
        let take = match parsed {
            Some(length) => length
                .checked_sub(before)
                .expect("head ended before this read"),
            None => peeked.len(),
        };
        head.truncate(before);
        head.extend_from_slice(&answer[read..read + take]);
        read += take;
        if parsed.is_some() {
            return Some(read);
        }
    }
}

fn check_socks5(reply: &[u8]) {
    let Some(head) = reply.get(..4) else {
        return;
    };
    let head: [u8; 4] = head.try_into().unwrap();
    match (parse_reply_head(head), head) {
        (Ok(atyp), [5, 0, _, t]) => assert_eq!(atyp, t),
        (Err(ProxyError::Refused { reply }), [5, r, _, _]) => assert!(reply == r && r != 0),
        (Err(ProxyError::Malformed(_)), [v, ..]) => assert_ne!(v, 5),
        (result, _) => panic!("{head:?} → {result:?}"),
    }
    let first = reply.get(4).copied().unwrap_or(0);
    for atyp in [head[3], 1, 3, 4] {
        let length = parse_reply_length(atyp, first);
        match (atyp, length) {
            (1, Ok(n)) => assert_eq!(n, 4 - 1 + 2),
            (4, Ok(n)) => assert_eq!(n, 16 - 1 + 2),
            (3, Ok(n)) => assert_eq!(n, usize::from(first) + 2),
            (1 | 3 | 4, Err(e)) => panic!("type {atyp}: {e}"),
            (_, Ok(n)) => panic!("unknown type {atyp} accepted with {n} bytes"),
            (_, Err(_)) => {}
        }
    }
}
