//! TLS session resumption across connections and clients: one rustls configuration, and so
//! one session cache, per trust configuration in the process, so that a reconnection, or
//! another client with the same settings, resumes (TLS 1.3 tickets, TLS 1.2 session IDs)
//! instead of making a full handshake.
//!
//! Per trust configuration, because a resumed session skips the certificate check: a session
//! made with verification off, other CAs, other pins or another client certificate must
//! never serve a connection whose settings would not have accepted it. The configuration is
//! known by a SHA-256 fingerprint of everything that decides that (see
//! [`super::TlsOptions`]). One configuration, not only one session store: rustls resumes a
//! session only with the very verifier and client-certificate resolver it was made with
//! (compared by address), which a configuration built again would not have.
use rustls::ClientConfig;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Configurations remembered; beyond that the cache starts over (a process with this many
/// trust configurations at once is not one that resumption is for).
const MAX_CONFIGURATIONS: usize = 64;

/// A configuration's fingerprint and the key log it writes (which changes the configuration,
/// not what it trusts).
type Key = ([u8; 32], Option<PathBuf>);

fn configurations() -> std::sync::MutexGuard<'static, HashMap<Key, Arc<ClientConfig>>> {
    static CONFIGURATIONS: OnceLock<Mutex<HashMap<Key, Arc<ClientConfig>>>> = OnceLock::new();
    CONFIGURATIONS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// The process's configuration for `fingerprint` and `key_log`, if one was built.
pub(super) fn shared(
    fingerprint: [u8; 32],
    key_log: &Option<PathBuf>,
) -> Option<Arc<ClientConfig>> {
    configurations()
        .get(&(fingerprint, key_log.clone()))
        .cloned()
}

/// The process's configuration for `fingerprint` and `key_log`: the one already there, else
/// `built`, which every later connection with the same trust configuration shares.
pub(super) fn share(
    fingerprint: [u8; 32],
    key_log: &Option<PathBuf>,
    built: Arc<ClientConfig>,
) -> Arc<ClientConfig> {
    let mut configurations = configurations();
    let key = (fingerprint, key_log.clone());
    if !configurations.contains_key(&key) && configurations.len() >= MAX_CONFIGURATIONS {
        configurations.clear();
    }
    configurations.entry(key).or_insert(built).clone()
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
    fn fingerprints_of_different_parts_differ() {
        let mut a = Fingerprint::default();
        a.part(b"ab").part(b"c");
        let mut b = Fingerprint::default();
        b.part(b"a").part(b"bc");
        assert_ne!(a.finish(), b.finish());
    }
}
