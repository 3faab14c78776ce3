//! What an export returns when its body panicked (a bug of ours): by return type, in this one
//! place, as rustls-ffi does — an error code for codes, NULL for pointers, 0 for sizes — and
//! `WebSocketEx_GetLastErrorMessage` names the function and the panic. Nothing unwinds into C.
use crate::codes::WEBSOCKET_CONNECTION_ERROR;
use crate::last_error;
use std::any::Any;

pub(crate) trait PanicFallback {
    fn on_panic() -> Self;
}

impl PanicFallback for i32 {
    fn on_panic() -> i32 {
        WEBSOCKET_CONNECTION_ERROR
    }
}

impl<T> PanicFallback for *mut T {
    fn on_panic() -> *mut T {
        std::ptr::null_mut()
    }
}

impl<T> PanicFallback for *const T {
    fn on_panic() -> *const T {
        std::ptr::null()
    }
}

impl PanicFallback for usize {
    fn on_panic() -> usize {
        0
    }
}

/// The value `function` returns after its body panicked with `payload`.
pub(crate) fn fallback<R: PanicFallback>(function: &str, payload: Box<dyn Any + Send>) -> R {
    let what = net_websocket_client::panic_message(&*payload);
    last_error::set(Some(&format!(
        "internal error in {function}: {what} (a bug in net_websocket)"
    )));
    R::on_panic()
}

#[cfg(test)]
mod tests {
    use crate::codes::WEBSOCKET_CONNECTION_ERROR;
    use std::ffi::CStr;

    ffi_fn! {
        /// A test export whose body panics.
        fn net_websocket_test_panics_with_code(fail: i32) -> i32 {
            if fail != 0 {
                panic!("boom {fail}");
            }
            0
        }
    }

    ffi_fn! {
        /// A test export that panics with a pointer return type.
        fn net_websocket_test_panics_with_pointer() -> *mut u8 {
            panic!("no pointer for you")
        }
    }

    fn last_message() -> String {
        // SAFETY: the message is a C string owned by this thread's last_error.
        unsafe { CStr::from_ptr(crate::last_error::get()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_the_return_type_fallback_and_a_message() {
        // SAFETY: plain integer arguments.
        assert_eq!(unsafe { net_websocket_test_panics_with_code(0) }, 0);
        assert_eq!(
            unsafe { net_websocket_test_panics_with_code(7) },
            WEBSOCKET_CONNECTION_ERROR
        );
        assert_eq!(
            last_message(),
            "internal error in net_websocket_test_panics_with_code: boom 7 (a bug in net_websocket)"
        );
        assert!(unsafe { net_websocket_test_panics_with_pointer() }.is_null());
        assert!(last_message().contains("no pointer for you"));
    }
}
