//! What the integration tests share: an in-process echo server, options that bypass proxies,
//! and a bounded wait for the next event.
#![allow(dead_code)] // Each test binary uses its own part of this.

use net_websocket_client::{Options, ProxySetting};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

/// The test servers are on 127.0.0.1: a proxy from the environment must not get between.
pub fn direct() -> Options {
    Options {
        proxy: ProxySetting::Off,
        ..Options::default()
    }
}

/// The bundled echo server on 127.0.0.1, on a thread of its own for the rest of the test.
pub fn echo_server() -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            net_websocket_tools::echo::serve(listener).await;
        });
    });
    rx.recv().unwrap()
}

/// The hostile server (one scenario per path) on 127.0.0.1, on a thread of its own.
pub fn hostile_server() -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let log = std::sync::Arc::new(|_: &str| {});
            net_websocket_tools::hostile::serve(listener, log).await;
        });
    });
    rx.recv().unwrap()
}

/// CPU time (user and system) this process has used so far.
pub fn process_cpu() -> Duration {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The next event, failing the test after 20 s without one.
pub fn next<T>(rx: &mpsc::Receiver<T>) -> T {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("no event within 20 s")
}
