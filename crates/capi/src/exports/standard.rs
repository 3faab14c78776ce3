//! The six functions of net_websocket.h (SPEC §3).
use crate::codes::*;
use crate::compat;
use crate::dispatch::CallbackHandler;
use crate::entry::{Callbacks, ClientEntry, Current};
use crate::headers;
use crate::registry;
use crate::send::{send, SendAs};
use crate::types::*;
use net_websocket_client::{connect_to, CloseError, ConnectError, Target};
use std::ffi::CStr;
use std::os::raw::c_char;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

ffi_fn! {
    /// Creates a client; NULL callbacks drop their events; NULL when out of memory.
    fn OH_WebSocketClient_Constructor(
        onOpen: WebSocket_OnOpenCallback,
        onMessage: WebSocket_OnMessageCallback,
        onError: WebSocket_OnErrorCallback,
        onclose: WebSocket_OnCloseCallback,
    ) -> *mut WebSocket {
        // The C program has no logger of its own: NET_WEBSOCKET_LOG turns ours on.
        net_websocket_client::logging::init_from_env();
        if compat::refuses_new_client() {
            return std::ptr::null_mut();
        }
        let Some(entry) = ClientEntry::new(Callbacks {
            on_open: onOpen,
            on_message: onMessage,
            on_error: onError,
            on_close: onclose,
        }) else {
            return std::ptr::null_mut();
        };
        let entry = Arc::new(entry);
        let client = entry.ffi_ptr();
        if !registry::insert(entry) {
            return std::ptr::null_mut();
        }
        client
    }
}

ffi_fn! {
    /// Appends a copy of `header` to `client->requestOptions.headers`.
    fn OH_WebSocketClient_AddHeader(client: *mut WebSocket, header: WebSocket_Header) -> i32 {
        // SAFETY: the contract of AddHeader under the OpenHarmony switch (net_websocket.h).
        if let Some(code) = unsafe { compat::add_header_to_foreign(client, &header) } {
            return code;
        }
        let entry = try_code!(registry::lookup(client));
        let mut state = try_code!(entry.live_state());
        if let Some(head) = try_code!(state.headers.push(header.fieldName, header.fieldValue)) {
            entry.set_header_head(head);
        }
        WEBSOCKET_OK
    }
}

ffi_fn! {
    /// Starts connecting; the outcome arrives through onOpen or onError.
    fn OH_WebSocketClient_Connect(
        client: *mut WebSocket,
        url: *const c_char,
        options: WebSocket_RequestOptions,
    ) -> i32 {
        let entry = try_code!(registry::lookup(client));
        if url.is_null() {
            return WEBSOCKET_CONNECTION_PARSE_URL_ERROR;
        }
        // SAFETY: a non-NULL url is a C string per the API contract.
        let target = unsafe { CStr::from_ptr(url) }
            .to_str()
            .ok()
            .and_then(|url| Target::parse(url).ok());
        if target.is_none() && !compat::headers_before_url() {
            return compat::unusable_url();
        }
        // Held until the connection is stored: a Destroy that begins meanwhile waits for it,
        // and one that began before makes this 1002.
        let mut state = try_code!(entry.live_state());
        // SAFETY: the caller's list is valid during the call per the API contract.
        let headers = try_code!(unsafe { headers::for_connect(&state.headers, options.headers) });
        let Some(target) = target else {
            return compat::unusable_url();
        };
        // Busy also while the previous connection's callbacks wait in a dispatcher: its last
        // callback comes before the next connection's first.
        if state.connection.as_ref().is_some_and(Current::is_busy)
            || entry.dispatching.has_pending()
        {
            return WEBSOCKET_CONNECTION_ERROR;
        }
        entry.clear_subprotocols();
        let end_reported = Arc::new(AtomicBool::new(false));
        let handler = Box::new(CallbackHandler {
            entry: entry.clone(),
            end_reported: end_reported.clone(),
            route: entry.dispatching.route_for_connect(),
            trace_ended: Arc::new(AtomicBool::new(false)),
        });
        // The client's options, shared with the connection; copied only to add a tracer.
        let mut options = state.options.clone();
        if let Some(tracer) = handler.tracer() {
            Arc::make_mut(&mut options).trace = Some(tracer);
        }
        match connect_to(target, &headers, options, handler) {
            Ok(connection) => {
                state.pending.hand_to(&connection);
                state.connection = Some(Current {
                    connection,
                    end_reported,
                });
                WEBSOCKET_OK
            }
            Err(ConnectError::Header(_)) => WEBSOCKET_NO_HEADER_CONTEXT,
            Err(_) => WEBSOCKET_CONNECTION_ERROR,
        }
    }
}

ffi_fn! {
    /// Queues a copy of `data` as one text or binary message.
    fn OH_WebSocketClient_Send(client: *mut WebSocket, data: *mut c_char, length: usize) -> i32 {
        send(client, data, length, SendAs::Standard)
    }
}

ffi_fn! {
    /// Starts the close handshake (or cancels a connection attempt).
    fn OH_WebSocketClient_Close(client: *mut WebSocket, options: WebSocket_CloseOption) -> i32 {
        let entry = try_code!(registry::lookup(client));
        let state = try_code!(entry.live_state());
        if let Some(code) = compat::close_answer(&state) {
            return code;
        }
        let (code, reason) = if options.code == 0 || options.reason.is_null() {
            (1000, "")
        } else {
            // SAFETY: a non-NULL reason is a C string per the API contract.
            match unsafe { CStr::from_ptr(options.reason) }.to_str() {
                Ok(reason) => (options.code, reason),
                Err(_) => return WEBSOCKET_CONNECTION_ERROR,
            }
        };
        let Some(Current { connection, .. }) = state.connection.as_ref() else {
            return WEBSOCKET_NO_CONNECTION;
        };
        if !connection.is_active() {
            return WEBSOCKET_NO_CONNECTION;
        }
        let Ok(code) = u16::try_from(code) else {
            return WEBSOCKET_CONNECTION_ERROR;
        };
        match connection.close(code, reason) {
            Ok(()) => WEBSOCKET_OK,
            Err(CloseError::InvalidCode(_) | CloseError::ReasonTooLong) => {
                WEBSOCKET_CONNECTION_ERROR
            }
            Err(CloseError::NotConnected) => compat::close_again(),
        }
    }
}

ffi_fn! {
    /// Ends the connection at once and frees the client.
    fn OH_WebSocketClient_Destroy(client: *mut WebSocket) -> i32 {
        let entry = try_code!(registry::remove(client));
        entry.mark_destroying();
        entry.wait_for_callbacks();
        let current = entry.state().connection.take();
        // After the state lock: a SetDispatcher that held it has finished. Its queued
        // callbacks are dropped, and the dispatcher is free of it.
        entry.dispatching.detach(&entry);
        let Some(current) = current else {
            // Connect never started anything: the reference's value (SPEC §3).
            return WEBSOCKET_NO_CONNECTION_CONTEXT;
        };
        current.connection.abort();
        // The last reference (ours, or the running task's handler) frees the memory.
        WEBSOCKET_OK
    }
}
