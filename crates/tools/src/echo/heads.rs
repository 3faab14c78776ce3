//! What the test paths read from, or change in, the handshake heads.

/// The value of a response line that is a Sec-WebSocket-Extensions field.
fn extensions_field(line: &str) -> Option<&str> {
    let (name, value) = line.split_once(':')?;
    name.eq_ignore_ascii_case("sec-websocket-extensions")
        .then(|| value.trim())
}

/// The Sec-WebSocket-Extensions value of our 101 response, or "none".
pub(super) fn extensions_answered(response: &[u8]) -> String {
    String::from_utf8_lossy(response)
        .lines()
        .find_map(extensions_field)
        .unwrap_or("none")
        .to_owned()
}

/// The header lines of a request head as received, joined with `\n`: the request line and
/// the empty line that ends the head are left out.
pub(super) fn header_lines(head: &[u8]) -> String {
    let text = String::from_utf8_lossy(head);
    let lines: Vec<&str> = text.lines().skip(1).filter(|l| !l.is_empty()).collect();
    lines.join("\n")
}

/// `response` with its Sec-WebSocket-Extensions field (if any) replaced by `value`.
pub(super) fn with_extensions(response: &[u8], value: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(response);
    let mut out = String::with_capacity(text.len() + value.len() + 32);
    for line in text.split("\r\n").filter(|line| !line.is_empty()) {
        if extensions_field(line).is_none() {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Sec-WebSocket-Extensions: ");
    out.push_str(value);
    out.push_str("\r\n\r\n");
    out.into_bytes()
}

/// `head` (a complete response head, ending with the empty line) with one more field.
pub(super) fn with_field(head: &[u8], name: &str, value: &str) -> Vec<u8> {
    let fields = head.strip_suffix(b"\r\n").unwrap_or(head);
    let mut out = Vec::with_capacity(head.len() + name.len() + value.len() + 4);
    out.extend_from_slice(fields);
    out.extend_from_slice(format!("{name}: {value}\r\n\r\n").as_bytes());
    out
}

/// The first subprotocol of the first Sec-WebSocket-Protocol field of a request (RFC 6455
/// §4.1: a comma-separated list, most preferred first).
pub(super) fn first_offered_protocol(headers: &[(String, String)]) -> Option<&str> {
    let (_, value) = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("sec-websocket-protocol"))?;
    value
        .split(',')
        .map(str::trim)
        .find(|protocol| !protocol.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_field_goes_before_the_empty_line() {
        let head = b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(
            with_field(head, "Location", "/x?y"),
            b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\nLocation: /x?y\r\n\r\n"
        );
    }

    #[test]
    fn first_offered_protocol_is_the_first_token_of_the_first_field() {
        let headers = |fields: &[(&str, &str)]| -> Vec<(String, String)> {
            fields
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        let offered = headers(&[
            ("Host", "a"),
            ("sec-websocket-protocol", " chat.v2 , chat"),
            ("Sec-WebSocket-Protocol", "later"),
        ]);
        assert_eq!(first_offered_protocol(&offered), Some("chat.v2"));
        assert_eq!(first_offered_protocol(&headers(&[("Host", "a")])), None);
        let empty = headers(&[("Sec-WebSocket-Protocol", " , ")]);
        assert_eq!(first_offered_protocol(&empty), None);
    }

    #[test]
    fn header_lines_are_the_fields_as_received_without_the_request_line() {
        let head =
            b"GET /headers HTTP/1.1\r\nHost: a:1\r\nX-Odd:  spaced \r\nupgrade: websocket\r\n\r\n";
        assert_eq!(
            header_lines(head),
            "Host: a:1\nX-Odd:  spaced \nupgrade: websocket"
        );
    }

    #[test]
    fn extensions_answered_reads_our_response_or_says_none() {
        let with = b"HTTP/1.1 101 Switching Protocols\r\nsec-websocket-extensions: permessage-deflate\r\n\r\n";
        assert_eq!(extensions_answered(with), "permessage-deflate");
        assert_eq!(extensions_answered(b"HTTP/1.1 101 OK\r\n\r\n"), "none");
    }
}
