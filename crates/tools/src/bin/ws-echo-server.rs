//! `ws-echo-server [--addr 127.0.0.1:0]`: prints `LISTENING <addr>` and serves until killed.
//! See `net_websocket_tools::echo` for the test paths it knows.
use std::io::Write;

fn main() {
    let mut addr = "127.0.0.1:0".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            _ => {
                eprintln!("usage: ws-echo-server [--addr 127.0.0.1:0]");
                std::process::exit(2);
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(&addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("ws-echo-server: cannot bind {addr}: {e}");
                std::process::exit(1);
            }
        };
        let local = listener.local_addr().expect("local address");
        println!("LISTENING {local}");
        let _ = std::io::stdout().flush();
        net_websocket_tools::echo::serve(listener).await;
    });
}
