//! `proxy_replies`: the HTTP CONNECT answer parser (`parse_connect_response`), the
//! `Proxy-Authenticate` challenge parser (`parse_challenges`) and the SOCKS5 reply parsers
//! (`parse_reply_head`, `parse_reply_length`).
//!
//! Input: byte 0 is reserved (once: whether credentials were sent); the rest is the proxy's
//! answer, read as an HTTP answer, as a challenge list and as a SOCKS5 reply.
//!
//! Asserted:
//! - CONNECT: a complete answer's head length is at most the input; exactly that many bytes
//!   give the same answer; every shorter prefix tried is incomplete, never an error (the
//!   tunnel parses again as bytes arrive, so the read that completes the head must never be
//!   preceded by a failure); an error stays an error with more bytes; "incomplete" only under
//!   64 KiB; a body length is given only without Transfer-Encoding;
//! - challenges: never a panic; every scheme is a non-empty token; parsing a value made of
//!   the challenges' own parts gives them back;
//! - SOCKS5: the reply head is accepted exactly for version 5 and reply 0 (returning the
//!   address type), refused with the reply code for version 5, malformed otherwise; the
//!   address length is 4+2 for IPv4, 16+2 for IPv6, the length byte + 2 for a name, and an
//!   error for any other type.
use net_websocket_client::proxy::{
    parse_challenges, parse_connect_response, parse_reply_head, parse_reply_length,
};
use net_websocket_client::ProxyError;

const MAX_RESPONSE_HEAD: usize = 64 * 1024;

pub fn proxy_replies(data: &[u8]) {
    let [_, answer @ ..] = data else {
        return;
    };
    check_connect(answer);
    check_challenges(answer);
    check_socks5(answer);
}

fn check_connect(answer: &[u8]) {
    match parse_connect_response(answer) {
        Ok(Some(parsed)) => {
            let n = parsed.head_length;
            assert!(n <= answer.len() && n > 0);
            assert_eq!(
                parse_connect_response(&answer[..n]).unwrap(),
                Some(parsed.clone())
            );
            for cut in [n - 1, n / 2, 1, 0] {
                let prefix = parse_connect_response(&answer[..cut]);
                assert!(
                    matches!(prefix, Ok(None)),
                    "a prefix of {cut} of a {n}-byte head: {prefix:?}"
                );
            }
        }
        Ok(None) => assert!(answer.len() < MAX_RESPONSE_HEAD),
        Err(e) => {
            assert!(
                matches!(e, ProxyError::Malformed(_)),
                "unexpected error {e:?}"
            );
            let mut longer = answer.to_vec();
            longer.extend_from_slice(b"\r\n\r\nmore");
            assert!(parse_connect_response(&longer).is_err());
        }
    }
}

fn check_challenges(answer: &[u8]) {
    let Ok(value) = std::str::from_utf8(answer) else {
        return;
    };
    let challenges = parse_challenges(value);
    for challenge in &challenges {
        assert!(!challenge.scheme.is_empty());
        assert!(!challenge.scheme.contains([' ', ',', '"', '=']));
    }
    // Written back in the canonical form, the challenges parse to themselves.
    let canonical: Vec<String> = challenges
        .iter()
        .map(|c| {
            let mut text = c.scheme.clone();
            if let Some(token68) = &c.token68 {
                text.push(' ');
                text.push_str(token68);
            }
            let params: Vec<String> = c
                .params
                .iter()
                .map(|(name, value)| {
                    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
                    format!("{name}=\"{escaped}\"")
                })
                .collect();
            if !params.is_empty() {
                text.push(' ');
                text.push_str(&params.join(", "));
            }
            text
        })
        .collect();
    assert_eq!(parse_challenges(&canonical.join(", ")), challenges);
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
