//! The connection's statistics at exit, on stderr: one line with `-v`, a JSON object with
//! `--stats` (as `curl -w '%{json}'` gives a transfer's figures to scripts).
use net_websocket_client::Stats;
use serde_json::json;

/// `-v`'s summary line.
pub fn line(s: &Stats) -> String {
    format!(
        "* stats: sent {} messages ({} payload bytes, {} frames, {} bytes on the wire), \
         received {} messages ({} payload bytes, {} frames, {} bytes on the wire), \
         {} pings, {} pongs, rtt {} us (smoothed {} us); \
         dns {} us, tcp {} us, proxy {} us, tls {} us, handshake {} us; {} reconnects",
        s.messages_sent,
        s.payload_bytes_sent,
        s.frames_sent,
        s.bytes_sent,
        s.messages_received,
        s.payload_bytes_received,
        s.frames_received,
        s.bytes_received,
        s.pings_sent,
        s.pongs_received,
        s.rtt.as_micros(),
        s.smoothed_rtt.as_micros(),
        s.dns.as_micros(),
        s.tcp.as_micros(),
        s.proxy.as_micros(),
        s.tls.as_micros(),
        s.handshake.as_micros(),
        s.reconnects,
    )
}

/// `--stats`' JSON object, with the names and units of the C API's WebSocketEx_Stats in
/// snake case.
pub fn json(s: &Stats) -> String {
    json!({
        "bytes_sent": s.bytes_sent,
        "bytes_received": s.bytes_received,
        "payload_bytes_sent": s.payload_bytes_sent,
        "payload_bytes_received": s.payload_bytes_received,
        "messages_sent": s.messages_sent,
        "messages_received": s.messages_received,
        "frames_sent": s.frames_sent,
        "frames_received": s.frames_received,
        "pings_sent": s.pings_sent,
        "pongs_received": s.pongs_received,
        "rtt_us": s.rtt.as_micros() as u64,
        "smoothed_rtt_us": s.smoothed_rtt.as_micros() as u64,
        "dns_us": s.dns.as_micros() as u64,
        "tcp_us": s.tcp.as_micros() as u64,
        "proxy_us": s.proxy.as_micros() as u64,
        "tls_us": s.tls.as_micros() as u64,
        "handshake_us": s.handshake.as_micros() as u64,
        "open_ms": s.open_for.as_millis() as u64,
        "reconnects": s.reconnects,
        "queued_bytes": s.queued_bytes,
        "tls_version": s.tls_version,
        "cipher_suite": s.cipher_suite,
        "alpn": s.alpn,
        "subprotocol": s.subprotocol,
        "extensions": s.extensions,
    })
    .to_string()
}
