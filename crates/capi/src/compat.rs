//! `NET_WEBSOCKET_COMPAT=openharmony` (SPEC §10): the six standard functions return what
//! OpenHarmony's reference implementation returns for the same call, as its source shows
//! (eclipse-oniro-mirrors/communication_netstack: `interfaces/kits/c/net_websocket/src/
//! net_websocket.cpp`, `frameworks/native/websocket_native/src/websocket_client.cpp`,
//! `frameworks/native/websocket_native/include/websocket_client_error.h`). The README's table
//! "Return values under NET_WEBSOCKET_COMPAT=openharmony" lists every case, and the ones where
//! we keep our value because the reference's comes from a defect of it.
//!
//! Only return values change, plus the two things a return value of the reference stands for:
//! AddHeader on a caller's own struct appends to that struct's list, and Send without a
//! connection queues the message for the next one. Certificates are verified as always.
use crate::codes::*;
use crate::entry::ClientState;
use crate::registry;
use crate::types::{WebSocket, WebSocket_Header};
use std::ffi::{c_void, CStr};
use std::os::raw::c_char;
use std::ptr;
use std::sync::OnceLock;

/// The environment variable that selects the mode, read once.
pub(crate) const COMPAT_ENV: &str = "NET_WEBSOCKET_COMPAT";

/// The reference's `WEBSOCKET_CONNECTION_TO_SERVER_FAIL` (websocket_client_error.h): its Connect
/// returns it when libwebsockets cannot start the connection at once, as for a URL without a
/// host. The public header gives the value the name WEBSOCKET_CONNECTION_NO_MEMORY.
const REFERENCE_CONNECT_FAILED: i32 = 1006;

/// The number of live clients at which the reference's Constructor returns NULL.
const REFERENCE_MAX_CLIENTS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Default,
    OpenHarmony,
}

/// The mode a value of [`COMPAT_ENV`] selects; an unknown value selects the default mode and
/// says so.
fn mode_of(value: Option<&str>) -> (Mode, Option<String>) {
    match value.map(str::trim) {
        None | Some("") => (Mode::Default, None),
        Some(v) if v.eq_ignore_ascii_case("openharmony") => (Mode::OpenHarmony, None),
        Some(v) => (
            Mode::Default,
            Some(format!(
                "net_websocket: {COMPAT_ENV}={v:?} is not a mode (openharmony); \
                 the default mode stays"
            )),
        ),
    }
}

/// Whether the OpenHarmony switch is on. The variable is read at the first call that asks: the
/// first Constructor, or an AddHeader on a caller's struct made before any client.
pub(crate) fn openharmony() -> bool {
    static MODE: OnceLock<Mode> = OnceLock::new();
    *MODE.get_or_init(|| {
        let value = std::env::var(COMPAT_ENV).ok();
        let (mode, warning) = mode_of(value.as_deref());
        if let Some(warning) = warning {
            // As for NET_WEBSOCKET_LOG: once, on stderr, since no logger may be on.
            eprintln!("{warning}");
        }
        mode
    }) == Mode::OpenHarmony
}

/// Constructor: the reference returns NULL while 100 clients are live.
pub(crate) fn refuses_new_client() -> bool {
    openharmony() && registry::len() >= REFERENCE_MAX_CLIENTS
}

/// Connect with a URL we cannot use (not NULL): 1005 (SPEC §3); under the switch 1006, what
/// the reference returns: its URL parser accepts any string, and what it cannot connect to at
/// once (no host, say) fails in libwebsockets' connect call.
pub(crate) fn unusable_url() -> i32 {
    if openharmony() {
        REFERENCE_CONNECT_FAILED
    } else {
        WEBSOCKET_CONNECTION_PARSE_URL_ERROR
    }
}

/// Connect checks the headers before the URL under the switch, as the reference does (a call
/// with both wrong reports the headers).
pub(crate) fn headers_before_url() -> bool {
    openharmony()
}

/// Send of the standard function when the client's connection ended or is closing: under the
/// switch the message waits for the next connection and Send returns 0, as the reference's
/// client-wide queue does.
pub(crate) fn queues_after_end(standard: bool) -> bool {
    standard && openharmony()
}

/// Close under the switch, before our checks: the reference answers from whether a connection
/// of the client ever opened (its `openStatus`, set by a handshake response and never reset):
/// 1017 if none did (an attempt in progress is stopped, as the reference stops it), 0 if one
/// did but none is active now. None: our Close decides (an active connection that opened once,
/// or the default mode).
pub(crate) fn close_answer(state: &ClientState) -> Option<i32> {
    if !openharmony() {
        return None;
    }
    let active = state
        .connection
        .as_ref()
        .filter(|c| c.connection.is_active());
    match (state.pending.opened, active) {
        (false, Some(attempt)) => {
            let _ = attempt.connection.close(1000, "");
            Some(WEBSOCKET_NO_CONNECTION)
        }
        (false, None) => Some(WEBSOCKET_NO_CONNECTION),
        (true, None) => Some(WEBSOCKET_OK),
        (true, Some(_)) => None,
    }
}

/// Close while the close handshake already runs: 1017; under the switch 0, as the reference
/// accepts every Close once a connection opened.
pub(crate) fn close_again() -> i32 {
    if openharmony() {
        WEBSOCKET_OK
    } else {
        WEBSOCKET_NO_CONNECTION
    }
}

/// AddHeader under the switch on a non-NULL pointer this library did not make: the reference
/// checks no registry there and appends a node to that struct's list. So do we, and return 0;
/// the node then belongs to the caller (net_websocket.h says how to free it). None: not this
/// case.
///
/// # Safety
/// Under the switch, a non-NULL `client` that is not a live handle points to a
/// `struct WebSocket` of the caller whose `requestOptions.headers` is NULL or a valid
/// NULL-terminated list; `header`'s strings are NULL or C strings.
pub(crate) unsafe fn add_header_to_foreign(
    client: *mut WebSocket,
    header: &WebSocket_Header,
) -> Option<i32> {
    if client.is_null() || !openharmony() || registry::lookup(client).is_ok() {
        return None;
    }
    // A client of ours that was destroyed is not the caller's struct: 1002, as for any other
    // function given it.
    if crate::entry::destroyed_recently(client) {
        return Some(WEBSOCKET_CLIENT_NOT_CREATED);
    }
    // SAFETY: the strings are NULL or C strings per the contract above.
    let node = unsafe { new_node(header.fieldName, header.fieldValue) };
    if node.is_null() {
        // The reference's code for a node it could not allocate.
        return Some(WEBSOCKET_CONNECTION_ERROR);
    }
    // SAFETY: the caller's struct and list are valid per the contract above.
    unsafe { append_to_foreign_list(client, node) };
    Some(WEBSOCKET_OK)
}

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
}

/// A header node in one malloc block, with copies of the strings after it, so that `free(node)`
/// releases all of it. A NULL name or value stays NULL (the reference stores what it is given).
///
/// # Safety
/// `name` and `value` are NULL or C strings.
unsafe fn new_node(name: *const c_char, value: *const c_char) -> *mut WebSocket_Header {
    // SAFETY: per the contract above.
    let bytes = |s: *const c_char| (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) });
    let (name, value) = (bytes(name), bytes(value));
    let length = |s: Option<&CStr>| s.map_or(0, |s| s.to_bytes_with_nul().len());
    let head = std::mem::size_of::<WebSocket_Header>();
    // SAFETY: malloc's block is aligned for any type; the copies fit after the node.
    unsafe {
        let block = malloc(head + length(name) + length(value)) as *mut u8;
        if block.is_null() {
            return ptr::null_mut();
        }
        let mut free_at = block.add(head);
        let mut copy = |s: Option<&CStr>| match s {
            None => ptr::null(),
            Some(s) => {
                let s = s.to_bytes_with_nul();
                ptr::copy_nonoverlapping(s.as_ptr(), free_at, s.len());
                let copied = free_at as *const c_char;
                free_at = free_at.add(s.len());
                copied
            }
        };
        let node = block as *mut WebSocket_Header;
        node.write(WebSocket_Header {
            fieldName: copy(name),
            fieldValue: copy(value),
            next: ptr::null_mut(),
        });
        node
    }
}

/// Appends `node` at the end of the header list of the caller's own `struct WebSocket`.
///
/// # Safety
/// `client` points to a `struct WebSocket` the caller allocated and keeps alive, its list is
/// NULL or a valid NULL-terminated list, and nothing else changes it meanwhile.
unsafe fn append_to_foreign_list(client: *mut WebSocket, node: *mut WebSocket_Header) {
    // SAFETY: the one place where the library dereferences a pointer it did not make, as the
    // reference's AddHeader does; only under the switch, with the caller's contract above.
    // Raw pointers throughout: the caller's memory is never borrowed as a Rust reference.
    unsafe {
        let mut link = ptr::addr_of_mut!((*client).requestOptions.headers);
        while !link.read().is_null() {
            link = ptr::addr_of_mut!((*link.read()).next);
        }
        link.write(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_openharmony_switches() {
        assert_eq!(mode_of(None), (Mode::Default, None));
        assert_eq!(mode_of(Some("")), (Mode::Default, None));
        assert_eq!(mode_of(Some("openharmony")), (Mode::OpenHarmony, None));
        assert_eq!(mode_of(Some(" OpenHarmony ")), (Mode::OpenHarmony, None));
        let (mode, warning) = mode_of(Some("ohos"));
        assert_eq!(mode, Mode::Default);
        assert!(warning.unwrap().contains("\"ohos\" is not a mode"));
    }

    #[test]
    fn nodes_hold_copies_and_keep_null_fields() {
        // SAFETY: C strings and NULL; the blocks are freed below.
        unsafe {
            let node = new_node(c"Content-Type".as_ptr(), c"application/json".as_ptr());
            assert!(!node.is_null());
            assert_eq!(CStr::from_ptr((*node).fieldName), c"Content-Type");
            assert_eq!(CStr::from_ptr((*node).fieldValue), c"application/json");
            assert!((*node).next.is_null());
            let empty = new_node(ptr::null(), c"".as_ptr());
            assert!((*empty).fieldName.is_null());
            assert_eq!(CStr::from_ptr((*empty).fieldValue), c"");

            let mut own = WebSocket {
                onOpen: None,
                onMessage: None,
                onError: None,
                onClose: None,
                requestOptions: crate::types::WebSocket_RequestOptions {
                    headers: ptr::null_mut(),
                },
            };
            append_to_foreign_list(&mut own, node);
            append_to_foreign_list(&mut own, empty);
            assert_eq!(own.requestOptions.headers, node);
            assert_eq!((*node).next, empty);
            free(node as *mut c_void);
            free(empty as *mut c_void);
        }
    }

    extern "C" {
        fn free(block: *mut c_void);
    }
}
