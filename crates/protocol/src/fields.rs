//! HTTP field syntax shared by both handshake sides: tokens (RFC 7230 §3.2.6), comma lists
//! (RFC 7230 §7) and the `Sec-WebSocket-Extensions` grammar (RFC 6455 §9.1).

/// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" /
/// "|" / "~" / DIGIT / ALPHA` (RFC 7230 §3.2.6).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `token = 1*tchar`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Whether a comma-separated field value contains `token` (compared case-insensitively),
/// e.g. `Connection: keep-alive, Upgrade`.
pub(crate) fn list_contains(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|item| item.trim().eq_ignore_ascii_case(token))
}

/// One element of `Sec-WebSocket-Extensions`: `extension-token *( ";" extension-param )`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extension {
    pub name: String,
    /// `extension-param = token [ "=" (token | quoted-string) ]`, quoted strings unescaped.
    pub params: Vec<(String, Option<String>)>,
}

/// Parses a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1). Empty list elements are
/// skipped (RFC 7230 §7). Errors name the problem.
pub(crate) fn parse_extensions(value: &str) -> Result<Vec<Extension>, String> {
    let mut parser = Parser {
        s: value.as_bytes(),
        pos: 0,
    };
    let mut out = Vec::new();
    loop {
        parser.skip_ows();
        match parser.peek() {
            None => return Ok(out),
            Some(b',') => {
                parser.pos += 1;
                continue;
            }
            Some(_) => {}
        }
        let name = parser.token()?;
        let mut params = Vec::new();
        loop {
            parser.skip_ows();
            match parser.peek() {
                None => break,
                Some(b',') => {
                    parser.pos += 1;
                    break;
                }
                Some(b';') => parser.pos += 1,
                Some(b) => return Err(format!("unexpected {:?}", char::from(b))),
            }
            parser.skip_ows();
            let param = parser.token()?;
            parser.skip_ows();
            let value = if parser.peek() == Some(b'=') {
                parser.pos += 1;
                parser.skip_ows();
                Some(parser.value()?)
            } else {
                None
            };
            params.push((param, value));
        }
        out.push(Extension { name, params });
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn token(&mut self) -> Result<String, String> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        match self.s.get(start..self.pos) {
            Some(t) if !t.is_empty() => Ok(String::from_utf8_lossy(t).into_owned()),
            _ => Err("expected a token".to_string()),
        }
    }

    /// `token | quoted-string`; §9.1: "the value after quoted-string unescaping MUST conform
    /// to the 'token' ABNF".
    fn value(&mut self) -> Result<String, String> {
        if self.peek() != Some(b'"') {
            return self.token();
        }
        self.pos += 1;
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated quoted string".to_string()),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(b) = self.peek() else {
                        return Err("unterminated quoted string".to_string());
                    };
                    value.push(b);
                    self.pos += 1;
                }
                Some(b) => {
                    value.push(b);
                    self.pos += 1;
                }
            }
        }
        let value = String::from_utf8_lossy(&value).into_owned();
        if is_token(&value) {
            Ok(value)
        } else {
            Err(format!("quoted value {value:?} is not a token"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(name: &str, params: &[(&str, Option<&str>)]) -> Extension {
        Extension {
            name: name.to_string(),
            params: params
                .iter()
                .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
                .collect(),
        }
    }

    #[test]
    fn tokens() {
        assert!(is_token("X-Custom_Header.1~"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
        assert!(!is_token("a:b"));
        assert!(!is_token("é"));
    }

    #[test]
    fn comma_lists() {
        assert!(list_contains("keep-alive, Upgrade", "upgrade"));
        assert!(list_contains("WebSocket", "websocket"));
        assert!(!list_contains("upgraded", "upgrade"));
        assert!(!list_contains("", "upgrade"));
    }

    #[test]
    fn extension_grammar() {
        assert_eq!(parse_extensions(""), Ok(vec![]));
        assert_eq!(
            parse_extensions("permessage-deflate"),
            Ok(vec![ext("permessage-deflate", &[])])
        );
        assert_eq!(
            parse_extensions(
                "permessage-deflate ; client_max_window_bits; server_max_window_bits=\"10\", x-foo"
            ),
            Ok(vec![
                ext(
                    "permessage-deflate",
                    &[
                        ("client_max_window_bits", None),
                        ("server_max_window_bits", Some("10"))
                    ]
                ),
                ext("x-foo", &[])
            ])
        );
        assert_eq!(
            parse_extensions(" , a;b = 1 ,,"),
            Ok(vec![ext("a", &[("b", Some("1"))])])
        );
        assert!(parse_extensions("a;").is_err());
        assert!(parse_extensions("a b").is_err());
        assert!(parse_extensions("a; b=").is_err());
        assert!(parse_extensions("a; b=\"1").is_err());
        assert!(parse_extensions("a; b=\"1 2\"").is_err());
        assert!(parse_extensions(";a").is_err());
    }
}
