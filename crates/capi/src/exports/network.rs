//! The extension's network route: the proxy, a Unix domain socket, the source address and
//! interface, resolve overrides and TCP keepalive (net_websocket_ext.h, SPEC §6).
use crate::codes::*;
use crate::options::{as_path, as_text, ms, set_option_checked};
use crate::types::WebSocket;
use net_websocket_client::tcp::check_interface;
use net_websocket_client::{Proxy, ProxySetting, ResolveOverride, TcpKeepalive, MAX_UNIX_PATH_LEN};
use std::ffi::CStr;
use std::net::IpAddr;
use std::os::raw::c_char;

ffi_fn! {
    /// A proxy URL, "" for none, or NULL for the environment's.
    fn WebSocketEx_SetProxy(client: *mut WebSocket, proxyUrl: *const c_char) -> i32 {
        let setting = if proxyUrl.is_null() {
            Ok(ProxySetting::Environment)
        } else {
            match CStr::from_ptr(proxyUrl).to_str() {
                Ok("") => Ok(ProxySetting::Off),
                Ok(url) => Proxy::parse(url).map(ProxySetting::Url).map_err(|e| e.to_string()),
                Err(_) => Err("invalid proxy URL: not UTF-8".to_string()),
            }
        };
        set_option_checked(client, |o| {
            o.proxy = setting.map_err(|e| (WEBSOCKET_CONNECTION_PARSE_URL_ERROR, e))?;
            Ok(())
        })
    }
}

ffi_fn! {
    /// Sends every connection through the Unix domain socket at `path` (NULL: TCP again).
    fn WebSocketEx_SetUnixSocket(client: *mut WebSocket, path: *const c_char) -> i32 {
        let path = as_path(path);
        set_option_checked(client, |o| {
            if let Some(path) = path {
                let length = path.as_os_str().len();
                if length == 0 {
                    return Err((WEBSOCKET_CONNECTION_PARSE_URL_ERROR, "an empty Unix socket path".into()));
                }
                if length > MAX_UNIX_PATH_LEN {
                    return Err((
                        WEBSOCKET_CONNECTION_PARSE_URL_ERROR,
                        format!(
                            "the Unix socket path is {length} bytes, over the {MAX_UNIX_PATH_LEN} a socket address holds"
                        ),
                    ));
                }
            }
            o.unix_socket = path.map(|p| p.to_path_buf());
            Ok(())
        })
    }
}

/// A text argument that NULL clears and "" cannot set.
fn non_empty<'a>(
    text: Result<Option<&'a str>, String>,
    what: &str,
) -> Result<Option<&'a str>, String> {
    match text {
        Ok(Some("")) => Err(format!("an empty {what} (NULL removes the setting)")),
        other => other,
    }
}

ffi_fn! {
    /// Connects from this numeric IPv4 or IPv6 address (NULL: any).
    fn WebSocketEx_SetLocalAddress(client: *mut WebSocket, address: *const c_char) -> i32 {
        let address = non_empty(as_text(address, "the local address"), "local address")
            .and_then(|text| {
                text.map(|t| {
                    t.parse::<IpAddr>()
                        .map_err(|_| format!("{t:?} is not a numeric IPv4 or IPv6 address (without a port)"))
                })
                .transpose()
            });
        set_option_checked(client, |o| {
            o.local_address = address.map_err(|e| (WEBSOCKET_CONNECTION_PARSE_URL_ERROR, e))?;
            Ok(())
        })
    }
}

ffi_fn! {
    /// Connects through this network interface only (NULL: any).
    fn WebSocketEx_SetInterface(client: *mut WebSocket, name: *const c_char) -> i32 {
        let name = non_empty(as_text(name, "the interface name"), "interface name").and_then(|name| {
            if let Some(name) = name {
                check_interface(name)?;
            }
            Ok(name.map(str::to_string))
        });
        set_option_checked(client, |o| {
            o.interface = name.map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e))?;
            Ok(())
        })
    }
}

ffi_fn! {
    /// Adds a resolve override "host:port:addr[,addr...]" (NULL: removes them all).
    fn WebSocketEx_SetResolve(client: *mut WebSocket, entry: *const c_char) -> i32 {
        let entry = non_empty(as_text(entry, "the resolve entry"), "resolve entry")
            .and_then(|text| text.map(ResolveOverride::parse).transpose());
        set_option_checked(client, |o| {
            match entry.map_err(|e| (WEBSOCKET_CONNECTION_PARSE_URL_ERROR, e))? {
                // A later entry for the same host and port replaces the earlier one.
                Some(entry) => {
                    o.resolve.retain(|e| (e.host(), e.port()) != (entry.host(), entry.port()));
                    o.resolve.push(entry);
                }
                None => o.resolve.clear(),
            }
            Ok(())
        })
    }
}

ffi_fn! {
    /// TCP keepalive probes after idleMs, every intervalMs, lost after count (all 0: off).
    fn WebSocketEx_SetTcpKeepalive(
        client: *mut WebSocket,
        idleMs: u32,
        intervalMs: u32,
        count: u32,
    ) -> i32 {
        let keepalive = match (idleMs, intervalMs, count) {
            (0, 0, 0) => Ok(None),
            _ => TcpKeepalive::new(ms(idleMs), ms(intervalMs), count).map(Some),
        };
        set_option_checked(client, |o| {
            o.tcp_keepalive = keepalive.map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e))?;
            Ok(())
        })
    }
}
