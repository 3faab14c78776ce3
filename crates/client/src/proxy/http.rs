//! The HTTP CONNECT tunnel (RFC 9110 §9.3.6): the request, the proxy's answer, and the async
//! exchange over TCP.
use super::{Credentials, ProxyError};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest answer head we read from a proxy.
pub const MAX_RESPONSE_HEAD: usize = 64 * 1024;
/// Most header fields in a proxy's answer.
const MAX_FIELDS: usize = 64;

/// The CONNECT request for `authority` (`host:port`, IPv6 in brackets), with Basic
/// credentials (RFC 7617) when given.
pub fn connect_request(authority: &str, credentials: Option<&Credentials>) -> Vec<u8> {
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(c) = credentials {
        let mut pair = c.user.clone();
        pair.push(b':');
        pair.extend_from_slice(&c.password);
        request.push_str("Proxy-Authorization: Basic ");
        request.push_str(&BASE64.encode(pair));
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// Parses the proxy's answer from the start of `buf`: `Ok(None)` until its head is complete,
/// then `Ok(Some(head length))` for a 2xx, an error for anything else. A 2xx answer to CONNECT
/// has no body (RFC 9110 §9.3.6): the tunnel starts right after the head.
pub fn parse_connect_response(
    buf: &[u8],
    sent_credentials: bool,
) -> Result<Option<usize>, ProxyError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut response = httparse::Response::new(&mut fields);
    match response.parse(buf) {
        Ok(httparse::Status::Partial) if buf.len() >= MAX_RESPONSE_HEAD => Err(
            ProxyError::Malformed(format!("answer head over {MAX_RESPONSE_HEAD} bytes")),
        ),
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(length)) => {
            let code = response.code.unwrap_or(0);
            if (200..300).contains(&code) {
                Ok(Some(length))
            } else {
                Err(ProxyError::Status {
                    code,
                    reason: response.reason.unwrap_or("").to_string(),
                    sent_credentials,
                })
            }
        }
        Err(e) => Err(ProxyError::Malformed(format!("not an HTTP answer ({e})"))),
    }
}

/// Asks the proxy on `stream` for a tunnel to `authority`. Reads exactly the answer's head
/// (peeking first), so no byte of the tunnel is consumed here.
pub(crate) async fn tunnel(
    stream: &mut TcpStream,
    authority: &str,
    credentials: Option<&Credentials>,
) -> Result<(), ProxyError> {
    stream
        .write_all(&connect_request(authority, credentials))
        .await?;
    let mut head = Vec::with_capacity(256);
    let mut peeked = vec![0u8; 4096];
    loop {
        let n = stream.peek(&mut peeked).await?;
        if n == 0 {
            return Err(ProxyError::Closed);
        }
        let before = head.len();
        head.extend_from_slice(&peeked[..n]);
        let parsed = parse_connect_response(&head, credentials.is_some())?;
        // Consume what belongs to the head: all that was peeked, or up to its end.
        let take = match parsed {
            Some(length) => length - before,
            None => n,
        };
        head.truncate(before);
        let mut consumed = vec![0u8; take];
        stream.read_exact(&mut consumed).await?;
        head.extend_from_slice(&consumed);
        if parsed.is_some() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_names_the_target_and_carries_basic_credentials() {
        let credentials = Credentials {
            user: b"Aladdin".to_vec(),
            password: b"open sesame".to_vec(),
        };
        let request = connect_request("[::1]:443", Some(&credentials));
        assert_eq!(
            String::from_utf8(request).unwrap(),
            "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\
             Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
        );
        let plain = connect_request("h:80", None);
        assert_eq!(plain, b"CONNECT h:80 HTTP/1.1\r\nHost: h:80\r\n\r\n");
    }

    #[test]
    fn a_2xx_answer_ends_at_its_head() {
        let answer = b"HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\n\x16\x03";
        assert_eq!(
            parse_connect_response(answer, false).unwrap(),
            Some(answer.len() - 2)
        );
        assert_eq!(
            parse_connect_response(b"HTTP/1.1 200 OK\r\n", false).unwrap(),
            None
        );
        assert_eq!(parse_connect_response(b"HTT", false).unwrap(), None);
    }

    #[test]
    fn other_answers_are_errors_that_say_what_came() {
        let error =
            parse_connect_response(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", false)
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "answered 407 Proxy Authentication Required: give user:password in the proxy URL"
        );
        let error = parse_connect_response(b"HTTP/1.0 403 Forbidden\r\n\r\n", true).unwrap_err();
        assert_eq!(error.to_string(), "answered 403 Forbidden");
        let error = parse_connect_response(b"SSH-2.0-OpenSSH\r\n\r\n", false).unwrap_err();
        assert!(matches!(error, ProxyError::Malformed(_)), "{error}");
        let huge = vec![b'a'; MAX_RESPONSE_HEAD];
        let mut endless = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        endless.extend_from_slice(&huge);
        assert!(parse_connect_response(&endless, false).is_err());
    }
}
