//! netws through a Unix domain socket: `--unix-socket PATH` with a ws:// URL, and the
//! `ws+unix:///PATH:/resource` URL form, each echoing a line; a missing socket is a connect
//! failure (exit 1) naming the path.
// Each test file uses part of the shared support.
#[allow(dead_code)]
mod support;

use std::path::PathBuf;
use support::Netws;

/// The echo server on a Unix domain socket in the target's temporary directory, on a thread
/// of its own; returns its path.
fn unix_echo(test: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("netws-{test}.sock"));
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::UnixListener::from_std(listener).unwrap();
            net_websocket_tools::echo::serve_unix(listener, None).await;
        });
    });
    path
}

#[test]
fn the_flag_and_the_url_form_reach_the_socket() {
    let path = unix_echo("flag-and-url");
    let socket = path.to_str().unwrap();
    let out = Netws::new(&["--unix-socket", socket, "ws://example.test/chat"])
        .stdin(b"through the socket\n")
        .run();
    assert_eq!(
        (out.code, out.stdout_text()),
        (0, "through the socket\n".into())
    );
    let url = format!("ws+unix://{socket}:/chat");
    let out = Netws::new(&[url.as_str()]).stdin(b"the url form\n").run();
    assert_eq!((out.code, out.stdout_text()), (0, "the url form\n".into()));
}

#[test]
fn a_missing_socket_is_a_connect_failure_naming_it() {
    let out = Netws::new(&["ws+unix:///nonexistent/netws.sock:/x"]).run();
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "netws: ws+unix:///nonexistent/netws.sock: connect to unix socket \
         /nonexistent/netws.sock failed: no such file or directory\n"
    );
}
