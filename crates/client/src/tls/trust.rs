//! The system trust store and the rest of what a connection's TLS takes from the caller's
//! environment, read on the caller's thread at connect.
use super::TlsError;
use rustls::RootCertStore;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// What TLS takes from the environment at connect: where the system trust store is
/// (`SSL_CERT_FILE`, `SSL_CERT_DIR`) and where to write the key log (`SSLKEYLOGFILE`).
///
/// [`TlsEnvironment::capture`] reads the environment, and must be called on the caller's
/// thread (at connect, as the proxy variables are read): a C program may call `setenv` on its
/// own threads, and reading the environment on a library thread meanwhile is undefined
/// behaviour in libc.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TlsEnvironment {
    /// The system trust store's files.
    pub trust: TrustPaths,
    /// `SSLKEYLOGFILE`: where the secrets of every TLS connection are appended (NSS key log
    /// format); None when unset or empty.
    pub key_log: Option<PathBuf>,
}

impl TlsEnvironment {
    /// The variables as they are now.
    pub fn capture() -> TlsEnvironment {
        TlsEnvironment {
            trust: TrustPaths::from_environment(),
            key_log: std::env::var_os("SSLKEYLOGFILE")
                .filter(|f| !f.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// Where the system trust store is read from: `SSL_CERT_FILE` and `SSL_CERT_DIR` (a list
/// separated by `:`) when either is set, else the platform's usual places.
///
/// [`TrustPaths::from_environment`] reads the environment, and must be called on the
/// caller's thread (at connect, as the proxy variables are read): a C program may call
/// `setenv` on its own threads, and reading the environment on a library thread meanwhile is
/// undefined behaviour in libc.
///
/// Shared: every connection captures it and keeps it for its life, so equal paths are one
/// allocation (the platform's places, or the variables' as long as they do not change).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrustPaths(Arc<Paths>);

#[derive(Debug, PartialEq, Eq, Hash)]
struct Paths {
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
            return TrustPaths::from_variables(Paths { file, dirs });
        }
        static PLATFORM: OnceLock<TrustPaths> = OnceLock::new();
        PLATFORM
            .get_or_init(|| {
                // Reads the same two variables (unset, as just seen), then looks for the usual
                // bundle files and directories.
                let probed = openssl_probe::probe();
                TrustPaths(Arc::new(Paths {
                    file: probed.cert_file,
                    dirs: probed.cert_dir,
                }))
            })
            .clone()
    }

    /// The paths the variables name, shared with the connections before that saw the same.
    fn from_variables(paths: Paths) -> TrustPaths {
        static LAST: Mutex<Option<TrustPaths>> = Mutex::new(None);
        TrustPaths::shared(&LAST, paths)
    }

    /// `paths`, as the one in `last` when equal, else as the new `last`.
    fn shared(last: &Mutex<Option<TrustPaths>>, paths: Paths) -> TrustPaths {
        let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
        match &*last {
            Some(seen) if *seen.0 == paths => seen.clone(),
            _ => last.insert(TrustPaths(Arc::new(paths))).clone(),
        }
    }

    fn load(&self) -> Result<Arc<RootCertStore>, TlsError> {
        let mut certs = Vec::new();
        let mut errors = Vec::new();
        let mut add = |loaded: rustls_native_certs::CertificateResult| {
            certs.extend(loaded.certs);
            errors.extend(loaded.errors.iter().map(|e| e.to_string()));
        };
        add(rustls_native_certs::load_certs_from_paths(
            self.0.file.as_deref(),
            None,
        ));
        for dir in &self.0.dirs {
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

pub(super) fn system_roots_loaded(paths: &TrustPaths) -> bool {
    loaded_roots().contains_key(paths)
}

/// The system trust store read from `paths`, loaded once.
pub(super) fn system_roots(paths: &TrustPaths) -> Result<Arc<RootCertStore>, TlsError> {
    if let Some(roots) = loaded_roots().get(paths) {
        return Ok(roots.clone());
    }
    // Read without the lock: two first connections may both read it, which is harmless.
    let roots = paths.load()?;
    loaded_roots().insert(paths.clone(), roots.clone());
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Connections made while the variables stay the same keep one copy of their paths.
    #[test]
    fn equal_paths_from_the_variables_are_one_allocation() {
        let last = Mutex::new(None);
        let paths = |file: &str| Paths {
            file: Some(PathBuf::from(file)),
            dirs: vec![PathBuf::from("/etc/ssl/certs")],
        };
        let a = TrustPaths::shared(&last, paths("/a.pem"));
        let again = TrustPaths::shared(&last, paths("/a.pem"));
        assert!(Arc::ptr_eq(&a.0, &again.0));
        let b = TrustPaths::shared(&last, paths("/b.pem"));
        assert_eq!(b.0.file, Some(PathBuf::from("/b.pem")));
        assert!(!Arc::ptr_eq(&a.0, &b.0));
        let b_again = TrustPaths::shared(&last, paths("/b.pem"));
        assert!(Arc::ptr_eq(&b.0, &b_again.0));
    }
}
