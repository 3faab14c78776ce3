//! One client created by the Constructor: the C struct it handed out, its callbacks, its
//! connection, and the dispatch lock that serializes its callbacks and lets Destroy wait for
//! a running one.
use crate::ext::WebSocketEx_OnMessageCallback;
use crate::headers::HeaderList;
use crate::types::*;
use net_websocket_client::{Connection, Options};
use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, TryLockError};
use std::time::Duration;

thread_local! {
    /// The client whose callback runs on this thread (0: none).
    static IN_CALLBACK: Cell<usize> = const { Cell::new(0) };
}

/// The callbacks given to the Constructor (NULL ones are None and their events are dropped).
#[derive(Clone, Copy)]
pub(crate) struct Callbacks {
    pub(crate) on_open: WebSocket_OnOpenCallback,
    pub(crate) on_message: WebSocket_OnMessageCallback,
    pub(crate) on_error: WebSocket_OnErrorCallback,
    pub(crate) on_close: WebSocket_OnCloseCallback,
}

/// What API calls change; never held while calling into C.
#[derive(Default)]
pub(crate) struct ClientState {
    pub(crate) connection: Option<Connection>,
    pub(crate) headers: HeaderList,
    pub(crate) options: Options,
}

pub(crate) struct ClientEntry {
    ffi: *mut WebSocket,
    pub(crate) callbacks: Callbacks,
    pub(crate) state: Mutex<ClientState>,
    destroyed: AtomicBool,
    user_data: AtomicPtr<c_void>,
    /// The WebSocketEx_OnMessageCallback as an address (0: none).
    typed_message_callback: AtomicUsize,
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
            typed_message_callback: AtomicUsize::new(0),
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

    pub(crate) fn set_typed_message_callback(&self, callback: WebSocketEx_OnMessageCallback) {
        let address = callback.map_or(0, |f| f as usize);
        self.typed_message_callback
            .store(address, Ordering::Release);
    }

    pub(crate) fn typed_message_callback(&self) -> WebSocketEx_OnMessageCallback {
        match self.typed_message_callback.load(Ordering::Acquire) {
            0 => None,
            // SAFETY: a non-zero value was stored from a WebSocketEx_OnMessageCallback.
            address => Some(unsafe {
                std::mem::transmute::<
                    usize,
                    unsafe extern "C" fn(
                        *mut WebSocket,
                        *const std::os::raw::c_char,
                        usize,
                        i32,
                        *mut c_void,
                    ),
                >(address)
            }),
        }
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
        let outer = IN_CALLBACK.with(|c| c.replace(self.ffi as usize));
        call(self.ffi, &self.callbacks);
        IN_CALLBACK.with(|c| c.set(outer));
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
                Err(TryLockError::WouldBlock) if waits_in_cycle(current) => break,
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

/// Whether following the waits from `start` leads back to it.
fn waits_in_cycle(start: usize) -> bool {
    let waits = waits();
    let mut next = waits.get(&start);
    for _ in 0..waits.len() {
        match next {
            Some(&client) if client == start => return true,
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
