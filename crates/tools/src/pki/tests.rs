//! The PKI checked the way clients will use it: rustls' verifiers against `ca.pem`, ring's
//! key loader, pkcs8's decryption.
use super::*;
use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, Error, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer, ServerName, UnixTime,
};
use std::sync::{Arc, OnceLock};

/// One PKI for every test here: key generation is the slow part.
fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate().expect("test PKI"))
}

fn cert(path: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pki().pem(path).unwrap().as_bytes()).unwrap()
}

fn roots(path: &str) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.add(cert(path)).unwrap();
    Arc::new(roots)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn verify_server(path: &str, name: &str) -> Result<(), Error> {
    let verifier = WebPkiServerVerifier::builder_with_provider(roots("ca.pem"), provider())
        .build()
        .unwrap();
    let name = ServerName::try_from(name.to_string()).unwrap();
    verifier
        .verify_server_cert(&cert(path), &[], &name, &[], UnixTime::now())
        .map(|_| ())
}

fn verify_client(ca: &str) -> Result<(), Error> {
    let verifier = WebPkiClientVerifier::builder_with_provider(roots(ca), provider())
        .build()
        .unwrap();
    verifier
        .verify_client_cert(&cert("client.pem"), &[], UnixTime::now())
        .map(|_| ())
}

#[test]
fn every_file_of_the_module_doc_is_there() {
    let paths: Vec<_> = pki().paths().collect();
    assert_eq!(
        paths,
        [
            "ca.pem",
            "ca-key.pem",
            "other-ca.pem",
            "other-server.pem",
            "other-server-key.pem",
            "server.pem",
            "server-key.pem",
            "wrong-name.pem",
            "wrong-name-key.pem",
            "expired.pem",
            "expired-key.pem",
            "client.pem",
            "client-key.pem",
            "client-key-sec1.pem",
            "client-key-encrypted.pem",
            "ca-dir/test-ca.pem",
            "self-signed.pem",
            "self-signed-key.pem",
            "server-pubkey.pem",
            "server.pin",
            "self-signed.pin",
        ]
    );
    assert_eq!(pki().pem("ca-dir/test-ca.pem"), pki().pem("ca.pem"));
}

#[test]
fn the_other_ca_signs_a_server_the_test_ca_does_not_trust() {
    let result = verify_server("other-server.pem", "localhost");
    assert!(
        matches!(
            result,
            Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
        ),
        "{result:?}"
    );
}

/// A pin is the hash of the certificate's own key, as a client computes it from the leaf.
#[test]
fn pins_hash_the_certificates_key() {
    use sha2::{Digest, Sha256};
    for (certificate, pin_file) in [
        ("server.pem", "server.pin"),
        ("self-signed.pem", "self-signed.pin"),
    ] {
        let der = cert(certificate);
        let parsed = rustls::server::ParsedCertificate::try_from(&der).unwrap();
        let hash = Sha256::digest(parsed.subject_public_key_info().as_ref());
        let expected = format!("sha256//{}\n", BASE64.encode(hash));
        assert_eq!(
            pki().pem(pin_file),
            Some(expected.as_str()),
            "{certificate}"
        );
    }
    let pubkey = rustls_pki_types::SubjectPublicKeyInfoDer::from_pem_slice(
        pki().pem("server-pubkey.pem").unwrap().as_bytes(),
    )
    .unwrap();
    let parsed_server = cert("server.pem");
    let parsed = rustls::server::ParsedCertificate::try_from(&parsed_server).unwrap();
    assert_eq!(parsed.subject_public_key_info().as_ref(), pubkey.as_ref());
}

#[test]
fn server_cert_is_valid_for_localhost_and_both_loopback_addresses() {
    for name in ["localhost", "127.0.0.1", "::1"] {
        assert_eq!(verify_server("server.pem", name), Ok(()), "{name}");
    }
}

#[test]
fn wrong_name_cert_fails_with_a_name_error() {
    let result = verify_server("wrong-name.pem", "localhost");
    assert!(
        matches!(
            result,
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{result:?}"
    );
    assert_eq!(verify_server("wrong-name.pem", "other.example"), Ok(()));
}

#[test]
fn expired_cert_fails_as_expired() {
    let result = verify_server("expired.pem", "localhost");
    assert!(
        matches!(
            result,
            Err(Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            ))
        ),
        "{result:?}"
    );
}

#[test]
fn client_cert_chains_to_the_ca_and_not_to_the_other_ca() {
    assert_eq!(verify_client("ca.pem"), Ok(()));
    let result = verify_client("other-ca.pem");
    assert!(
        matches!(
            result,
            Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
        ),
        "{result:?}"
    );
}

fn client_pkcs8() -> PrivatePkcs8KeyDer<'static> {
    PrivatePkcs8KeyDer::from_pem_slice(pki().pem("client-key.pem").unwrap().as_bytes()).unwrap()
}

#[test]
fn encrypted_client_key_decrypts_to_the_pkcs8_key_with_openssl_default_parameters() {
    let (label, document) =
        pkcs8::der::Document::from_pem(pki().pem("client-key-encrypted.pem").unwrap()).unwrap();
    assert_eq!(label, "ENCRYPTED PRIVATE KEY");
    let encrypted = pkcs8::EncryptedPrivateKeyInfoRef::try_from(document.as_bytes()).unwrap();
    let pbes2 = encrypted.encryption_algorithm.pbes2().expect("PBES2");
    let pbkdf2 = pbes2.kdf.pbkdf2().expect("PBKDF2");
    assert_eq!(pbkdf2.prf, pkcs8::pkcs5::pbes2::Pbkdf2Prf::HmacWithSha256);
    assert!(matches!(
        pbes2.encryption,
        pkcs8::pkcs5::pbes2::EncryptionScheme::Aes256Cbc { .. }
    ));
    let decrypted = encrypted.decrypt(ENCRYPTED_KEY_PASSWORD).unwrap();
    assert_eq!(decrypted.as_bytes(), client_pkcs8().secret_pkcs8_der());
    assert!(encrypted.decrypt("wrong-password").is_err());
}

#[test]
fn sec1_client_key_names_its_curve_and_loads_as_the_same_key() {
    let pem = pki().pem("client-key-sec1.pem").unwrap();
    assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{pem}");
    let sec1 = PrivateSec1KeyDer::from_pem_slice(pem.as_bytes()).unwrap();
    // parameters [0] { OID 1.2.840.10045.3.1.7 (prime256v1) }
    let named_curve = [
        0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ];
    let der = sec1.secret_sec1_der();
    assert!(der.windows(named_curve.len()).any(|w| w == named_curve));
    let from_sec1 =
        rustls::crypto::ring::sign::any_supported_type(&PrivateKeyDer::Sec1(sec1)).unwrap();
    let from_pkcs8 =
        rustls::crypto::ring::sign::any_supported_type(&PrivateKeyDer::Pkcs8(client_pkcs8()))
            .unwrap();
    assert_eq!(from_sec1.public_key(), from_pkcs8.public_key());
    assert!(from_sec1.public_key().is_some());
}

#[test]
fn sec1_already_naming_its_curve_is_left_alone() {
    let der = client_pkcs8();
    let info = pkcs8::PrivateKeyInfoRef::try_from(der.secret_pkcs8_der()).unwrap();
    let curve = info.algorithm.parameters.unwrap().decode_as().unwrap();
    let once = client_key::with_curve(info.private_key.as_bytes(), curve).unwrap();
    assert_ne!(once, info.private_key.as_bytes());
    assert_eq!(client_key::with_curve(&once, curve).unwrap(), once);
}

#[test]
fn write_to_creates_the_directory_and_every_file() {
    let dir = std::env::temp_dir().join(format!("ws-test-pki-unit-{}", std::process::id()));
    pki().write_to(&dir).unwrap();
    for path in pki().paths() {
        let written = std::fs::read_to_string(dir.join(path)).unwrap();
        assert_eq!(Some(written.as_str()), pki().pem(path), "{path}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
