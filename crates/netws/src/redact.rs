//! What a transcript must never hold: credentials. A header field or a query parameter whose
//! name says it carries one keeps its name and loses its value; the URL is written without
//! userinfo (whose credentials go in an Authorization header, redacted as such) and the proxy
//! is not written at all.
use net_websocket_client::Target;

/// What a secret value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Parts of names that mark a credential, matched case-insensitively anywhere in the name:
/// Authorization and Proxy-Authorization, Cookie and Set-Cookie, and the usual names of tokens
/// and keys (X-Api-Key, access_token, X-Auth-Token, session_id, signature, ...). A name matched
/// by mistake only loses a value in the file.
const SECRET_PARTS: [&str; 8] = [
    "auth",
    "cookie",
    "token",
    "secret",
    "password",
    "key",
    "session",
    "signature",
];

/// Whether a header or query parameter of this name carries a credential.
pub fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARTS.iter().any(|part| name.contains(part))
}

/// The fields with secret values replaced by [`REDACTED`].
pub fn headers(fields: &[(String, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(name, value)| {
            let value = match is_secret(name) {
                true => REDACTED.to_string(),
                false => value.clone(),
            };
            (name.clone(), value)
        })
        .collect()
}

/// `ws[s]://host[:port]/path?query` as connected to, with secret query values redacted.
pub fn url(target: &Target) -> String {
    let scheme = if target.secure { "wss" } else { "ws" };
    let resource = match target.resource.split_once('?') {
        Some((path, query)) => format!("{path}?{}", query_without_secrets(query)),
        None => target.resource.clone(),
    };
    format!("{scheme}://{}{resource}", target.host_header)
}

fn query_without_secrets(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}={REDACTED}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn credential_fields_lose_their_values_and_keep_their_names() {
        let given = pairs(&[
            ("Authorization", "Bearer T"),
            ("proxy-authorization", "Basic dTpw"),
            ("Cookie", "sid=1"),
            ("Set-Cookie", "sid=2; HttpOnly"),
            ("X-Api-Key", "k"),
            ("X-Auth-Token", "t"),
            ("X-Request-Id", "42"),
            ("Sec-WebSocket-Protocol", "chat"),
        ]);
        let expected = pairs(&[
            ("Authorization", REDACTED),
            ("proxy-authorization", REDACTED),
            ("Cookie", REDACTED),
            ("Set-Cookie", REDACTED),
            ("X-Api-Key", REDACTED),
            ("X-Auth-Token", REDACTED),
            ("X-Request-Id", "42"),
            ("Sec-WebSocket-Protocol", "chat"),
        ]);
        assert_eq!(headers(&given), expected);
    }

    #[test]
    fn urls_keep_host_path_and_harmless_parameters() {
        let target =
            Target::parse("wss://api.example:8443/v1/ws?room=7&access_token=abc&key=k&x").unwrap();
        assert_eq!(
            url(&target),
            "wss://api.example:8443/v1/ws?room=7&access_token=[redacted]&key=[redacted]&x"
        );
        let target = Target::parse("http://127.0.0.1/").unwrap();
        assert_eq!(url(&target), "ws://127.0.0.1/");
        let target = Target::parse("ws://[::1]:9001").unwrap();
        assert_eq!(url(&target), "ws://[::1]:9001/");
    }
}
