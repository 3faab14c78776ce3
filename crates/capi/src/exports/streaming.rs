//! Messages in pieces: the fragment callback, SendFragment and the frame size
//! (net_websocket_ext.h).
use crate::codes::*;
use crate::last_error;
use crate::options::{invalid, set_option, set_option_checked};
use crate::registry;
use crate::send::{send, SendAs};
use crate::types::*;
use net_websocket_client::protocol::{DEFAULT_MAX_FRAME_SIZE, MIN_FRAME_SIZE};
use net_websocket_client::MessageKind;
use std::os::raw::c_char;

ffi_fn! {
    /// Sets or removes the fragment callback; the next Connect receives in pieces while set.
    fn WebSocketEx_SetFragmentCallback(
        client: *mut WebSocket,
        cb: WebSocketEx_OnFragmentCallback,
    ) -> i32 {
        let entry = try_code!(registry::lookup(client));
        entry.set_ext_callbacks(|c| c.fragment = cb);
        set_option(client, |o| o.receive_fragments = cb.is_some())
    }
}

ffi_fn! {
    /// Queues the next piece of a message sent in fragments.
    fn WebSocketEx_SendFragment(
        client: *mut WebSocket,
        data: *const c_char,
        length: usize,
        type_: i32,
        isFinal: i32,
    ) -> i32 {
        let kind = match type_ {
            WEBSOCKET_EX_TEXT => MessageKind::Text,
            WEBSOCKET_EX_BINARY => MessageKind::Binary,
            _ => {
                last_error::set(Some(&format!(
                    "fragment type {type_} is neither WEBSOCKET_EX_TEXT (1) nor WEBSOCKET_EX_BINARY (2)"
                )));
                return WEBSOCKET_PROTOCOL_ERROR;
            }
        };
        let last = isFinal != 0;
        let code = send(client, data, length, SendAs::Fragment { kind, last });
        last_error::set(match code {
            WEBSOCKET_OK => None,
            WEBSOCKET_PROTOCOL_ERROR => Some(match kind {
                MessageKind::Text => "a text fragment must be valid UTF-8 on its own, and may \
                                      not continue a binary message",
                MessageKind::Binary => "a binary fragment may not continue a text message",
            }),
            WEBSOCKET_NO_CONNECTION => Some("no connection: fragments need a Connect first, \
                                             and none are taken once Close was called or the \
                                             end was reported"),
            _ => Some("the fragment was refused (see the return value)"),
        });
        code
    }
}

ffi_fn! {
    /// The largest frame payload sent (0: default, at least 1 KiB), from the next Connect.
    fn WebSocketEx_SetMaxFrameSize(client: *mut WebSocket, bytes: usize) -> i32 {
        set_option_checked(client, |o| {
            o.max_frame_size = match bytes {
                0 => DEFAULT_MAX_FRAME_SIZE,
                n if n < MIN_FRAME_SIZE => {
                    return invalid(format!(
                        "a frame size of {n} bytes is under the minimum of {MIN_FRAME_SIZE}"
                    ))
                }
                n => n,
            };
            Ok(())
        })
    }
}
