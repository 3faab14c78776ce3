//! The trace hook (net_websocket_ext.h "Statistics and tracing").
use crate::codes::*;
use crate::registry;
use crate::trace::WebSocketEx_OnTraceCallback;
use crate::types::WebSocket;

ffi_fn! {
    /// Sets or removes the trace callback (tracing is on for connections started with one).
    fn WebSocketEx_SetTraceCallback(client: *mut WebSocket, cb: WebSocketEx_OnTraceCallback) -> i32 {
        let entry = try_code!(registry::lookup(client));
        entry.set_ext_callbacks(|c| c.trace = cb);
        WEBSOCKET_OK
    }
}
