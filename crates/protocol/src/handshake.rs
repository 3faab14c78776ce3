//! The opening handshake (RFC 6455 §4; RFC 7692 §5 for the extension negotiation).
//!
//! The client side is here; the server side (our echo server and tests) is in `server`.
use crate::deflate::{DeflateConfig, DeflateParams, EXTENSION_NAME};
use crate::error::HandshakeError;
use crate::fields::{is_token, list_contains, parse_extensions};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha1::{Digest, Sha1};
use std::fmt::Write as _;

mod server;
pub use server::{accept_request, reject_response, ServerAccepted};

/// Largest response (or request) head we accept before giving up: 64 KiB.
pub const MAX_HEAD_SIZE: usize = 64 * 1024;

/// Most header fields in a head we parse; more is [`HandshakeError::Malformed`].
pub const MAX_HEADERS: usize = 128;

/// §1.3: the GUID appended to the key before hashing.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Fields the handshake sets itself; a user header may not (SPEC §5, RFC 6455 §4.1).
const RESERVED_FIELDS: [&str; 7] = [
    "Host",
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Extensions",
];

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` value (§4.2.2: "the base64-encoded SHA-1
/// of the concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the
/// string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"").
pub fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID.as_bytes());
    BASE64.encode(sha.finalize())
}

/// The client side of the opening handshake: builds the request, then validates the response.
#[derive(Debug)]
pub struct ClientHandshake {
    request: Vec<u8>,
    /// The `Sec-WebSocket-Accept` the server must send back.
    expected_accept: String,
    /// The subprotocols offered through a user `Sec-WebSocket-Protocol` header.
    subprotocols: Vec<String>,
    deflate: Option<DeflateConfig>,
}

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

/// A complete HTTP response head, whatever its status: what [`parse_head`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The HTTP status code.
    pub status: u16,
    /// The reason phrase as sent.
    pub reason: String,
    /// 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub http_minor_version: u8,
    /// Every header field, in order (values lossily decoded as UTF-8 and trimmed).
    pub headers: Vec<(String, String)>,
    /// How many bytes of the buffer the head used.
    pub consumed: usize,
}

/// Parses the response head received so far (the caller accumulates bytes): `Ok(None)` until
/// it is complete; an error for bytes that are not an HTTP response head or a head over
/// [`MAX_HEAD_SIZE`] (or with more than [`MAX_HEADERS`] fields).
pub fn parse_head(buf: &[u8]) -> Result<Option<ResponseHead>, HandshakeError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut fields);
    let head = &buf[..buf.len().min(MAX_HEAD_SIZE)];
    let consumed = match response.parse(head) {
        Err(e) => return Err(HandshakeError::Malformed(e.to_string())),
        Ok(httparse::Status::Partial) if head.len() == MAX_HEAD_SIZE => {
            return Err(HandshakeError::Malformed(
                "response head over 64 KiB".to_string(),
            ))
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Ok(httparse::Status::Complete(n)) => n,
    };
    Ok(Some(ResponseHead {
        status: response.code.unwrap_or(0),
        reason: response.reason.unwrap_or("").to_string(),
        http_minor_version: response.version.unwrap_or(0),
        headers: collect_headers(response.headers),
        consumed,
    }))
}

/// CR, LF and NUL would end or corrupt the field (RFC 7230 §3.2: field values are printable
/// text, with CR LF only as line terminators).
fn has_line_breaks(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'\r' | b'\n' | b'\0'))
}

fn check_user_header(name: &str, value: &str) -> Result<(), HandshakeError> {
    let reserved = RESERVED_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name));
    if reserved || !is_token(name) || has_line_breaks(value) {
        return Err(HandshakeError::ForbiddenHeader(name.to_string()));
    }
    Ok(())
}

impl ClientHandshake {
    /// Builds the request. `key` is 16 random bytes. `host` is the Host header value (with the
    /// port only when it is not the scheme's default); `resource` is path and query ("/" when
    /// empty). `headers` are user headers: any handshake field (Host, Upgrade, Connection,
    /// Sec-WebSocket-Key/-Version/-Accept/-Extensions) or invalid name/value is refused with
    /// [`HandshakeError::ForbiddenHeader`]. A user `Sec-WebSocket-Protocol` header is the
    /// subprotocol offer. `deflate` adds a permessage-deflate offer.
    ///
    /// A `host` with CR/LF/NUL or a `resource` with spaces or control characters is refused
    /// with [`HandshakeError::ForbiddenHeader`]; window bits outside 8..=15 in `deflate` with
    /// [`HandshakeError::BadExtension`].
    pub fn new(
        key: [u8; 16],
        host: &str,
        resource: &str,
        headers: &[(String, String)],
        deflate: Option<&DeflateConfig>,
    ) -> Result<Self, HandshakeError> {
        Self::check(host, resource, headers, deflate)?;
        let resource = if resource.is_empty() { "/" } else { resource };
        let key = BASE64.encode(key);
        // Sized once: the fixed fields take under 160 bytes, an extension offer under 160.
        let fields: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
        let offer = if deflate.is_some() { 160 } else { 0 };
        let mut request = String::with_capacity(160 + resource.len() + host.len() + fields + offer);
        // §4.1 client requirements 1–9, in that order.
        let _ = write!(
            request,
            "GET {resource} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        );
        let mut subprotocols = Vec::new();
        for (name, value) in headers {
            // §4.1 item 10: "|Sec-WebSocket-Protocol| ... one or more comma-separated
            // subprotocol the client wishes to speak".
            if name.eq_ignore_ascii_case("Sec-WebSocket-Protocol") {
                subprotocols.extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(String::from),
                );
            }
            let _ = write!(request, "{name}: {value}\r\n");
        }
        if let Some(config) = deflate {
            let _ = write!(request, "Sec-WebSocket-Extensions: {}\r\n", config.offer()?);
        }
        request.push_str("\r\n");
        Ok(ClientHandshake {
            request: request.into_bytes(),
            expected_accept: accept_key(&key),
            subprotocols,
            deflate: deflate.cloned(),
        })
    }

    /// What [`ClientHandshake::new`] refuses, checked without building the request (a
    /// client checks its headers when it is told to connect, and builds each attempt's
    /// request, with a fresh key, later).
    pub fn check(
        host: &str,
        resource: &str,
        headers: &[(String, String)],
        deflate: Option<&DeflateConfig>,
    ) -> Result<(), HandshakeError> {
        if host.is_empty() || has_line_breaks(host) {
            return Err(HandshakeError::ForbiddenHeader(format!("Host: {host:?}")));
        }
        let resource = if resource.is_empty() { "/" } else { resource };
        // §4.1 / RFC 7230 §3.1.1: request-target contains no whitespace or controls.
        if resource.bytes().any(|b| b <= b' ' || b == 0x7F) {
            return Err(HandshakeError::ForbiddenHeader(format!(
                "request target {resource:?}"
            )));
        }
        for (name, value) in headers {
            check_user_header(name, value)?;
        }
        match deflate {
            Some(config) => config.validate(),
            None => Ok(()),
        }
    }

    /// The request bytes to write.
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// Validates the response received so far (the caller accumulates bytes). `Ok(None)`: the
    /// head is not complete yet. Errors once the head is complete and wrong, or over
    /// [`MAX_HEAD_SIZE`]. The same as [`parse_head`] then [`ClientHandshake::accept`].
    pub fn parse_response(&self, buf: &[u8]) -> Result<Option<Accepted>, HandshakeError> {
        match parse_head(buf)? {
            Some(head) => self.accept(head).map(Some),
            None => Ok(None),
        }
    }

    /// Checks a complete response head against the request (RFC 6455 §4.1, the client's
    /// requirements for the server's handshake): a 101 with the upgrade fields, our accept
    /// key, and only the extensions and subprotocol we offered. A 3xx with `Location` is
    /// [`HandshakeError::Redirect`], any other status [`HandshakeError::Status`].
    pub fn accept(&self, head: ResponseHead) -> Result<Accepted, HandshakeError> {
        let ResponseHead {
            status,
            reason,
            http_minor_version,
            headers,
            consumed,
        } = head;
        // §4.1: "If the status code received from the server is not 101, the client handles
        // the response per HTTP [RFC2616] procedures", e.g. redirects.
        if status != 101 {
            if (300..400).contains(&status) {
                if let Some(location) = field(&headers, "Location") {
                    return Err(HandshakeError::Redirect {
                        code: status,
                        location: location.to_string(),
                    });
                }
            }
            return Err(HandshakeError::Status {
                code: status,
                reason,
            });
        }
        if http_minor_version != 1 {
            return Err(HandshakeError::Malformed("not HTTP/1.1".to_string()));
        }
        check_upgrade(&headers)?;
        // §4.1: the |Sec-WebSocket-Accept| value must match exactly.
        if !self.accept_matches(&headers) {
            return Err(HandshakeError::BadAccept);
        }
        let deflate = self.check_extensions(&headers)?;
        let subprotocol = self.check_subprotocol(&headers)?;
        Ok(Accepted {
            status,
            reason,
            headers,
            subprotocol,
            deflate,
            consumed,
        })
    }

    /// Exactly one `Sec-WebSocket-Accept`, equal to the value for our key.
    fn accept_matches(&self, headers: &[(String, String)]) -> bool {
        let mut accepts = fields_named(headers, "Sec-WebSocket-Accept");
        matches!((accepts.next(), accepts.next()), (Some(v), None) if v == self.expected_accept)
    }

    /// §4.1 item 5: "If the response includes a |Sec-WebSocket-Extensions| header field and
    /// this header field indicates the use of an extension that was not present in the
    /// client's handshake ..., the client MUST _Fail the WebSocket Connection_."
    fn check_extensions(
        &self,
        headers: &[(String, String)],
    ) -> Result<Option<DeflateParams>, HandshakeError> {
        let mut agreed = None;
        for value in fields_named(headers, "Sec-WebSocket-Extensions") {
            let elements = parse_extensions(value).map_err(HandshakeError::BadExtension)?;
            for ext in elements {
                let offer = match &self.deflate {
                    Some(offer) if ext.name.eq_ignore_ascii_case(EXTENSION_NAME) => offer,
                    _ => return Err(HandshakeError::BadExtension(ext.name)),
                };
                // We offered one element, so at most one can be accepted.
                if agreed.is_some() {
                    return Err(HandshakeError::BadExtension(format!(
                        "{EXTENSION_NAME} accepted twice"
                    )));
                }
                let params = offer
                    .accept_response(&ext)
                    .map_err(HandshakeError::BadExtension)?;
                agreed = Some(params);
            }
        }
        Ok(agreed)
    }

    /// §4.1 item 6: the server's subprotocol must be one the client offered.
    fn check_subprotocol(
        &self,
        headers: &[(String, String)],
    ) -> Result<Option<String>, HandshakeError> {
        let mut values = fields_named(headers, "Sec-WebSocket-Protocol");
        match (values.next(), values.next()) {
            (None, _) => Ok(None),
            (Some(v), None) if self.subprotocols.iter().any(|p| p == v) => Ok(Some(v.to_string())),
            (Some(v), _) => Err(HandshakeError::BadSubprotocol(v.to_string())),
        }
    }
}

/// Header fields as owned pairs, values lossily decoded and trimmed of surrounding whitespace.
fn collect_headers(fields: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value);
            (h.name.to_string(), value.trim().to_string())
        })
        .collect()
}

/// Values of every field called `name` (field names are case-insensitive, RFC 7230 §3.2).
fn fields_named<'a>(
    headers: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn field<'a>(headers: &'a [(String, String)], name: &'a str) -> Option<&'a str> {
    fields_named(headers, name).next()
}

/// `Upgrade: websocket` and `Connection: Upgrade`, both as tokens of comma lists compared
/// case-insensitively (§4.1 items 2–3, §4.2.1 items 3–4).
fn check_upgrade(headers: &[(String, String)]) -> Result<(), HandshakeError> {
    let upgrade = fields_named(headers, "Upgrade").any(|v| list_contains(v, "websocket"));
    let connection = fields_named(headers, "Connection").any(|v| list_contains(v, "upgrade"));
    if upgrade && connection {
        Ok(())
    } else {
        Err(HandshakeError::MissingUpgrade)
    }
}

#[cfg(test)]
mod tests;
