//! Text handed to C as a NUL-terminated string.
use std::ffi::CString;

/// `s` as a C string. Interior NULs (impossible in valid close reasons, possible in
/// peer-controlled text and in messages that quote it) are replaced with U+FFFD, so nothing is
/// truncated silently; without one (almost always) `s` is copied once.
pub(crate) fn c_string(s: &str) -> CString {
    CString::new(s)
        .unwrap_or_else(|_| CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::c_string;

    #[test]
    fn text_is_kept_whole_and_nuls_are_replaced() {
        assert_eq!(c_string("going away").to_bytes(), b"going away");
        assert_eq!(c_string("a\0b").to_str().unwrap(), "a\u{FFFD}b");
        assert_eq!(c_string("").to_bytes(), b"");
    }
}
