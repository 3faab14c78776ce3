//! TLS for `wss://` (SPEC §6) and for `https://` proxies: rustls with the ring provider,
//! server certificates verified by default against the system trust store (honouring
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` as the caller's environment had them at connect, see
//! [`TlsEnvironment`]; each store loaded once and kept, a failed load tried again at the next
//! connection), host names and IP addresses checked, SNI sent, ALPN `http/1.1` offered to the
//! server (none to a proxy), the NSS key log written when `SSLKEYLOGFILE` says where.
//!
//! [`TlsOptions`] holds what a caller may change: CA certificates instead of the system store
//! (for the server, and separately for an `https://` proxy), a client certificate, skipping
//! verification, public-key pins and the TLS versions. Files are read and checked when they
//! are set, so a bad file is refused there, with a [`SetupError`] that names it. The rustls
//! configurations built from the options are cached and shared by every connection that uses
//! them; TLS sessions are cached per trust configuration in the process, so reconnections and
//! other clients with the same settings resume.
pub use crate::error::{CertificateProblem, TlsError};
pub use pins::{PinMismatch, PinnedKeys};
pub use trust::{TlsEnvironment, TrustPaths};
pub use versions::{TlsVersion, VersionRange};

use key_log::KeyLogWriter;
use no_verification::NoVerification;
use resumption::Fingerprint;
use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{AlertDescription, CertificateError, ClientConfig, PeerIncompatible, RootCertStore};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

mod files;
mod key_log;
mod no_verification;
mod pins;
mod resumption;
mod trust;
mod versions;

/// TLS settings of a connection; `TlsOptions::default()` verifies against the system store.
#[derive(Clone, Debug)]
pub struct TlsOptions {
    ca_file: Option<Vec<CertificateDer<'static>>>,
    ca_dir: Option<Vec<CertificateDer<'static>>>,
    /// Trusted for an `https://` proxy instead of what the server is verified against.
    proxy_ca_file: Option<Vec<CertificateDer<'static>>>,
    identity: Option<Arc<CertifiedKey>>,
    verify: bool,
    pins: Option<PinnedKeys>,
    versions: VersionRange,
    /// The configurations built from the fields above, with what of the environment each
    /// was built for; dropped whenever a field changes. Shared by every connection made
    /// with these options.
    built: Arc<Mutex<Built>>,
}

/// Who a TLS connection is with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Peer {
    /// The WebSocket server (`wss://`).
    Server,
    /// An `https://` proxy.
    Proxy,
}

/// A configuration and the environment it was built for: the system trust paths (None when
/// it does not use the system store) and the key log.
type BuiltFor = (Option<TrustPaths>, Option<PathBuf>);

#[derive(Debug, Default)]
struct Built {
    server: Option<(BuiltFor, Arc<ClientConfig>)>,
    proxy: Option<(BuiltFor, Arc<ClientConfig>)>,
}

impl Built {
    fn slot(&mut self, peer: Peer) -> &mut Option<(BuiltFor, Arc<ClientConfig>)> {
        match peer {
            Peer::Server => &mut self.server,
            Peer::Proxy => &mut self.proxy,
        }
    }
}

/// Equal when every setting is: the configurations built from them are not compared, and a
/// client certificate equals only itself (the same loaded key, not the same file).
impl PartialEq for TlsOptions {
    fn eq(&self, other: &Self) -> bool {
        // Destructured so that a new field cannot be left out.
        let TlsOptions {
            ca_file,
            ca_dir,
            proxy_ca_file,
            identity,
            verify,
            pins,
            versions,
            built: _,
        } = self;
        *ca_file == other.ca_file
            && *ca_dir == other.ca_dir
            && *proxy_ca_file == other.proxy_ca_file
            && match (identity, &other.identity) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (a, b) => a.is_none() && b.is_none(),
            }
            && *verify == other.verify
            && *pins == other.pins
            && *versions == other.versions
    }
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            ca_file: None,
            ca_dir: None,
            proxy_ca_file: None,
            identity: None,
            verify: true,
            pins: None,
            versions: VersionRange::default(),
            built: Arc::default(),
        }
    }
}

/// A TLS setting that could not be applied: the file, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError {
    /// The file or directory given; empty for a setting that is not a file (a pin given as
    /// a hash, a version range).
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.as_os_str().is_empty() {
            return f.write_str(&self.reason);
        }
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}
impl std::error::Error for SetupError {}

impl TlsOptions {
    /// Trust the CA certificates (PEM) in `path` instead of the system store; `None` drops
    /// them. With a CA directory set too, both are trusted.
    pub fn set_ca_file(&mut self, path: Option<&Path>) -> Result<(), SetupError> {
        self.ca_file = path.map(files::load_ca_file).transpose()?;
        self.changed();
        Ok(())
    }

    /// Trust the CA certificates (PEM) in every file of the directory `path` instead of the
    /// system store; files without a certificate are skipped. `None` drops them.
    pub fn set_ca_dir(&mut self, path: Option<&Path>) -> Result<(), SetupError> {
        self.ca_dir = path.map(files::load_ca_dir).transpose()?;
        self.changed();
        Ok(())
    }

    /// Verify an `https://` proxy against the CA certificates (PEM) in `path` instead of
    /// what the server is verified against (the CA file and directory set here, else the
    /// system store). `None` drops them.
    pub fn set_proxy_ca_file(&mut self, path: Option<&Path>) -> Result<(), SetupError> {
        self.proxy_ca_file = path.map(files::load_ca_file).transpose()?;
        self.changed();
        Ok(())
    }

    /// Present this client certificate when the server asks for one: `chain` holds the
    /// certificate and any intermediates (PEM), `key` its private key (PEM: PKCS#8, PKCS#1
    /// RSA, SEC1 EC, or encrypted PKCS#8 with `password`). It is never presented to a proxy.
    pub fn set_client_certificate(
        &mut self,
        chain: &Path,
        key: &Path,
        password: Option<&[u8]>,
    ) -> Result<(), SetupError> {
        self.identity = Some(Arc::new(files::load_identity(chain, key, password)?));
        self.changed();
        Ok(())
    }

    /// Present no client certificate.
    pub fn clear_client_certificate(&mut self) {
        self.identity = None;
        self.changed();
    }

    /// `false` accepts any server certificate (the connection is then encrypted but not
    /// authenticated: anyone on the path can impersonate the server). Pins still apply; an
    /// `https://` proxy is always verified.
    pub fn set_verify(&mut self, verify: bool) {
        self.verify = verify;
        self.changed();
    }

    /// Pin the server's public key (curl's `CURLOPT_PINNEDPUBLICKEY`):
    /// `sha256//BASE64[;sha256//BASE64...]`, or the path of a PEM or DER public-key file
    /// (read now). After verification, and also when verification is skipped, the server's
    /// certificate must carry one of the keys. `None` drops the pins.
    pub fn set_pinned_public_key(&mut self, pins: Option<&str>) -> Result<(), SetupError> {
        self.pins = pins.map(PinnedKeys::parse).transpose()?;
        self.changed();
        Ok(())
    }

    /// Allow only TLS versions from `min` to `max` with the server (None: no bound).
    pub fn set_versions(
        &mut self,
        min: Option<TlsVersion>,
        max: Option<TlsVersion>,
    ) -> Result<(), SetupError> {
        self.versions = VersionRange::new(min, max).map_err(|reason| SetupError {
            path: PathBuf::new(),
            reason,
        })?;
        self.changed();
        Ok(())
    }

    /// The TLS versions allowed with the server.
    pub fn versions(&self) -> VersionRange {
        self.versions
    }

    fn changed(&mut self) {
        self.built = Arc::default();
    }

    /// The system trust paths a configuration for `peer` would read; None when it does not
    /// use the system store.
    fn system_store<'a>(&self, peer: Peer, trust: &'a TrustPaths) -> Option<&'a TrustPaths> {
        let own_cas = self.ca_file.is_some() || self.ca_dir.is_some();
        let uses = match peer {
            Peer::Server => self.verify && !own_cas,
            Peer::Proxy => self.proxy_ca_file.is_none() && !own_cas,
        };
        uses.then_some(trust)
    }

    fn built_for(&self, peer: Peer, environment: &TlsEnvironment) -> BuiltFor {
        (
            self.system_store(peer, &environment.trust).cloned(),
            environment.key_log.clone(),
        )
    }

    fn cached(&self, peer: Peer, key: &BuiltFor) -> Option<Arc<ClientConfig>> {
        let mut built = self.built.lock().unwrap_or_else(PoisonError::into_inner);
        match built.slot(peer) {
            Some((built_for, config)) if built_for == key => Some(config.clone()),
            _ => None,
        }
    }

    /// Whether [`TlsOptions::client_config`] returns without reading a trust store from disk.
    pub(crate) fn is_ready(&self, peer: Peer, environment: &TlsEnvironment) -> bool {
        let key = self.built_for(peer, environment);
        self.cached(peer, &key).is_some() || key.0.as_ref().is_none_or(trust::system_roots_loaded)
    }

    /// The fingerprint of the trust configuration for `peer` (see `resumption`).
    fn fingerprint_for(&self, peer: Peer, (system_store, _): &BuiltFor) -> [u8; 32] {
        let versions = match peer {
            Peer::Server => self.versions,
            Peer::Proxy => VersionRange::default(),
        };
        self.fingerprint(peer, system_store.as_ref(), versions)
    }

    /// The rustls configuration for a connection with `peer`, built on first use, with the
    /// environment's system store and key log. Reading a store from disk is slow: call it
    /// off the runtime's workers when not [`TlsOptions::is_ready`]. A failure is not kept:
    /// the next call tries again.
    pub(crate) fn client_config(
        &self,
        peer: Peer,
        environment: &TlsEnvironment,
    ) -> Result<Arc<ClientConfig>, TlsError> {
        let key = self.built_for(peer, environment);
        if let Some(config) = self.cached(peer, &key) {
            return Ok(config);
        }
        // Another client's, with the same trust configuration: its sessions resume here.
        let fingerprint = self.fingerprint_for(peer, &key);
        let config = match resumption::shared(fingerprint, &key.1) {
            Some(config) => config,
            None => resumption::share(fingerprint, &key.1, self.build(peer, &key)?),
        };
        *self
            .built
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .slot(peer) = Some((key, config.clone()));
        Ok(config)
    }

    /// The CAs `peer` is verified against: the system store's, or those set here.
    fn roots(
        &self,
        peer: Peer,
        system_store: Option<&TrustPaths>,
    ) -> Result<Arc<RootCertStore>, TlsError> {
        if let Some(paths) = system_store {
            return trust::system_roots(paths);
        }
        let mut roots = RootCertStore::empty();
        let certs = match (peer, &self.proxy_ca_file) {
            (Peer::Proxy, Some(proxy_cas)) => proxy_cas.clone(),
            _ => self
                .ca_file
                .iter()
                .chain(&self.ca_dir)
                .flatten()
                .cloned()
                .collect(),
        };
        roots.add_parsable_certificates(certs);
        Ok(Arc::new(roots))
    }

    fn build(
        &self,
        peer: Peer,
        (system_store, key_log): &BuiltFor,
    ) -> Result<Arc<ClientConfig>, TlsError> {
        let provider = provider();
        let setup = |e: rustls::Error| TlsError::Setup(e.to_string());
        let verified = |roots| {
            WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| TlsError::Setup(e.to_string()))
        };
        let (verifier, versions): (Arc<dyn ServerCertVerifier>, _) = match peer {
            Peer::Proxy => (
                verified(self.roots(peer, system_store.as_ref())?)?,
                VersionRange::default(),
            ),
            Peer::Server => {
                let verifier: Arc<dyn ServerCertVerifier> = if self.verify {
                    verified(self.roots(peer, system_store.as_ref())?)?
                } else {
                    Arc::new(NoVerification(provider.clone()))
                };
                let verifier: Arc<dyn ServerCertVerifier> = match &self.pins {
                    Some(pins) => Arc::new(pins::PinningVerifier {
                        inner: verifier,
                        pins: pins.clone(),
                    }),
                    None => verifier,
                };
                (verifier, self.versions)
            }
        };
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions.rustls())
            .map_err(setup)?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match (&self.identity, peer) {
            (Some(identity), Peer::Server) => builder.with_client_cert_resolver(Arc::new(
                SingleCertAndKey::from(identity.as_ref().clone()),
            )),
            _ => builder.with_no_client_auth(),
        };
        if peer == Peer::Server {
            // RFC 6455 runs over HTTP/1.1; say so to servers that also speak h2 (RFC 7301),
            // and to TLS front ends that refuse a ClientHello without ALPN. A proxy gets
            // none: CONNECT is not a protocol ALPN names.
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
        }
        if let Some(path) = key_log {
            config.key_log = KeyLogWriter::for_path(path);
        }
        Ok(Arc::new(config))
    }

    /// What decides whether a session may be resumed by a connection with `peer` (see
    /// `resumption`): who it is with, how it is verified, the client certificate, the
    /// versions (and so everything a configuration is built from, but the key log).
    fn fingerprint(
        &self,
        peer: Peer,
        system_store: Option<&TrustPaths>,
        versions: VersionRange,
    ) -> [u8; 32] {
        let mut fingerprint = Fingerprint::default();
        fingerprint.part(format!("{peer:?} {versions:?}").as_bytes());
        let verify = peer == Peer::Proxy || self.verify;
        fingerprint.part(&[u8::from(verify)]);
        if verify {
            match system_store {
                Some(paths) => {
                    fingerprint.part(format!("system store {paths:?}").as_bytes());
                }
                None => {
                    let cas = match (peer, &self.proxy_ca_file) {
                        (Peer::Proxy, Some(cas)) => cas.iter().collect::<Vec<_>>(),
                        _ => self.ca_file.iter().chain(&self.ca_dir).flatten().collect(),
                    };
                    for ca in cas {
                        fingerprint.part(ca.as_ref());
                    }
                }
            }
        }
        if peer == Peer::Server {
            fingerprint.part(format!("{:?}", self.pins).as_bytes());
            for cert in self.identity.iter().flat_map(|identity| &identity.cert) {
                fingerprint.part(cert.as_ref());
            }
        }
        fingerprint.finish()
    }
}

fn provider() -> &'static Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// The host as rustls checks it: a DNS name, or an IP address checked against IP SANs.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(host.to_owned()).map_err(|_| TlsError::InvalidServerName(host.into()))
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
        rustls::Error::AlertReceived(AlertDescription::ProtocolVersion) => {
            TlsError::NoCommonVersion {
                offered: String::new(),
                detail: "the server sent alert ProtocolVersion".to_string(),
            }
        }
        rustls::Error::PeerIncompatible(
            why @ (PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled),
        ) => TlsError::NoCommonVersion {
            offered: String::new(),
            detail: format!("{why:?}"),
        },
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
        CertificateError::Other(other) => match other.0.downcast_ref::<PinMismatch>() {
            Some(mismatch) => CertificateProblem::PinMismatch(mismatch.clone()),
            None => CertificateProblem::Other(other.to_string()),
        },
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
        let version = wrap(rustls::Error::AlertReceived(
            AlertDescription::ProtocolVersion,
        ));
        let offered = VersionRange::new(Some(TlsVersion::Tls13), None).unwrap();
        assert_eq!(
            tls_failure(&version).unwrap().offering(offered).to_string(),
            "TLS handshake failed: no TLS version in common with the server: we offer TLS \
             1.3 only (the server sent alert ProtocolVersion)"
        );
        let mismatch = PinMismatch {
            presented: "sha256//a".into(),
            pinned: vec!["sha256//b".into()],
        };
        let pinned = wrap(rustls::Error::InvalidCertificate(CertificateError::Other(
            rustls::OtherError(Arc::new(mismatch)),
        )));
        assert_eq!(
            tls_failure(&pinned).unwrap().to_string(),
            "TLS certificate verify failed: public key pin mismatch: the server's key is \
             sha256//a, the pinned key is sha256//b"
        );
    }

    #[test]
    fn settings_that_are_not_files_say_why_alone() {
        let mut options = TlsOptions::default();
        let error = options
            .set_versions(Some(TlsVersion::Tls13), Some(TlsVersion::Tls12))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the minimum TLS version (TLS 1.3) is above the maximum (TLS 1.2)"
        );
        assert!(options.set_pinned_public_key(Some("sha256//x")).is_err());
        assert_eq!(options.versions(), VersionRange::default());
    }

    /// The session cache is shared by equal settings and by nothing else.
    #[test]
    fn equal_trust_configurations_share_a_fingerprint() {
        let trust = TrustPaths::from_environment();
        let a = TlsOptions::default();
        let b = TlsOptions::default();
        let print =
            |o: &TlsOptions, peer| o.fingerprint(peer, o.system_store(peer, &trust), o.versions);
        assert_eq!(print(&a, Peer::Server), print(&b, Peer::Server));
        assert_ne!(print(&a, Peer::Server), print(&a, Peer::Proxy));
        let mut unverified = TlsOptions::default();
        unverified.set_verify(false);
        assert_ne!(print(&a, Peer::Server), print(&unverified, Peer::Server));
        let mut pinned = TlsOptions::default();
        let pin = format!("sha256//{}", "A".repeat(43) + "=");
        pinned.set_pinned_public_key(Some(&pin)).unwrap();
        assert_ne!(print(&a, Peer::Server), print(&pinned, Peer::Server));
        // Pins concern the server only.
        assert_eq!(print(&a, Peer::Proxy), print(&pinned, Peer::Proxy));
        let mut modern = TlsOptions::default();
        modern.set_versions(Some(TlsVersion::Tls13), None).unwrap();
        assert_ne!(print(&a, Peer::Server), print(&modern, Peer::Server));
    }

    /// Options compare by their settings: the same CA file read twice is equal, and what was
    /// built from them does not count; a client certificate equals only itself.
    #[test]
    fn settings_compare_by_value() {
        let dir = std::env::temp_dir().join(format!("nws-tls-eq-{}", std::process::id()));
        net_websocket_tools::pki::TestPki::generate()
            .unwrap()
            .write_to(&dir)
            .unwrap();
        let with_ca = |file: &str| {
            let mut options = TlsOptions::default();
            options.set_ca_file(Some(&dir.join(file))).unwrap();
            options
        };
        let a = with_ca("ca.pem");
        let b = with_ca("ca.pem");
        assert_eq!(a, b);
        a.client_config(Peer::Server, &TlsEnvironment::capture())
            .unwrap();
        assert_eq!(a, b, "what was built from one of them must not count");
        assert_ne!(a, with_ca("self-signed.pem"));
        let mut unverified = with_ca("ca.pem");
        unverified.set_verify(false);
        assert_ne!(a, unverified);
        let with_identity = || {
            let mut options = with_ca("ca.pem");
            let file = |name: &str| dir.join(name);
            options
                .set_client_certificate(&file("client.pem"), &file("client-key.pem"), None)
                .unwrap();
            options
        };
        let identified = with_identity();
        assert_eq!(identified, identified.clone());
        assert_ne!(identified, with_identity());
        assert_ne!(identified, a);
        std::fs::remove_dir_all(&dir).unwrap();
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
