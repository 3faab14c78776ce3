//! The extension's limits: message sizes, the send queue (net_websocket_ext.h).
use crate::options::set_option;
use crate::registry;
use crate::types::WebSocket;

/// Largest receive limit: the standard onMessage reports lengths as uint32_t.
const MAX_RECEIVE_LIMIT: usize = u32::MAX as usize;

ffi_fn! {
    /// Largest message the send functions accept (0: default).
    fn WebSocketEx_SetMaxSendSize(client: *mut WebSocket, bytes: usize) -> i32 {
        let bytes = if bytes == 0 { crate::shared_options::defaults().max_send_size } else { bytes };
        set_option(client, |o| o.max_send_size = bytes)
    }
}

ffi_fn! {
    /// Largest message accepted from the server (0: default).
    fn WebSocketEx_SetMaxReceiveSize(client: *mut WebSocket, bytes: usize) -> i32 {
        let bytes = match bytes {
            0 => crate::shared_options::defaults().max_message_size,
            n => n.min(MAX_RECEIVE_LIMIT),
        };
        set_option(client, |o| o.max_message_size = bytes)
    }
}

ffi_fn! {
    /// Bytes that may wait in the send queue (0: default).
    fn WebSocketEx_SetSendQueueLimit(client: *mut WebSocket, bytes: usize) -> i32 {
        let bytes = if bytes == 0 { crate::shared_options::defaults().send_queue_limit } else { bytes };
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
    use crate::codes::*;
    use crate::exports::lifecycle::WebSocketEx_SetCloseTimeout;
    use crate::exports::standard::{OH_WebSocketClient_Constructor, OH_WebSocketClient_Destroy};
    use net_websocket_client::Options;
    use std::sync::Arc;
    use std::time::Duration;

    /// Clients that change no option share one copy of the defaults; a setter gives its
    /// client its own, and leaves the others' as they were.
    #[test]
    fn clients_share_the_default_options_until_one_is_set() {
        // SAFETY (all calls): the C API as documented; each client is destroyed once, last.
        let [a, b] =
            [(); 2].map(|()| unsafe { OH_WebSocketClient_Constructor(None, None, None, None) });
        let options = |c| registry::lookup(c).unwrap().state().options.clone();
        assert!(Arc::ptr_eq(&options(a), &options(b)));
        assert_eq!(unsafe { WebSocketEx_SetMaxSendSize(b, 7) }, WEBSOCKET_OK);
        assert!(!Arc::ptr_eq(&options(a), &options(b)));
        assert_eq!(options(b).max_send_size, 7);
        assert_eq!(options(a).max_send_size, Options::default().max_send_size);
        for client in [a, b] {
            assert_eq!(
                unsafe { OH_WebSocketClient_Destroy(client) },
                WEBSOCKET_NO_CONNECTION_CONTEXT
            );
        }
    }

    /// Clients whose setters leave the same settings share one copy of them, and a setter
    /// of one of them still changes only its own.
    #[test]
    fn clients_set_alike_share_one_copy_of_their_options() {
        // SAFETY (all calls): the C API as documented; each client is destroyed once, last.
        let [a, b, c] =
            [(); 3].map(|()| unsafe { OH_WebSocketClient_Constructor(None, None, None, None) });
        let options = |c| registry::lookup(c).unwrap().state().options.clone();
        for client in [a, b] {
            assert_eq!(
                unsafe { WebSocketEx_SetMaxSendSize(client, 4096) },
                WEBSOCKET_OK
            );
            assert_eq!(
                unsafe { WebSocketEx_SetCloseTimeout(client, 1500) },
                WEBSOCKET_OK
            );
        }
        assert!(Arc::ptr_eq(&options(a), &options(b)));
        assert_eq!(unsafe { WebSocketEx_SetMaxSendSize(b, 8192) }, WEBSOCKET_OK);
        assert_eq!(options(a).max_send_size, 4096);
        assert_eq!(options(b).max_send_size, 8192);
        assert_eq!(options(b).close_timeout, Duration::from_millis(1500));
        // Set back to the defaults, a client shares them with one that never changed any.
        assert_eq!(unsafe { WebSocketEx_SetMaxSendSize(a, 0) }, WEBSOCKET_OK);
        assert_eq!(unsafe { WebSocketEx_SetCloseTimeout(a, 0) }, WEBSOCKET_OK);
        assert!(Arc::ptr_eq(&options(a), &options(c)));
        for client in [a, b, c] {
            assert_eq!(
                unsafe { OH_WebSocketClient_Destroy(client) },
                WEBSOCKET_NO_CONNECTION_CONTEXT
            );
        }
    }

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
