//! The extension's TLS settings: trusted CAs (for the server and for an https:// proxy), a
//! client certificate, skipping verification, public-key pins and the TLS versions
//! (net_websocket_ext.h, SPEC §6). Files are read and checked during the call.
use crate::codes::*;
use crate::options::{as_path, as_text, set_option_checked};
use crate::types::WebSocket;
use net_websocket_client::TlsVersion;
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

ffi_fn! {
    /// Verifies an https:// proxy against the CAs of a PEM file (NULL: as the server is).
    fn WebSocketEx_SetProxyCAFile(client: *mut WebSocket, path: *const c_char) -> i32 {
        let file = as_path(path);
        set_option_checked(client, |o| {
            o.tls.set_proxy_ca_file(file).map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e.to_string()))
        })
    }
}

ffi_fn! {
    /// Pins the server's public key: "sha256//BASE64;..." or a key file (NULL: no pins).
    fn WebSocketEx_SetPinnedPublicKey(client: *mut WebSocket, pins: *const c_char) -> i32 {
        let pins = match as_text(pins, "the pin list") {
            Ok(Some("")) => Err("an empty pin list (NULL removes the pins)".to_string()),
            other => other,
        };
        set_option_checked(client, |o| {
            let pins = pins.map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e))?;
            o.tls
                .set_pinned_public_key(pins)
                .map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e.to_string()))
        })
    }
}

/// A version argument: 0 for no bound, else a TLS version we speak.
fn version_bound(value: i32, which: &str) -> Result<Option<TlsVersion>, String> {
    if value == 0 {
        return Ok(None);
    }
    u16::try_from(value)
        .ok()
        .and_then(TlsVersion::from_wire)
        .map(Some)
        .ok_or_else(|| {
            format!(
                "{which} {value:#06x} is not WEBSOCKET_EX_TLS1_2 (0x0303), WEBSOCKET_EX_TLS1_3 \
                 (0x0304) or 0"
            )
        })
}

ffi_fn! {
    /// The TLS versions allowed with the server: from minVersion to maxVersion (0: no bound).
    fn WebSocketEx_SetTlsVersions(client: *mut WebSocket, minVersion: i32, maxVersion: i32) -> i32 {
        let range = version_bound(minVersion, "minVersion")
            .and_then(|min| Ok((min, version_bound(maxVersion, "maxVersion")?)));
        set_option_checked(client, |o| {
            let (min, max) = range.map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e))?;
            o.tls
                .set_versions(min, max)
                .map_err(|e| (WEBSOCKET_CONNECTION_ERROR, e.to_string()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_bounds() {
        assert_eq!(version_bound(0, "x"), Ok(None));
        assert_eq!(version_bound(0x0303, "x"), Ok(Some(TlsVersion::Tls12)));
        assert_eq!(version_bound(0x0304, "x"), Ok(Some(TlsVersion::Tls13)));
        for bad in [0x0302, 0x0305, -1, 0x10304, 3] {
            assert!(version_bound(bad, "x").is_err(), "{bad:#x}");
        }
        assert_eq!(
            version_bound(0x0301, "minVersion").unwrap_err(),
            "minVersion 0x0301 is not WEBSOCKET_EX_TLS1_2 (0x0303), WEBSOCKET_EX_TLS1_3 (0x0304) or 0"
        );
    }
}
