//! The extension's network route: the proxy, a Unix domain socket (net_websocket_ext.h, SPEC
//! §6).
use crate::codes::*;
use crate::options::{as_path, set_option_checked};
use crate::types::WebSocket;
use net_websocket_client::{Proxy, ProxySetting, MAX_UNIX_PATH_LEN};
use std::ffi::CStr;
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
