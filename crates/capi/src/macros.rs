//! The only way to write an export: `#[no_mangle]`, `extern "C"`, and a panic boundary that
//! returns a fixed fallback instead of unwinding into C (rustls-ffi #286, hyper's ffi_fn!).

macro_rules! ffi_fn {
    ($(#[$meta:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
     on_panic $fallback:expr) => {
        $(#[$meta])*
        ///
        /// # Safety
        /// Pointer arguments must follow the contract of the C header (NULL where allowed,
        /// otherwise valid for the documented length); client handles are checked.
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || -> $ret { $body })) {
                Ok(value) => value,
                Err(_) => $fallback,
            }
        }
    };
}

/// Evaluates to the value of an `Ok`, or returns the error code from the function.
macro_rules! try_code {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return code,
        }
    };
}
