//! The server side of the opening handshake (RFC 6455 §4.2), for our echo server and tests.
use super::{
    accept_key, check_upgrade, collect_headers, field, fields_named, MAX_HEADERS, MAX_HEAD_SIZE,
};
use crate::deflate::{DeflateParams, EXTENSION_NAME};
use crate::error::HandshakeError;
use crate::fields::parse_extensions;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

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

fn malformed(what: &str) -> HandshakeError {
    HandshakeError::Malformed(what.to_string())
}

/// Server side: validates a request received so far. `Ok(None)`: incomplete. With `deflate`
/// the server accepts a permessage-deflate offer it can honour.
///
/// Errors: [`HandshakeError::Malformed`] for a request that is not a WebSocket upgrade (not
/// GET, not HTTP/1.1, no Host, version not 13, key not the base64 of 16 bytes; answer a version
/// mismatch with `reject_response(426, ..)`), [`HandshakeError::MissingUpgrade`] without
/// `Upgrade: websocket` / `Connection: Upgrade`.
pub fn accept_request(buf: &[u8], deflate: bool) -> Result<Option<ServerAccepted>, HandshakeError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut fields);
    let head = &buf[..buf.len().min(MAX_HEAD_SIZE)];
    let consumed = match request.parse(head) {
        Err(e) => return Err(HandshakeError::Malformed(e.to_string())),
        Ok(httparse::Status::Partial) if head.len() == MAX_HEAD_SIZE => {
            return Err(malformed("request head over 64 KiB"))
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Ok(httparse::Status::Complete(n)) => n,
    };
    // §4.2.1 items 1–6.
    if request.method != Some("GET") {
        return Err(malformed("method is not GET"));
    }
    if request.version != Some(1) {
        return Err(malformed("not HTTP/1.1"));
    }
    let resource = request.path.unwrap_or("/").to_string();
    let headers = collect_headers(request.headers);
    if field(&headers, "Host").is_none() {
        return Err(malformed("missing Host"));
    }
    check_upgrade(&headers)?;
    if field(&headers, "Sec-WebSocket-Version") != Some("13") {
        return Err(malformed("Sec-WebSocket-Version is not 13"));
    }
    let accept = {
        let mut keys = fields_named(&headers, "Sec-WebSocket-Key");
        match (keys.next(), keys.next()) {
            (Some(key), None) if BASE64.decode(key).is_ok_and(|k| k.len() == 16) => accept_key(key),
            _ => return Err(malformed("Sec-WebSocket-Key is not the base64 of 16 bytes")),
        }
    };
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n"
    );
    let agreed = if deflate {
        choose_deflate(&headers)
    } else {
        None
    };
    if let Some((_, element)) = &agreed {
        response.push_str("Sec-WebSocket-Extensions: ");
        response.push_str(element);
        response.push_str("\r\n");
    }
    response.push_str("\r\n");
    Ok(Some(ServerAccepted {
        resource,
        headers,
        response: response.into_bytes(),
        deflate: agreed.map(|(params, _)| params),
        consumed,
    }))
}

/// RFC 7692 §5: the first permessage-deflate offer we can accept. Offers we cannot parse are
/// declined, not fatal.
fn choose_deflate(headers: &[(String, String)]) -> Option<(DeflateParams, String)> {
    fields_named(headers, "Sec-WebSocket-Extensions")
        .filter_map(|value| parse_extensions(value).ok())
        .flatten()
        .filter(|ext| ext.name.eq_ignore_ascii_case(EXTENSION_NAME))
        .find_map(|ext| DeflateParams::accept_offer(&ext))
}

/// Server side: a complete HTTP error response (e.g. 400) to refuse a request with.
///
/// A 426 carries `Sec-WebSocket-Version: 13` (§4.2.2). Control characters in `reason` are
/// replaced by spaces.
pub fn reject_response(status: u16, reason: &str) -> Vec<u8> {
    let reason: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut response =
        format!("HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Length: 0\r\n");
    if status == 426 {
        response.push_str("Sec-WebSocket-Version: 13\r\n");
    }
    response.push_str("\r\n");
    response.into_bytes()
}
