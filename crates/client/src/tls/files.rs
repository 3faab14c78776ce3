//! Reading what the TLS setters are given: CA certificates (a file, a directory) and a
//! client certificate with its key (PEM; encrypted PKCS#8 with a password). A bad file is
//! refused when it is set, with a [`SetupError`] that names it.
use super::{provider, SetupError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use rustls::RootCertStore;
use std::path::Path;

fn setup_error(path: &Path, reason: impl Into<String>) -> SetupError {
    SetupError {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

pub(super) fn read(path: &Path) -> Result<Vec<u8>, SetupError> {
    std::fs::read(path).map_err(|e| setup_error(path, crate::error::io_reason(&e)))
}

fn pem_certificates(path: &Path, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| setup_error(path, format!("bad PEM: {e}")))
}

pub(super) fn load_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    let certs = pem_certificates(path, &read(path)?)?;
    check_trust_anchors(path, certs)
}

pub(super) fn load_ca_dir(path: &Path) -> Result<Vec<CertificateDer<'static>>, SetupError> {
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

pub(super) fn load_identity(
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
