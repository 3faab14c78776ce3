//! How the setters change a client's options (from its next Connect), and the conversions of
//! their C arguments.
use crate::codes::*;
use crate::entry::ClientEntry;
use crate::last_error;
use crate::registry;
use crate::types::WebSocket;
use net_websocket_client::Options;
use std::ffi::{CStr, OsStr};
use std::os::raw::c_char;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Changes the options used from the next Connect.
pub(crate) fn set_option(client: *mut WebSocket, change: impl FnOnce(&mut Options)) -> i32 {
    set_option_checked(client, |o| {
        change(o);
        Ok(())
    })
}

/// The client's entry for a setter; a bad handle's code, with its reason recorded for
/// WebSocketEx_GetLastErrorMessage.
pub(crate) fn lookup_for_setter(client: *mut WebSocket) -> Result<Arc<ClientEntry>, i32> {
    registry::lookup(client).inspect_err(|&code| {
        last_error::set(Some(if code == WEBSOCKET_CLIENT_NULL {
            "the client is NULL"
        } else {
            "not a live client (never created, or destroyed)"
        }));
    })
}

/// Changes the options used from the next Connect, unless `change` refuses with a code and a
/// message (then nothing changes); records the outcome for WebSocketEx_GetLastErrorMessage.
pub(crate) fn set_option_checked(
    client: *mut WebSocket,
    change: impl FnOnce(&mut Options) -> Result<(), (i32, String)>,
) -> i32 {
    let entry = match lookup_for_setter(client) {
        Ok(entry) => entry,
        Err(code) => return code,
    };
    match entry.change_options(change) {
        Ok(Ok(())) => {
            last_error::set(None);
            WEBSOCKET_OK
        }
        Ok(Err((code, message))) => {
            last_error::set(Some(&message));
            code
        }
        Err(code) => {
            last_error::set(Some("the client is being destroyed"));
            code
        }
    }
}

pub(crate) fn ms(value: u32) -> Duration {
    Duration::from_millis(u64::from(value))
}

/// `value` ms, or `default` for 0.
pub(crate) fn ms_or(value: u32, default: Duration) -> Duration {
    if value == 0 {
        default
    } else {
        ms(value)
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> Result<(), (i32, String)> {
    Err((WEBSOCKET_CONNECTION_ERROR, message.into()))
}

/// A C string argument as a path; `None` for NULL.
///
/// # Safety
/// `p` is NULL or a C string, per the API contract.
pub(crate) unsafe fn as_path<'a>(p: *const c_char) -> Option<&'a Path> {
    (!p.is_null()).then(|| Path::new(OsStr::from_bytes(CStr::from_ptr(p).to_bytes())))
}

/// A C string argument as UTF-8 text: `Ok(None)` for NULL, an error naming `what` when it is
/// not UTF-8.
///
/// # Safety
/// `p` is NULL or a C string, per the API contract.
pub(crate) unsafe fn as_text<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, String> {
    if p.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(p)
        .to_str()
        .map(Some)
        .map_err(|_| format!("{what} is not UTF-8"))
}
