//! The opening handshake for fastwebsockets, which has none without hyper: our protocol
//! crate's [`ClientHandshake`] over a tokio TcpStream.
use crate::payload::XorShift;
use net_websocket_protocol::handshake::ClientHandshake;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A Sec-WebSocket-Key: distinct per connection; a benchmark needs no CSPRNG.
fn key() -> [u8; 16] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = XorShift::new(now ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(32));
    let mut key = [0; 16];
    key[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    key[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    key
}

/// Connects to `ws://addr/` (Nagle off, as every client here) and completes the handshake;
/// the stream is then ready for frames.
pub async fn open(addr: SocketAddr) -> Result<TcpStream, String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("ws://{addr}/: {what}: {e}");
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| fail("TCP connect", &e))?;
    stream
        .set_nodelay(true)
        .map_err(|e| fail("TCP_NODELAY", &e))?;
    let handshake = ClientHandshake::new(key(), &addr.to_string(), "/", &[], None)
        .map_err(|e| fail("handshake request", &e))?;
    stream
        .write_all(handshake.request())
        .await
        .map_err(|e| fail("write", &e))?;
    let mut response = Vec::with_capacity(512);
    loop {
        let n = stream
            .read_buf(&mut response)
            .await
            .map_err(|e| fail("read", &e))?;
        if n == 0 {
            return Err(fail("handshake", &"the server closed the connection"));
        }
        match handshake.parse_response(&response) {
            Ok(None) => continue,
            // The echo server sends nothing before it is spoken to, and fastwebsockets could
            // not take over bytes read past the response.
            Ok(Some(accepted)) if accepted.consumed == response.len() => return Ok(stream),
            Ok(Some(_)) => return Err(fail("handshake", &"frames arrived with the response")),
            Err(e) => return Err(fail("handshake", &e)),
        }
    }
}
