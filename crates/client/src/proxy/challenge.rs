//! The challenges of a `Proxy-Authenticate` field (RFC 9110 §11.6.1, §11.7.1): each an
//! authentication scheme with a token68 or a list of `name=value` parameters, several
//! challenges per field, separated by commas.
//!
//! ```text
//! challenge  = auth-scheme [ 1*SP ( token68 / [ auth-param *( OWS "," OWS auth-param ) ] ) ]
//! auth-param = token BWS "=" BWS ( token / quoted-string )
//! token68    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! ```
//!
//! A comma ends a parameter; what follows it is another parameter of the same challenge when
//! it reads `token =`, else the next challenge. The parse is lenient: it keeps every challenge
//! read before anything it cannot read.

/// One challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme as sent (`Basic`, `Digest`, `NTLM`, ...); compare without case.
    pub scheme: String,
    /// The parameters in order, names as sent, quoted values unescaped.
    pub params: Vec<(String, String)>,
    /// The token68 form's value (NTLM and Negotiate use it), if that is the form.
    pub token68: Option<String>,
}

impl Challenge {
    /// The value of parameter `name` (compared without case), if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Every challenge of one field value, in order.
pub fn parse_challenges(value: &str) -> Vec<Challenge> {
    let mut parser = Parser {
        bytes: value.as_bytes(),
        at: 0,
    };
    let mut challenges = Vec::new();
    loop {
        parser.skip_list_separators();
        if parser.at_end() {
            return challenges;
        }
        let Some(scheme) = parser.token() else {
            return challenges;
        };
        let mut challenge = Challenge {
            scheme,
            params: Vec::new(),
            token68: None,
        };
        if parser.spaces() > 0 {
            if let Some(param) = parser.param() {
                challenge.params.push(param);
                while parser.next_is_param() {
                    challenge
                        .params
                        .push(parser.param().expect("checked by next_is_param"));
                }
            } else if let Some(token68) = parser.token68() {
                challenge.token68 = Some(token68);
            }
        }
        challenges.push(challenge);
        parser.skip_ows();
        if !parser.at_end() && parser.peek() != Some(b',') {
            return challenges;
        }
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// RFC 9110 §5.6.2 tchar.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn text(&self, from: usize) -> String {
        String::from_utf8_lossy(&self.bytes[from..self.at]).into_owned()
    }

    /// Spaces and tabs skipped; how many.
    fn spaces(&mut self) -> usize {
        let from = self.at;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
        self.at - from
    }

    fn skip_ows(&mut self) {
        self.spaces();
    }

    /// OWS and commas: empty list elements are allowed (RFC 9110 §5.6.1).
    fn skip_list_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.at += 1;
        }
    }

    fn token(&mut self) -> Option<String> {
        let from = self.at;
        while self.peek().is_some_and(is_tchar) {
            self.at += 1;
        }
        (self.at > from).then(|| self.text(from))
    }

    /// `"..."` with `\` escapes (RFC 9110 §5.6.4), unescaped; None (and nothing consumed)
    /// unless it is one, closed.
    fn quoted_string(&mut self) -> Option<String> {
        let from = self.at;
        if self.peek() != Some(b'"') {
            return None;
        }
        self.at += 1;
        let mut value = Vec::new();
        while let Some(b) = self.peek() {
            self.at += 1;
            match b {
                b'"' => return Some(String::from_utf8_lossy(&value).into_owned()),
                b'\\' => match self.peek() {
                    Some(escaped) => {
                        value.push(escaped);
                        self.at += 1;
                    }
                    None => break,
                },
                b => value.push(b),
            }
        }
        self.at = from;
        None
    }

    /// `token BWS "=" BWS ( token / quoted-string )`; nothing consumed unless it is one.
    fn param(&mut self) -> Option<(String, String)> {
        let from = self.at;
        let parsed = (|| {
            let name = self.token()?;
            self.skip_ows();
            if self.peek() != Some(b'=') {
                return None;
            }
            self.at += 1;
            self.skip_ows();
            let value = self.quoted_string().or_else(|| self.token())?;
            Some((name, value))
        })();
        if parsed.is_none() {
            self.at = from;
        }
        parsed
    }

    /// After a parameter: a comma, then another parameter of the same challenge? Consumes
    /// the comma (and empty elements) only if so.
    fn next_is_param(&mut self) -> bool {
        let from = self.at;
        self.skip_ows();
        if self.peek() == Some(b',') {
            self.skip_list_separators();
            let before_param = self.at;
            if self.param().is_some() {
                self.at = before_param;
                return true;
            }
        }
        self.at = from;
        false
    }

    /// A token68, which must end the challenge (OWS, then a comma or the end).
    fn token68(&mut self) -> Option<String> {
        let from = self.at;
        while self.peek().is_some_and(is_token68_char) {
            self.at += 1;
        }
        if self.at == from {
            return None;
        }
        while self.peek() == Some(b'=') {
            self.at += 1;
        }
        let value = self.text(from);
        let end = self.at;
        self.skip_ows();
        let ends = self.at_end() || self.peek() == Some(b',');
        self.at = end;
        if ends {
            Some(value)
        } else {
            self.at = from;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemes(value: &str) -> Vec<String> {
        parse_challenges(value)
            .into_iter()
            .map(|c| c.scheme)
            .collect()
    }

    #[test]
    fn one_challenge_with_parameters() {
        let [c] = &parse_challenges(concat!(
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, "#,
            r#"nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="a\"b""#
        ))[..] else {
            panic!("one challenge expected");
        };
        assert_eq!(c.scheme, "Digest");
        assert_eq!(c.param("REALM"), Some("http-auth@example.org"));
        assert_eq!(c.param("qop"), Some("auth, auth-int"));
        assert_eq!(c.param("algorithm"), Some("SHA-256"));
        assert_eq!(c.param("opaque"), Some("a\"b"));
        assert_eq!(c.token68, None);
    }

    #[test]
    fn several_challenges_in_one_field() {
        let list = parse_challenges(
            r#"Digest realm="r", algorithm=SHA-256, nonce="n1", Digest realm="r", nonce="n2", Basic realm="b""#,
        );
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].param("algorithm"), Some("SHA-256"));
        assert_eq!(list[1].param("nonce"), Some("n2"));
        assert_eq!(list[2].scheme, "Basic");
        assert_eq!(schemes("NTLM, Negotiate"), ["NTLM", "Negotiate"]);
        assert_eq!(schemes(" , Basic realm=x ,, NTLM "), ["Basic", "NTLM"]);
    }

    #[test]
    fn token68_and_bare_schemes() {
        let list = parse_challenges("Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXeg==, NTLM");
        assert_eq!(
            list[0].token68.as_deref(),
            Some("YIIBhwYGKwYBBQUCoIIBezCCAXeg==")
        );
        assert_eq!(
            (list[1].scheme.as_str(), list[1].token68.as_ref()),
            ("NTLM", None)
        );
        // "abc==" is a token68, not a parameter named abc.
        assert_eq!(
            parse_challenges("X abc==")[0].token68.as_deref(),
            Some("abc==")
        );
    }

    #[test]
    fn what_cannot_be_read_ends_the_list() {
        assert!(parse_challenges("").is_empty());
        assert!(parse_challenges("\"quoted\"").is_empty());
        assert_eq!(schemes("Basic realm=\"unterminated"), ["Basic"]);
        assert_eq!(schemes("Basic realm=x ; junk, Digest"), ["Basic"]);
    }
}
