//! HTTP CONNECT (RFC 9110 §9.3.6) with proxy authentication (RFC 9110 §11.7.1): Basic
//! (RFC 7617), Digest (RFC 7616), or NTLM-only challenges.
use super::digest;
use super::{
    close_with, receive, relay, target, ClientStream, Credentials, HttpAuth, LogFn, Outcome,
    Parsed, Received, RequestKind, Running, Status, TunnelLog,
};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use tokio::io::AsyncWriteExt;

/// The largest request head we wait for.
const MAX_HEAD: usize = 64 * 1024;

/// The most header fields in a request head; more is a bad request.
const MAX_HEADERS: usize = 64;

/// RFC 9110 §9.3.6: any 2xx turns the connection into a tunnel; the reason phrase is ours.
const ESTABLISHED: &[u8] = b"HTTP/1.1 200 Connection established\r\n\r\n";

/// RFC 9110 §11.7.1: a 407 names the scheme it wants.
const PROXY_AUTHENTICATE: &str = "Proxy-Authenticate: Basic realm=\"ws-test-proxy\"\r\n";

/// What an NTLM-only proxy offers (a client without NTLM or Kerberos cannot answer).
const NTLM_AUTHENTICATE: &str = "Proxy-Authenticate: NTLM\r\nProxy-Authenticate: Negotiate\r\n";

/// The body of a 407 that keeps the connection (a client must read through it).
const CHALLENGE_BODY: &str = "auth needed";

/// A request head.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Request {
    pub method: String,
    /// The request-target as sent: `host:port` for CONNECT (RFC 9110 §7.1 authority-form).
    pub target: String,
    /// The `Proxy-Authorization` value, if any.
    pub authorization: Option<String>,
}

/// The request head at the start of `buf`.
pub(super) fn parse_request(buf: &[u8]) -> Parsed<Request, httparse::Error> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut fields);
    let consumed = match request.parse(buf)? {
        httparse::Status::Partial => return Ok(None),
        httparse::Status::Complete(n) => n,
    };
    let authorization = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("Proxy-Authorization"))
        .map(|h| String::from_utf8_lossy(h.value).trim().to_string());
    let parsed = Request {
        method: request.method.unwrap_or_default().to_string(),
        target: request.path.unwrap_or_default().to_string(),
        authorization,
    };
    Ok(Some((parsed, consumed)))
}

/// `host:port` or `[v6]:port` as (host without brackets, port).
pub(super) fn split_authority(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = authority.rsplit_once(':')?;
    let host = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.strip_suffix(']')?,
        // An IPv6 literal must be bracketed (RFC 3986 §3.2.2).
        None if host.contains(':') => return None,
        None => host,
    };
    if host.is_empty() {
        return None;
    }
    Some((host, port.parse().ok()?))
}

/// How a request's credentials compare with the expected ones.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Auth {
    Missing,
    Wrong,
    Right,
}

/// `Basic base64(user:password)` (RFC 7617 §2), the scheme name case-insensitive.
pub(super) fn check_auth(authorization: Option<&str>, expected: &Credentials) -> Auth {
    let Some(value) = authorization else {
        return Auth::Missing;
    };
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let expected = format!("{}:{}", expected.user, expected.password);
    let right = scheme.eq_ignore_ascii_case("Basic")
        && BASE64
            .decode(token.trim())
            .is_ok_and(|decoded| decoded == expected.as_bytes());
    if right {
        Auth::Right
    } else {
        Auth::Wrong
    }
}

/// Any answer but the tunnel's 200: no body, and the connection ends.
pub(super) fn refusal(code: u16, reason: &str, fields: &str) -> Vec<u8> {
    format!("HTTP/1.1 {code} {reason}\r\n{fields}Content-Length: 0\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// Why a request is not let through, and how the proxy answers it.
struct Refusal {
    outcome: Outcome,
    fields: String,
    /// Keep the connection for the client's next request (a Digest challenge, when so
    /// configured).
    keep_alive: bool,
}

/// Whether `request` may pass: `Ok` with how it authenticated (None when nothing was asked
/// of it, or Basic), or the 407 to send.
fn authorize(request: &Request, running: &Running) -> Result<Option<String>, Refusal> {
    let refuse = |outcome, fields: String, keep_alive| Refusal {
        outcome,
        fields,
        keep_alive,
    };
    match (&running.config.auth, &running.config.credentials) {
        (HttpAuth::Ntlm, _) => Err(refuse(
            Outcome::AuthRequired,
            NTLM_AUTHENTICATE.into(),
            false,
        )),
        (_, None) => Ok(None),
        (HttpAuth::Basic, Some(expected)) => {
            match check_auth(request.authorization.as_deref(), expected) {
                Auth::Right => Ok(None),
                Auth::Missing => Err(refuse(
                    Outcome::AuthRequired,
                    PROXY_AUTHENTICATE.into(),
                    false,
                )),
                Auth::Wrong => Err(refuse(
                    Outcome::AuthFailed,
                    PROXY_AUTHENTICATE.into(),
                    false,
                )),
            }
        }
        (
            HttpAuth::Digest {
                algorithms,
                keep_alive,
            },
            Some(expected),
        ) => {
            let answered = request.authorization.as_deref().filter(|a| {
                a.get(..7)
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("Digest "))
            });
            let fields = digest::challenges(algorithms, &running.nonce);
            let Some(answer) = answered else {
                return Err(refuse(Outcome::AuthRequired, fields, *keep_alive));
            };
            let checked = digest::check(
                answer,
                algorithms,
                &running.nonce,
                &request.target,
                &expected.user,
                &expected.password,
            );
            match checked {
                Some(algorithm) => Ok(Some(algorithm.log_name())),
                None => Err(refuse(Outcome::AuthFailed, fields, *keep_alive)),
            }
        }
    }
}

/// A 407 that keeps the connection: its body has a length and no `Connection: close`.
fn challenge(fields: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 407 Proxy Authentication Required\r\n{fields}Content-Length: {}\r\n\r\n{CHALLENGE_BODY}",
        CHALLENGE_BODY.len()
    )
    .into_bytes()
}

/// One client: its requests (more than one only after a 407 that keeps the connection), the
/// scripted or real answer, then the tunnel.
pub(super) async fn handle(
    mut client: impl ClientStream,
    running: &Running,
    deny: Option<&Status>,
    log: &LogFn,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    loop {
        let request = match receive(&mut client, &mut buf, MAX_HEAD, parse_request).await? {
            Received::Message(request) => request,
            Received::Closed => return Ok(()),
            Received::Invalid(_) => {
                return close_with(client, &refusal(400, "Bad Request", "")).await
            }
            Received::TooLarge => {
                let answer = refusal(431, "Request Header Fields Too Large", "");
                return close_with(client, &answer).await;
            }
        };
        let report = |outcome, auth: Option<String>| {
            log(&TunnelLog {
                kind: RequestKind::Http,
                target: request.target.clone(),
                outcome,
                auth,
            })
        };
        if request.method != "CONNECT" {
            report(Outcome::Denied(405), None);
            let answer = refusal(405, "Method Not Allowed", "Allow: CONNECT\r\n");
            return close_with(client, &answer).await;
        }
        let Some((host, port)) = split_authority(&request.target) else {
            report(Outcome::Denied(400), None);
            return close_with(client, &refusal(400, "Bad Request", "")).await;
        };
        let auth = match authorize(&request, running) {
            Ok(auth) => auth,
            Err(refused) => {
                report(refused.outcome, None);
                if refused.keep_alive {
                    client.write_all(&challenge(&refused.fields)).await?;
                    continue;
                }
                let answer = refusal(407, "Proxy Authentication Required", &refused.fields);
                return close_with(client, &answer).await;
            }
        };
        if let Some(status) = deny {
            report(Outcome::Denied(status.code), auth);
            return close_with(client, &refusal(status.code, &status.reason, "")).await;
        }
        return match target::connect(host, port).await {
            Err(failure) => {
                report(Outcome::Failed(failure), auth);
                close_with(client, &refusal(502, "Bad Gateway", "")).await
            }
            Ok(target) => {
                report(Outcome::Ok, auth);
                client.write_all(ESTABLISHED).await?;
                relay(client, target, &buf).await
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONNECT: &[u8] = b"CONNECT localhost:8080 HTTP/1.1\r\nHost: localhost:8080\r\n\
        Proxy-Authorization: Basic dTpw\r\n\r\nearly bytes";

    #[test]
    fn a_request_arriving_in_pieces_is_parsed_once_whole() {
        let head_len = CONNECT.len() - b"early bytes".len();
        for cut in 0..head_len {
            assert_eq!(parse_request(&CONNECT[..cut]), Ok(None), "cut at {cut}");
        }
        let (request, consumed) = parse_request(CONNECT).unwrap().unwrap();
        assert_eq!(consumed, head_len);
        assert_eq!(
            request,
            Request {
                method: "CONNECT".into(),
                target: "localhost:8080".into(),
                authorization: Some("Basic dTpw".into()),
            }
        );
    }

    #[test]
    fn garbage_is_not_a_request() {
        assert!(parse_request(b"\x05\x01\x00").is_err());
        assert!(parse_request(b"CONNECT a:1 HTTP/1.1\r\nbad header\r\n\r\n").is_err());
    }

    #[test]
    fn authorities_name_a_host_and_a_port() {
        assert_eq!(split_authority("localhost:80"), Some(("localhost", 80)));
        assert_eq!(split_authority("127.0.0.1:443"), Some(("127.0.0.1", 443)));
        assert_eq!(split_authority("[::1]:8080"), Some(("::1", 8080)));
        assert_eq!(split_authority("::1:8080"), None);
        assert_eq!(split_authority("localhost"), None);
        assert_eq!(split_authority(":80"), None);
        assert_eq!(split_authority("host:99999"), None);
        assert_eq!(split_authority("[::1:80"), None);
    }

    #[test]
    fn basic_credentials_are_checked() {
        let expected = Credentials {
            user: "u".into(),
            password: "p".into(),
        };
        // base64("u:p") = "dTpw"
        assert_eq!(check_auth(Some("Basic dTpw"), &expected), Auth::Right);
        assert_eq!(check_auth(Some("basic  dTpw"), &expected), Auth::Right);
        assert_eq!(check_auth(None, &expected), Auth::Missing);
        assert_eq!(check_auth(Some("Basic dTpx"), &expected), Auth::Wrong);
        assert_eq!(check_auth(Some("Bearer dTpw"), &expected), Auth::Wrong);
        assert_eq!(check_auth(Some("Basic !!!"), &expected), Auth::Wrong);
        assert_eq!(check_auth(Some("Basic"), &expected), Auth::Wrong);
    }

    #[test]
    fn refusals_have_no_body_and_close() {
        assert_eq!(
            refusal(407, "Proxy Authentication Required", PROXY_AUTHENTICATE),
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\
              Proxy-Authenticate: Basic realm=\"ws-test-proxy\"\r\n\
              Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
}
