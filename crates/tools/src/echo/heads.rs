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

#[cfg(test)]
mod tests {
    use super::*;

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
