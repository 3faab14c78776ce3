//! The extension's dispatcher: callbacks on the application's thread (net_websocket_ext.h,
//! "Callbacks on your thread"; the mechanism is in `crate::dispatcher`). Run and Wait return a
//! count, so their failures are negative: minus the error code.
use crate::codes::*;
use crate::dispatcher::{Dispatcher, Refusal};
use crate::last_error;
use crate::options::lookup_for_setter;
use crate::registry;
use crate::types::*;
use std::sync::Arc;
use std::time::Duration;

/// The dispatcher behind a handle, or the code (and the message) for a bad one.
fn lookup(d: *mut WebSocketEx_Dispatcher) -> Result<Arc<Dispatcher>, i32> {
    registry::lookup_dispatcher(d).inspect_err(|&code| {
        last_error::set(Some(if code == WEBSOCKET_CLIENT_NULL {
            "the dispatcher is NULL"
        } else {
            Refusal::Closed.message()
        }))
    })
}

/// Records a refusal for WebSocketEx_GetLastErrorMessage and gives its code.
fn refused(refusal: Refusal) -> i32 {
    last_error::set(Some(refusal.message()));
    refusal.code()
}

ffi_fn! {
    /// Creates a dispatcher; NULL when memory or a file descriptor cannot be had.
    fn WebSocketEx_DispatcherCreate() -> *mut WebSocketEx_Dispatcher {
        match Dispatcher::new() {
            Ok(dispatcher) => registry::insert_dispatcher(Arc::new(dispatcher)),
            Err(e) => {
                last_error::set(Some(&format!("cannot create the dispatcher's eventfd: {e}")));
                std::ptr::null_mut()
            }
        }
    }
}

ffi_fn! {
    /// The fd that is readable while callbacks are pending; -1 for a bad handle.
    fn WebSocketEx_DispatcherGetFd(d: *mut WebSocketEx_Dispatcher) -> i32 {
        lookup(d).map_or(-1, |d| d.fd())
    }
}

ffi_fn! {
    /// Runs up to maxCallbacks pending callbacks (all pending now for <= 0) on this thread.
    fn WebSocketEx_DispatcherRun(d: *mut WebSocketEx_Dispatcher, maxCallbacks: i32) -> i32 {
        let d = try_code!(lookup(d).map_err(|code| -code));
        match d.run(maxCallbacks) {
            Ok(called) => {
                last_error::set(None);
                i32::try_from(called).unwrap_or(i32::MAX)
            }
            Err(refusal) => -refused(refusal),
        }
    }
}

ffi_fn! {
    /// 1 when callbacks are pending (waiting up to timeoutMs, -1: no limit), 0 when not.
    fn WebSocketEx_DispatcherWait(d: *mut WebSocketEx_Dispatcher, timeoutMs: i32) -> i32 {
        let d = try_code!(lookup(d).map_err(|code| -code));
        last_error::set(None);
        let timeout = u64::try_from(timeoutMs).ok().map(Duration::from_millis);
        i32::from(d.wait(timeout))
    }
}

ffi_fn! {
    /// Destroys a dispatcher nobody uses.
    fn WebSocketEx_DispatcherDestroy(d: *mut WebSocketEx_Dispatcher) -> i32 {
        let dispatcher = try_code!(lookup(d));
        if let Err(refusal) = dispatcher.close() {
            return refused(refusal);
        }
        registry::remove_dispatcher(d);
        last_error::set(None);
        WEBSOCKET_OK
    }
}

ffi_fn! {
    /// The dispatcher of the client's callbacks from its next Connect (NULL: library threads).
    fn WebSocketEx_SetDispatcher(client: *mut WebSocket, d: *mut WebSocketEx_Dispatcher) -> i32 {
        let entry = match lookup_for_setter(client) {
            Ok(entry) => entry,
            Err(code) => return code,
        };
        let dispatcher = if d.is_null() {
            None
        } else {
            Some(try_code!(lookup(d)))
        };
        // Held so that a Destroy that begins meanwhile waits, and one that began refuses.
        let _state = match entry.live_state() {
            Ok(state) => state,
            Err(code) => {
                last_error::set(Some("the client is being destroyed"));
                return code;
            }
        };
        match entry.dispatching.set(dispatcher.as_ref()) {
            Ok(()) => {
                last_error::set(None);
                WEBSOCKET_OK
            }
            Err(refusal) => refused(refusal),
        }
    }
}

ffi_fn! {
    /// Message bytes the client's pending callbacks may hold before reading pauses (0: 16 MiB).
    fn WebSocketEx_SetDispatchLimit(client: *mut WebSocket, bytes: usize) -> i32 {
        let entry = try_code!(registry::lookup(client));
        entry.dispatching.set_limit(bytes);
        last_error::set(None);
        WEBSOCKET_OK
    }
}
