//! TLS for the test servers: a rustls server configuration (ring provider, TLS 1.2 and 1.3,
//! or one of them) from PEM files, optionally requiring a client certificate, with session
//! resumption (tickets for TLS 1.3, session IDs for TLS 1.2) or without.
use rustls::server::{VerifierBuilderError, WebPkiClientVerifier};
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// Where the server's certificate, key and (optionally) client CA are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC).
    pub key: PathBuf,
    /// With it, a client must present a certificate that chains to one of these CAs.
    pub client_ca: Option<PathBuf>,
}

/// Why the TLS configuration could not be built.
#[derive(Debug)]
pub enum TlsSetupError {
    /// A file could not be read or parsed as PEM.
    Pem { path: PathBuf, error: pem::Error },
    /// A certificate file without a `CERTIFICATE` section.
    NoCertificate(PathBuf),
    /// A key file without an unencrypted PKCS#8, PKCS#1 or SEC1 key.
    NoKey(PathBuf),
    /// A client CA file whose certificate the trust store refuses.
    BadCa { path: PathBuf, error: rustls::Error },
    /// The client verifier could not be built (e.g. an empty CA file).
    ClientVerifier(VerifierBuilderError),
    /// rustls refused the certificate and key (e.g. they do not match).
    Rustls(rustls::Error),
}

impl fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsSetupError::Pem { path, error } => write!(f, "{}: {error}", path.display()),
            TlsSetupError::NoCertificate(path) => {
                write!(f, "{}: no CERTIFICATE in this PEM file", path.display())
            }
            TlsSetupError::NoKey(path) => write!(
                f,
                "{}: no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY in this PEM file \
                 (an encrypted key will not do)",
                path.display()
            ),
            TlsSetupError::BadCa { path, error } => write!(f, "{}: {error}", path.display()),
            TlsSetupError::ClientVerifier(e) => write!(f, "client CA: {e}"),
            TlsSetupError::Rustls(e) => write!(f, "certificate and key: {e}"),
        }
    }
}

impl std::error::Error for TlsSetupError {}

/// How a test server speaks TLS beyond its files.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// The versions it accepts (TLS 1.3 and 1.2 by default).
    pub versions: Vec<&'static rustls::SupportedProtocolVersion>,
    /// Whether clients may resume sessions (on by default, as rustls has it).
    pub resumption: bool,
}

impl Default for ServerTls {
    fn default() -> Self {
        ServerTls {
            versions: vec![&rustls::version::TLS13, &rustls::version::TLS12],
            resumption: true,
        }
    }
}

impl ServerTls {
    /// `1.2`, `1.3` or `1.2,1.3`: the versions of `--tls-versions`.
    pub fn parse_versions(
        list: &str,
    ) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, String> {
        list.split(',')
            .map(|v| match v.trim() {
                "1.2" => Ok(&rustls::version::TLS12),
                "1.3" => Ok(&rustls::version::TLS13),
                other => Err(format!("unknown TLS version {other:?} (1.2 or 1.3)")),
            })
            .collect()
    }
}

/// The server configuration for `files`, with both versions and resumption.
pub fn server_config(files: &TlsFiles) -> Result<ServerConfig, TlsSetupError> {
    server_config_with(files, &ServerTls::default())
}

/// The server configuration for `files`, as `how` says.
pub fn server_config_with(
    files: &TlsFiles,
    how: &ServerTls,
) -> Result<ServerConfig, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = certificates(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|error| match error {
        pem::Error::NoItemsFound => TlsSetupError::NoKey(files.key.clone()),
        error => TlsSetupError::Pem {
            path: files.key.clone(),
            error,
        },
    })?;
    let client_verifier = match &files.client_ca {
        None => WebPkiClientVerifier::no_client_auth(),
        Some(path) => {
            let roots = root_store(path)?;
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(TlsSetupError::ClientVerifier)?
        }
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&how.versions)
        .and_then(|builder| {
            builder
                .with_client_cert_verifier(client_verifier)
                .with_single_cert(certs, key)
        })
        .map_err(TlsSetupError::Rustls)?;
    if !how.resumption {
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
    }
    Ok(config)
}

/// A tokio acceptor for `files` (see [`server_config`]).
pub fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, TlsSetupError> {
    acceptor_with(files, &ServerTls::default())
}

/// A tokio acceptor for `files`, as `how` says.
pub fn acceptor_with(files: &TlsFiles, how: &ServerTls) -> Result<TlsAcceptor, TlsSetupError> {
    Ok(TlsAcceptor::from(Arc::new(server_config_with(files, how)?)))
}

/// Every certificate in a PEM file; none is an error.
pub fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let pem_error = |error| TlsSetupError::Pem {
        path: path.to_path_buf(),
        error,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(pem_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_error)?;
    if certs.is_empty() {
        return Err(TlsSetupError::NoCertificate(path.to_path_buf()));
    }
    Ok(certs)
}

/// A trust store holding every certificate of a PEM file.
pub fn root_store(path: &Path) -> Result<RootCertStore, TlsSetupError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(path)? {
        roots.add(cert).map_err(|error| TlsSetupError::BadCa {
            path: path.to_path_buf(),
            error,
        })?;
    }
    Ok(roots)
}
