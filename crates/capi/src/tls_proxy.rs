//! The `WebSocketEx_*` setters for wss:// and proxies (net_websocket_ext.h, SPEC §6, §8).
//! Files and URLs are checked here, during the call; the connection uses what they set from
//! the next Connect.
use crate::codes::*;
use crate::ext::set_option_checked;
use crate::last_error;
use crate::types::WebSocket;
use net_websocket_client::{Proxy, ProxySetting};
use std::ffi::{CStr, OsStr};
use std::os::raw::c_char;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A C string argument as a path; `None` for NULL.
///
/// # Safety
/// `p` is NULL or a C string, per the API contract.
unsafe fn as_path<'a>(p: *const c_char) -> Option<&'a Path> {
    (!p.is_null()).then(|| Path::new(OsStr::from_bytes(CStr::from_ptr(p).to_bytes())))
}

ffi_fn! {
    /// Trusts the CAs of a PEM file instead of the system store (NULL: drop it).
    fn WebSocketEx_SetCAFile(client: *mut WebSocket, path: *const c_char) -> i32 {
        let file = as_path(path);
        set_option_checked(client, |o| {
            o.tls.set_ca_file(file).map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e.to_string()))
        })
    }
}

ffi_fn! {
    /// Trusts the CAs of every PEM file in a directory instead of the system store.
    fn WebSocketEx_SetCADirectory(client: *mut WebSocket, path: *const c_char) -> i32 {
        let dir = as_path(path);
        set_option_checked(client, |o| {
            o.tls.set_ca_dir(dir).map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e.to_string()))
        })
    }
}

ffi_fn! {
    /// Presents a client certificate (all NULL: none).
    fn WebSocketEx_SetClientCertificate(
        client: *mut WebSocket,
        certificateChainFile: *const c_char,
        privateKeyFile: *const c_char,
        password: *const c_char,
    ) -> i32 {
        let chain = as_path(certificateChainFile);
        let key = as_path(privateKeyFile);
        let password = (!password.is_null()).then(|| CStr::from_ptr(password).to_bytes());
        set_option_checked(client, |o| match (chain, key, password) {
            (None, None, None) => {
                o.tls.clear_client_certificate();
                Ok(())
            }
            (Some(chain), Some(key), password) => o
                .tls
                .set_client_certificate(chain, key, password)
                .map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e.to_string())),
            _ => Err((
                WEBSOCKET_CONNECTION_ERROR,
                "a client certificate needs both a certificate chain file and a key file"
                    .to_string(),
            )),
        })
    }
}

ffi_fn! {
    /// skip != 0: accept any server certificate (unauthenticated TLS).
    fn WebSocketEx_SetSkipCertificateVerification(client: *mut WebSocket, skip: i32) -> i32 {
        set_option_checked(client, |o| {
            o.tls.set_verify(skip == 0);
            Ok(())
        })
    }
}

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
    /// Why the last WebSocketEx_Set... call on this thread failed; "" if it did not.
    fn WebSocketEx_GetLastErrorMessage() -> *const c_char {
        last_error::get()
    }
}
