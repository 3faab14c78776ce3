//! Why the last call of this thread failed (net_websocket_ext.h).
use crate::last_error;
use std::os::raw::c_char;

ffi_fn! {
    /// Why the last WebSocketEx_Set... call on this thread failed; "" if it did not.
    fn WebSocketEx_GetLastErrorMessage() -> *const c_char {
        last_error::get()
    }
}
