//! Frame header encoding and decoding (RFC 6455 §5.2).
