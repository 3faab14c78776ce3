//! The proxy's side of HTTP Digest authentication (RFC 7616) with `qop=auth`: the challenges
//! it sends and the check of a client's answer, written apart from the client's code so that
//! the one checks the other.
use md5::Md5;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The realm of every challenge.
pub(super) const REALM: &str = "ws-test-proxy";
/// The opaque value of every challenge, which a client must send back unchanged.
const OPAQUE: &str = "d2VidGVzdA";

/// A hash algorithm the proxy offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    /// The name in `algorithm=` (RFC 7616 §6.1).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// The name in the log line: `digest-md5`, `digest-sha-256`.
    pub fn log_name(self) -> String {
        format!("digest-{}", self.name().to_ascii_lowercase())
    }

    fn hash(self, data: &str) -> String {
        let bytes: Vec<u8> = match self {
            Algorithm::Md5 => Md5::digest(data.as_bytes()).to_vec(),
            Algorithm::Sha256 => Sha256::digest(data.as_bytes()).to_vec(),
        };
        let mut hex = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            let _ = write!(hex, "{b:02x}");
        }
        hex
    }
}

/// One `Proxy-Authenticate` field per algorithm, in the order given.
pub(super) fn challenges(algorithms: &[Algorithm], nonce: &str) -> String {
    algorithms
        .iter()
        .map(|a| {
            format!(
                "Proxy-Authenticate: Digest realm=\"{REALM}\", qop=\"auth\", algorithm={}, \
                 nonce=\"{nonce}\", opaque=\"{OPAQUE}\"\r\n",
                a.name()
            )
        })
        .collect()
}

/// The `name=value` pairs after `Digest ` (values unquoted), or None when the value is not
/// a Digest answer.
fn params(authorization: &str) -> Option<Vec<(String, String)>> {
    let (scheme, rest) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Digest") {
        return None;
    }
    let mut params = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == ',') {
            chars.next();
        }
        let name: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if name.is_empty() {
            return Some(params);
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = chars.by_ref().take_while(|c| *c != ',').collect();
        }
        params.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
}

/// Checks a `Proxy-Authorization: Digest ...` for a CONNECT to `uri`: the algorithm used when
/// it is right, None when it is not (or not Digest at all).
pub(super) fn check(
    authorization: &str,
    offered: &[Algorithm],
    nonce: &str,
    uri: &str,
    user: &str,
    password: &str,
) -> Option<Algorithm> {
    let params = params(authorization)?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let algorithm = *offered
        .iter()
        .find(|a| get("algorithm").is_some_and(|name| name.eq_ignore_ascii_case(a.name())))?;
    let fixed = [
        ("username", user),
        ("realm", REALM),
        ("nonce", nonce),
        ("uri", uri),
        ("qop", "auth"),
        ("opaque", OPAQUE),
    ];
    if fixed.iter().any(|(name, value)| get(name) != Some(*value)) {
        return None;
    }
    let (nc, cnonce, response) = (get("nc")?, get("cnonce")?, get("response")?);
    let h = |data: &str| algorithm.hash(data);
    let expected = h(&format!(
        "{}:{nonce}:{nc}:{cnonce}:auth:{}",
        h(&format!("{user}:{REALM}:{password}")),
        h(&format!("CONNECT:{uri}"))
    ));
    (response == expected).then_some(algorithm)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer a client computes for a challenge of ours (RFC 7616 §3.4.1, by hand).
    fn answer(algorithm: Algorithm, password: &str, uri: &str) -> String {
        let h = |data: &str| algorithm.hash(data);
        let response = h(&format!(
            "{}:n0nce:00000001:c:auth:{}",
            h(&format!("u:{REALM}:{password}")),
            h(&format!("CONNECT:{uri}"))
        ));
        format!(
            "Digest username=\"u\", realm=\"{REALM}\", nonce=\"n0nce\", uri=\"{uri}\", \
             algorithm={}, response=\"{response}\", qop=auth, nc=00000001, cnonce=\"c\", \
             opaque=\"{OPAQUE}\"",
            algorithm.name()
        )
    }

    #[test]
    fn right_and_wrong_answers() {
        let both = [Algorithm::Sha256, Algorithm::Md5];
        for algorithm in both {
            let right = answer(algorithm, "p", "h:1");
            assert_eq!(
                check(&right, &both, "n0nce", "h:1", "u", "p"),
                Some(algorithm)
            );
            assert_eq!(check(&right, &both, "n0nce", "h:2", "u", "p"), None);
            assert_eq!(check(&right, &both, "other", "h:1", "u", "p"), None);
            assert_eq!(check(&right, &both, "n0nce", "h:1", "u", "q"), None);
        }
        let sha = answer(Algorithm::Sha256, "p", "h:1");
        assert_eq!(
            check(&sha, &[Algorithm::Md5], "n0nce", "h:1", "u", "p"),
            None
        );
        assert_eq!(check("Basic dTpw", &both, "n0nce", "h:1", "u", "p"), None);
    }

    #[test]
    fn challenges_name_each_algorithm() {
        assert_eq!(
            challenges(&[Algorithm::Sha256], "n"),
            format!(
                "Proxy-Authenticate: Digest realm=\"{REALM}\", qop=\"auth\", algorithm=SHA-256, \
                 nonce=\"n\", opaque=\"{OPAQUE}\"\r\n"
            )
        );
        assert_eq!(Algorithm::Sha256.log_name(), "digest-sha-256");
    }
}
