//! Authentication to an HTTP proxy, as curl does it by default: Basic with the first CONNECT
//! when the URL has credentials; then, if the proxy answers 407 with a Digest challenge,
//! Digest (RFC 7616) once; any other answer to a 407 is an error that names what the proxy
//! offered.
use super::challenge::Challenge;
use super::digest::{Algorithm, DigestChallenge};
use super::{Credentials, ProxyError};
use rand::Rng;

/// The authentication state of one tunnel request (its retries included).
pub(crate) struct ProxyAuth {
    credentials: Option<Credentials>,
    /// The Digest challenge being answered, once the proxy sent one.
    digest: Option<DigestChallenge>,
    /// Requests sent with the Digest nonce (RFC 7616 §3.4: `nc`).
    nonce_count: u32,
    cnonce: String,
}

impl ProxyAuth {
    pub(crate) fn new(credentials: Option<Credentials>) -> ProxyAuth {
        let mut random = [0u8; 16];
        rand::rng().fill_bytes(&mut random);
        ProxyAuth {
            credentials,
            digest: None,
            nonce_count: 0,
            cnonce: random.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// The `Proxy-Authorization` value of the next CONNECT to `authority`, if any.
    pub(crate) fn authorization(&mut self, authority: &str) -> Option<String> {
        let credentials = self.credentials.as_ref()?;
        Some(match &self.digest {
            None => credentials.basic(),
            Some(digest) => {
                self.nonce_count += 1;
                digest.authorization(
                    credentials,
                    "CONNECT",
                    authority,
                    self.nonce_count,
                    &self.cnonce,
                )
            }
        })
    }

    /// The proxy answered 407 (`reason`) with `challenges`: Ok when we can answer with
    /// another request (a Digest challenge, the first time), else why not.
    pub(crate) fn challenged(
        &mut self,
        reason: &str,
        challenges: &[Challenge],
    ) -> Result<(), ProxyError> {
        let refused = |sent_credentials| ProxyError::Status {
            code: 407,
            reason: reason.to_string(),
            sent_credentials,
        };
        let digests: Vec<Result<DigestChallenge, String>> = challenges
            .iter()
            .filter(|c| c.scheme.eq_ignore_ascii_case("Digest"))
            .map(DigestChallenge::from_challenge)
            .collect();
        let basic = challenges
            .iter()
            .any(|c| c.scheme.eq_ignore_ascii_case("Basic"));
        // SHA-256 before MD5 (RFC 7616 §3.7), whatever the order of the challenges.
        let best = digests
            .iter()
            .filter_map(|d| d.as_ref().ok())
            .max_by_key(|d| d.algorithm == Algorithm::Sha256);
        if best.is_none() && !basic && !challenges.is_empty() {
            let offered = challenges.iter().map(describe_unusable).collect();
            return Err(ProxyError::UnsupportedAuth { offered });
        }
        if self.credentials.is_none() {
            return Err(refused(false));
        }
        match best {
            Some(digest) if self.digest.is_none() => {
                log::debug!("proxy authentication: {}", digest.describe());
                self.digest = Some(digest.clone());
                self.nonce_count = 0;
                Ok(())
            }
            _ => Err(refused(true)),
        }
    }
}

/// A challenge as the message lists it: its scheme, and for a Digest challenge we cannot
/// answer, why.
fn describe_unusable(challenge: &Challenge) -> String {
    if challenge.scheme.eq_ignore_ascii_case("Digest") {
        if let Err(described) = DigestChallenge::from_challenge(challenge) {
            return described;
        }
    }
    challenge.scheme.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::challenge::parse_challenges;

    fn credentials() -> Option<Credentials> {
        Some(Credentials {
            user: b"u".to_vec(),
            password: b"p".to_vec(),
        })
    }

    #[test]
    fn basic_first_then_digest_once_preferring_sha_256() {
        let mut auth = ProxyAuth::new(credentials());
        assert_eq!(auth.authorization("h:443").as_deref(), Some("Basic dTpw"));
        let offered = parse_challenges(
            r#"Digest realm="r", nonce="n", algorithm=MD5, qop="auth", Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth", Basic realm="r""#,
        );
        auth.challenged("Proxy Authentication Required", &offered)
            .unwrap();
        let value = auth.authorization("h:443").unwrap();
        assert!(value.starts_with("Digest username=\"u\""), "{value}");
        assert!(value.contains("algorithm=SHA-256") && value.contains("nc=00000001"));
        assert!(value.contains("uri=\"h:443\""));
        // A retry on a new connection counts on.
        assert!(auth.authorization("h:443").unwrap().contains("nc=00000002"));
        // Refused again: the credentials are wrong.
        let error = auth
            .challenged("Proxy Authentication Required", &offered)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "answered 407 Proxy Authentication Required: the credentials were refused"
        );
    }

    #[test]
    fn basic_only_refusals_and_missing_credentials() {
        let basic = parse_challenges(r#"Basic realm="r""#);
        let mut auth = ProxyAuth::new(credentials());
        let error = auth.challenged("Nope", &basic).unwrap_err();
        assert!(matches!(
            error,
            ProxyError::Status {
                code: 407,
                sent_credentials: true,
                ..
            }
        ));
        let mut anonymous = ProxyAuth::new(None);
        assert_eq!(anonymous.authorization("h:1"), None);
        let digest = parse_challenges(r#"Digest realm="r", nonce="n""#);
        let error = anonymous
            .challenged("Proxy Authentication Required", &digest)
            .unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("give user:password in the proxy URL"),
            "{error}"
        );
        // No challenge at all: a plain refusal.
        let error = auth.challenged("X", &[]).unwrap_err();
        assert!(matches!(error, ProxyError::Status { code: 407, .. }));
    }

    #[test]
    fn schemes_we_cannot_answer_are_all_named() {
        let offered = parse_challenges(
            r#"NTLM, Negotiate, Digest realm="r", nonce="n", algorithm=SHA-512-256"#,
        );
        for mut auth in [ProxyAuth::new(credentials()), ProxyAuth::new(None)] {
            let error = auth
                .challenged("Proxy Authentication Required", &offered)
                .unwrap_err();
            assert_eq!(
                error.to_string(),
                "asks for authentication we cannot give: it offers NTLM, Negotiate, Digest \
                 (algorithm SHA-512-256); we answer Basic and Digest (MD5, SHA-256)"
            );
        }
    }
}
