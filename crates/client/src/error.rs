//! Why a connection failed, as reported to [`crate::Handler::on_end`].
use std::fmt;

/// The class of a connection failure; the C API maps each to one error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// DNS, TCP, TLS, timeouts, resets, keepalive: the transport failed.
    Transport,
    /// The peer ended the TCP connection without a close handshake.
    ClosedByPeer,
    /// The server's handshake response or frames broke the protocol (or a limit).
    Protocol,
}

/// A connection failure with a human-readable message naming the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }
    pub(crate) fn transport(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Transport, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Error {}
