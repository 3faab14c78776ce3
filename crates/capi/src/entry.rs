//! One client created by the Constructor: the C struct it handed out, its callbacks, its
//! connection, and the dispatch lock that serializes its callbacks and lets Destroy wait for
//! a running one.
use crate::ext::WebSocketEx_OnMessageCallback;
use crate::headers::HeaderList;
use crate::lifecycle::{
    WebSocketEx_OnHandshakeResponseCallback, WebSocketEx_OnPongCallback,
    WebSocketEx_OnReconnectCallback,
};
use crate::pending::Pending;
use crate::types::*;
use net_websocket_client::{Connection, Options};
use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::{c_void, CString};
use std::os::raw::c_char;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, TryLockError};
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
    pub(crate) reconnect: WebSocketEx_OnReconnectCallback,
    pub(crate) response: WebSocketEx_OnHandshakeResponseCallback,
    pub(crate) pong: WebSocketEx_OnPongCallback,
}

/// What API calls change; never held while calling into C.
#[derive(Default)]
pub(crate) struct ClientState {
    pub(crate) connection: Option<Connection>,
    pub(crate) headers: HeaderList,
    pub(crate) options: Options,
    pub(crate) pending: Pending,
}

pub(crate) struct ClientEntry {
    ffi: *mut WebSocket,
    pub(crate) callbacks: Callbacks,
    pub(crate) state: Mutex<ClientState>,
    destroyed: AtomicBool,
    user_data: AtomicPtr<c_void>,
    ext_callbacks: Mutex<ExtCallbacks>,
    /// Subprotocols the server chose since the last Connect; the last is the current one.
    /// Earlier ones stay alive (a caller may still hold one): there are at most as many as
    /// were offered, since the server may only choose an offered one.
    subprotocols: Mutex<Vec<CString>>,
    /// Held while one of this client's callbacks runs.
    dispatch: Mutex<()>,
}

// SAFETY: `ffi` is owned by this entry (freed in Drop) and only written under `state`'s lock
// (AddHeader); callbacks receive it as an opaque handle.
unsafe impl Send for ClientEntry {}
unsafe impl Sync for ClientEntry {}

impl ClientEntry {
    pub(crate) fn new(callbacks: Callbacks) -> ClientEntry {
        let ffi = Box::into_raw(Box::new(WebSocket {
            onOpen: callbacks.on_open,
            onMessage: callbacks.on_message,
            onError: callbacks.on_error,
            onClose: callbacks.on_close,
            requestOptions: WebSocket_RequestOptions {
                headers: std::ptr::null_mut(),
            },
        }));
        ClientEntry {
            ffi,
            callbacks,
            state: Mutex::new(ClientState::default()),
            destroyed: AtomicBool::new(false),
            user_data: AtomicPtr::new(std::ptr::null_mut()),
            ext_callbacks: Mutex::default(),
            subprotocols: Mutex::default(),
            dispatch: Mutex::new(()),
        }
    }

    pub(crate) fn ffi_ptr(&self) -> *mut WebSocket {
        self.ffi
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, ClientState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
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
        let chosen = chosen
            .and_then(|p| CString::new(p).ok())
            .unwrap_or_default();
        let mut list = self.subprotocol_list();
        match list.iter().position(|p| *p == chosen) {
            Some(i) => {
                // Moving a CString keeps its bytes where they are.
                let earlier = list.remove(i);
                list.push(earlier);
            }
            None => list.push(chosen),
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

    /// Runs `call` as one of this client's callbacks: serialized with its other callbacks,
    /// skipped once the client is destroyed.
    pub(crate) fn dispatch(&self, call: impl FnOnce(*mut WebSocket, &Callbacks)) {
        if self.destroyed.load(Ordering::Acquire) {
            return;
        }
        let _running = self.dispatch.lock().unwrap_or_else(|e| e.into_inner());
        if self.destroyed.load(Ordering::Acquire) {
            return;
        }
        let _inside = InCallback::enter(self.ffi as usize);
        call(self.ffi, &self.callbacks);
    }

    /// Destroy: no callback starts after this returns, and one running on another thread has
    /// finished, also when called inside another client's callback (unless the two wait for each
    /// other). From inside this client's own callback it returns at once (the memory lives until
    /// that callback returns).
    pub(crate) fn mark_destroyed(&self) {
        self.destroyed.store(true, Ordering::Release);
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

impl Drop for ClientEntry {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with Box::into_raw and freed only here.
        drop(unsafe { Box::from_raw(self.ffi) });
    }
}
