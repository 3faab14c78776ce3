//! A user name and password, from a proxy URL or a server URL's userinfo: percent-decoded
//! bytes that never appear in a message, a log line or a `Debug` dump.
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use percent_encoding::percent_decode_str;
use std::fmt;

/// A user name and password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name, as bytes (percent-decoding may give any).
    pub user: Vec<u8>,
    /// The password, as bytes.
    pub password: Vec<u8>,
}

impl Credentials {
    /// The userinfo of a parsed URL, percent-decoded; None when it has none.
    pub(crate) fn from_url(url: &url::Url) -> Option<Credentials> {
        if url.username().is_empty() && url.password().is_none() {
            return None;
        }
        let decode = |s: &str| percent_decode_str(s).collect::<Vec<u8>>();
        Some(Credentials {
            user: decode(url.username()),
            password: decode(url.password().unwrap_or("")),
        })
    }

    /// `Basic base64(user:password)` (RFC 7617 §2), the value of an Authorization or
    /// Proxy-Authorization field.
    pub fn basic(&self) -> String {
        let mut pair = Vec::with_capacity(self.user.len() + 1 + self.password.len());
        pair.extend_from_slice(&self.user);
        pair.push(b':');
        pair.extend_from_slice(&self.password);
        format!("Basic {}", BASE64.encode(pair))
    }
}

/// Never the user name or the password.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_follows_rfc_7617_and_debug_shows_nothing() {
        // RFC 7617 §2's example.
        let c = Credentials {
            user: b"Aladdin".to_vec(),
            password: b"open sesame".to_vec(),
        };
        assert_eq!(c.basic(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(format!("{c:?}"), "Credentials(redacted)");
    }

    #[test]
    fn userinfo_is_percent_decoded() {
        let url = url::Url::parse("ws://us%65r:p%40ss%20word@h/").unwrap();
        let c = Credentials::from_url(&url).unwrap();
        assert_eq!(
            (&c.user[..], &c.password[..]),
            (&b"user"[..], &b"p@ss word"[..])
        );
        let url = url::Url::parse("ws://alice@h/").unwrap();
        assert_eq!(Credentials::from_url(&url).unwrap().password, b"");
        assert!(Credentials::from_url(&url::Url::parse("ws://h/").unwrap()).is_none());
    }
}
