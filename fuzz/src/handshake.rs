//! `handshake_response`: the client's validation of the server's opening-handshake answer
//! (`parse_head`, `ClientHandshake::parse_response` / `accept`), and the server side's
//! `accept_request` on the same bytes.
//!
//! Input: two bytes choosing the offer, then the response bytes. Byte 0: bit 0 offers
//! permessage-deflate, bit 1 offers subprotocols `chat, superchat`, bits 2-4 the offer's
//! client_no_context_takeover, server_no_context_takeover and fallback offer, bit 5 lets the
//! server side accept deflate. Byte 1: low nibble client_max_window_bits (0: not offered),
//! high nibble server_max_window_bits (0: not offered); values under 8 must be refused.
//!
//! Asserted:
//! - `parse_head`: a complete head's `consumed` is at most the input and 64 KiB, it has at
//!   most 128 fields, and parsing exactly `consumed` bytes gives the same head; every shorter
//!   prefix tried is incomplete (`Ok(None)`), never an error (the client accumulates bytes and
//!   parses again, so a prefix must not fail a head that completes); an error stays an error
//!   when more bytes follow;
//! - `parse_response` is `parse_head` then `accept`;
//! - an accepted response: status 101, HTTP/1.1, exactly one Sec-WebSocket-Accept equal to
//!   the key's, Upgrade/Connection tokens present, a subprotocol only if offered and one of
//!   the offer's, deflate only if offered and within the offer's bounds (window bits in
//!   8..=15, not over the offered maximum, server_no_context_takeover when offered);
//!   a redirect has a 3xx code; a non-101 status is reported as such;
//! - round trip: the server side accepts the client's own request, and the client accepts
//!   that response with the same deflate parameters as the server chose;
//! - the server side on the arbitrary bytes: an accepted request's `consumed` is at most the
//!   input, its response is a complete 101 head that a client with the same key accepts
//!   (unless deflate was agreed, which such a client did not offer).
use net_websocket_protocol::handshake::{
    accept_key, accept_request, parse_head, ClientHandshake, ResponseHead, MAX_HEADERS,
    MAX_HEAD_SIZE,
};
use net_websocket_protocol::{DeflateConfig, HandshakeError};

/// RFC 6455 §1.3's example key: "dGhlIHNhbXBsZSBub25jZQ==", answered by
/// "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
pub const KEY: [u8; 16] = *b"the sample nonce";
pub const KEY_BASE64: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const SUBPROTOCOLS: [&str; 2] = ["chat", "superchat"];

fn bits(nibble: u8) -> Option<u8> {
    (nibble != 0).then_some(nibble)
}

pub fn handshake_response(data: &[u8]) {
    let [a, b, response @ ..] = data else {
        return;
    };
    let (a, b) = (*a, *b);
    let deflate = (a & 1 != 0).then(|| DeflateConfig {
        client_max_window_bits: bits(b & 0x0F),
        server_max_window_bits: bits(b >> 4),
        client_no_context_takeover: a & 4 != 0,
        server_no_context_takeover: a & 8 != 0,
        min_compress_size: 0,
        fallback_no_context_takeover: a & 16 != 0,
        ..DeflateConfig::default()
    });
    let mut headers = vec![("X-Fuzz".to_string(), "1".to_string())];
    if a & 2 != 0 {
        headers.push((
            "Sec-WebSocket-Protocol".to_string(),
            SUBPROTOCOLS.join(", "),
        ));
    }
    let client = match ClientHandshake::new(KEY, "example.com", "/chat", &headers, deflate.as_ref())
    {
        Ok(client) => client,
        Err(e) => {
            let config = deflate
                .as_ref()
                .expect("only a deflate offer can be refused");
            let out_of_range = |v: Option<u8>| v.is_some_and(|v| !(8..=15).contains(&v));
            assert!(
                matches!(e, HandshakeError::BadExtension(_))
                    && (out_of_range(config.client_max_window_bits)
                        || out_of_range(config.server_max_window_bits)),
                "offer refused: {e:?}"
            );
            return;
        }
    };
    check_head(response);
    check_response(&client, deflate.as_ref(), a & 2 != 0, response);
    round_trip(&client);
    check_server_side(response, a & 32 != 0);
}

/// `parse_head`'s own properties.
fn check_head(response: &[u8]) {
    let parsed = parse_head(response);
    match &parsed {
        Ok(Some(head)) => {
            let n = head.consumed;
            assert!(n <= response.len() && n <= MAX_HEAD_SIZE, "consumed {n}");
            assert!(head.headers.len() <= MAX_HEADERS);
            assert_eq!(
                parse_head(&response[..n]),
                parsed,
                "head not complete at consumed"
            );
            for cut in cuts(n) {
                assert_eq!(
                    parse_head(&response[..cut]),
                    Ok(None),
                    "a prefix of {cut} of a complete head of {n} bytes"
                );
            }
        }
        Ok(None) => {
            assert!(response.len() < MAX_HEAD_SIZE);
        }
        Err(_) => {
            let mut longer = response.to_vec();
            longer.extend_from_slice(b"\r\n\r\n");
            assert!(
                parse_head(&longer).is_err(),
                "an error undone by more bytes"
            );
        }
    }
}

/// Some cut points below `n`: the last byte, the middle, a few from the start.
fn cuts(n: usize) -> impl Iterator<Item = usize> {
    [n.wrapping_sub(1), n / 2, n / 3, 1, 0]
        .into_iter()
        .filter(move |&c| c < n)
}

fn check_response(
    client: &ClientHandshake,
    deflate: Option<&DeflateConfig>,
    subprotocols: bool,
    response: &[u8],
) {
    let result = client.parse_response(response);
    let by_parts = parse_head(response).and_then(|h| h.map(|h| client.accept(h)).transpose());
    assert_eq!(result, by_parts, "parse_response != parse_head + accept");
    match result {
        Ok(Some(accepted)) => {
            assert!(accepted.consumed <= response.len());
            assert_eq!(accepted.status, 101);
            let head = parse_head(response).unwrap().unwrap();
            assert_eq!(head.http_minor_version, 1);
            assert_eq!(accepted.headers, head.headers);
            let named = |name: &str| -> Vec<&str> {
                accepted
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
                    .collect()
            };
            assert_eq!(named("Sec-WebSocket-Accept"), [accept_key(KEY_BASE64)]);
            let has_token = |name: &str, token: &str| {
                named(name)
                    .iter()
                    .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            };
            assert!(has_token("Upgrade", "websocket") && has_token("Connection", "upgrade"));
            if let Some(p) = &accepted.subprotocol {
                assert!(subprotocols && SUBPROTOCOLS.contains(&p.as_str()), "{p:?}");
                assert_eq!(named("Sec-WebSocket-Protocol"), [p.as_str()]);
            } else {
                assert!(named("Sec-WebSocket-Protocol").is_empty());
            }
            match (&accepted.deflate, deflate) {
                (None, _) => {}
                (Some(_), None) => panic!("deflate agreed but not offered"),
                (Some(p), Some(offer)) => {
                    let range = 8..=15;
                    assert!(range.contains(&p.client_max_window_bits));
                    assert!(range.contains(&p.server_max_window_bits));
                    assert!(p.client_max_window_bits <= offer.client_max_window_bits.unwrap_or(15));
                    if let Some(max) = offer.server_max_window_bits {
                        assert!(p.server_max_window_bits <= max);
                    }
                    assert!(p.server_no_context_takeover || !offer.server_no_context_takeover);
                }
            }
        }
        Ok(None) => {}
        Err(HandshakeError::Redirect { code, .. }) => assert!((300..400).contains(&code)),
        Err(HandshakeError::Status { code, .. }) => assert_ne!(code, 101),
        Err(_) => {}
    }
}

/// Our server side accepts our request, and we accept its answer with the same parameters.
fn round_trip(client: &ClientHandshake) {
    let request = client.request();
    let server = accept_request(request, true)
        .expect("our request is valid")
        .expect("our request is complete");
    assert_eq!(server.consumed, request.len());
    let mut answer = server.response.clone();
    answer.extend_from_slice(b"\x81\x00");
    let accepted = client
        .parse_response(&answer)
        .unwrap_or_else(|e| panic!("our server's answer refused: {e}"))
        .expect("complete");
    assert_eq!(accepted.consumed, server.response.len());
    let strip = |p: Option<net_websocket_protocol::DeflateParams>| {
        p.map(|p| net_websocket_protocol::DeflateParams {
            min_compress_size: 0,
            ..p
        })
    };
    assert_eq!(
        strip(accepted.deflate),
        strip(server.deflate),
        "the two sides disagree"
    );
}

/// `accept_request` on the arbitrary bytes.
fn check_server_side(request: &[u8], deflate: bool) {
    let Ok(Some(server)) = accept_request(request, deflate) else {
        return;
    };
    assert!(server.consumed <= request.len());
    assert!(deflate || server.deflate.is_none());
    let head: ResponseHead = parse_head(&server.response)
        .expect("our 101 parses")
        .expect("our 101 is complete");
    assert_eq!((head.status, head.consumed), (101, server.response.len()));
    // A client that sent this request's key accepts the answer.
    let key = server
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Sec-WebSocket-Key"))
        .map(|(_, v)| v.clone())
        .expect("accepted without a key");
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&key)
        .expect("accepted a key that is not base64");
    let raw: [u8; 16] = raw.try_into().expect("accepted a key that is not 16 bytes");
    let client = ClientHandshake::new(raw, "h", "/", &[], None).expect("a plain client");
    let result = client.parse_response(&server.response);
    if server.deflate.is_none() {
        assert!(
            matches!(result, Ok(Some(_))),
            "our server's answer to {key:?} refused: {result:?}"
        );
    } else {
        assert!(
            matches!(result, Err(HandshakeError::BadExtension(_))),
            "{result:?}"
        );
    }
}
