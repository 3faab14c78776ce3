//! Public-key pinning, in curl's `CURLOPT_PINNEDPUBLICKEY` forms: `sha256//BASE64` hashes of
//! a SubjectPublicKeyInfo, separated by `;`, or a file holding the public key (PEM `PUBLIC
//! KEY` or DER). After the usual verification (or instead of it, when verification is
//! skipped: that is how a self-signed device is pinned) the server's leaf certificate must
//! carry one of the pinned keys.
use super::SetupError;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, SubjectPublicKeyInfoDer, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// What precedes each hash.
const PREFIX: &str = "sha256//";

/// SHA-256 hashes of the SubjectPublicKeyInfo a server may present.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PinnedKeys(Vec<[u8; 32]>);

impl PinnedKeys {
    /// `sha256//BASE64[;sha256//BASE64...]`, or the path of a public-key file (read now).
    pub fn parse(spec: &str) -> Result<PinnedKeys, SetupError> {
        if !spec.starts_with(PREFIX) {
            return Self::from_file(Path::new(spec));
        }
        let invalid = |reason: String| SetupError {
            path: Default::default(),
            reason,
        };
        let mut hashes = Vec::new();
        for (i, pin) in spec.split(';').map(str::trim).enumerate() {
            let Some(encoded) = pin.strip_prefix(PREFIX) else {
                return Err(invalid(format!(
                    "pin {} ({pin:?}) does not start with {PREFIX}",
                    i + 1
                )));
            };
            match BASE64.decode(encoded).map(<[u8; 32]>::try_from) {
                Ok(Ok(hash)) => hashes.push(hash),
                _ => {
                    return Err(invalid(format!(
                        "pin {} ({pin:?}) is not the base64 of a 32-byte SHA-256 hash",
                        i + 1
                    )))
                }
            }
        }
        Ok(PinnedKeys(hashes))
    }

    /// The key of a PEM (`PUBLIC KEY`) or DER file.
    fn from_file(path: &Path) -> Result<PinnedKeys, SetupError> {
        let bytes = super::files::read(path)?;
        let der = match SubjectPublicKeyInfoDer::from_pem_slice(&bytes) {
            Ok(der) => der.as_ref().to_vec(),
            // DER: a SEQUENCE (the SubjectPublicKeyInfo).
            Err(_) if bytes.first() == Some(&0x30) => bytes,
            Err(_) => {
                return Err(SetupError {
                    path: path.to_owned(),
                    reason: format!(
                        "neither a PEM PUBLIC KEY nor a DER public key (a pin is \
                         {PREFIX}BASE64 or a public-key file)"
                    ),
                })
            }
        };
        Ok(PinnedKeys(vec![hash(&der)]))
    }

    fn contains(&self, hash: &[u8; 32]) -> bool {
        self.0.contains(hash)
    }
}

fn hash(spki: &[u8]) -> [u8; 32] {
    Sha256::digest(spki).into()
}

/// `sha256//BASE64`.
fn pin_text(hash: &[u8; 32]) -> String {
    format!("{PREFIX}{}", BASE64.encode(hash))
}

/// The pins as a person reads them; no secret in them.
impl fmt::Debug for PinnedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pins: Vec<String> = self.0.iter().map(pin_text).collect();
        write!(f, "PinnedKeys({})", pins.join(";"))
    }
}

/// The server presented a key that is not pinned (carried through rustls as the
/// certificate error `Other`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinMismatch {
    /// The hash of the server's key, `sha256//BASE64`.
    pub presented: String,
    /// The pins, `sha256//BASE64` each.
    pub pinned: Vec<String>,
}

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "public key pin mismatch: the server's key is {}, the pinned {} {}",
            self.presented,
            if self.pinned.len() == 1 {
                "key is"
            } else {
                "keys are"
            },
            self.pinned.join(", ")
        )
    }
}
impl std::error::Error for PinMismatch {}

/// Verifies with `inner`, then checks the leaf's key against the pins.
#[derive(Debug)]
pub(super) struct PinningVerifier {
    pub(super) inner: Arc<dyn ServerCertVerifier>,
    pub(super) pins: PinnedKeys,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let spki = ParsedCertificate::try_from(end_entity)?.subject_public_key_info();
        let presented = hash(spki.as_ref());
        if self.pins.contains(&presented) {
            return Ok(verified);
        }
        let mismatch = PinMismatch {
            presented: pin_text(&presented),
            pinned: self.pins.0.iter().map(pin_text).collect(),
        };
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(mismatch)),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_32_bytes_of_base64_separated_by_semicolons() {
        let a = BASE64.encode([1u8; 32]);
        let b = BASE64.encode([2u8; 32]);
        let pins = PinnedKeys::parse(&format!("sha256//{a};sha256//{b}")).unwrap();
        assert!(pins.contains(&[1; 32]) && pins.contains(&[2; 32]));
        assert_eq!(
            format!("{pins:?}"),
            format!("PinnedKeys(sha256//{a};sha256//{b})")
        );
        let short = PinnedKeys::parse(&format!("sha256//{a};sha256//AAAA")).unwrap_err();
        assert_eq!(
            short.to_string(),
            "pin 2 (\"sha256//AAAA\") is not the base64 of a 32-byte SHA-256 hash"
        );
        let other = PinnedKeys::parse(&format!("sha256//{a};md5//x")).unwrap_err();
        assert!(
            other.reason.contains("does not start with sha256//"),
            "{other}"
        );
        assert!(PinnedKeys::parse("sha256//not base64!").is_err());
    }

    #[test]
    fn anything_else_is_a_key_file() {
        let missing = PinnedKeys::parse("/nonexistent/key.pem").unwrap_err();
        assert_eq!(missing.path, Path::new("/nonexistent/key.pem"));
        let dir = std::env::temp_dir();
        let junk = dir.join(format!("nws-pin-junk-{}", std::process::id()));
        std::fs::write(&junk, "hello").unwrap();
        assert!(PinnedKeys::parse(junk.to_str().unwrap())
            .unwrap_err()
            .reason
            .contains("neither a PEM PUBLIC KEY nor a DER public key"));
        // DER and PEM of the same key give the same pin.
        let der = dir.join(format!("nws-pin-der-{}", std::process::id()));
        let spki = [0x30, 0x03, 0x02, 0x01, 0x00];
        std::fs::write(&der, spki).unwrap();
        let pem = dir.join(format!("nws-pin-pem-{}", std::process::id()));
        let text = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            BASE64.encode(spki)
        );
        std::fs::write(&pem, text).unwrap();
        let from_der = PinnedKeys::parse(der.to_str().unwrap()).unwrap();
        let from_pem = PinnedKeys::parse(pem.to_str().unwrap()).unwrap();
        assert_eq!(from_der, from_pem);
        assert!(from_der.contains(&hash(&spki)));
        for file in [junk, der, pem] {
            std::fs::remove_file(file).unwrap();
        }
    }

    #[test]
    fn a_mismatch_names_both_sides() {
        let mismatch = PinMismatch {
            presented: pin_text(&[0; 32]),
            pinned: vec![pin_text(&[1; 32])],
        };
        assert_eq!(
            mismatch.to_string(),
            format!(
                "public key pin mismatch: the server's key is sha256//{}, the pinned key is \
                 sha256//{}",
                BASE64.encode([0; 32]),
                BASE64.encode([1; 32])
            )
        );
    }
}
