//! The live handles of clients and dispatchers. Every API call looks its pointer up here before
//! touching anything, so a foreign or destroyed pointer gets 1002 and is never dereferenced.
use crate::codes::*;
use crate::dispatcher::Dispatcher;
use crate::entry::ClientEntry;
use crate::types::{WebSocket, WebSocketEx_Dispatcher};
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};

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

/// The live dispatchers (WebSocketEx_Dispatcher), by handle. A handle is the address of a
/// small allocation of its own, kept for a while after its dispatcher is destroyed (see
/// [`DispatcherHandles`]), so that a stale pointer finds nothing rather than a new dispatcher.
fn dispatchers() -> MutexGuard<'static, DispatcherHandles> {
    static DISPATCHERS: OnceLock<Mutex<DispatcherHandles>> = OnceLock::new();
    DISPATCHERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// How many handles of destroyed dispatchers are kept before their memory goes back to malloc.
const DISPATCHER_QUARANTINE: usize = 1024;

#[derive(Default)]
struct DispatcherHandles {
    live: HashMap<usize, (Handle, Arc<Dispatcher>)>,
    /// The handles of the last [`DISPATCHER_QUARANTINE`] destroyed dispatchers: while kept,
    /// malloc cannot hand their addresses to a new one (the ABA problem of `entry::Quarantine`).
    destroyed: VecDeque<Handle>,
}

/// The memory whose address is a dispatcher's handle (8 bytes nobody reads or writes).
struct Handle(NonNull<u64>);

// SAFETY: the memory is only allocated, compared by address and freed.
unsafe impl Send for Handle {}

impl Handle {
    /// None when memory cannot be had.
    fn new() -> Option<Handle> {
        let layout = std::alloc::Layout::new::<u64>();
        // SAFETY: a non-zero size; freed with the same layout in Drop.
        NonNull::new(unsafe { std::alloc::alloc(layout) }.cast()).map(Handle)
    }

    fn address(&self) -> usize {
        self.0.as_ptr() as usize
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: allocated in `Handle::new` with this layout, freed once.
        unsafe { std::alloc::dealloc(self.0.as_ptr().cast(), std::alloc::Layout::new::<u64>()) };
    }
}

/// Registers a dispatcher; its handle, or NULL when memory cannot be had.
pub(crate) fn insert_dispatcher(dispatcher: Arc<Dispatcher>) -> *mut WebSocketEx_Dispatcher {
    let Some(handle) = Handle::new() else {
        return std::ptr::null_mut();
    };
    let address = handle.address();
    let mut handles = dispatchers();
    if handles.live.try_reserve(1).is_err() {
        return std::ptr::null_mut();
    }
    handles.live.insert(address, (handle, dispatcher));
    address as *mut WebSocketEx_Dispatcher
}

/// NULL → 1001; not a live dispatcher → 1002.
pub(crate) fn lookup_dispatcher(d: *mut WebSocketEx_Dispatcher) -> Result<Arc<Dispatcher>, i32> {
    if d.is_null() {
        return Err(WEBSOCKET_CLIENT_NULL);
    }
    dispatchers()
        .live
        .get(&(d as usize))
        .map(|(_, dispatcher)| dispatcher.clone())
        .ok_or(WEBSOCKET_CLIENT_NOT_CREATED)
}

/// Unregisters a dispatcher that was closed; its handle goes to the quarantine.
pub(crate) fn remove_dispatcher(d: *mut WebSocketEx_Dispatcher) {
    let (released, dispatcher) = {
        let mut handles = dispatchers();
        let Some((handle, dispatcher)) = handles.live.remove(&(d as usize)) else {
            return;
        };
        handles.destroyed.push_back(handle);
        let released = (handles.destroyed.len() > DISPATCHER_QUARANTINE)
            .then(|| handles.destroyed.pop_front());
        (released, dispatcher)
    };
    // Outside the lock: the last reference closes the eventfd.
    drop((released, dispatcher));
}
