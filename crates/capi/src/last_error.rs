//! The message behind `WebSocketEx_GetLastErrorMessage`: why the last setter call on this
//! thread failed ("" after one that succeeded).
use crate::c_text::c_string;
use std::cell::RefCell;
use std::ffi::{c_char, CString};

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records the outcome of a setter call: `Some(message)` when it failed.
pub(crate) fn set(message: Option<&str>) {
    if message.is_none() && LAST_ERROR.with(|last| last.borrow().is_empty()) {
        // The common case, a success after a success, allocates nothing.
        return;
    }
    let message = message.map(c_string).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
}

/// The current message; valid until the next `set` on this thread.
pub(crate) fn get() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}
