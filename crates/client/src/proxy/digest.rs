//! HTTP Digest access authentication (RFC 7616) for the proxy's CONNECT: MD5 and SHA-256 and
//! their `-sess` variants, `qop=auth` (or none, RFC 2069's form, from old proxies), `userhash`,
//! and user names that need RFC 8187's `username*`.
use super::challenge::Challenge;
use super::Credentials;
use md5::Md5;
use sha2::Digest;
use sha2::Sha256;
use std::fmt::Write as _;

/// A hash algorithm of RFC 7616 §6.1 that we can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    /// `MD5` (the default when the challenge names none).
    Md5,
    /// `SHA-256`, preferred when both are offered (RFC 7616 §3.7).
    Sha256,
}

impl Algorithm {
    fn hash(self, data: &[u8]) -> String {
        match self {
            Algorithm::Md5 => hex(&Md5::digest(data)),
            Algorithm::Sha256 => hex(&Sha256::digest(data)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A Digest challenge we can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    pub algorithm: Algorithm,
    /// `-sess`: A1 includes the nonce and cnonce (RFC 7616 §3.4.2).
    pub session: bool,
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    /// `qop=auth` offered; false: the challenge has no qop (RFC 2069).
    pub qop_auth: bool,
    /// `userhash=true`: send H(user:realm) instead of the user name (RFC 7616 §3.4.4).
    pub userhash: bool,
}

impl DigestChallenge {
    /// The challenge as one we can answer, or how it names itself when we cannot (e.g.
    /// `Digest (algorithm SHA-512-256)`), for the message that lists what the proxy offered.
    pub fn from_challenge(challenge: &Challenge) -> Result<DigestChallenge, String> {
        let unusable = |why: &str| format!("{} ({why})", challenge.scheme);
        let algorithm_name = challenge.param("algorithm").unwrap_or("MD5");
        let (name, session) = match algorithm_name.len().checked_sub(5) {
            Some(cut) if algorithm_name[cut..].eq_ignore_ascii_case("-sess") => {
                (&algorithm_name[..cut], true)
            }
            _ => (algorithm_name, false),
        };
        let algorithm = if name.eq_ignore_ascii_case("MD5") {
            Algorithm::Md5
        } else if name.eq_ignore_ascii_case("SHA-256") {
            Algorithm::Sha256
        } else {
            return Err(unusable(&format!("algorithm {algorithm_name}")));
        };
        let qop_auth = match challenge.param("qop") {
            None => false,
            Some(list)
                if list
                    .split(',')
                    .any(|q| q.trim().eq_ignore_ascii_case("auth")) =>
            {
                true
            }
            Some(list) => return Err(unusable(&format!("qop {list}"))),
        };
        let nonce = challenge
            .param("nonce")
            .ok_or_else(|| unusable("no nonce"))?;
        Ok(DigestChallenge {
            algorithm,
            session,
            realm: challenge.param("realm").unwrap_or("").to_string(),
            nonce: nonce.to_string(),
            opaque: challenge.param("opaque").map(str::to_string),
            qop_auth,
            userhash: challenge
                .param("userhash")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }

    /// How a message names it: `Digest SHA-256`, `Digest MD5-sess`.
    pub fn describe(&self) -> String {
        let sess = if self.session { "-sess" } else { "" };
        format!("Digest {}{sess}", self.algorithm.name())
    }

    /// The `Proxy-Authorization` value for `method` and `uri` (the CONNECT target
    /// `host:port`), the `nc`-th request with this nonce, with the client nonce `cnonce`.
    pub fn authorization(
        &self,
        credentials: &Credentials,
        method: &str,
        uri: &str,
        nc: u32,
        cnonce: &str,
    ) -> String {
        let h = |data: &[u8]| self.algorithm.hash(data);
        let join = |parts: &[&[u8]]| parts.join(&b':');
        let realm = self.realm.as_bytes();
        let mut a1_hash = h(&join(&[&credentials.user, realm, &credentials.password]));
        if self.session {
            a1_hash = h(&join(&[
                a1_hash.as_bytes(),
                self.nonce.as_bytes(),
                cnonce.as_bytes(),
            ]));
        }
        let a2_hash = h(format!("{method}:{uri}").as_bytes());
        let nc = format!("{nc:08x}");
        let response = if self.qop_auth {
            h(&join(&[
                a1_hash.as_bytes(),
                self.nonce.as_bytes(),
                nc.as_bytes(),
                cnonce.as_bytes(),
                b"auth",
                a2_hash.as_bytes(),
            ]))
        } else {
            h(&join(&[
                a1_hash.as_bytes(),
                self.nonce.as_bytes(),
                a2_hash.as_bytes(),
            ]))
        };
        let mut value = String::from("Digest ");
        if self.userhash {
            let hashed = h(&join(&[&credentials.user, realm]));
            let _ = write!(value, "username=\"{hashed}\", userhash=true");
        } else {
            value.push_str(&username_field(&credentials.user));
        }
        let _ = write!(
            value,
            ", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={}{}, response=\"{response}\"",
            escape(&self.realm),
            escape(&self.nonce),
            self.algorithm.name(),
            if self.session { "-sess" } else { "" },
        );
        if self.qop_auth {
            let _ = write!(value, ", qop=auth, nc={nc}, cnonce=\"{cnonce}\"");
        }
        if let Some(opaque) = &self.opaque {
            let _ = write!(value, ", opaque=\"{}\"", escape(opaque));
        }
        value
    }
}

/// A quoted-string's content (RFC 9110 §5.6.4).
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `username="..."` when the name is printable ASCII, else RFC 8187's `username*=UTF-8''...`
/// (RFC 7616 §3.4: a name that a quoted-string cannot carry).
fn username_field(user: &[u8]) -> String {
    if user.iter().all(|b| (0x20..0x7f).contains(b)) {
        return format!("username=\"{}\"", escape(&String::from_utf8_lossy(user)));
    }
    let mut encoded = String::from("username*=UTF-8''");
    for &b in user {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            let _ = write!(encoded, "%{b:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::challenge::parse_challenges;

    /// A field value written over several lines here, as one line.
    fn challenge(value: &str) -> DigestChallenge {
        let line = value.split_whitespace().collect::<Vec<_>>().join(" ");
        DigestChallenge::from_challenge(&parse_challenges(&line)[0]).unwrap()
    }

    fn param<'a>(value: &'a str, name: &str) -> &'a str {
        let start = value.find(&format!(" {name}=")).unwrap() + name.len() + 2;
        let rest = &value[start..];
        match rest.strip_prefix('"') {
            Some(quoted) => &quoted[..quoted.find('"').unwrap()],
            None => rest.split(',').next().unwrap(),
        }
    }

    /// RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5.
    #[test]
    fn rfc_7616_examples() {
        let mufasa = Credentials {
            user: b"Mufasa".to_vec(),
            password: b"Circle of Life".to_vec(),
        };
        let fields = r#"realm="http-auth@example.org", qop="auth, auth-int",
            nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        let sha = challenge(&format!("Digest {fields}, algorithm=SHA-256"));
        let value = sha.authorization(&mufasa, "GET", "/dir/index.html", 1, cnonce);
        assert_eq!(
            param(&value, "response"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
        assert!(value.starts_with("Digest username=\"Mufasa\", realm=\"http-auth@example.org\""));
        assert_eq!(param(&value, "nc"), "00000001");
        assert_eq!(param(&value, "qop"), "auth");
        assert_eq!(param(&value, "algorithm"), "SHA-256");
        assert_eq!(
            param(&value, "opaque"),
            "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
        );
        let md5 = challenge(&format!("Digest {fields}, algorithm=MD5"));
        let value = md5.authorization(&mufasa, "GET", "/dir/index.html", 1, cnonce);
        assert_eq!(
            param(&value, "response"),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
    }

    /// RFC 2617 §3.5 (MD5, qop=auth), the form most proxies still send.
    #[test]
    fn rfc_2617_example() {
        let c = challenge(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int",
               nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        );
        assert_eq!(
            (c.algorithm, c.session, c.qop_auth),
            (Algorithm::Md5, false, true)
        );
        let credentials = Credentials {
            user: b"Mufasa".to_vec(),
            password: b"Circle Of Life".to_vec(),
        };
        let value = c.authorization(&credentials, "GET", "/dir/index.html", 1, "0a4f113b");
        assert_eq!(
            param(&value, "response"),
            "6629fae49393a05397450978507c4ef1"
        );
    }

    #[test]
    fn what_cannot_be_answered_names_itself() {
        let refuse =
            |value: &str| DigestChallenge::from_challenge(&parse_challenges(value)[0]).unwrap_err();
        assert_eq!(
            refuse(r#"Digest realm="r", nonce="n", algorithm=SHA-512-256"#),
            "Digest (algorithm SHA-512-256)"
        );
        assert_eq!(
            refuse(r#"Digest realm="r", nonce="n", qop="auth-int""#),
            "Digest (qop auth-int)"
        );
        assert_eq!(refuse(r#"Digest realm="r""#), "Digest (no nonce)");
        let sess = challenge(r#"Digest realm="r", nonce="n", algorithm=sha-256-SESS, qop=auth"#);
        assert_eq!(sess.describe(), "Digest SHA-256-sess");
        assert!(!challenge(r#"Digest nonce="n""#).qop_auth);
    }

    #[test]
    fn user_names_a_quoted_string_cannot_carry() {
        assert_eq!(username_field(b"a\"b"), r#"username="a\"b""#);
        assert_eq!(
            username_field("J\u{e4}s\u{f8}n Doe".as_bytes()),
            "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe"
        );
        let hashed = challenge(r#"Digest realm="r", nonce="n", userhash=true"#);
        let credentials = Credentials {
            user: b"u".to_vec(),
            password: b"p".to_vec(),
        };
        let value = hashed.authorization(&credentials, "CONNECT", "h:443", 1, "c");
        assert_eq!(param(&value, "username"), Algorithm::Md5.hash(b"u:r"));
        assert!(value.contains(", userhash=true"));
        // No qop: RFC 2069's response, no nc or cnonce.
        assert!(!value.contains("nc="));
    }
}
