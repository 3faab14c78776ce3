//! The C API as a C program links it: each call is the `extern "C"` function a C caller
//! reaches, panic boundary, handle checks and copies included.
pub use net_websocket::{
    OH_WebSocketClient_Close, OH_WebSocketClient_Connect, OH_WebSocketClient_Constructor,
    OH_WebSocketClient_Destroy,
};
use net_websocket::{
    WebSocket, WebSocketEx_GetLastErrorMessage, WebSocketEx_SetCAFile, WebSocketEx_SetCompression,
    WebSocketEx_SetKeepalive, WebSocketEx_SetMaxReceiveSize, WebSocketEx_SetMaxSendSize,
    WebSocketEx_SetSendQueueLimit, WebSocket_RequestOptions, WEBSOCKET_OK,
};
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Ok for WEBSOCKET_OK; otherwise an error naming the call, its code and (for setters) why.
pub fn check(call: &str, code: i32) -> Result<(), String> {
    if code == WEBSOCKET_OK {
        return Ok(());
    }
    // SAFETY: the library owns the string and keeps it valid until the next setter call on
    // this thread; it is copied at once.
    let why = unsafe { CStr::from_ptr(WebSocketEx_GetLastErrorMessage()) }.to_string_lossy();
    if why.is_empty() {
        Err(format!("{call} returned {code}"))
    } else {
        Err(format!("{call} returned {code}: {why}"))
    }
}

/// How a client is set up before Connect.
pub struct Settings<'a> {
    /// Largest message sent or received (0: the library's defaults).
    pub max_message: usize,
    /// Bytes that may wait in the send queue (0: the default).
    pub send_queue: usize,
    /// Offer permessage-deflate.
    pub compression: bool,
    /// Trust this CA for wss://.
    pub ca_file: Option<&'a Path>,
}

/// Applies `settings` to a client, with keepalive off: no client here sends pings.
///
/// # Safety
/// `client` is a live client from OH_WebSocketClient_Constructor.
pub unsafe fn configure(client: *mut WebSocket, settings: &Settings) -> Result<(), String> {
    // SAFETY (all calls): a live client; the CA path is a C string alive during its call.
    unsafe {
        check("SetKeepalive", WebSocketEx_SetKeepalive(client, 0, 0))?;
        check(
            "SetMaxSendSize",
            WebSocketEx_SetMaxSendSize(client, settings.max_message),
        )?;
        check(
            "SetMaxReceiveSize",
            WebSocketEx_SetMaxReceiveSize(client, settings.max_message),
        )?;
        check(
            "SetSendQueueLimit",
            WebSocketEx_SetSendQueueLimit(client, settings.send_queue),
        )?;
        check(
            "SetCompression",
            WebSocketEx_SetCompression(client, i32::from(settings.compression)),
        )?;
        if let Some(path) = settings.ca_file {
            let path = CString::new(path.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
            check("SetCAFile", WebSocketEx_SetCAFile(client, path.as_ptr()))?;
        }
    }
    Ok(())
}

/// Starts connecting to `url`; the outcome arrives through onOpen or onError.
///
/// # Safety
/// `client` is a live client from OH_WebSocketClient_Constructor.
pub unsafe fn connect(client: *mut WebSocket, url: &str) -> Result<(), String> {
    let url = CString::new(url).map_err(|e| e.to_string())?;
    let options = WebSocket_RequestOptions {
        headers: std::ptr::null_mut(),
    };
    // SAFETY: a live client; the URL is a C string alive during the call.
    check("Connect", unsafe {
        OH_WebSocketClient_Connect(client, url.as_ptr(), options)
    })
}
