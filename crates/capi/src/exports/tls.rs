//! The extension's TLS settings: trusted CAs, a client certificate, skipping verification
//! (net_websocket_ext.h, SPEC §6). Files are read and checked during the call.
use crate::codes::*;
use crate::options::{as_path, set_option_checked};
use crate::types::WebSocket;
use std::ffi::CStr;
use std::os::raw::c_char;

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
