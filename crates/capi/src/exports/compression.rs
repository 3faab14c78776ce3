//! The extension's permessage-deflate controls (net_websocket_ext.h): on or off, level,
//! threshold, window sizes, memLevel. Ranges are the protocol's (`DeflateConfig::validate`);
//! the settings apply from the next Connect.
use crate::options::{invalid, set_option, set_option_checked};
use crate::types::WebSocket;
use net_websocket_client::{DeflateConfig, Options};

/// Changes the compression settings of a client that offers compression, then checks them;
/// refused (nothing changes) when compression is off or a value is out of range.
fn change_deflate(client: *mut WebSocket, change: impl FnOnce(&mut DeflateConfig)) -> i32 {
    set_option_checked(client, |o: &mut Options| {
        let Some(deflate) = o.deflate.as_mut() else {
            return invalid("compression is off: call WebSocketEx_SetCompression(client, 1) first");
        };
        let mut changed = deflate.clone();
        change(&mut changed);
        if let Err(error) = changed.validate() {
            return invalid(error.to_string());
        }
        *deflate = changed;
        Ok(())
    })
}

ffi_fn! {
    /// Offers permessage-deflate from the next Connect; turning it on again keeps the settings.
    fn WebSocketEx_SetCompression(client: *mut WebSocket, enable: i32) -> i32 {
        set_option(client, |o| {
            o.deflate = (enable != 0).then(|| o.deflate.take().unwrap_or_default());
        })
    }
}

ffi_fn! {
    /// zlib's level, 0 (stored blocks) to 9.
    fn WebSocketEx_SetCompressionLevel(client: *mut WebSocket, level: i32) -> i32 {
        let level = u8::try_from(level).unwrap_or(u8::MAX);
        change_deflate(client, |d| d.level = level)
    }
}

ffi_fn! {
    /// Messages shorter than `bytes` go out uncompressed.
    fn WebSocketEx_SetCompressionThreshold(client: *mut WebSocket, bytes: usize) -> i32 {
        change_deflate(client, |d| d.min_compress_size = bytes)
    }
}

ffi_fn! {
    /// The windows offered: 8..=15, or 0 (client: the server chooses; server: not offered).
    fn WebSocketEx_SetCompressionWindow(
        client: *mut WebSocket,
        clientMaxWindowBits: i32,
        serverMaxWindowBits: i32,
    ) -> i32 {
        let bits = |b: i32| u8::try_from(b).unwrap_or(u8::MAX);
        change_deflate(client, |d| {
            d.client_max_window_bits = Some(match clientMaxWindowBits {
                0 => 15,
                b => bits(b),
            });
            d.server_max_window_bits = (serverMaxWindowBits != 0).then(|| bits(serverMaxWindowBits));
        })
    }
}

ffi_fn! {
    /// zlib's memLevel, 1 to 9.
    fn WebSocketEx_SetCompressionMemLevel(client: *mut WebSocket, memLevel: i32) -> i32 {
        let mem_level = u8::try_from(memLevel).unwrap_or(u8::MAX);
        change_deflate(client, |d| d.mem_level = mem_level)
    }
}
