//! Connection events → the client's C callbacks.
use crate::codes;
use crate::compat;
use crate::entry::ClientEntry;
use crate::types::*;
use net_websocket_client::{
    Accepted, End, Error, Handler, Lost, MessageData, MessageKind, ResponseHead,
};
use std::ffi::CString;
use std::os::raw::c_char;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The handler of one connection of one client. It keeps the client's memory alive while a
/// callback may still run (Destroy inside a callback defers the free until it returns).
pub(crate) struct CallbackHandler {
    pub(crate) entry: Arc<ClientEntry>,
    /// Set when the end starts being reported (see `entry::Current`), or when the connection
    /// goes without a report (Destroy).
    pub(crate) end_reported: Arc<AtomicBool>,
}

impl Drop for CallbackHandler {
    fn drop(&mut self) {
        self.end_reported.store(true, Ordering::Release);
    }
}

/// A C string for a callback argument; interior NULs (impossible in valid close reasons,
/// possible in peer-controlled text) are replaced so nothing is truncated silently.
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

/// The onError arguments for an error: its code and message.
fn error_result(error: &Error) -> (u32, CString) {
    (codes::for_error(error), c_string(&error.to_string()))
}

/// Calls `on_error` if set.
fn report_error(
    client: *mut WebSocket,
    on_error: WebSocket_OnErrorCallback,
    error: &(u32, CString),
) {
    if let Some(on_error) = on_error {
        let result = WebSocket_ErrorResult {
            errorCode: error.0,
            errorMessage: error.1.as_ptr(),
        };
        // SAFETY: a callback given to the Constructor, called with a live client.
        unsafe { on_error(client, result) };
    }
}

impl Handler for CallbackHandler {
    fn on_response(&mut self, head: &ResponseHead) {
        let Some(callback) = self.entry.ext_callbacks().response else {
            return;
        };
        // The header list as C nodes pointing into C strings, all alive during the call.
        let strings: Vec<(CString, CString)> = head
            .headers
            .iter()
            .map(|(name, value)| (c_string(name), c_string(value)))
            .collect();
        let mut nodes: Vec<WebSocket_Header> = strings
            .iter()
            .map(|(name, value)| WebSocket_Header {
                fieldName: name.as_ptr(),
                fieldValue: value.as_ptr(),
                next: ptr::null_mut(),
            })
            .collect();
        for i in 1..nodes.len() {
            let next: *mut WebSocket_Header = &mut nodes[i];
            nodes[i - 1].next = next;
        }
        let first = nodes
            .first()
            .map_or(ptr::null(), |n| n as *const WebSocket_Header);
        let reason = c_string(&head.reason);
        let entry = &self.entry;
        entry.dispatch(|client, _| {
            // SAFETY: a callback given to WebSocketEx_SetHandshakeResponseCallback; the list
            // and strings live until this closure returns.
            unsafe {
                callback(
                    client,
                    u32::from(head.status),
                    reason.as_ptr(),
                    first,
                    entry.user_data(),
                )
            };
        });
    }

    fn on_open(&mut self, response: &Accepted) {
        if compat::openharmony() {
            // Before onOpen runs, so that a Close from inside it sees it.
            self.entry.state().pending.opened = true;
        }
        self.entry.set_subprotocol(response.subprotocol.as_deref());
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

    fn on_message(&mut self, kind: MessageKind, data: MessageData<'_>) {
        #[cfg(test)]
        crate::task_panic_tests::panic_if_asked(&data);
        if self.entry.ext_callbacks().fragment.is_some() {
            // Set after this connection began whole-message delivery: a whole message is one
            // piece, FIRST and FINAL.
            return self.on_fragment(kind, data, true, true);
        }
        let mut data = data;
        // Messages are limited far below 4 GiB (the C length is 32-bit).
        let data_len = data.len();
        let length = u32::try_from(data_len).unwrap_or(u32::MAX);
        // data[length] == 0 for the caller (SPEC §4): the protocol put it there.
        let pointer = data.with_nul().as_mut_ptr() as *mut c_char;
        let entry = &self.entry;
        entry.dispatch(|client, callbacks| {
            if let Some(typed) = entry.ext_callbacks().message {
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
    }

    fn on_fragment(
        &mut self,
        kind: MessageKind,
        mut data: MessageData<'_>,
        first: bool,
        last: bool,
    ) {
        let Some(callback) = self.entry.ext_callbacks().fragment else {
            // Removed after this connection began delivering pieces: they are dropped until
            // the next Connect (documented at WebSocketEx_SetFragmentCallback).
            return;
        };
        let length = data.len();
        // data[length] == 0 for the caller (SPEC §4): the protocol put it there.
        let pointer = data.with_nul().as_ptr() as *const c_char;
        let kind = match kind {
            MessageKind::Text => WEBSOCKET_EX_TEXT,
            MessageKind::Binary => WEBSOCKET_EX_BINARY,
        };
        let flags =
            if first { WEBSOCKET_EX_FIRST } else { 0 } | if last { WEBSOCKET_EX_FINAL } else { 0 };
        let entry = &self.entry;
        entry.dispatch(|client, _| {
            // SAFETY: a callback given to WebSocketEx_SetFragmentCallback; `pointer` is valid
            // for length + 1 bytes during the call.
            unsafe { callback(client, pointer, length, kind, flags, entry.user_data()) };
        });
    }

    fn on_pong(&mut self, payload: &[u8]) {
        let Some(callback) = self.entry.ext_callbacks().pong else {
            return;
        };
        // data[length] == 0 for the caller, as for messages.
        let mut data = Vec::with_capacity(payload.len() + 1);
        data.extend_from_slice(payload);
        data.push(0);
        let entry = &self.entry;
        entry.dispatch(|client, _| {
            // SAFETY: a callback given to WebSocketEx_SetPongCallback; `data` outlives the call.
            unsafe {
                callback(
                    client,
                    data.as_ptr() as *const c_char,
                    payload.len(),
                    entry.user_data(),
                )
            };
        });
    }

    fn on_reconnecting(&mut self, lost: Lost<'_>) {
        let error = lost.error.map(error_result);
        let (code, reason) = match (lost.close, &error) {
            (Some((code, reason)), _) => (u32::from(code), c_string(reason)),
            (None, Some((_, message))) => (1006, message.clone()),
            (None, None) => (1006, CString::default()),
        };
        let delay = u32::try_from(lost.delay.as_millis()).unwrap_or(u32::MAX);
        let entry = &self.entry;
        entry.dispatch(|client, callbacks| {
            if let Some(error) = &error {
                report_error(client, callbacks.on_error, error);
            }
            if entry.is_destroyed() {
                return; // Destroy was called from onError.
            }
            if let Some(callback) = entry.ext_callbacks().reconnect {
                let last = WebSocket_CloseResult {
                    code,
                    reason: reason.as_ptr(),
                };
                // SAFETY: a callback given to WebSocketEx_SetReconnectCallback.
                unsafe { callback(client, lost.attempt, delay, last, entry.user_data()) };
            }
        });
    }

    fn on_end(&mut self, end: End<'_>) {
        let error = end.error.map(error_result);
        let close = end.close.map(|(code, reason)| (code, c_string(reason)));
        // One dispatch for both, so no callback of a new connection slips between them; and
        // a new Connect is allowed from here on, under the dispatch lock, so the new
        // connection's callbacks come after these.
        let entry = &self.entry;
        let end_reported = &self.end_reported;
        entry.dispatch(|client, callbacks| {
            end_reported.store(true, Ordering::Release);
            if let Some(error) = &error {
                report_error(client, callbacks.on_error, error);
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
