//! The C types of net_websocket_type.h, field for field (SPEC §2; pinned by tests/c/test_abi.c),
//! and the callback types and constants of net_websocket_ext.h.
use std::ffi::c_void;
use std::os::raw::c_char;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WebSocket_CloseResult {
    pub code: u32,
    pub reason: *const c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WebSocket_CloseOption {
    pub code: u32,
    pub reason: *const c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WebSocket_ErrorResult {
    pub errorCode: u32,
    pub errorMessage: *const c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WebSocket_OpenResult {
    pub code: u32,
    pub reason: *const c_char,
}

pub type WebSocket_OnOpenCallback =
    Option<unsafe extern "C" fn(client: *mut WebSocket, openResult: WebSocket_OpenResult)>;
pub type WebSocket_OnMessageCallback =
    Option<unsafe extern "C" fn(client: *mut WebSocket, data: *mut c_char, length: u32)>;
pub type WebSocket_OnErrorCallback =
    Option<unsafe extern "C" fn(client: *mut WebSocket, errorResult: WebSocket_ErrorResult)>;
pub type WebSocket_OnCloseCallback =
    Option<unsafe extern "C" fn(client: *mut WebSocket, closeResult: WebSocket_CloseResult)>;

#[repr(C)]
#[derive(Debug)]
pub struct WebSocket_Header {
    pub fieldName: *const c_char,
    pub fieldValue: *const c_char,
    pub next: *mut WebSocket_Header,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct WebSocket_RequestOptions {
    pub headers: *mut WebSocket_Header,
}

#[repr(C)]
#[derive(Debug)]
pub struct WebSocket {
    pub onOpen: WebSocket_OnOpenCallback,
    pub onMessage: WebSocket_OnMessageCallback,
    pub onError: WebSocket_OnErrorCallback,
    pub onClose: WebSocket_OnCloseCallback,
    pub requestOptions: WebSocket_RequestOptions,
}

// ---- net_websocket_ext.h ---------------------------------------------------------------

/// `WebSocketEx_MessageType`.
pub const WEBSOCKET_EX_TEXT: i32 = 1;
pub const WEBSOCKET_EX_BINARY: i32 = 2;

/// The flags of `WebSocketEx_SendTextEx` and `WebSocketEx_SendBinaryEx`.
pub const WEBSOCKET_EX_NO_COMPRESS: u32 = 1;

/// `WebSocketEx_OnMessageCallback`.
pub type WebSocketEx_OnMessageCallback = Option<
    unsafe extern "C" fn(
        client: *mut WebSocket,
        data: *const c_char,
        length: usize,
        kind: i32,
        user_data: *mut c_void,
    ),
>;

/// `WebSocketEx_FragmentFlags`.
pub const WEBSOCKET_EX_FIRST: i32 = 1;
pub const WEBSOCKET_EX_FINAL: i32 = 2;

/// `WebSocketEx_OnFragmentCallback`.
pub type WebSocketEx_OnFragmentCallback = Option<
    unsafe extern "C" fn(
        client: *mut WebSocket,
        data: *const c_char,
        length: usize,
        kind: i32,
        flags: i32,
        user_data: *mut c_void,
    ),
>;

/// `WebSocketEx_OnReconnectCallback`.
pub type WebSocketEx_OnReconnectCallback = Option<
    unsafe extern "C" fn(
        client: *mut WebSocket,
        attempt: u32,
        delay_ms: u32,
        last_close: WebSocket_CloseResult,
        user_data: *mut c_void,
    ),
>;

/// `WebSocketEx_OnHandshakeResponseCallback`.
pub type WebSocketEx_OnHandshakeResponseCallback = Option<
    unsafe extern "C" fn(
        client: *mut WebSocket,
        status: u32,
        reason: *const c_char,
        headers: *const WebSocket_Header,
        user_data: *mut c_void,
    ),
>;

/// `WebSocketEx_OnPongCallback`./// `WebSocketEx_OnPongCallback`.
pub type WebSocketEx_OnPongCallback = Option<
    unsafe extern "C" fn(
        client: *mut WebSocket,
        data: *const c_char,
        length: usize,
        user_data: *mut c_void,
    ),
>;

/// `WebSocketEx_Dispatcher`: opaque to C (a handle the library looks up, never dereferenced).
#[repr(C)]
pub struct WebSocketEx_Dispatcher {
    _opaque: [u8; 0],
}
