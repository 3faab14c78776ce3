//! TLS for `wss://` (SPEC §6): rustls with the ring provider, server certificates verified by
//! default against the system trust store (honouring `SSL_CERT_FILE` and `SSL_CERT_DIR` as
//! the caller's environment had them at connect, see [`TrustPaths`]; each store loaded once
//! and kept, a failed load tried again at the next connection), host names and IP addresses
//! checked, SNI sent.
//!
//! [`TlsOptions`] holds what a caller may change: CA certificates instead of the system store,
//! a client certificate, and skipping verification. Files are read and checked when they are
//! set, so a bad file is refused there, with a [`SetupError`] that names it. The rustls
//! configuration built from the options is cached and shared by every connection that uses
//! them, which also lets TLS sessions resume.
pub use crate::error::{CertificateProblem, TlsError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct};
use rustls::{RootCertStore, SignatureScheme};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// TLS settings of a connection; `TlsOptions::default()` verifies against the system store.
#[derive(Clone, Debug)]
pub struct TlsOptions {
    ca_file: Option<Vec<CertificateDer<'static>>>,
    ca_dir: Option<Vec<CertificateDer<'static>>>,
    identity: Option<Arc<CertifiedKey>>,
    verify: bool,
    /// The configuration built from the fields above (and, with the system store, the trust
    /// paths it was built for); dropped whenever a field changes. Shared by every connection
    /// made with these options.
    config: Arc<Mutex<Option<BuiltConfig>>>,
}

/// A configuration and the system trust paths it was built for (None: built without them).
type BuiltConfig = (Option<TrustPaths>, Arc<ClientConfig>);

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            ca_file: None,
            ca_dir: None,
            identity: None,
            verify: true,
            config: Arc::default(),
        }
    }
}

/// A TLS setting that could not be applied: the file, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError {
    /// The file or directory given.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}
impl std::error::Error for SetupError {}

fn setup_error(path: &Path, reason: impl Into<String>) -> SetupError {
    SetupError {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

impl TlsOptions {
    /// Trust the CA certificates (PEM) in `path` instead of the system store; `None` drops
    /// them. With a CA directory set too, both are trusted.
    pub fn set_ca_file(&mut self, path: Option<&Path>) -> Result<(), SetupError> {
        self.ca_file = path.map(load_ca_file).transpose()?;
        self.changed();
        Ok(())
    }

    /// Trust the CA certificates (PEM) in every file of the directory `path` instead of the
    /// system store; files without a certificate are skipped. `None` drops them.
    pub fn set_ca_dir(&mut self, path: Option<&Path>) -> Result<(), SetupError> {
        self.ca_dir = path.map(load_ca_dir).transpose()?;
        self.changed();
        Ok(())
    }

    /// Present this client certificate when the server asks for one: `chain` holds the
    /// certificate and any intermediates (PEM), `key` its private key (PEM: PKCS#8, PKCS#1
    /// RSA, SEC1 EC, or encrypted PKCS#8 with `password`).
    pub fn set_client_certificate(
        &mut self,
        chain: &Path,
        key: &Path,
        password: Option<&[u8]>,
    ) -> Result<(), SetupError> {
        self.identity = Some(Arc::new(load_identity(chain, key, password)?));
        self.changed();
        Ok(())
    }

    /// Present no client certificate.
    pub fn clear_client_certificate(&mut self) {
        self.identity = None;
        self.changed();
    }

    /// `false` accepts any server certificate (the connection is then encrypted but not
    /// authenticated: anyone on the path can impersonate the server).
    pub fn set_verify(&mut self, verify: bool) {
        self.verify = verify;
        self.changed();
    }

    fn changed(&mut self) {
        self.config = Arc::default();
    }

    /// The system trust store these options would read: None when they do not use it.
    fn system_store<'a>(&self, trust: &'a TrustPaths) -> Option<&'a TrustPaths> {
        let uses = self.verify && self.ca_file.is_none() && self.ca_dir.is_none();
        uses.then_some(trust)
    }

    fn cached(&self, key: Option<&TrustPaths>) -> Option<Arc<ClientConfig>> {
        let config = self.config.lock().unwrap_or_else(PoisonError::into_inner);
        match &*config {
            Some((built_for, config)) if built_for.as_ref() == key => Some(config.clone()),
            _ => None,
        }
    }

    /// Whether [`TlsOptions::client_config`] returns without reading a trust store from disk.
    pub(crate) fn is_ready(&self, trust: &TrustPaths) -> bool {
        let key = self.system_store(trust);
        self.cached(key).is_some() || key.is_none_or(system_roots_loaded)
    }

    /// The rustls configuration for these options, built on first use, with `trust` for the
    /// system store. Reading a store from disk is slow: call it off the runtime's workers
    /// when not [`TlsOptions::is_ready`]. A failure is not kept: the next call tries again.
    pub(crate) fn client_config(&self, trust: &TrustPaths) -> Result<Arc<ClientConfig>, TlsError> {
        let key = self.system_store(trust);
        if let Some(config) = self.cached(key) {
            return Ok(config);
        }
        let config = self.build(key)?;
        *self.config.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((key.cloned(), config.clone()));
        Ok(config)
    }

    fn build(&self, system_store: Option<&TrustPaths>) -> Result<Arc<ClientConfig>, TlsError> {
        let provider = provider();
        let verifier: Arc<dyn ServerCertVerifier> = if !self.verify {
            Arc::new(NoVerification(provider.clone()))
        } else {
            let roots = if let Some(paths) = system_store {
                system_roots(paths)?
            } else {
                let mut roots = RootCertStore::empty();
                let certs = self.ca_file.iter().chain(&self.ca_dir).flatten().cloned();
                roots.add_parsable_certificates(certs);
                Arc::new(roots)
            };
            WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| TlsError::Setup(e.to_string()))?
        };
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match &self.identity {
            Some(identity) => builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(
                identity.as_ref().clone(),
            ))),
            None => builder.with_no_client_auth(),
        };
        // RFC 6455 runs over HTTP/1.1; say so to servers that also speak h2 (RFC 7301).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn provider() -> &'static Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// Where the system trust store is read from: `SSL_CERT_FILE` and `SSL_CERT_DIR` (a list
/// separated by `:`) when either is set, else the platform's usual places.
///
/// [`TrustPaths::from_environment`] reads the environment, and must be called on the
/// caller's thread (at connect, as the proxy variables are read): a C program may call
/// `setenv` on its own threads, and reading the environment on a library thread meanwhile is
/// undefined behaviour in libc.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrustPaths {
    file: Option<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl TrustPaths {
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR` as the environment has them now, or the platform's
    /// places (probed once per process, on the first thread that needs them).
    pub fn from_environment() -> TrustPaths {
        let file = std::env::var_os("SSL_CERT_FILE")
            .filter(|f| !f.is_empty())
            .map(PathBuf::from);
        let dirs: Vec<PathBuf> = std::env::var_os("SSL_CERT_DIR")
            .map(|d| {
                std::env::split_paths(&d)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if file.is_some() || !dirs.is_empty() {
            return TrustPaths { file, dirs };
        }
        static PLATFORM: OnceLock<TrustPaths> = OnceLock::new();
        PLATFORM
            .get_or_init(|| {
                // Reads the same two variables (unset, as just seen), then looks for the usual
                // bundle files and directories.
                let probed = openssl_probe::probe();
                TrustPaths {
                    file: probed.cert_file,
                    dirs: probed.cert_dir,
                }
            })
            .clone()
    }

    fn load(&self) -> Result<Arc<RootCertStore>, TlsError> {
        let mut certs = Vec::new();
        let mut errors = Vec::new();
        let mut add = |loaded: rustls_native_certs::CertificateResult| {
            certs.extend(loaded.certs);
            errors.extend(loaded.errors.iter().map(|e| e.to_string()));
        };
        add(rustls_native_certs::load_certs_from_paths(
            self.file.as_deref(),
            None,
        ));
        for dir in &self.dirs {
            add(rustls_native_certs::load_certs_from_paths(None, Some(dir)));
        }
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(certs);
        if roots.is_empty() {
            let detail = if errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", errors.join("; "))
            };
            return Err(TlsError::Setup(format!(
                "no trusted CA certificate found in the system store{detail}; install \
                 ca-certificates, set SSL_CERT_FILE, or set a CA file"
            )));
        }
        Ok(Arc::new(roots))
    }
}

/// The trust stores loaded so far, by where they were read from. Only successes are kept: a
/// store that could not be read is tried again at the next connection.
fn loaded_roots() -> std::sync::MutexGuard<'static, HashMap<TrustPaths, Arc<RootCertStore>>> {
    static ROOTS: OnceLock<Mutex<HashMap<TrustPaths, Arc<RootCertStore>>>> = OnceLock::new();
    ROOTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

fn system_roots_loaded(paths: &TrustPaths) -> bool {
    loaded_roots().contains_key(paths)
}

/// The system trust store read from `paths`, loaded once.
fn system_roots(paths: &TrustPaths) -> Result<Arc<RootCertStore>, TlsError> {
    if let Some(roots) = loaded_roots().get(paths) {
        return Ok(roots.clone());
    }
    // Read without the lock: two first connections may both read it, which is harmless.
    let roots = paths.load()?;
    loaded_roots().insert(paths.clone(), roots.clone());
    Ok(roots)
}

fn read(path: &Path) -> Result<Vec<u8>, SetupError> {
    std::fs::read(path).map_err(|e| setup_error(path, crate::error::io_reason(&e)))
}

fn pem_certificates(path: &Path, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| setup_error(path, format!("bad PEM: {e}")))
}

fn load_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    let certs = pem_certificates(path, &read(path)?)?;
    check_trust_anchors(path, certs)
}

fn load_ca_dir(path: &Path) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    let entries =
        std::fs::read_dir(path).map_err(|e| setup_error(path, crate::error::io_reason(&e)))?;
    let mut certs = Vec::new();
    for entry in entries.flatten() {
        let file = entry.path();
        if !file.is_file() {
            continue;
        }
        // Directories such as /etc/ssl/certs also hold other files: skip what is not PEM.
        if let Ok(pem) = std::fs::read(&file) {
            certs.extend(pem_certificates(&file, &pem).unwrap_or_default());
        }
    }
    certs.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
    certs.dedup();
    check_trust_anchors(path, certs)
}

/// At least one certificate, and every one usable as a trust anchor.
fn check_trust_anchors(
    path: &Path,
    certs: Vec<CertificateDer<'static>>,
) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    if certs.is_empty() {
        return Err(setup_error(path, "no PEM certificate found"));
    }
    let mut roots = RootCertStore::empty();
    let (_, ignored) = roots.add_parsable_certificates(certs.iter().cloned());
    if ignored > 0 {
        return Err(setup_error(
            path,
            format!("{ignored} certificate(s) cannot be parsed"),
        ));
    }
    Ok(certs)
}

fn load_identity(
    chain_path: &Path,
    key_path: &Path,
    password: Option<&[u8]>,
) -> Result<CertifiedKey, SetupError> {
    let chain = pem_certificates(chain_path, &read(chain_path)?)?;
    if chain.is_empty() {
        return Err(setup_error(chain_path, "no PEM certificate found"));
    }
    let key = load_private_key(key_path, password)?;
    CertifiedKey::from_der(chain, key, provider()).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => {
            setup_error(key_path, "the key does not belong to the certificate")
        }
        e => setup_error(key_path, format!("unusable private key: {e}")),
    })
}

const ENCRYPTED_KEY_LABEL: &str = "ENCRYPTED PRIVATE KEY";

fn load_private_key(
    path: &Path,
    password: Option<&[u8]>,
) -> Result<PrivateKeyDer<'static>, SetupError> {
    let pem = read(path)?;
    let text = String::from_utf8_lossy(&pem);
    if text.contains(&format!("-----BEGIN {ENCRYPTED_KEY_LABEL}-----")) {
        return decrypt_pkcs8(path, &text, password);
    }
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(setup_error(
            path,
            "legacy OpenSSL-encrypted PEM keys are not supported; convert the key with \
             `openssl pkcs8 -topk8`",
        ));
    }
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => setup_error(
            path,
            "no PEM private key found (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY or \
             ENCRYPTED PRIVATE KEY)",
        ),
        e => setup_error(path, format!("bad PEM: {e}")),
    })
}

/// An encrypted PKCS#8 key (RFC 5958 §3, PBES2 of RFC 8018), which rustls leaves to us.
fn decrypt_pkcs8(
    path: &Path,
    text: &str,
    password: Option<&[u8]>,
) -> Result<PrivateKeyDer<'static>, SetupError> {
    use pkcs8::der::Decode;
    let Some(password) = password else {
        return Err(setup_error(
            path,
            "the key is encrypted: a password is needed",
        ));
    };
    // The one PEM block, without whatever else the file holds (a certificate, comments).
    let begin = format!("-----BEGIN {ENCRYPTED_KEY_LABEL}-----");
    let end = format!("-----END {ENCRYPTED_KEY_LABEL}-----");
    let block = text
        .find(&begin)
        .and_then(|start| {
            text[start..]
                .find(&end)
                .map(|len| &text[start..start + len + end.len()])
        })
        .ok_or_else(|| setup_error(path, "unterminated PEM block"))?;
    let (label, der) = pkcs8::der::pem::decode_vec(block.as_bytes())
        .map_err(|e| setup_error(path, format!("bad PEM: {e}")))?;
    if label != ENCRYPTED_KEY_LABEL {
        return Err(setup_error(path, format!("unexpected PEM label {label}")));
    }
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der)
        .map_err(|e| setup_error(path, format!("bad encrypted key: {e}")))?;
    let plain = info.decrypt(password).map_err(|_| {
        setup_error(
            path,
            "cannot decrypt the key: wrong password or unsupported encryption (PBES2 with \
             PBKDF2 or scrypt and AES is supported)",
        )
    })?;
    Ok(PrivateKeyDer::Pkcs8(plain.as_bytes().to_vec().into()))
}

/// The host as rustls checks it: a DNS name, or an IP address checked against IP SANs.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(host.to_owned()).map_err(|_| TlsError::InvalidServerName(host.into()))
}

/// Skips verification of the server's certificate (explicitly asked for); the handshake
/// signatures are still checked, so the peer must hold the key of the certificate it sent.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The TLS failure carried by an I/O error from tokio-rustls, if it is one.
pub(crate) fn tls_failure(e: &io::Error) -> Option<TlsError> {
    let error = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(match error {
        rustls::Error::InvalidCertificate(e) => TlsError::Certificate(certificate_problem(e)),
        rustls::Error::AlertReceived(AlertDescription::CertificateRequired) => {
            TlsError::ClientCertificateRequired
        }
        rustls::Error::AlertReceived(
            alert @ (AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied),
        ) => TlsError::ClientCertificateRejected(format!("alert {alert:?}")),
        rustls::Error::AlertReceived(alert) => TlsError::Alert(format!("alert {alert:?}")),
        e => TlsError::Other(e.to_string()),
    })
}

fn certificate_problem(e: &CertificateError) -> CertificateProblem {
    match e {
        CertificateError::UnknownIssuer => CertificateProblem::UnknownIssuer,
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => CertificateProblem::NameMismatch {
            expected: expected.to_str().into_owned(),
            presented: presented.clone(),
        },
        CertificateError::NotValidForName => CertificateProblem::NameMismatch {
            expected: String::new(),
            presented: Vec::new(),
        },
        CertificateError::ExpiredContext { not_after, .. } => CertificateProblem::Expired {
            not_after: Some(not_after.as_secs()),
        },
        CertificateError::Expired => CertificateProblem::Expired { not_after: None },
        CertificateError::NotValidYetContext { not_before, .. } => {
            CertificateProblem::NotYetValid {
                not_before: Some(not_before.as_secs()),
            }
        }
        CertificateError::NotValidYet => CertificateProblem::NotYetValid { not_before: None },
        CertificateError::Revoked => CertificateProblem::Revoked,
        CertificateError::BadSignature => CertificateProblem::BadSignature,
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            CertificateProblem::WrongPurpose
        }
        other => CertificateProblem::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_errors_become_problems_a_person_can_act_on() {
        let wrap = |e: rustls::Error| io::Error::new(io::ErrorKind::InvalidData, e);
        let unknown = wrap(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ));
        assert_eq!(
            tls_failure(&unknown).unwrap().to_string(),
            "TLS certificate verify failed: certificate signed by unknown authority"
        );
        let required = wrap(rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired,
        ));
        assert_eq!(
            tls_failure(&required),
            Some(TlsError::ClientCertificateRequired)
        );
        let plain = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(tls_failure(&plain), None);
    }

    #[test]
    fn missing_and_empty_files_are_refused_with_their_name() {
        let mut options = TlsOptions::default();
        let missing = Path::new("/nonexistent/ca.pem");
        let error = options.set_ca_file(Some(missing)).unwrap_err();
        assert_eq!(error.path, missing);
        assert!(error.reason.contains("no such file"), "{error}");
        let empty = std::env::temp_dir().join(format!("nws-empty-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let error = options.set_ca_file(Some(&empty)).unwrap_err();
        assert!(error.reason.contains("no PEM certificate"), "{error}");
        let error = options
            .set_client_certificate(&empty, &empty, None)
            .unwrap_err();
        assert!(error.reason.contains("no PEM certificate"), "{error}");
        std::fs::remove_file(&empty).unwrap();
    }
}
