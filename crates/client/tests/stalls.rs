//! A server that stops in the middle of a frame (the hostile server's partial-frame-stall:
//! 200 KiB of a 1 MiB frame, then silence): the async API waits without using the CPU, its
//! keepalive still reports the dead peer on time, and a close still ends within the close
//! timeout. (The handler API and the C library: test_hostile.c.)
mod support;

use futures_util::{SinkExt, StreamExt};
use net_websocket_client::{connect_async, Cause, Options};
use std::time::{Duration, Instant};
use support::{direct, hostile_server, process_cpu};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn options(ping: u64, dead: u64, close: u64) -> Options {
    Options {
        ping_interval: Some(Duration::from_millis(ping)),
        dead_after: Duration::from_millis(dead),
        close_timeout: Duration::from_millis(close),
        ..direct()
    }
}

#[test]
fn keepalive_ends_a_stall_mid_frame_without_spinning() {
    let addr = hostile_server();
    runtime().block_on(async {
        let url = format!("ws://{addr}/partial-frame-stall");
        let mut ws = connect_async(&url, options(2000, 3000, 500)).await.unwrap();
        let (started, cpu) = (Instant::now(), process_cpu());
        let item = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("nothing within 10 s: keepalive did not run")
            .expect("the stream ended without the keepalive error");
        let (wall, cpu) = (started.elapsed(), process_cpu() - cpu);
        let error = item.expect_err("a message from a server that stalled");
        assert!(matches!(error.cause(), Cause::Keepalive { .. }), "{error}");
        assert!(
            wall >= Duration::from_millis(2900) && wall < Duration::from_millis(4000),
            "keepalive gave up after {wall:?}, dead after 3 s"
        );
        assert!(
            cpu * 20 < wall,
            "{cpu:?} of CPU in {wall:?} while the server stalled (bound 5 %)"
        );
    });
}

#[test]
fn a_close_during_a_stall_ends_within_the_close_timeout() {
    let addr = hostile_server();
    runtime().block_on(async {
        let url = format!("ws://{addr}/partial-frame-stall");
        let mut ws = connect_async(&url, options(30_000, 60_000, 500))
            .await
            .unwrap();
        // Past the moment a buffer release would have been due (1 s after the last read).
        let waited = tokio::time::timeout(Duration::from_millis(1500), ws.next()).await;
        assert!(
            waited.is_err(),
            "an item while the server stalled: {waited:?}"
        );
        let (started, cpu) = (Instant::now(), process_cpu());
        ws.close().await.unwrap();
        let end = tokio::time::timeout(Duration::from_secs(5), async {
            while ws.next().await.is_some() {}
        })
        .await;
        let (wall, cpu) = (started.elapsed(), process_cpu() - cpu);
        assert!(
            end.is_ok(),
            "the stream did not end within 5 s of the close"
        );
        assert!(
            wall < Duration::from_millis(800),
            "ended {wall:?} after the close"
        );
        assert!(
            cpu * 20 < wall.max(Duration::from_millis(100)),
            "{cpu:?} of CPU in {wall:?}"
        );
    });
}
