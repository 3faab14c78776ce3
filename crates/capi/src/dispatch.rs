//! Connection events → the client's C callbacks.
use crate::codes;
use crate::entry::ClientEntry;
use crate::ext::{WEBSOCKET_EX_BINARY, WEBSOCKET_EX_TEXT};
use crate::types::*;
use net_websocket_client::{Accepted, End, Handler, MessageKind};
use std::ffi::CString;
use std::os::raw::c_char;
use std::sync::Arc;

/// The handler of one connection of one client. It keeps the client's memory alive while a
/// callback may still run (Destroy inside a callback defers the free until it returns).
pub(crate) struct CallbackHandler {
    pub(crate) entry: Arc<ClientEntry>,
}

/// A C string for a callback argument; interior NULs (impossible in valid close reasons,
/// possible in peer-controlled text) are replaced so nothing is truncated silently.
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

impl Handler for CallbackHandler {
    fn on_open(&mut self, response: &Accepted) {
        let reason = c_string(&response.reason);
        self.entry.dispatch(|client, callbacks| {
            if let Some(on_open) = callbacks.on_open {
                let result = WebSocket_OpenResult {
                    code: u32::from(response.status),
                    reason: reason.as_ptr(),
                };
                // SAFETY: a callback given to the Constructor, called with a live client.
                unsafe { on_open(client, result) };
            }
        });
    }

    fn on_message(&mut self, kind: MessageKind, data: &mut Vec<u8>) {
        // Messages are limited far below 4 GiB (the C length is 32-bit).
        let data_len = data.len();
        let length = u32::try_from(data_len).unwrap_or(u32::MAX);
        data.push(0); // data[length] == 0 for the caller (SPEC §4).
        let pointer = data.as_mut_ptr() as *mut c_char;
        let entry = &self.entry;
        entry.dispatch(|client, callbacks| {
            if let Some(typed) = entry.typed_message_callback() {
                let kind = match kind {
                    MessageKind::Text => WEBSOCKET_EX_TEXT,
                    MessageKind::Binary => WEBSOCKET_EX_BINARY,
                };
                // SAFETY: a callback given to WebSocketEx_SetMessageCallback.
                unsafe { typed(client, pointer, data_len, kind, entry.user_data()) };
            } else if let Some(on_message) = callbacks.on_message {
                // SAFETY: `pointer` is valid for length + 1 bytes during the call.
                unsafe { on_message(client, pointer, length) };
            }
        });
        data.pop();
    }

    fn on_end(&mut self, end: End<'_>) {
        let error = end
            .error
            .map(|e| (codes::for_error(e), c_string(&e.to_string())));
        let close = end.close.map(|(code, reason)| (code, c_string(reason)));
        // One dispatch for both, so no callback of a new connection slips between them.
        let entry = &self.entry;
        entry.dispatch(|client, callbacks| {
            if let (Some((code, message)), Some(on_error)) = (&error, callbacks.on_error) {
                let result = WebSocket_ErrorResult {
                    errorCode: *code,
                    errorMessage: message.as_ptr(),
                };
                // SAFETY: as above.
                unsafe { on_error(client, result) };
            }
            if entry.is_destroyed() {
                return; // Destroy was called from onError.
            }
            if let (Some((code, reason)), Some(on_close)) = (&close, callbacks.on_close) {
                let result = WebSocket_CloseResult {
                    code: u32::from(*code),
                    reason: reason.as_ptr(),
                };
                // SAFETY: as above.
                unsafe { on_close(client, result) };
            }
        });
    }
}
