//! The C types of net_websocket_type.h, field for field (SPEC §2; pinned by tests/c/test_abi.c).
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
