//! The extension's messages: the user data, the typed message callback, SendText,
//! SendBinary, pings and pongs (net_websocket_ext.h).
use crate::codes::*;
use crate::registry;
use crate::send::{send, SendAs};
use crate::types::*;
use std::ffi::c_void;
use std::os::raw::c_char;

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

ffi_fn! {
    /// Queues a ping with up to 125 bytes of payload.
    fn WebSocketEx_SendPing(client: *mut WebSocket, data: *const c_char, length: usize) -> i32 {
        send(client, data, length, SendAs::Ping)
    }
}

ffi_fn! {
    /// Sets or removes the pong callback.
    fn WebSocketEx_SetPongCallback(client: *mut WebSocket, cb: WebSocketEx_OnPongCallback) -> i32 {
        let entry = try_code!(registry::lookup(client));
        entry.set_ext_callbacks(|c| c.pong = cb);
        WEBSOCKET_OK
    }
}
