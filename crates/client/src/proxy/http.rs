//! The HTTP CONNECT tunnel (RFC 9110 §9.3.6) over any stream (TCP, or TLS to an `https://`
//! proxy): the request, the proxy's answer, and one exchange of the two.
use super::auth::ProxyAuth;
use super::challenge::{parse_challenges, Challenge};
use super::ProxyError;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest answer head we read from a proxy.
pub const MAX_RESPONSE_HEAD: usize = 64 * 1024;
/// Most header fields in a proxy's answer.
const MAX_FIELDS: usize = 64;
/// The largest body of a refusal we read through to send the next request on the same
/// connection; after a larger one (or one of unknown length) the next request gets a new
/// connection.
const MAX_REFUSAL_BODY: usize = 64 * 1024;

/// The CONNECT request for `authority` (`host:port`, IPv6 in brackets), with a
/// `Proxy-Authorization` value when given.
pub fn connect_request(authority: &str, authorization: Option<&str>) -> Vec<u8> {
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(value) = authorization {
        request.push_str("Proxy-Authorization: ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// The head of a proxy's answer to CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectAnswer {
    /// The status code.
    pub code: u16,
    /// The reason phrase as sent.
    pub reason: String,
    /// The head's length: a 2xx answer has no body (RFC 9110 §9.3.6), the tunnel starts
    /// here; any other answer's body starts here.
    pub head_length: usize,
    /// The challenges of every `Proxy-Authenticate` field, in order.
    pub challenges: Vec<Challenge>,
    /// The body's length, when `Content-Length` gives it (and no `Transfer-Encoding`).
    pub body_length: Option<usize>,
    /// Whether the proxy keeps the connection for another request: HTTP/1.1 without
    /// `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`.
    pub keep_alive: bool,
}

impl ConnectAnswer {
    /// A 2xx: the tunnel is open.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

/// Parses the proxy's answer from the start of `buf`: `Ok(None)` until its head is complete
/// (an error past [`MAX_RESPONSE_HEAD`] bytes), then its head.
pub fn parse_connect_response(buf: &[u8]) -> Result<Option<ConnectAnswer>, ProxyError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut response = httparse::Response::new(&mut fields);
    let head_length = match response.parse(buf) {
        Ok(httparse::Status::Partial) if buf.len() >= MAX_RESPONSE_HEAD => {
            return Err(ProxyError::Malformed(format!(
                "answer head over {MAX_RESPONSE_HEAD} bytes"
            )))
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Ok(httparse::Status::Complete(length)) => length,
        Err(e) => return Err(ProxyError::Malformed(format!("not an HTTP answer ({e})"))),
    };
    let values = |name: &'static str| {
        response
            .headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    let connection_has = |option: &str| {
        values("Connection").any(|v| v.split(',').any(|o| o.trim().eq_ignore_ascii_case(option)))
    };
    let keep_alive = match response.version {
        Some(1) => !connection_has("close"),
        _ => connection_has("keep-alive"),
    };
    let chunked = values("Transfer-Encoding").next().is_some();
    let body_length = match (chunked, values("Content-Length").next()) {
        (false, Some(length)) => length.trim().parse().ok(),
        _ => None,
    };
    Ok(Some(ConnectAnswer {
        code: response.code.unwrap_or(0),
        reason: response.reason.unwrap_or("").to_string(),
        head_length,
        challenges: values("Proxy-Authenticate")
            .flat_map(|v| parse_challenges(&v))
            .collect(),
        body_length,
        keep_alive,
    }))
}

/// How one CONNECT exchange ended, when it did not fail.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Tunnelled {
    /// The tunnel is open on the stream.
    Open,
    /// The proxy asked for authentication we can give: send the request again, on this
    /// connection (`same_connection`) or on a new one.
    Again { same_connection: bool },
}

/// Sends CONNECT for `authority` on `stream` and reads the answer. Nothing but the answer
/// is read: a 2xx must end where its head does (neither a WebSocket server nor a TLS server
/// speaks before the client, so a byte after it is the proxy's), and a refusal we answer is
/// read through its body.
pub(crate) async fn tunnel<S>(
    stream: &mut S,
    authority: &str,
    auth: &mut ProxyAuth,
) -> Result<Tunnelled, ProxyError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let authorization = auth.authorization(authority);
    stream
        .write_all(&connect_request(authority, authorization.as_deref()))
        .await?;
    // TLS to an https:// proxy holds what was written in records until flushed.
    stream.flush().await?;
    let mut buf = Vec::with_capacity(1024);
    let answer = loop {
        if let Some(answer) = parse_connect_response(&buf)? {
            break answer;
        }
        if stream.read_buf(&mut buf).await? == 0 {
            return Err(ProxyError::Closed);
        }
    };
    let after_head = buf.len() - answer.head_length;
    if answer.is_success() {
        if after_head > 0 {
            return Err(ProxyError::Malformed(format!(
                "{after_head} bytes after its {} answer, before the tunnel was used",
                answer.code
            )));
        }
        return Ok(Tunnelled::Open);
    }
    if answer.code != 407 {
        return Err(ProxyError::Status {
            code: answer.code,
            reason: answer.reason,
            sent_credentials: authorization.is_some(),
        });
    }
    auth.challenged(&answer.reason, &answer.challenges)?;
    let reusable_body = answer
        .body_length
        .filter(|&length| answer.keep_alive && length <= MAX_REFUSAL_BODY && after_head <= length);
    let Some(length) = reusable_body else {
        return Ok(Tunnelled::Again {
            same_connection: false,
        });
    };
    let mut rest = vec![0u8; length - after_head];
    if stream.read_exact(&mut rest).await.is_err() {
        return Ok(Tunnelled::Again {
            same_connection: false,
        });
    }
    Ok(Tunnelled::Again {
        same_connection: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::Credentials;

    #[test]
    fn the_request_names_the_target_and_carries_credentials() {
        let credentials = Credentials {
            user: b"Aladdin".to_vec(),
            password: b"open sesame".to_vec(),
        };
        let request = connect_request("[::1]:443", Some(&credentials.basic()));
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
        let parsed = parse_connect_response(answer).unwrap().unwrap();
        assert!(parsed.is_success());
        assert_eq!(parsed.head_length, answer.len() - 2);
        assert_eq!(
            parse_connect_response(b"HTTP/1.1 200 OK\r\n").unwrap(),
            None
        );
        assert_eq!(parse_connect_response(b"HTT").unwrap(), None);
    }

    #[test]
    fn a_refusal_says_how_to_go_on() {
        let answer = parse_connect_response(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\
              Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", NTLM\r\n\
              proxy-authenticate: Basic realm=\"r\"\r\nContent-Length: 12\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (answer.code, answer.body_length, answer.keep_alive),
            (407, Some(12), true)
        );
        let schemes: Vec<&str> = answer
            .challenges
            .iter()
            .map(|c| c.scheme.as_str())
            .collect();
        assert_eq!(schemes, ["Digest", "NTLM", "Basic"]);
        let closing = parse_connect_response(
            b"HTTP/1.1 407 X\r\nConnection: keep-alive, close\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!((closing.keep_alive, closing.body_length), (false, None));
        let old = parse_connect_response(b"HTTP/1.0 407 X\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!old.keep_alive);
    }

    #[test]
    fn what_is_not_an_answer_is_malformed() {
        let error = parse_connect_response(b"SSH-2.0-OpenSSH\r\n\r\n").unwrap_err();
        assert!(matches!(error, ProxyError::Malformed(_)), "{error}");
        let mut endless = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        endless.extend_from_slice(&vec![b'a'; MAX_RESPONSE_HEAD]);
        assert!(parse_connect_response(&endless).is_err());
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// The proxy's side of `tunnel` over an in-memory stream: what it received, given what
    /// it answers.
    fn exchange(
        answer: &'static [u8],
        auth: &mut ProxyAuth,
    ) -> (Result<Tunnelled, ProxyError>, String) {
        block_on(async {
            let (mut ours, mut theirs) = tokio::io::duplex(4096);
            let proxy = tokio::spawn(async move {
                let mut request = vec![0u8; 1024];
                let n = theirs.read(&mut request).await.unwrap();
                theirs.write_all(answer).await.unwrap();
                drop(theirs);
                String::from_utf8(request[..n].to_vec()).unwrap()
            });
            let result = tunnel(&mut ours, "h:443", auth).await;
            (result, proxy.await.unwrap())
        })
    }

    #[test]
    fn exchanges() {
        let mut auth = ProxyAuth::new(None);
        let (result, request) = exchange(b"HTTP/1.1 200 OK\r\n\r\n", &mut auth);
        assert_eq!(result.unwrap(), Tunnelled::Open);
        assert_eq!(request, "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n");
        let (result, _) = exchange(b"HTTP/1.1 200 OK\r\n\r\nearly", &mut auth);
        assert!(result
            .unwrap_err()
            .to_string()
            .contains("5 bytes after its 200 answer"));
        let (result, _) = exchange(b"HTTP/1.1 403 Forbidden\r\n\r\n", &mut auth);
        assert_eq!(result.unwrap_err().to_string(), "answered 403 Forbidden");
        let (result, _) = exchange(b"", &mut auth);
        assert!(matches!(result, Err(ProxyError::Closed)));

        let mut auth = ProxyAuth::new(Some(Credentials {
            user: b"u".to_vec(),
            password: b"p".to_vec(),
        }));
        let challenge = b"HTTP/1.1 407 Proxy Authentication Required\r\n\
            Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\"\r\n\
            Content-Length: 4\r\n\r\nbody";
        let (result, request) = exchange(challenge, &mut auth);
        assert_eq!(
            result.unwrap(),
            Tunnelled::Again {
                same_connection: true
            }
        );
        assert!(
            request.contains("Proxy-Authorization: Basic dTpw\r\n"),
            "{request}"
        );
        let (result, request) = exchange(b"HTTP/1.1 200 OK\r\n\r\n", &mut auth);
        assert_eq!(result.unwrap(), Tunnelled::Open);
        assert!(
            request.contains("Proxy-Authorization: Digest username=\"u\""),
            "{request}"
        );
    }
}
