//! Statistics (net_websocket_ext.h "Statistics").
use crate::codes::*;
use crate::registry;
use crate::stats::{WebSocketEx_Stats, MIN_SIZE};
use crate::types::WebSocket;
use net_websocket_client::Stats;

ffi_fn! {
    /// Copies the client's statistics (a prefix of `size` bytes) into `out`.
    fn WebSocketEx_GetStats(client: *mut WebSocket, out: *mut WebSocketEx_Stats, size: usize) -> i32 {
        let entry = try_code!(registry::lookup(client));
        if out.is_null() || size < MIN_SIZE {
            return WEBSOCKET_SEND_DATA_NULL;
        }
        let stats = {
            let state = entry.state();
            let pending = state.pending.bytes() as u64;
            let mut stats = match &state.connection {
                Some(current) => current.connection.stats(),
                None => Stats::default(),
            };
            // GetBufferedAmount's count: the connection's queue and what waits for one.
            stats.queued_bytes += pending;
            stats
        };
        // SAFETY: the caller gives `size` writable bytes at `out` (the header's contract).
        unsafe { WebSocketEx_Stats::new(&stats).write_prefix(out, size) };
        WEBSOCKET_OK
    }
}
