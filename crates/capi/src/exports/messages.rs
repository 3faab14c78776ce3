//! The extension's messages: the user data, the typed message callback, SendText,
//! SendBinary (and their Ex forms with flags), pings and pongs (net_websocket_ext.h).
use crate::codes::*;
use crate::last_error;
use crate::registry;
use crate::send::{send, SendAs};
use crate::types::*;
use net_websocket_client::Compress;
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
        send(client, data, length, SendAs::Text(Compress::Auto))
    }
}

ffi_fn! {
    /// Queues a binary message.
    fn WebSocketEx_SendBinary(client: *mut WebSocket, data: *const c_char, length: usize) -> i32 {
        send(client, data, length, SendAs::Binary(Compress::Auto))
    }
}

/// The compression a send function's `flags` ask for; unknown bits are refused (1009, as
/// SendFragment refuses an unknown type), with the reason for GetLastErrorMessage.
fn compress_from_flags(client: *mut WebSocket, flags: u32) -> Result<Compress, i32> {
    registry::lookup(client)?;
    let unknown = flags & !WEBSOCKET_EX_NO_COMPRESS;
    if unknown != 0 {
        last_error::set(Some(&format!("unknown flag bits {unknown:#x}")));
        return Err(WEBSOCKET_PROTOCOL_ERROR);
    }
    last_error::set(None);
    Ok(if flags & WEBSOCKET_EX_NO_COMPRESS != 0 {
        Compress::Never
    } else {
        Compress::Auto
    })
}

ffi_fn! {
    /// WebSocketEx_SendText with flags (WEBSOCKET_EX_NO_COMPRESS).
    fn WebSocketEx_SendTextEx(
        client: *mut WebSocket,
        data: *const c_char,
        length: usize,
        flags: u32,
    ) -> i32 {
        let compress = try_code!(compress_from_flags(client, flags));
        send(client, data, length, SendAs::Text(compress))
    }
}

ffi_fn! {
    /// WebSocketEx_SendBinary with flags (WEBSOCKET_EX_NO_COMPRESS).
    fn WebSocketEx_SendBinaryEx(
        client: *mut WebSocket,
        data: *const c_char,
        length: usize,
        flags: u32,
    ) -> i32 {
        let compress = try_code!(compress_from_flags(client, flags));
        send(client, data, length, SendAs::Binary(compress))
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
