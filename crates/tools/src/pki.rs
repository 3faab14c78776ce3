//! The test PKI for the TLS tests, generated with rcgen (ring) and written as PEM files:
//! - `ca.pem`, `ca-key.pem`: the self-signed CA "net_websocket test CA";
//! - `other-ca.pem`: a second CA (an "unknown authority" with a CA set), whose only leaf is
//!   `other-server.pem`, `other-server-key.pem`: the names of `server.pem` (for a proxy whose
//!   certificate a client must refuse);
//! - `server.pem`, `server-key.pem`: signed by the CA for DNS `localhost`, IP `127.0.0.1` and
//!   IP `::1`, valid from a day ago for a year, serverAuth;
//! - `wrong-name.pem`, `wrong-name-key.pem`: the same for DNS `other.example` only;
//! - `expired.pem`, `expired-key.pem`: the names of `server.pem`, valid 2020-01-01..02;
//! - `client.pem`, `client-key.pem` (PKCS#8, ECDSA P-256): CN `ws-test-client`, clientAuth;
//! - `client-key-sec1.pem`: that key as SEC1 (`EC PRIVATE KEY`, with the curve named);
//! - `client-key-encrypted.pem`: that key as encrypted PKCS#8 (PBES2, PBKDF2-HMAC-SHA256,
//!   AES-256-CBC, as `openssl pkcs8 -topk8` makes it), password [`ENCRYPTED_KEY_PASSWORD`];
//! - `ca-dir/test-ca.pem`: a copy of `ca.pem`, for a CA-directory setting;
//! - `self-signed.pem`, `self-signed-key.pem`: a self-signed certificate for the names of
//!   `server.pem` (a device that can only be pinned);
//! - `server-pubkey.pem`: the public key of `server.pem` (PEM `PUBLIC KEY`), and
//!   `server.pin`, `self-signed.pin`: the pins of the two servers' keys, `sha256//BASE64` of
//!   their SubjectPublicKeyInfo (curl's CURLOPT_PINNEDPUBLICKEY form), each on one line.
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, PKCS_ECDSA_P256_SHA256,
};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

mod client_key;
pub use client_key::ENCRYPTED_KEY_PASSWORD;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The names `server.pem` and `expired.pem` are valid for.
const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Every file of the test PKI, in memory.
pub struct TestPki {
    /// (path inside the PKI directory, PEM text), in the order of the module doc.
    files: Vec<(&'static str, String)>,
}

/// Why the PKI could not be made or written.
#[derive(Debug)]
pub enum PkiError {
    /// rcgen refused the parameters or failed to sign.
    Rcgen(rcgen::Error),
    /// The client key could not be re-encoded (SEC1, encrypted PKCS#8).
    ClientKey(pkcs8::Error),
    /// The system random source failed (salt and IV of the encrypted key).
    Random,
    /// A file or directory could not be written.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PkiError::Rcgen(e) => write!(f, "certificate generation: {e}"),
            PkiError::ClientKey(e) => write!(f, "client key encoding: {e}"),
            PkiError::Random => write!(f, "the system random source failed"),
            PkiError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for PkiError {}

impl From<rcgen::Error> for PkiError {
    fn from(e: rcgen::Error) -> Self {
        PkiError::Rcgen(e)
    }
}

impl From<pkcs8::Error> for PkiError {
    fn from(e: pkcs8::Error) -> Self {
        PkiError::ClientKey(e)
    }
}

/// When a certificate is valid.
#[derive(Clone, Copy)]
enum Validity {
    /// From a day ago (clock skew) for a year.
    Current,
    /// 2020-01-01 to 2020-01-02.
    Expired,
    /// From a day ago for ten years: the CAs outlive their leaves.
    Authority,
}

impl Validity {
    fn apply(self, params: &mut CertificateParams) {
        let since_epoch = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        // rcgen's own date constructor, so we need no direct dependency on its date crate.
        let now = rcgen::date_time_ymd(1970, 1, 1) + since_epoch;
        let (not_before, not_after) = match self {
            Validity::Current => (now - DAY, now + 365 * DAY),
            Validity::Expired => (
                rcgen::date_time_ymd(2020, 1, 1),
                rcgen::date_time_ymd(2020, 1, 2),
            ),
            Validity::Authority => (now - DAY, now + 10 * 365 * DAY),
        };
        params.not_before = not_before;
        params.not_after = not_after;
    }
}

fn authority(common_name: &str) -> Result<CertifiedIssuer<'static, KeyPair>, PkiError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Validity::Authority.apply(&mut params);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    Ok(CertifiedIssuer::self_signed(params, key)?)
}

/// A leaf certificate signed by `ca`, as (certificate PEM, its ECDSA P-256 key pair).
fn leaf(
    ca: &Issuer<'_, KeyPair>,
    common_name: &str,
    names: &[&str],
    purpose: ExtendedKeyUsagePurpose,
    validity: Validity,
) -> Result<(String, KeyPair), PkiError> {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    // IP literals become IP SANs, the rest DNS SANs.
    let mut params = CertificateParams::new(names)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![purpose];
    params.use_authority_key_identifier_extension = true;
    validity.apply(&mut params);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let cert = params.signed_by(&key, ca)?;
    Ok((cert.pem(), key))
}

/// A self-signed server certificate for `names`, as (certificate PEM, its key pair).
fn self_signed(names: &[&str]) -> Result<(String, KeyPair), PkiError> {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "net_websocket self-signed device");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    Validity::Current.apply(&mut params);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key))
}

/// `sha256//BASE64` of the key's SubjectPublicKeyInfo, and a newline.
fn pin(key: &KeyPair) -> String {
    let hash = Sha256::digest(key.subject_public_key_info());
    format!("sha256//{}\n", BASE64.encode(hash))
}

impl TestPki {
    /// Generates a fresh PKI: new keys and certificates on every call.
    pub fn generate() -> Result<Self, PkiError> {
        use ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
        let ca = authority("net_websocket test CA")?;
        let other_ca = authority("net_websocket other test CA")?;
        let (server, server_key) = leaf(
            &ca,
            "localhost",
            &SERVER_NAMES,
            ServerAuth,
            Validity::Current,
        )?;
        let (wrong_name, wrong_name_key) = leaf(
            &ca,
            "other.example",
            &["other.example"],
            ServerAuth,
            Validity::Current,
        )?;
        let (expired, expired_key) = leaf(
            &ca,
            "localhost",
            &SERVER_NAMES,
            ServerAuth,
            Validity::Expired,
        )?;
        let (client, client_key) = leaf(&ca, "ws-test-client", &[], ClientAuth, Validity::Current)?;
        let (other_server, other_server_key) = leaf(
            &other_ca,
            "localhost",
            &SERVER_NAMES,
            ServerAuth,
            Validity::Current,
        )?;
        let (device, device_key) = self_signed(&SERVER_NAMES)?;
        let client_key_der = client_key.serialized_der();
        let files = vec![
            ("ca.pem", ca.pem()),
            ("ca-key.pem", ca.key().serialize_pem()),
            ("other-ca.pem", other_ca.pem()),
            ("other-server.pem", other_server),
            ("other-server-key.pem", other_server_key.serialize_pem()),
            ("server.pem", server),
            ("server-key.pem", server_key.serialize_pem()),
            ("wrong-name.pem", wrong_name),
            ("wrong-name-key.pem", wrong_name_key.serialize_pem()),
            ("expired.pem", expired),
            ("expired-key.pem", expired_key.serialize_pem()),
            ("client.pem", client),
            ("client-key.pem", client_key.serialize_pem()),
            ("client-key-sec1.pem", client_key::sec1_pem(client_key_der)?),
            (
                "client-key-encrypted.pem",
                client_key::encrypted_pem(client_key_der)?,
            ),
            ("ca-dir/test-ca.pem", ca.pem()),
            ("self-signed.pem", device),
            ("self-signed-key.pem", device_key.serialize_pem()),
            ("server-pubkey.pem", server_key.public_key_pem()),
            ("server.pin", pin(&server_key)),
            ("self-signed.pin", pin(&device_key)),
        ];
        Ok(TestPki { files })
    }

    /// The PEM text of the file at `path` (e.g. `"server.pem"`), if the PKI has one.
    pub fn pem(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, pem)| pem.as_str())
    }

    /// Every path the PKI writes, relative to its directory.
    pub fn paths(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.files.iter().map(|(name, _)| *name)
    }

    /// Writes every file under `dir`, creating it (and `ca-dir`) if needed.
    pub fn write_to(&self, dir: &Path) -> Result<(), PkiError> {
        for (name, pem) in &self.files {
            let path = dir.join(name);
            let io_error = |path: &Path| {
                let path = path.to_path_buf();
                move |error| PkiError::Io { path, error }
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io_error(parent))?;
            }
            std::fs::write(&path, pem).map_err(io_error(&path))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
