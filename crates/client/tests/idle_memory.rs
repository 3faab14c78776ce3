//! A connection that went quiet gives back what a large message made it grow: after a 40 MiB
//! message sent with `feed_ref` (copied into the output buffer) and a second of quiet, the
//! process holds no more than before it (the output buffer was kept for the connection's
//! life before). Its own test binary: the resident set measured is the process's.
mod support;

use net_websocket_client::{connect_async, MessageRef};
use std::time::Duration;
use support::{direct, echo_server};

/// Larger than glibc's largest mmap threshold (32 MiB), so the buffer is its own mapping and
/// freeing it shows in the resident set at once.
const LARGE: usize = 40 << 20;

fn resident_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

#[test]
fn a_quiet_connection_frees_the_output_a_large_message_grew() {
    let addr = echo_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // /checksum receives in pieces (the server holds no message) and answers with the
        // length and CRC: only our side's buffers grow.
        let url = format!("ws://{addr}/checksum");
        let mut ws = connect_async(&url, direct()).await.unwrap();
        let large = vec![5u8; LARGE];
        let before = resident_kib();
        ws.feed_ref(MessageRef::Binary(&large)).await.unwrap();
        ws.flush().await.unwrap();
        match ws.recv_ref().await {
            Some(Ok(MessageRef::Text(report))) => {
                assert!(report.starts_with(&format!("{LARGE} ")), "{report}")
            }
            other => panic!("{other:?}"),
        }
        let grown = resident_kib();
        assert!(
            grown > before + 30 * 1024,
            "{before} -> {grown} KiB: it never grew"
        );
        // Quiet for 2.5 s, the connection polled (its timers run while it is).
        let quiet = tokio::time::timeout(Duration::from_millis(2500), ws.recv_ref()).await;
        assert!(quiet.is_err(), "nothing was to arrive");
        let after = resident_kib();
        assert!(
            after < before + 10 * 1024,
            "{before} KiB before, {grown} KiB with the message, {after} KiB after a quiet second"
        );
    });
}
