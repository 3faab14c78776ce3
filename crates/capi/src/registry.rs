//! The live handles. Every API call looks its pointer up here before touching anything, so a
//! foreign or destroyed pointer gets 1002 and is never dereferenced.
use crate::codes::*;
use crate::entry::ClientEntry;
use crate::types::WebSocket;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock, RwLock};

type Map = HashMap<usize, Arc<ClientEntry>, BuildHasherDefault<AddressHasher>>;

/// Keys are addresses of live allocations: already unique, so a multiply spreads them over
/// the table; SipHash's protection against chosen keys buys nothing here and costs a lookup
/// on every API call.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_usize(&mut self, address: usize) {
        // Fibonacci hashing: the high bits depend on every bit of the address.
        self.0 = (address as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn finish(&self) -> u64 {
        self.0.rotate_left(32)
    }
}

fn map() -> &'static RwLock<Map> {
    static REGISTRY: OnceLock<RwLock<Map>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// NULL → 1001; not a live handle → 1002.
pub(crate) fn lookup(client: *mut WebSocket) -> Result<Arc<ClientEntry>, i32> {
    if client.is_null() {
        return Err(WEBSOCKET_CLIENT_NULL);
    }
    let map = map().read().unwrap_or_else(|e| e.into_inner());
    map.get(&(client as usize))
        .cloned()
        .ok_or(WEBSOCKET_CLIENT_NOT_CREATED)
}

/// The number of live handles.
pub(crate) fn len() -> usize {
    map().read().unwrap_or_else(|e| e.into_inner()).len()
}

/// Adds a handle; false when memory for the table cannot be had.
pub(crate) fn insert(entry: Arc<ClientEntry>) -> bool {
    let mut map = map().write().unwrap_or_else(|e| e.into_inner());
    if map.try_reserve(1).is_err() {
        return false;
    }
    map.insert(entry.ffi_ptr() as usize, entry);
    true
}

/// Removes a handle; the one that removes it is the one that destroys it.
pub(crate) fn remove(client: *mut WebSocket) -> Result<Arc<ClientEntry>, i32> {
    if client.is_null() {
        return Err(WEBSOCKET_CLIENT_NULL);
    }
    let mut map = map().write().unwrap_or_else(|e| e.into_inner());
    map.remove(&(client as usize))
        .ok_or(WEBSOCKET_CLIENT_NOT_CREATED)
}
