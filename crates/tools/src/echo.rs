//! The echo server: our protocol crate in the server role over tokio.
//!
//! Any path echoes every message with its own type and answers a close frame; a
//! permessage-deflate offer is accepted. Test paths make it misbehave on purpose, or report,
//! right after the handshake:
//! - `/status/404`: refuses the handshake with `404 Not Found`;
//! - `/close/CODE`: sends a close frame CODE "server closing";
//! - `/drop`: ends TCP without a close frame;
//! - `/violate`: sends a frame with the reserved opcode 3;
//! - `/invalid-utf8`: sends a text message that is not UTF-8;
//! - `/silent`: never answers the handshake;
//! - `/messages/N`: sends N text messages "message 0" … "message N-1", then echoes;
//! - `/bad-extension`: answers the handshake with `Sec-WebSocket-Extensions:
//!   permessage-deflate; server_max_window_bits=16`, which no offer allows;
//! - `/extensions`: sends one text message, the Sec-WebSocket-Extensions value it answered
//!   (`none` without one), then echoes.
use net_websocket_protocol::handshake::{accept_request, reject_response, MAX_HEAD_SIZE};
use net_websocket_protocol::{Config, Connection, Event, MessageKind, Role};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Accepts connections forever, one task each.
pub async fn serve(listener: TcpListener) {
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = handle(stream).await;
            });
        }
    }
}

/// What the request path asks for.
enum Script {
    Echo,
    Status(u16, &'static str),
    Close(u16),
    Drop,
    Raw(&'static [u8]),
    Silent,
    Messages(usize),
    Extensions,
    BadExtension,
}

fn script(resource: &str) -> Script {
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

/// Server-side masking keys are never used; the server role does not mask.
fn no_entropy() -> net_websocket_protocol::Entropy {
    Box::new(|buf: &mut [u8]| buf.fill(0))
}

async fn handle(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    let accepted = loop {
        if stream.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
        match accept_request(&buf, true) {
            Ok(Some(accepted)) => break accepted,
            Ok(None) if buf.len() <= MAX_HEAD_SIZE => continue,
            _ => {
                stream
                    .write_all(&reject_response(400, "Bad Request"))
                    .await?;
                return Ok(());
            }
        }
    };
    let script = script(&accepted.resource);
    match script {
        Script::Status(code, reason) => {
            stream.write_all(&reject_response(code, reason)).await?;
            return Ok(());
        }
        Script::BadExtension => {
            let response = with_extensions(
                &accepted.response,
                "permessage-deflate; server_max_window_bits=16",
            );
            stream.write_all(&response).await?;
            // Wait for the client to give up on us.
            while stream.read_buf(&mut buf).await? != 0 {}
            return Ok(());
        }
        Script::Silent => {
            // Hold the connection without answering until the client gives up.
            while stream.read_buf(&mut buf).await? != 0 {}
            return Ok(());
        }
        _ => {}
    }
    stream.write_all(&accepted.response).await?;
    let mut connection = Connection::new(
        Role::Server,
        Config::default(),
        accepted.deflate,
        no_entropy(),
    );
    connection.receive_data(&buf[accepted.consumed..]);
    match script {
        Script::Drop => return Ok(()),
        Script::Raw(bytes) => stream.write_all(bytes).await?,
        Script::Close(code) => {
            let _ = connection.send_close(Some(code), "server closing");
        }
        Script::Extensions => {
            let _ = connection.send_text(&extensions_answered(&accepted.response));
        }
        Script::Messages(n) => {
            for i in 0..n {
                let _ = connection.send_text(&format!("message {i}"));
            }
        }
        _ => {}
    }
    echo(stream, connection).await
}

/// The value of a response line that is a Sec-WebSocket-Extensions field.
fn extensions_field(line: &str) -> Option<&str> {
    let (name, value) = line.split_once(':')?;
    name.eq_ignore_ascii_case("sec-websocket-extensions")
        .then(|| value.trim())
}

/// The Sec-WebSocket-Extensions value of our 101 response, or "none".
fn extensions_answered(response: &[u8]) -> String {
    String::from_utf8_lossy(response)
        .lines()
        .find_map(extensions_field)
        .unwrap_or("none")
        .to_owned()
}

/// `response` with its Sec-WebSocket-Extensions field (if any) replaced by `value`.
fn with_extensions(response: &[u8], value: &str) -> Vec<u8> {
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

/// Echoes messages until the close handshake completes, then closes TCP (the server closes
/// first, RFC 6455 §7.1.1).
async fn echo(mut stream: TcpStream, mut connection: Connection) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut echoed = Vec::new();
    loop {
        while let Some(event) = connection.poll_event() {
            if let Event::Message { kind, data } = event {
                echoed.clear();
                echoed.extend_from_slice(data);
                let _ = match kind {
                    MessageKind::Text => match std::str::from_utf8(&echoed) {
                        Ok(text) => connection.send_text(text),
                        Err(_) => connection.send_binary(&echoed),
                    },
                    MessageKind::Binary => connection.send_binary(&echoed),
                };
            }
        }
        let out = connection.pending_output();
        if !out.is_empty() {
            let n = out.len();
            stream.write_all(out).await?;
            connection.consume_output(n);
        }
        if connection.close_expected() {
            return stream.shutdown().await;
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            connection.receive_eof();
            return Ok(());
        }
        connection.receive_data(&buf[..n]);
    }
}
