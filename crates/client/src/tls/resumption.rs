//! TLS session resumption across connections and clients: one session cache per trust
//! configuration in the process, so that a reconnection, or another client with the same
//! settings, resumes (TLS 1.3 tickets, TLS 1.2 session IDs) instead of a full handshake.
//!
//! Per trust configuration, because a resumed session skips the certificate check: a session
//! made with verification off, other CAs, other pins or another client certificate must
//! never serve a connection whose settings would not have accepted it. The configuration is
//! known by a SHA-256 fingerprint of everything that decides that (see
//! [`super::TlsOptions`]).
use rustls::client::{ClientSessionMemoryCache, ClientSessionStore};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Sessions kept per configuration (rustls' default for one `ClientConfig`: 32 servers with
/// up to 8 TLS 1.3 tickets each).
const SESSIONS_PER_CONFIGURATION: usize = 256;

/// Configurations remembered; beyond that the cache starts over (a process with this many
/// trust configurations at once is not one that resumption is for).
const MAX_CONFIGURATIONS: usize = 64;

/// The session store of the trust configuration with this fingerprint.
pub(super) fn store_for(fingerprint: [u8; 32]) -> Arc<dyn ClientSessionStore> {
    static STORES: OnceLock<Mutex<HashMap<[u8; 32], Arc<ClientSessionMemoryCache>>>> =
        OnceLock::new();
    let mut stores = STORES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if !stores.contains_key(&fingerprint) && stores.len() >= MAX_CONFIGURATIONS {
        stores.clear();
    }
    stores
        .entry(fingerprint)
        .or_insert_with(|| Arc::new(ClientSessionMemoryCache::new(SESSIONS_PER_CONFIGURATION)))
        .clone()
}

/// Builds a fingerprint from the parts of a configuration, each length-prefixed so that no
/// two different lists of parts give the same input.
#[derive(Default)]
pub(super) struct Fingerprint(sha2::Sha256);

impl Fingerprint {
    pub(super) fn part(&mut self, bytes: &[u8]) -> &mut Self {
        use sha2::Digest;
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
        self
    }

    pub(super) fn finish(self) -> [u8; 32] {
        use sha2::Digest;
        self.0.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_store_per_fingerprint() {
        let mut a = Fingerprint::default();
        a.part(b"ab").part(b"c");
        let mut b = Fingerprint::default();
        b.part(b"a").part(b"bc");
        let (a, b) = (a.finish(), b.finish());
        assert_ne!(a, b);
        assert!(Arc::ptr_eq(&store_for(a), &store_for(a)));
        assert!(!Arc::ptr_eq(&store_for(a), &store_for(b)));
    }
}
