//! Which misbehaviour (or report) a request path asks the echo server for.

/// What the request path asks for.
pub(super) enum Script {
    Echo,
    Status(u16, &'static str),
    Close(u16),
    Drop,
    Raw(&'static [u8]),
    Silent,
    Messages(usize),
    Extensions,
    BadExtension,
    Headers,
}

pub(super) fn script(resource: &str) -> Script {
    let path = resource.split('?').next().unwrap_or("/");
    let number = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|n| n.parse::<u16>().ok())
    };
    match path {
        "/status/404" => Script::Status(404, "Not Found"),
        "/drop" => Script::Drop,
        // FIN + reserved opcode 3, empty payload (RFC 6455 §5.2).
        "/violate" => Script::Raw(&[0x83, 0x00]),
        // FIN + text, 2 bytes that are not UTF-8.
        "/invalid-utf8" => Script::Raw(&[0x81, 0x02, 0xff, 0xfe]),
        "/silent" => Script::Silent,
        "/extensions" => Script::Extensions,
        "/bad-extension" => Script::BadExtension,
        "/headers" => Script::Headers,
        _ => {
            if let Some(code) = number("/close/") {
                Script::Close(code)
            } else if let Some(n) = number("/messages/") {
                Script::Messages(usize::from(n))
            } else {
                Script::Echo
            }
        }
    }
}
