//! Incremental UTF-8 validation across fragments (RFC 6455 §8.1), failing at the first bad byte.
