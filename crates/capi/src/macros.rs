//! The only way to write an export: `#[no_mangle]`, `extern "C"`, and a panic boundary that
//! returns a fallback instead of unwinding into C (rustls-ffi #286, hyper's ffi_fn!). The
//! fallback is chosen by the return type, in one place: [`crate::panic::PanicFallback`].

macro_rules! ffi_fn {
    ($(#[$meta:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$meta])*
        ///
        /// # Safety
        /// Pointer arguments must follow the contract of the C header (NULL where allowed,
        /// otherwise valid for the documented length); client handles are checked.
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || -> $ret { $body })) {
                Ok(value) => value,
                Err(payload) => crate::panic::fallback(stringify!($name), payload),
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
