//! The client key in the two other encodings a client may be given: SEC1 and encrypted
//! PKCS#8.
use super::PkiError;
use pkcs8::der::asn1::{Any, AnyRef, ContextSpecific, ObjectIdentifier};
use pkcs8::der::{Decode, Encode, Reader, Tag, TagMode, TagNumber, Tagged};
use pkcs8::pkcs5::pbes2;
use pkcs8::{LineEnding, PrivateKeyInfoRef};

/// The password of `client-key-encrypted.pem`.
pub const ENCRYPTED_KEY_PASSWORD: &str = "test-password";

/// `openssl pkcs8 -topk8`'s default PBKDF2 iteration count (PKCS5_DEFAULT_ITER).
const PBKDF2_ITERATIONS: u32 = 2048;

/// The SEC1 `EC PRIVATE KEY` PEM of a PKCS#8 EC key: the PKCS#8 privateKey octets are the
/// ECPrivateKey (RFC 5915 §3); ring leaves its `parameters` out (the PKCS#8 algorithm names
/// the curve), so we add the curve from the PKCS#8 algorithm for parsers that need it.
pub(super) fn sec1_pem(pkcs8_der: &[u8]) -> Result<String, pkcs8::Error> {
    let info = PrivateKeyInfoRef::try_from(pkcs8_der)?;
    let curve: ObjectIdentifier = info
        .algorithm
        .parameters
        .ok_or(pkcs8::Error::ParametersMalformed)?
        .decode_as()?;
    let der = with_curve(info.private_key.as_bytes(), curve)?;
    let pem = pkcs8::der::pem::encode_string("EC PRIVATE KEY", LineEnding::LF, &der)
        .map_err(pkcs8::der::Error::from)?;
    Ok(pem)
}

/// `ec_private_key` (an ECPrivateKey DER) with `parameters [0] curve` after `privateKey`,
/// unless it already has parameters.
pub(super) fn with_curve(
    ec_private_key: &[u8],
    curve: ObjectIdentifier,
) -> Result<Vec<u8>, pkcs8::Error> {
    // ECPrivateKey ::= SEQUENCE { version, privateKey, parameters [0] OPTIONAL,
    //                             publicKey [1] OPTIONAL }
    let fields: Vec<AnyRef<'_>> = AnyRef::from_der(ec_private_key)?.sequence(|reader| {
        let mut fields = Vec::new();
        while !reader.is_finished() {
            fields.push(reader.decode::<AnyRef<'_>>()?);
        }
        Ok::<_, pkcs8::der::Error>(fields)
    })?;
    let parameters_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    if fields.len() < 2 || fields.iter().any(|f| f.tag() == parameters_tag) {
        return Ok(ec_private_key.to_vec());
    }
    let parameters = ContextSpecific {
        tag_number: TagNumber(0),
        tag_mode: TagMode::Explicit,
        value: curve,
    };
    let mut content = Vec::with_capacity(ec_private_key.len() + 16);
    for field in &fields[..2] {
        field.encode_to_vec(&mut content)?;
    }
    parameters.encode_to_vec(&mut content)?;
    for field in &fields[2..] {
        field.encode_to_vec(&mut content)?;
    }
    Ok(Any::new(Tag::Sequence, content)?.to_der()?)
}

/// The `ENCRYPTED PRIVATE KEY` PEM of a PKCS#8 key: PBES2 with PBKDF2-HMAC-SHA256 and
/// AES-256-CBC, a random salt and IV, password [`ENCRYPTED_KEY_PASSWORD`].
pub(super) fn encrypted_pem(pkcs8_der: &[u8]) -> Result<String, PkiError> {
    let random = rustls::crypto::ring::default_provider().secure_random;
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    random.fill(&mut salt).map_err(|_| PkiError::Random)?;
    random.fill(&mut iv).map_err(|_| PkiError::Random)?;
    let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, iv)
        .map_err(pkcs8::Error::from)?;
    let encrypted = PrivateKeyInfoRef::try_from(pkcs8_der)?
        .encrypt_with_params(params, ENCRYPTED_KEY_PASSWORD)?;
    let pem = encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .map_err(pkcs8::Error::from)?;
    Ok(pem.to_string())
}
