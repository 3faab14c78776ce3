//! The live handles. Every API call looks its pointer up here before touching anything, so a
//! foreign or destroyed pointer gets 1002 and is never dereferenced.
use crate::codes::*;
use crate::entry::ClientEntry;
use crate::types::WebSocket;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

type Map = HashMap<usize, Arc<ClientEntry>>;

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

pub(crate) fn insert(entry: Arc<ClientEntry>) {
    let mut map = map().write().unwrap_or_else(|e| e.into_inner());
    map.insert(entry.ffi_ptr() as usize, entry);
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
