//! Opening handshake tests (RFC 6455 §4, RFC 7692 §5), client then server side.
use super::*;

/// RFC 6455 §1.3: the sample nonce and its accept value.
const SAMPLE_KEY: [u8; 16] = *b"the sample nonce";
const SAMPLE_KEY_B64: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const SAMPLE_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn client(user: &[(&str, &str)], deflate: Option<&DeflateConfig>) -> ClientHandshake {
    ClientHandshake::new(SAMPLE_KEY, "example.com", "/chat", &headers(user), deflate).unwrap()
}

fn response(extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {SAMPLE_ACCEPT}\r\n{extra}\r\n"
    )
    .into_bytes()
}

fn parse(c: &ClientHandshake, extra: &str) -> Result<Option<Accepted>, HandshakeError> {
    c.parse_response(&response(extra))
}

mod client_request {
    use super::*;

    #[test]
    fn accept_key_rfc_6455_1_3() {
        assert_eq!(accept_key(SAMPLE_KEY_B64), SAMPLE_ACCEPT);
    }

    #[test]
    fn request_bytes() {
        let c = client(
            &[("Origin", "http://example.com"), ("X-Token", " a b ")],
            None,
        );
        assert_eq!(
            std::str::from_utf8(c.request()).unwrap(),
            "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\nOrigin: http://example.com\r\nX-Token:  a b \r\n\r\n"
        );
    }

    #[test]
    fn request_with_deflate_offer_and_empty_resource() {
        let c = ClientHandshake::new(
            SAMPLE_KEY,
            "[::1]:8080",
            "",
            &[],
            Some(&DeflateConfig::default()),
        )
        .unwrap();
        assert_eq!(
            std::str::from_utf8(c.request()).unwrap(),
            "GET / HTTP/1.1\r\nHost: [::1]:8080\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, permessage-deflate; client_no_context_takeover; \
             client_max_window_bits\r\n\r\n"
        );
    }

    #[test]
    fn handshake_fields_are_forbidden_as_user_headers() {
        for name in [
            "Host",
            "upgrade",
            "CONNECTION",
            "Sec-WebSocket-Key",
            "sec-websocket-version",
            "Sec-WebSocket-Accept",
            "Sec-Websocket-Extensions",
        ] {
            let err = ClientHandshake::new(SAMPLE_KEY, "h", "/", &headers(&[(name, "x")]), None)
                .unwrap_err();
            assert_eq!(err, HandshakeError::ForbiddenHeader(name.to_string()));
        }
    }

    #[test]
    fn invalid_names_and_values_are_forbidden() {
        for (name, value) in [
            ("", "x"),
            ("a b", "x"),
            ("a:b", "x"),
            ("X\r\nEvil", "x"),
            ("Näme", "x"),
            ("X-A", "a\r\nEvil: 1"),
            ("X-A", "a\nb"),
            ("X-A", "a\rb"),
            ("X-A", "a\0b"),
        ] {
            let r = ClientHandshake::new(SAMPLE_KEY, "h", "/", &headers(&[(name, value)]), None);
            assert!(
                matches!(r, Err(HandshakeError::ForbiddenHeader(_))),
                "{name:?}: {value:?}"
            );
        }
        // Origin, User-Agent and Sec-WebSocket-Protocol are the user's.
        for name in ["Origin", "User-Agent", "Sec-WebSocket-Protocol"] {
            assert!(
                ClientHandshake::new(SAMPLE_KEY, "h", "/", &headers(&[(name, "x")]), None).is_ok()
            );
        }
    }

    #[test]
    fn invalid_host_or_resource() {
        for (host, resource) in [
            ("", "/"),
            ("a\r\nb", "/"),
            ("h", "/a b"),
            ("h", "/a\r\n"),
            ("h", "/\0"),
        ] {
            assert!(
                matches!(
                    ClientHandshake::new(SAMPLE_KEY, host, resource, &[], None),
                    Err(HandshakeError::ForbiddenHeader(_))
                ),
                "{host:?} {resource:?}"
            );
        }
    }

    #[test]
    fn bad_deflate_config() {
        let config = DeflateConfig {
            client_max_window_bits: Some(7),
            ..DeflateConfig::default()
        };
        assert!(matches!(
            ClientHandshake::new(SAMPLE_KEY, "h", "/", &[], Some(&config)),
            Err(HandshakeError::BadExtension(_))
        ));
    }

    /// `check` refuses exactly what `new` refuses, with the same error, without a request.
    #[test]
    fn check_agrees_with_new() {
        let bad_window = DeflateConfig {
            server_max_window_bits: Some(16),
            ..DeflateConfig::default()
        };
        let good = DeflateConfig::default();
        // Host, resource, header fields, deflate offer.
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a [(&'a str, &'a str)],
            Option<&'a DeflateConfig>,
        );
        let cases: [Case; 9] = [
            ("h", "/", &[], None),
            (
                "h:8080",
                "",
                &[("Origin", "o"), ("Sec-WebSocket-Protocol", "a, b")],
                Some(&good),
            ),
            ("", "/", &[], None),
            ("a\r\nb", "/", &[], None),
            ("h", "/a b", &[], None),
            ("h", "/", &[("Upgrade", "x")], None),
            ("h", "/", &[("X-A", "a\nb")], None),
            ("h", "/", &[("Origin", "o"), ("a b", "x")], None),
            ("h", "/", &[], Some(&bad_window)),
        ];
        for (host, resource, fields, deflate) in cases {
            let fields = headers(fields);
            let checked = ClientHandshake::check(host, resource, &fields, deflate);
            let built = ClientHandshake::new(SAMPLE_KEY, host, resource, &fields, deflate);
            assert_eq!(
                checked,
                built.map(|_| ()),
                "{host:?} {resource:?} {fields:?}"
            );
        }
    }
}

mod client_response {
    use super::*;

    #[test]
    fn accepted() {
        let c = client(&[], None);
        let mut bytes = response("Server: test\r\n");
        let head_len = bytes.len();
        bytes.extend_from_slice(&[0x81, 0x00]);
        let accepted = c.parse_response(&bytes).unwrap().unwrap();
        assert_eq!(
            accepted,
            Accepted {
                status: 101,
                reason: "Switching Protocols".to_string(),
                headers: headers(&[
                    ("Upgrade", "websocket"),
                    ("Connection", "Upgrade"),
                    ("Sec-WebSocket-Accept", SAMPLE_ACCEPT),
                    ("Server", "test"),
                ]),
                subprotocol: None,
                deflate: None,
                consumed: head_len,
            }
        );
    }

    #[test]
    fn incomplete_until_the_blank_line() {
        let c = client(&[], None);
        let bytes = response("");
        for n in 0..bytes.len() {
            assert_eq!(c.parse_response(&bytes[..n]), Ok(None), "{n}");
        }
        assert!(c.parse_response(&bytes).unwrap().is_some());
    }

    #[test]
    fn head_over_limit_is_malformed() {
        let c = client(&[], None);
        let mut bytes = b"HTTP/1.1 101 Switching Protocols\r\nX-Pad: ".to_vec();
        bytes.resize(MAX_HEAD_SIZE + 10, b'a');
        assert!(matches!(
            c.parse_response(&bytes),
            Err(HandshakeError::Malformed(_))
        ));
        let mut too_many = b"HTTP/1.1 101 Switching Protocols\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            too_many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
        }
        too_many.extend_from_slice(b"\r\n");
        assert!(matches!(
            c.parse_response(&too_many),
            Err(HandshakeError::Malformed(_))
        ));
        assert!(matches!(
            c.parse_response(b"NOT HTTP\r\n\r\n"),
            Err(HandshakeError::Malformed(_))
        ));
        assert!(matches!(
            c.parse_response(&response("").replacen(b"HTTP/1.1", b"HTTP/1.0")),
            Err(HandshakeError::Malformed(_))
        ));
    }

    trait Replace {
        fn replacen(&self, from: &[u8], to: &[u8]) -> Vec<u8>;
    }
    impl Replace for Vec<u8> {
        fn replacen(&self, from: &[u8], to: &[u8]) -> Vec<u8> {
            let s = String::from_utf8(self.clone()).unwrap();
            s.replacen(
                std::str::from_utf8(from).unwrap(),
                std::str::from_utf8(to).unwrap(),
                1,
            )
            .into_bytes()
        }
    }

    #[test]
    fn status_and_redirect() {
        let c = client(&[], None);
        assert_eq!(
            c.parse_response(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
            Err(HandshakeError::Status {
                code: 404,
                reason: "Not Found".to_string()
            })
        );
        assert_eq!(
            c.parse_response(b"HTTP/1.1 302 Found\r\nLocation: ws://other/x\r\n\r\n"),
            Err(HandshakeError::Redirect {
                code: 302,
                location: "ws://other/x".to_string()
            })
        );
        assert_eq!(
            c.parse_response(b"HTTP/1.1 304 Not Modified\r\n\r\n"),
            Err(HandshakeError::Status {
                code: 304,
                reason: "Not Modified".to_string()
            })
        );
        assert_eq!(
            c.parse_response(b"HTTP/1.1 200 OK\r\n\r\n"),
            Err(HandshakeError::Status {
                code: 200,
                reason: "OK".to_string()
            })
        );
    }

    #[test]
    fn upgrade_and_connection_tokens() {
        let c = client(&[], None);
        let ok = |upgrade: &str, connection: &str| {
            let r = format!(
                "HTTP/1.1 101 x\r\nUpgrade: {upgrade}\r\nConnection: {connection}\r\n\
                 Sec-WebSocket-Accept: {SAMPLE_ACCEPT}\r\n\r\n"
            );
            c.parse_response(r.as_bytes())
        };
        assert!(ok("WebSocket", "keep-alive, UPGRADE").is_ok());
        assert!(ok("h2c, websocket", "upgrade").is_ok());
        assert_eq!(ok("h2c", "upgrade"), Err(HandshakeError::MissingUpgrade));
        assert_eq!(
            ok("websocket", "close"),
            Err(HandshakeError::MissingUpgrade)
        );
        assert_eq!(
            ok("websocket", "upgraded"),
            Err(HandshakeError::MissingUpgrade)
        );
        let no_upgrade = format!(
            "HTTP/1.1 101 x\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {SAMPLE_ACCEPT}\r\n\r\n"
        );
        assert_eq!(
            c.parse_response(no_upgrade.as_bytes()),
            Err(HandshakeError::MissingUpgrade)
        );
    }

    #[test]
    fn accept_must_match() {
        let c = client(&[], None);
        let with = |accept: &str| {
            let r = format!(
                "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{accept}\r\n"
            );
            c.parse_response(r.as_bytes())
        };
        assert_eq!(with(""), Err(HandshakeError::BadAccept));
        assert_eq!(
            with("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n"),
            Err(HandshakeError::BadAccept)
        );
        let twice = format!(
            "Sec-WebSocket-Accept: {SAMPLE_ACCEPT}\r\nSec-WebSocket-Accept: {SAMPLE_ACCEPT}\r\n"
        );
        assert_eq!(with(&twice), Err(HandshakeError::BadAccept));
        assert!(with(&format!("sec-websocket-accept:  {SAMPLE_ACCEPT} \r\n")).is_ok());
    }

    #[test]
    fn extensions() {
        let plain = client(&[], None);
        assert_eq!(
            parse(&plain, "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
            Err(HandshakeError::BadExtension(
                "permessage-deflate".to_string()
            ))
        );
        let offer = DeflateConfig::default();
        let c = client(&[], Some(&offer));
        assert_eq!(parse(&c, "").unwrap().unwrap().deflate, None);
        assert_eq!(
            parse(
                &c,
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10; \
                 server_no_context_takeover\r\n"
            )
            .unwrap()
            .unwrap()
            .deflate,
            Some(DeflateParams {
                client_max_window_bits: 10,
                server_max_window_bits: 15,
                client_no_context_takeover: false,
                server_no_context_takeover: true,
                min_compress_size: crate::DEFAULT_MIN_COMPRESS_SIZE,
                level: crate::DEFAULT_DEFLATE_LEVEL,
                mem_level: 8,
            })
        );
        for bad in [
            "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate\r\n\
             Sec-WebSocket-Extensions: permessage-deflate\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate; mystery\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate;\r\n",
        ] {
            assert!(
                matches!(parse(&c, bad), Err(HandshakeError::BadExtension(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn subprotocols() {
        let none = client(&[], None);
        assert_eq!(
            parse(&none, "Sec-WebSocket-Protocol: chat\r\n"),
            Err(HandshakeError::BadSubprotocol("chat".to_string()))
        );
        let c = client(&[("Sec-WebSocket-Protocol", "chat, superchat")], None);
        assert_eq!(parse(&c, "").unwrap().unwrap().subprotocol, None);
        assert_eq!(
            parse(&c, "Sec-WebSocket-Protocol: superchat\r\n")
                .unwrap()
                .unwrap()
                .subprotocol,
            Some("superchat".to_string())
        );
        assert_eq!(
            parse(&c, "Sec-WebSocket-Protocol: other\r\n"),
            Err(HandshakeError::BadSubprotocol("other".to_string()))
        );
        assert_eq!(
            parse(&c, "Sec-WebSocket-Protocol: chat, superchat\r\n"),
            Err(HandshakeError::BadSubprotocol(
                "chat, superchat".to_string()
            ))
        );
        assert!(matches!(
            parse(
                &c,
                "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n"
            ),
            Err(HandshakeError::BadSubprotocol(_))
        ));
    }
}

mod server_side {
    use super::*;

    const REQUEST: &str = "GET /chat?x=1 HTTP/1.1\r\nHost: server.example.com\r\n\
        Upgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    #[test]
    fn accepts_the_rfc_example() {
        let accepted = accept_request(REQUEST.as_bytes(), true).unwrap().unwrap();
        assert_eq!(accepted.resource, "/chat?x=1");
        assert_eq!(accepted.consumed, REQUEST.len());
        assert_eq!(accepted.deflate, None);
        assert_eq!(accepted.headers.len(), 5);
        assert_eq!(
            std::str::from_utf8(&accepted.response).unwrap(),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        );
    }

    #[test]
    fn incomplete_request() {
        for n in 0..REQUEST.len() {
            assert_eq!(accept_request(&REQUEST.as_bytes()[..n], false), Ok(None));
        }
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.resize(MAX_HEAD_SIZE, b'a');
        assert!(matches!(
            accept_request(&big, false),
            Err(HandshakeError::Malformed(_))
        ));
    }

    #[test]
    fn refuses_what_is_not_an_upgrade() {
        let cases = [
            ("GET /chat", "POST /chat", false),
            ("HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost", false),
            ("Host: server.example.com\r\n", "", false),
            ("Version: 13", "Version: 8", false),
            ("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZQ==", false),
            ("dGhlIHNhbXBsZSBub25jZQ==", "!!!", false),
            ("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "", false),
            ("Upgrade: websocket", "Upgrade: h2c", true),
            ("Connection: Upgrade", "Connection: keep-alive", true),
        ];
        for (from, to, missing_upgrade) in cases {
            let request = REQUEST.replacen(from, to, 1);
            let err = accept_request(request.as_bytes(), false).unwrap_err();
            if missing_upgrade {
                assert_eq!(err, HandshakeError::MissingUpgrade, "{request}");
            } else {
                assert!(matches!(err, HandshakeError::Malformed(_)), "{request}");
            }
        }
    }

    #[test]
    fn deflate_negotiation_round_trip() {
        let offer = DeflateConfig {
            client_max_window_bits: Some(12),
            server_max_window_bits: Some(10),
            client_no_context_takeover: true,
            server_no_context_takeover: true,
            min_compress_size: 16,
            level: 6,
            mem_level: 8,
            fallback_no_context_takeover: true,
        };
        let c = client(&[], Some(&offer));
        let accepted = accept_request(c.request(), true).unwrap().unwrap();
        let server_params = accepted.deflate.unwrap();
        let client_params = c
            .parse_response(&accepted.response)
            .unwrap()
            .unwrap()
            .deflate
            .unwrap();
        assert_eq!(
            client_params,
            DeflateParams {
                client_max_window_bits: 12,
                server_max_window_bits: 10,
                client_no_context_takeover: true,
                server_no_context_takeover: true,
                min_compress_size: 16,
                level: 6,
                mem_level: 8,
            }
        );
        assert_eq!(
            server_params,
            // The server's own sending policy: no threshold, the default effort.
            DeflateParams {
                min_compress_size: 0,
                level: crate::DEFAULT_DEFLATE_LEVEL,
                mem_level: crate::DEFAULT_DEFLATE_MEM_LEVEL,
                ..client_params
            }
        );
        // Deflate disabled on the server: no extension, the client agrees.
        let accepted = accept_request(c.request(), false).unwrap().unwrap();
        assert_eq!(accepted.deflate, None);
        let parsed = c.parse_response(&accepted.response).unwrap().unwrap();
        assert_eq!(parsed.deflate, None);
    }

    #[test]
    fn server_picks_the_first_offer_it_can_honour() {
        let request = REQUEST.replacen(
            "\r\n\r\n",
            "\r\nSec-WebSocket-Extensions: foo, permessage-deflate; bogus, \
             permessage-deflate; server_no_context_takeover, permessage-deflate\r\n\r\n",
            1,
        );
        let accepted = accept_request(request.as_bytes(), true).unwrap().unwrap();
        assert_eq!(
            accepted.deflate.map(|p| p.server_no_context_takeover),
            Some(true)
        );
        assert!(std::str::from_utf8(&accepted.response).unwrap().contains(
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"
        ));
    }

    #[test]
    fn reject_responses() {
        assert_eq!(
            reject_response(400, "Bad Request"),
            b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        );
        assert_eq!(
            reject_response(426, "Upgrade Required\r\nX: y"),
            b"HTTP/1.1 426 Upgrade Required  X: y\r\nConnection: close\r\n\
              Content-Length: 0\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        let c = client(&[], None);
        assert!(matches!(
            c.parse_response(&reject_response(403, "Forbidden")),
            Err(HandshakeError::Status { code: 403, .. })
        ));
    }
}

/// Valid heads with bytes corrupted never panic either parser.
#[test]
fn corrupted_heads_never_panic() {
    let offer = DeflateConfig::default();
    let c = client(&[("Sec-WebSocket-Protocol", "chat")], Some(&offer));
    let response = response(
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9; \
         server_max_window_bits=\"10\"\r\nSec-WebSocket-Protocol: chat\r\n",
    );
    assert!(c.parse_response(&response).unwrap().is_some());
    let request = c.request().to_vec();
    assert!(accept_request(&request, true).unwrap().is_some());
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed as usize
    };
    for _ in 0..3000 {
        for (head, is_response) in [(&response, true), (&request, false)] {
            let mut bytes = head.clone();
            for _ in 0..1 + next() % 3 {
                let i = next() % bytes.len();
                bytes[i] = next() as u8;
            }
            let cut = bytes.len() - next() % 8;
            if is_response {
                let _ = c.parse_response(&bytes[..cut]);
            } else {
                let _ = accept_request(&bytes[..cut], true);
            }
        }
    }
}
