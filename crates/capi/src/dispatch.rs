//! Connection events → the client's C callbacks, called now on the library thread or queued
//! for the client's dispatcher (`crate::dispatcher`): each callback is a closure that owns its
//! data, given to [`CallbackHandler::dispatch`].
use crate::c_text::c_string;
use crate::codes;
use crate::compat;
use crate::dispatcher::Route;
use crate::entry::{Callbacks, ClientEntry};
use crate::types::*;
use net_websocket_client::{
    Accepted, End, Error, Handler, Lost, MessageData, MessageKind, ResponseHead, Tracer,
};
use std::ffi::CString;
use std::os::raw::c_char;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// The handler of one connection of one client. It keeps the client's memory alive while a
/// callback may still run (Destroy inside a callback defers the free until it returns).
pub(crate) struct CallbackHandler {
    pub(crate) entry: Arc<ClientEntry>,
    /// Set when the end starts being reported (see `entry::Current`), or when the connection
    /// goes without a report (Destroy).
    pub(crate) end_reported: Arc<AtomicBool>,
    /// The dispatcher the callbacks go to; None: they run on the library thread.
    pub(crate) route: Option<Arc<Route>>,
    /// Set once the end is reported: trace events after it are dropped.
    pub(crate) trace_ended: Arc<AtomicBool>,
}

impl CallbackHandler {
    /// Runs `call` as one of the client's callbacks: now, or queued for its dispatcher.
    /// `call` returns whether it called a C function.
    fn dispatch(&self, call: impl FnOnce(*mut WebSocket, &Callbacks) -> bool + Send + 'static) {
        dispatch_call(&self.entry, self.route.as_ref(), call);
    }

    /// The connection's tracer, when the client has a trace callback: its events are
    /// dispatched like the other callbacks, until the end is reported.
    pub(crate) fn tracer(&self) -> Option<Tracer> {
        self.entry.ext_callbacks().trace?;
        let ended = self.trace_ended.clone();
        Some(crate::trace::tracer(
            &self.entry,
            self.route.as_ref(),
            ended,
        ))
    }

    /// The same for a callback that gets `data` (bytes followed by a 0 byte): lent where it
    /// lies when called now, copied for a dispatcher (and counted against its limit).
    fn dispatch_bytes(
        &self,
        data: &mut [u8],
        call: impl FnOnce(*mut WebSocket, &Callbacks, *mut c_char) -> bool + Send + 'static,
    ) {
        match &self.route {
            None => {
                let pointer = data.as_mut_ptr() as *mut c_char;
                self.entry
                    .dispatch(|client, callbacks| call(client, callbacks, pointer));
            }
            Some(route) => {
                let mut copy = data.to_vec();
                let bytes = copy.len().saturating_sub(1);
                let queued = move |client, callbacks: &Callbacks| {
                    call(client, callbacks, copy.as_mut_ptr() as *mut c_char)
                };
                route.queue(&self.entry, bytes, Box::new(queued));
            }
        }
    }
}

/// Runs `call` as one of `entry`'s callbacks: now on this thread, or queued for the
/// dispatcher of `route`. The one way every callback (trace events included) is delivered.
pub(crate) fn dispatch_call(
    entry: &Arc<ClientEntry>,
    route: Option<&Arc<Route>>,
    call: impl FnOnce(*mut WebSocket, &Callbacks) -> bool + Send + 'static,
) {
    match route {
        None => {
            entry.dispatch(call);
        }
        Some(route) => route.queue(entry, 0, Box::new(call)),
    }
}

impl Drop for CallbackHandler {
    fn drop(&mut self) {
        self.trace_ended.store(true, Ordering::Release);
        self.end_reported.store(true, Ordering::Release);
    }
}

/// The onError arguments for an error: its code and message.
fn error_result(error: &Error) -> (u32, CString) {
    (codes::for_error(error), c_string(&error.to_string()))
}

/// Calls `on_error` if set; whether it was.
fn report_error(
    client: *mut WebSocket,
    on_error: WebSocket_OnErrorCallback,
    error: &(u32, CString),
) -> bool {
    let Some(on_error) = on_error else {
        return false;
    };
    let result = WebSocket_ErrorResult {
        errorCode: error.0,
        errorMessage: error.1.as_ptr(),
    };
    // SAFETY: a callback given to the Constructor, called with a live client.
    unsafe { on_error(client, result) };
    true
}

impl Handler for CallbackHandler {
    fn on_response(&mut self, head: &ResponseHead) {
        let Some(callback) = self.entry.ext_callbacks().response else {
            return;
        };
        let strings: Vec<(CString, CString)> = head
            .headers
            .iter()
            .map(|(name, value)| (c_string(name), c_string(value)))
            .collect();
        let status = u32::from(head.status);
        let reason = c_string(&head.reason);
        let entry = self.entry.clone();
        self.dispatch(move |client, _| {
            // The header list as C nodes pointing into C strings, all alive during the call.
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
            // SAFETY: a callback given to WebSocketEx_SetHandshakeResponseCallback; the list
            // and strings live until this closure returns.
            unsafe { callback(client, status, reason.as_ptr(), first, entry.user_data()) };
            true
        });
    }

    fn on_open(&mut self, response: &Accepted) {
        if compat::openharmony() {
            // Before onOpen runs, so that a Close from inside it sees it.
            self.entry.state().pending.opened = true;
        }
        self.entry.set_subprotocol(response.subprotocol.as_deref());
        let reason = c_string(&response.reason);
        let code = u32::from(response.status);
        self.dispatch(move |client, callbacks| {
            let Some(on_open) = callbacks.on_open else {
                return false;
            };
            let result = WebSocket_OpenResult {
                code,
                reason: reason.as_ptr(),
            };
            // SAFETY: a callback given to the Constructor, called with a live client.
            unsafe { on_open(client, result) };
            true
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
        let entry = self.entry.clone();
        self.dispatch_bytes(data.with_nul(), move |client, callbacks, pointer| {
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
            } else {
                return false;
            }
            true
        });
    }

    fn on_fragment(
        &mut self,
        kind: MessageKind,
        mut data: MessageData<'_>,
        first: bool,
        last: bool,
    ) {
        let length = data.len();
        let kind = match kind {
            MessageKind::Text => WEBSOCKET_EX_TEXT,
            MessageKind::Binary => WEBSOCKET_EX_BINARY,
        };
        let flags =
            if first { WEBSOCKET_EX_FIRST } else { 0 } | if last { WEBSOCKET_EX_FINAL } else { 0 };
        let entry = self.entry.clone();
        // data[length] == 0 for the caller (SPEC §4): the protocol put it there.
        self.dispatch_bytes(data.with_nul(), move |client, _, pointer| {
            // Removed after this connection began delivering pieces: they are dropped until
            // the next Connect (documented at WebSocketEx_SetFragmentCallback).
            let Some(callback) = entry.ext_callbacks().fragment else {
                return false;
            };
            // SAFETY: a callback given to WebSocketEx_SetFragmentCallback; `pointer` is valid
            // for length + 1 bytes during the call.
            unsafe { callback(client, pointer, length, kind, flags, entry.user_data()) };
            true
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
        let length = payload.len();
        let entry = self.entry.clone();
        self.dispatch(move |client, _| {
            // SAFETY: a callback given to WebSocketEx_SetPongCallback; `data` outlives the call.
            unsafe {
                callback(
                    client,
                    data.as_ptr() as *const c_char,
                    length,
                    entry.user_data(),
                )
            };
            true
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
        let attempt = lost.attempt;
        let entry = self.entry.clone();
        self.dispatch(move |client, callbacks| {
            let reported = error
                .as_ref()
                .is_some_and(|error| report_error(client, callbacks.on_error, error));
            if entry.is_destroyed() {
                return reported; // Destroy was called from onError.
            }
            let Some(callback) = entry.ext_callbacks().reconnect else {
                return reported;
            };
            let last = WebSocket_CloseResult {
                code,
                reason: reason.as_ptr(),
            };
            // SAFETY: a callback given to WebSocketEx_SetReconnectCallback.
            unsafe { callback(client, attempt, delay, last, entry.user_data()) };
            true
        });
    }

    fn on_end(&mut self, end: End<'_>) {
        let error = end.error.map(error_result);
        let close = end.close.map(|(code, reason)| (code, c_string(reason)));
        // One dispatch for both, so no callback of a new connection slips between them; and
        // a new Connect is allowed from here on, under the dispatch lock, so the new
        // connection's callbacks come after these.
        let entry = self.entry.clone();
        let end_reported = self.end_reported.clone();
        self.dispatch(move |client, callbacks| {
            end_reported.store(true, Ordering::Release);
            let reported = error
                .as_ref()
                .is_some_and(|error| report_error(client, callbacks.on_error, error));
            if entry.is_destroyed() {
                return reported; // Destroy was called from onError.
            }
            let (Some((code, reason)), Some(on_close)) = (&close, callbacks.on_close) else {
                return reported;
            };
            let result = WebSocket_CloseResult {
                code: u32::from(*code),
                reason: reason.as_ptr(),
            };
            // SAFETY: as above.
            unsafe { on_close(client, result) };
            true
        });
        // Nothing comes after the end: the dispatcher is free of this connection.
        self.trace_ended.store(true, Ordering::Release);
        if let Some(route) = &self.route {
            route.release();
        }
    }

    /// Backpressure for a dispatcher that is not run often enough (see `crate::dispatcher`).
    fn poll_accepting(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &self.route {
            None => Poll::Ready(()),
            Some(route) => route.poll_accepting(&self.entry, cx),
        }
    }
}
