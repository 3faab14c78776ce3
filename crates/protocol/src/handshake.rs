//! The opening handshake (RFC 6455 §4; RFC 7692 §5 for the extension negotiation).
use crate::deflate::{DeflateConfig, DeflateParams};
use crate::error::HandshakeError;

/// Largest response (or request) head we accept before giving up: 64 KiB.
pub const MAX_HEAD_SIZE: usize = 64 * 1024;

/// The client side of the opening handshake: builds the request, then validates the response.
#[derive(Debug)]
pub struct ClientHandshake {}

/// The server's successful (101) answer, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// 101.
    pub status: u16,
    /// The reason phrase as sent, e.g. "Switching Protocols".
    pub reason: String,
    /// Every response header, in order (values lossily decoded as UTF-8).
    pub headers: Vec<(String, String)>,
    /// The subprotocol the server selected, if any (checked against the offer).
    pub subprotocol: Option<String>,
    /// The permessage-deflate parameters, if the server accepted our offer.
    pub deflate: Option<DeflateParams>,
    /// How many bytes of the buffer the response head used; the rest are frames.
    pub consumed: usize,
}

impl ClientHandshake {
    /// Builds the request. `key` is 16 random bytes. `host` is the Host header value (with the
    /// port only when it is not the scheme's default); `resource` is path and query ("/" when
    /// empty). `headers` are user headers: any handshake field (Host, Upgrade, Connection,
    /// Sec-WebSocket-Key/-Version/-Accept/-Extensions) or invalid name/value is refused with
    /// [`HandshakeError::ForbiddenHeader`]. A user `Sec-WebSocket-Protocol` header is the
    /// subprotocol offer. `deflate` adds a permessage-deflate offer.
    pub fn new(
        _key: [u8; 16],
        _host: &str,
        _resource: &str,
        _headers: &[(String, String)],
        _deflate: Option<&DeflateConfig>,
    ) -> Result<Self, HandshakeError> {
        todo!()
    }

    /// The request bytes to write.
    pub fn request(&self) -> &[u8] {
        todo!()
    }

    /// Validates the response received so far (the caller accumulates bytes). `Ok(None)`: the
    /// head is not complete yet. Errors once the head is complete and wrong, or over
    /// [`MAX_HEAD_SIZE`].
    pub fn parse_response(&self, _buf: &[u8]) -> Result<Option<Accepted>, HandshakeError> {
        todo!()
    }
}

/// A client's request accepted by the server side (our echo server and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAccepted {
    /// Path and query of the request.
    pub resource: String,
    /// Every request header, in order.
    pub headers: Vec<(String, String)>,
    /// The 101 response to write.
    pub response: Vec<u8>,
    /// The deflate parameters agreed, when `deflate` was enabled and the client offered it.
    pub deflate: Option<DeflateParams>,
    /// How many bytes the request head used.
    pub consumed: usize,
}

/// Server side: validates a request received so far. `Ok(None)`: incomplete. With `deflate`
/// the server accepts a permessage-deflate offer it can honour.
pub fn accept_request(
    _buf: &[u8],
    _deflate: bool,
) -> Result<Option<ServerAccepted>, HandshakeError> {
    todo!()
}

/// Server side: a complete HTTP error response (e.g. 400) to refuse a request with.
pub fn reject_response(_status: u16, _reason: &str) -> Vec<u8> {
    todo!()
}
