//! The extension's connection lifecycle: timeouts, keepalive, reconnection, redirects,
//! subprotocols and the handshake response (net_websocket_ext.h, SPEC §6, §8). Values are
//! checked here; the connection uses them from the next Connect.
use crate::codes::*;
use crate::options::{invalid, ms, ms_or, set_option_checked};
use crate::registry;
use crate::types::*;
use net_websocket_client::Reconnect;
use std::ffi::CStr;
use std::os::raw::c_char;
use std::time::Duration;

ffi_fn! {
    /// Bounds each connection attempt (0: 30000 ms).
    fn WebSocketEx_SetConnectTimeout(client: *mut WebSocket, timeoutMs: u32) -> i32 {
        let timeout = ms_or(timeoutMs, crate::shared_options::defaults().connect_timeout);
        set_option_checked(client, |o| {
            o.connect_timeout = timeout;
            Ok(())
        })
    }
}

ffi_fn! {
    /// How long Close waits for the server (0: 5000 ms).
    fn WebSocketEx_SetCloseTimeout(client: *mut WebSocket, timeoutMs: u32) -> i32 {
        let timeout = ms_or(timeoutMs, crate::shared_options::defaults().close_timeout);
        set_option_checked(client, |o| {
            o.close_timeout = timeout;
            Ok(())
        })
    }
}

ffi_fn! {
    /// A ping after pingIntervalMs idle, lost after deadAfterMs of silence (0: off).
    fn WebSocketEx_SetKeepalive(client: *mut WebSocket, pingIntervalMs: u32, deadAfterMs: u32) -> i32 {
        set_option_checked(client, |o| {
            if pingIntervalMs == 0 {
                o.ping_interval = None;
                return Ok(());
            }
            let interval = ms(pingIntervalMs);
            let dead_after = ms_or(deadAfterMs, interval.saturating_mul(2));
            if dead_after <= interval {
                return invalid(format!(
                    "deadAfterMs ({deadAfterMs}) must be longer than pingIntervalMs ({pingIntervalMs})"
                ));
            }
            o.ping_interval = Some(interval);
            o.dead_after = dead_after;
            Ok(())
        })
    }
}

ffi_fn! {
    /// Reconnection: maxAttempts in a row (0: off), backoff between baseDelayMs and maxDelayMs.
    fn WebSocketEx_SetReconnect(
        client: *mut WebSocket,
        maxAttempts: u32,
        baseDelayMs: u32,
        maxDelayMs: u32,
        afterServerClose: i32,
    ) -> i32 {
        set_option_checked(client, |o| {
            if maxAttempts == 0 {
                o.reconnect = None;
                return Ok(());
            }
            let max_delay = ms_or(maxDelayMs, Duration::from_secs(30));
            // The default base never exceeds the maximum given with it.
            let base_delay = ms_or(baseDelayMs, Duration::from_secs(1).min(max_delay));
            if base_delay > max_delay {
                return invalid(format!(
                    "baseDelayMs ({} ms) is longer than maxDelayMs ({} ms)",
                    base_delay.as_millis(),
                    max_delay.as_millis()
                ));
            }
            o.reconnect = Some(Reconnect {
                max_attempts: maxAttempts,
                base_delay,
                max_delay,
                after_server_close: afterServerClose != 0,
            });
            Ok(())
        })
    }
}

ffi_fn! {
    /// Sets or removes the callback told about each scheduled reconnection.
    fn WebSocketEx_SetReconnectCallback(client: *mut WebSocket, cb: WebSocketEx_OnReconnectCallback) -> i32 {
        let entry = try_code!(registry::lookup(client));
        entry.set_ext_callbacks(|c| c.reconnect = cb);
        WEBSOCKET_OK
    }
}

ffi_fn! {
    /// Follows redirects of the opening handshake (enable != 0, the default) or not.
    fn WebSocketEx_SetFollowRedirects(client: *mut WebSocket, enable: i32) -> i32 {
        set_option_checked(client, |o| {
            o.follow_redirects = enable != 0;
            Ok(())
        })
    }
}

ffi_fn! {
    /// Sends the caller's headers to every origin a redirect leads to (trusted != 0), or only
    /// to the URL's origin (0, the default).
    fn WebSocketEx_SetRedirectTrusted(client: *mut WebSocket, trusted: i32) -> i32 {
        set_option_checked(client, |o| {
            o.redirect_trusted = trusted != 0;
            Ok(())
        })
    }
}

/// "a, b" → ["a", "b"]; every entry an HTTP token (RFC 6455 §4.1, RFC 7230 §3.2.6).
fn parse_subprotocols(list: &str) -> Result<Vec<String>, String> {
    if list.trim().is_empty() {
        return Ok(Vec::new());
    }
    let token = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    list.split(',')
        .map(str::trim)
        .map(|p| {
            if token(p) {
                Ok(p.to_string())
            } else {
                Err(format!("subprotocol {p:?} is not an HTTP token"))
            }
        })
        .collect()
}

ffi_fn! {
    /// The subprotocols to offer, comma-separated (NULL or "": none).
    fn WebSocketEx_SetSubprotocols(client: *mut WebSocket, protocols: *const c_char) -> i32 {
        let list = if protocols.is_null() {
            Ok(Vec::new())
        } else {
            match CStr::from_ptr(protocols).to_str() {
                Ok(text) => parse_subprotocols(text),
                Err(_) => Err("the subprotocol list is not UTF-8".to_string()),
            }
        };
        set_option_checked(client, |o| {
            o.subprotocols = list.map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e))?;
            Ok(())
        })
    }
}

ffi_fn! {
    /// The subprotocol the server chose; NULL when none or for a bad handle.
    fn WebSocketEx_GetSubprotocol(client: *mut WebSocket) -> *const c_char {
        match registry::lookup(client) {
            Ok(entry) => entry.subprotocol(),
            Err(_) => std::ptr::null(),
        }
    }
}

ffi_fn! {
    /// Sets or removes the handshake response callback.
    fn WebSocketEx_SetHandshakeResponseCallback(
        client: *mut WebSocket,
        cb: WebSocketEx_OnHandshakeResponseCallback,
    ) -> i32 {
        let entry = try_code!(registry::lookup(client));
        entry.set_ext_callbacks(|c| c.response = cb);
        WEBSOCKET_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subprotocol_lists_are_tokens() {
        assert_eq!(
            parse_subprotocols(" chat.v2 , chat ").unwrap(),
            ["chat.v2", "chat"]
        );
        assert_eq!(parse_subprotocols("").unwrap(), Vec::<String>::new());
        for bad in ["a b", "x,,y", "x,", "\"q\"", "a;b"] {
            assert!(parse_subprotocols(bad).is_err(), "{bad:?}");
        }
    }
}
