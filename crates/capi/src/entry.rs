//! One client created by the Constructor: the C struct it handed out, its callbacks, its
//! connection, and the dispatch lock that serializes its callbacks and lets Destroy wait for
//! a running one.
use crate::codes::WEBSOCKET_CLIENT_NOT_CREATED;
use crate::dispatcher::ClientDispatch;
use crate::headers::HeaderList;
use crate::pending::Pending;
use crate::types::*;
use net_websocket_client::{Connection, Options};
use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::ffi::{c_void, CString};
use std::os::raw::c_char;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, TryLockError};
use std::time::Duration;

thread_local! {
    /// The client whose callback runs on this thread (0: none).
    static IN_CALLBACK: Cell<usize> = const { Cell::new(0) };
}

/// Marks this thread as inside `client`'s callback until dropped, then restores what it
/// replaced (a callback may call into another client's callback: Destroy waits on them).
struct InCallback {
    outer: usize,
}

impl InCallback {
    fn enter(client: usize) -> InCallback {
        InCallback {
            outer: IN_CALLBACK.with(|c| c.replace(client)),
        }
    }
}

impl Drop for InCallback {
    fn drop(&mut self) {
        IN_CALLBACK.with(|c| c.set(self.outer));
    }
}

/// The callbacks given to the Constructor (NULL ones are None and their events are dropped).
#[derive(Clone, Copy)]
pub(crate) struct Callbacks {
    pub(crate) on_open: WebSocket_OnOpenCallback,
    pub(crate) on_message: WebSocket_OnMessageCallback,
    pub(crate) on_error: WebSocket_OnErrorCallback,
    pub(crate) on_close: WebSocket_OnCloseCallback,
}

/// The callbacks set through the extension header (None: not set). Copied out before a call,
/// so no lock is held while C runs.
#[derive(Clone, Copy, Default)]
pub(crate) struct ExtCallbacks {
    pub(crate) message: WebSocketEx_OnMessageCallback,
    pub(crate) fragment: WebSocketEx_OnFragmentCallback,
    pub(crate) reconnect: WebSocketEx_OnReconnectCallback,
    pub(crate) response: WebSocketEx_OnHandshakeResponseCallback,
    pub(crate) pong: WebSocketEx_OnPongCallback,
    pub(crate) trace: crate::trace::WebSocketEx_OnTraceCallback,
}

/// What API calls change; never held while calling into C.
pub(crate) struct ClientState {
    pub(crate) connection: Option<Current>,
    pub(crate) headers: HeaderList,
    /// Shared with the client's connections (a setter replaces them, for the next Connect),
    /// and with the other clients that have the same settings (`crate::shared_options`).
    pub(crate) options: Arc<Options>,
    pub(crate) pending: Pending,
}

impl Default for ClientState {
    fn default() -> Self {
        ClientState {
            connection: None,
            headers: HeaderList::default(),
            options: crate::shared_options::defaults().clone(),
            pending: Pending::default(),
        }
    }
}

/// The client's latest connection, and whether its end has been reported to the application
/// (its last callback has started: set under the dispatch lock, by the connection's handler).
pub(crate) struct Current {
    pub(crate) connection: Connection,
    pub(crate) end_reported: Arc<AtomicBool>,
}

impl Current {
    /// Connecting, open or closing, or ended without the application told yet. Connect waits
    /// for the report: then the old connection's last callback comes before the new one's
    /// first (they share the dispatch lock, which the report holds).
    pub(crate) fn is_busy(&self) -> bool {
        self.connection.is_active() || !self.end_reported.load(Ordering::Acquire)
    }
}

pub(crate) struct ClientEntry {
    ffi: *mut WebSocket,
    pub(crate) callbacks: Callbacks,
    state: Mutex<ClientState>,
    /// Serializes the setters' read-modify-write of the options (a file may be read meanwhile,
    /// so not under the state lock, which Send takes).
    options_writer: Mutex<()>,
    destroyed: AtomicBool,
    user_data: AtomicPtr<c_void>,
    ext_callbacks: Mutex<ExtCallbacks>,
    /// Subprotocols the server chose since the last Connect; the last is the current one.
    /// Earlier ones stay alive (a caller may still hold one): there are at most as many as
    /// were offered, since the server may only choose an offered one.
    subprotocols: Mutex<Vec<CString>>,
    /// Held while one of this client's callbacks runs.
    dispatch: Mutex<()>,
    /// Its dispatcher, if callbacks run on the application's thread (`crate::dispatcher`).
    pub(crate) dispatching: ClientDispatch,
}

// SAFETY: `ffi` is owned by this entry (freed in Drop) and only written under `state`'s lock
// (AddHeader); callbacks receive it as an opaque handle.
unsafe impl Send for ClientEntry {}
unsafe impl Sync for ClientEntry {}

impl ClientEntry {
    /// None when memory for the C struct cannot be had.
    pub(crate) fn new(callbacks: Callbacks) -> Option<ClientEntry> {
        let ffi = allocate_ffi(WebSocket {
            onOpen: callbacks.on_open,
            onMessage: callbacks.on_message,
            onError: callbacks.on_error,
            onClose: callbacks.on_close,
            requestOptions: WebSocket_RequestOptions {
                headers: std::ptr::null_mut(),
            },
        })?;
        Some(ClientEntry {
            ffi,
            callbacks,
            state: Mutex::new(ClientState::default()),
            options_writer: Mutex::new(()),
            destroyed: AtomicBool::new(false),
            user_data: AtomicPtr::new(std::ptr::null_mut()),
            ext_callbacks: Mutex::default(),
            subprotocols: Mutex::default(),
            dispatch: Mutex::new(()),
            dispatching: ClientDispatch::default(),
        })
    }

    pub(crate) fn ffi_ptr(&self) -> *mut WebSocket {
        self.ffi
    }

    /// The state, for Destroy (and tests): also once the client is being destroyed.
    pub(crate) fn state(&self) -> MutexGuard<'_, ClientState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state of a client that is not being destroyed; 1002 once Destroy has begun.
    /// Destroy marks the client before it takes this lock, so a call that gets the state here
    /// (Connect, say) either finishes before Destroy looks, or sees the mark and starts
    /// nothing: no connection is left behind a Destroy that returned.
    pub(crate) fn live_state(&self) -> Result<MutexGuard<'_, ClientState>, i32> {
        let state = self.state();
        if self.is_destroyed() {
            return Err(WEBSOCKET_CLIENT_NOT_CREATED);
        }
        Ok(state)
    }

    /// Changes the options as the setters do: `change` works on a copy, which replaces them
    /// unless it refused; setters of the same client take turns, so none loses another's
    /// change. 1002 once Destroy has begun.
    pub(crate) fn change_options<E>(
        &self,
        change: impl FnOnce(&mut Options) -> Result<(), E>,
    ) -> Result<Result<(), E>, i32> {
        let _turn = self
            .options_writer
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut options = Options::clone(&self.live_state()?.options);
        if let Err(refused) = change(&mut options) {
            return Ok(Err(refused));
        }
        self.live_state()?.options = crate::shared_options::shared(options);
        Ok(Ok(()))
    }

    /// Points `requestOptions.headers` at the first AddHeader node.
    pub(crate) fn set_header_head(&self, head: *mut WebSocket_Header) {
        // SAFETY: `ffi` is live while the entry is; the caller holds the state lock.
        unsafe { (*self.ffi).requestOptions.headers = head };
    }

    pub(crate) fn set_user_data(&self, user_data: *mut c_void) {
        self.user_data.store(user_data, Ordering::Release);
    }

    pub(crate) fn user_data(&self) -> *mut c_void {
        self.user_data.load(Ordering::Acquire)
    }

    /// Changes one of the extension callbacks.
    pub(crate) fn set_ext_callbacks(&self, change: impl FnOnce(&mut ExtCallbacks)) {
        change(&mut self.ext_callbacks.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub(crate) fn ext_callbacks(&self) -> ExtCallbacks {
        *self.ext_callbacks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn subprotocol_list(&self) -> MutexGuard<'_, Vec<CString>> {
        self.subprotocols.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the subprotocol the server chose at an open (None: it chose none; the empty
    /// string marks that, and is never returned). An equal string recorded before is reused.
    pub(crate) fn set_subprotocol(&self, chosen: Option<&str>) {
        let chosen = chosen.filter(|p| !p.contains('\0')).unwrap_or("");
        let mut list = self.subprotocol_list();
        if chosen.is_empty() && list.is_empty() {
            // None yet, and none now: nothing to record (and nothing allocated).
            return;
        }
        match list.iter().position(|p| p.to_bytes() == chosen.as_bytes()) {
            Some(i) => {
                // Moving a CString keeps its bytes where they are.
                let earlier = list.remove(i);
                list.push(earlier);
            }
            None => list.push(CString::new(chosen).unwrap_or_default()),
        }
    }

    /// The current subprotocol, NULL when none; valid until `clear_subprotocols`.
    pub(crate) fn subprotocol(&self) -> *const c_char {
        match self.subprotocol_list().last() {
            Some(p) if !p.is_empty() => p.as_ptr(),
            _ => std::ptr::null(),
        }
    }

    /// Connect: the previous connection's subprotocols are gone.
    pub(crate) fn clear_subprotocols(&self) {
        self.subprotocol_list().clear();
    }

    pub(crate) fn is_destroyed(&self) -> bool {
        self.destroyed.load(Ordering::Acquire)
    }

    /// Destroy begins: calls that look the client up from now on start nothing.
    pub(crate) fn mark_destroying(&self) {
        self.destroyed.store(true, Ordering::Release);
    }

    /// Runs `call` as one of this client's callbacks, on this thread (a library thread, or the
    /// one that runs the client's dispatcher): serialized with its other callbacks, skipped
    /// once the client is destroyed. Returns what `call` returned (whether it called C), false
    /// when skipped.
    pub(crate) fn dispatch(&self, call: impl FnOnce(*mut WebSocket, &Callbacks) -> bool) -> bool {
        if self.destroyed.load(Ordering::Acquire) {
            return false;
        }
        let _running = self.dispatch.lock().unwrap_or_else(|e| e.into_inner());
        if self.destroyed.load(Ordering::Acquire) {
            return false;
        }
        let _inside = InCallback::enter(self.ffi as usize);
        call(self.ffi, &self.callbacks)
    }

    /// Destroy, after [`ClientEntry::mark_destroying`]: no callback starts after this
    /// returns, and one running on another thread has finished, also when called inside
    /// another client's callback (unless the two wait for each other). From inside this
    /// client's own callback it returns at once (the memory lives until that callback
    /// returns).
    pub(crate) fn wait_for_callbacks(&self) {
        let current = IN_CALLBACK.with(Cell::get);
        let target = self.ffi as usize;
        if current == target {
            return;
        }
        if current == 0 {
            drop(self.dispatch.lock().unwrap_or_else(|e| e.into_inner()));
            return;
        }
        // Inside another client's callback: wait too, unless the callback we wait for is
        // itself (directly or through others) waiting for ours, which would never end.
        waits().insert(current, target);
        loop {
            match self.dispatch.try_lock() {
                Ok(_) | Err(TryLockError::Poisoned(_)) => break,
                Err(TryLockError::WouldBlock) if leaves_cycle(current) => break,
                Err(TryLockError::WouldBlock) => std::thread::sleep(Duration::from_micros(200)),
            }
        }
        waits().remove(&current);
    }
}

/// Destroy calls waiting inside a callback: the client whose callback waits → the client
/// whose running callback it waits for.
fn waits() -> MutexGuard<'static, HashMap<usize, usize>> {
    static WAITS: OnceLock<Mutex<HashMap<usize, usize>>> = OnceLock::new();
    WAITS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Whether following the waits from `start` leads back to it; if so, `start` stops waiting,
/// under the same lock, so that of two Destroy calls that see the cycle at once only one
/// gives up its wait (the other then waits for it as usual).
fn leaves_cycle(start: usize) -> bool {
    let mut waits = waits();
    let mut next = waits.get(&start);
    for _ in 0..waits.len() {
        match next {
            Some(&client) if client == start => {
                waits.remove(&start);
                return true;
            }
            Some(client) => next = waits.get(client),
            None => return false,
        }
    }
    false
}

/// The C struct on the heap; None when it cannot be allocated (instead of aborting the
/// process, as `Box::new` would).
fn allocate_ffi(value: WebSocket) -> Option<*mut WebSocket> {
    let layout = std::alloc::Layout::new::<WebSocket>();
    // SAFETY: the layout has a non-zero size; the memory is written before it is used and
    // freed as a Box of the same type (see `Quarantine`).
    let memory = NonNull::new(unsafe { std::alloc::alloc(layout) } as *mut WebSocket)?;
    unsafe { memory.as_ptr().write(value) };
    Some(memory.as_ptr())
}

/// How many destroyed client structs are kept before their memory goes back to malloc.
pub(crate) const QUARANTINE: usize = 4096;

/// The structs of the last [`QUARANTINE`] destroyed clients (40 bytes each, 160 KiB in all).
/// The registry is keyed by a struct's address, and malloc hands a freed address to the next
/// allocation of that size: without this, Destroy(a); b = Constructor(); Destroy(a) would
/// destroy b. Kept, an address cannot be handed out again, so a stale pointer still finds no
/// live client (1002) until 4096 more clients have been destroyed.
struct Quarantine(VecDeque<StructBox>);

/// A destroyed client's struct, owned by the quarantine.
struct StructBox(NonNull<WebSocket>);

// SAFETY: the struct is plain data nobody else refers to once its client is destroyed.
unsafe impl Send for StructBox {}

impl Drop for StructBox {
    fn drop(&mut self) {
        // SAFETY: allocated by `allocate_ffi` with the layout of a Box<WebSocket>, freed once.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

static KEPT: Mutex<Quarantine> = Mutex::new(Quarantine(VecDeque::new()));

/// Whether `client` is the struct of a client destroyed among the last [`QUARANTINE`].
pub(crate) fn destroyed_recently(client: *mut WebSocket) -> bool {
    let kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    kept.0.iter().any(|kept| kept.0.as_ptr() == client)
}

fn quarantine(ffi: *mut WebSocket) {
    let Some(ffi) = NonNull::new(ffi) else {
        return;
    };
    let released = {
        let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        kept.0.push_back(StructBox(ffi));
        (kept.0.len() > QUARANTINE).then(|| kept.0.pop_front())
    };
    drop(released);
}

impl Drop for ClientEntry {
    fn drop(&mut self) {
        // The header list goes with the state: a careless reader of the dead struct sees
        // NULL, not freed nodes.
        // SAFETY: `ffi` is ours and no API call can reach it any more (it left the registry).
        unsafe { (*self.ffi).requestOptions.headers = std::ptr::null_mut() };
        quarantine(self.ffi);
    }
}
