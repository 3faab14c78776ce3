//! The `WebSocketEx_*` functions of net_websocket_ext.h (SPEC §8).
use crate::api::{send, SendAs};
use crate::codes::*;
use crate::last_error;
use crate::registry;
use crate::types::WebSocket;
use net_websocket_client::{DeflateConfig, Options};
use std::ffi::c_void;
use std::os::raw::c_char;

/// `WebSocketEx_MessageType`.
pub const WEBSOCKET_EX_TEXT: i32 = 1;
pub const WEBSOCKET_EX_BINARY: i32 = 2;

/// `WebSocketEx_OnMessageCallback`.
pub type WebSocketEx_OnMessageCallback = Option<
    unsafe extern "C" fn(
        client: *mut WebSocket,
        data: *const c_char,
        length: usize,
        kind: i32,
        user_data: *mut c_void,
    ),
>;

/// Largest receive limit: the standard onMessage reports lengths as uint32_t.
const MAX_RECEIVE_LIMIT: usize = u32::MAX as usize;

ffi_fn! {
    /// Stores an opaque pointer for the caller.
    fn WebSocketEx_SetUserData(client: *mut WebSocket, userData: *mut c_void) -> i32 {
        let entry = try_code!(registry::lookup(client));
        entry.set_user_data(userData);
        WEBSOCKET_OK
    }
}

ffi_fn! {
    /// The stored pointer; NULL for bad handles.
    fn WebSocketEx_GetUserData(client: *mut WebSocket) -> *mut c_void {
        match registry::lookup(client) {
            Ok(entry) => entry.user_data(),
            Err(_) => std::ptr::null_mut(),
        }
    }
}

ffi_fn! {
    /// Sets or removes the typed message callback.
    fn WebSocketEx_SetMessageCallback(
        client: *mut WebSocket,
        cb: WebSocketEx_OnMessageCallback,
    ) -> i32 {
        let entry = try_code!(registry::lookup(client));
        entry.set_ext_callbacks(|c| c.message = cb);
        WEBSOCKET_OK
    }
}

ffi_fn! {
    /// Queues a text message; invalid UTF-8 → 1009.
    fn WebSocketEx_SendText(client: *mut WebSocket, data: *const c_char, length: usize) -> i32 {
        send(client, data, length, SendAs::Text)
    }
}

ffi_fn! {
    /// Queues a binary message.
    fn WebSocketEx_SendBinary(client: *mut WebSocket, data: *const c_char, length: usize) -> i32 {
        send(client, data, length, SendAs::Binary)
    }
}

/// Changes the options used from the next Connect.
fn set_option(client: *mut WebSocket, change: impl FnOnce(&mut Options)) -> i32 {
    set_option_checked(client, |o| {
        change(o);
        Ok(())
    })
}

/// Changes the options used from the next Connect, unless `change` refuses with a code and a
/// message (then nothing changes); records the outcome for WebSocketEx_GetLastErrorMessage.
pub(crate) fn set_option_checked(
    client: *mut WebSocket,
    change: impl FnOnce(&mut Options) -> Result<(), (i32, String)>,
) -> i32 {
    let entry = match registry::lookup(client) {
        Ok(entry) => entry,
        Err(code) => {
            last_error::set(Some(if code == WEBSOCKET_CLIENT_NULL {
                "the client is NULL"
            } else {
                "not a live client (never created, or destroyed)"
            }));
            return code;
        }
    };
    match entry.change_options(change) {
        Ok(Ok(())) => {
            last_error::set(None);
            WEBSOCKET_OK
        }
        Ok(Err((code, message))) => {
            last_error::set(Some(&message));
            code
        }
        Err(code) => {
            last_error::set(Some("the client is being destroyed"));
            code
        }
    }
}

ffi_fn! {
    /// Offers permessage-deflate from the next Connect.
    fn WebSocketEx_SetCompression(client: *mut WebSocket, enable: i32) -> i32 {
        set_option(client, |o| o.deflate = (enable != 0).then(DeflateConfig::default))
    }
}

ffi_fn! {
    /// Largest message the send functions accept (0: default).
    fn WebSocketEx_SetMaxSendSize(client: *mut WebSocket, bytes: usize) -> i32 {
        let bytes = if bytes == 0 { Options::default().max_send_size } else { bytes };
        set_option(client, |o| o.max_send_size = bytes)
    }
}

ffi_fn! {
    /// Largest message accepted from the server (0: default).
    fn WebSocketEx_SetMaxReceiveSize(client: *mut WebSocket, bytes: usize) -> i32 {
        let bytes = match bytes {
            0 => Options::default().max_message_size,
            n => n.min(MAX_RECEIVE_LIMIT),
        };
        set_option(client, |o| o.max_message_size = bytes)
    }
}

ffi_fn! {
    /// Bytes that may wait in the send queue (0: default).
    fn WebSocketEx_SetSendQueueLimit(client: *mut WebSocket, bytes: usize) -> i32 {
        let bytes = if bytes == 0 { Options::default().send_queue_limit } else { bytes };
        set_option(client, |o| o.send_queue_limit = bytes)
    }
}

ffi_fn! {
    /// Bytes queued and not yet encoded; 0 for bad handles.
    fn WebSocketEx_GetBufferedAmount(client: *mut WebSocket) -> usize {
        let Ok(entry) = registry::lookup(client) else {
            return 0;
        };
        let state = entry.state();
        state.connection.as_ref().map_or(0, |c| c.connection.queued_bytes()) + state.pending.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{OH_WebSocketClient_Constructor, OH_WebSocketClient_Destroy};
    use crate::lifecycle::WebSocketEx_SetCloseTimeout;
    use std::time::Duration;

    /// Two setters of one client at once never lose each other's change: each thread sets
    /// its own option to a rising value, and in the end both hold their last one.
    #[test]
    fn concurrent_setters_keep_both_changes() {
        const ROUNDS: usize = 20_000;
        // SAFETY: the C API as documented; the client outlives both threads.
        let client = unsafe { OH_WebSocketClient_Constructor(None, None, None, None) } as usize;
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for n in 1..=ROUNDS {
                    let c = client as *mut WebSocket;
                    assert_eq!(unsafe { WebSocketEx_SetMaxSendSize(c, n) }, WEBSOCKET_OK);
                }
            });
            scope.spawn(|| {
                for n in 1..=ROUNDS as u32 {
                    let c = client as *mut WebSocket;
                    assert_eq!(unsafe { WebSocketEx_SetCloseTimeout(c, n) }, WEBSOCKET_OK);
                }
            });
        });
        let entry = registry::lookup(client as *mut WebSocket).unwrap();
        let options = entry.state().options.clone();
        assert_eq!(options.max_send_size, ROUNDS);
        assert_eq!(options.close_timeout, Duration::from_millis(ROUNDS as u64));
        drop(entry);
        // Never connected: the reference's 1018 (SPEC §3).
        assert_eq!(
            unsafe { OH_WebSocketClient_Destroy(client as *mut WebSocket) },
            WEBSOCKET_NO_CONNECTION_CONTEXT
        );
    }
}
