//! NET_WEBSOCKET_LOG through the C API: with `debug`, a connect to a refused port prints its
//! steps and the cause on stderr; unset, nothing is printed. Each case runs in a child process
//! (this test binary again, with NET_WEBSOCKET_LOG_CHILD set), since the logger is chosen once
//! per process.
use net_websocket::*;
use std::ffi::CString;
use std::process::Command;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

const CHILD: &str = "NET_WEBSOCKET_LOG_CHILD";
const FORGE_CHILD: &str = "NET_WEBSOCKET_LOG_FORGE_CHILD";

static ERRORS: Mutex<Option<mpsc::Sender<u32>>> = Mutex::new(None);

unsafe extern "C" fn on_error(_: *mut WebSocket, e: WebSocket_ErrorResult) {
    if let Some(errors) = ERRORS.lock().unwrap().as_ref() {
        let _ = errors.send(e.errorCode);
    }
}

/// In the child: connects to the refused `port` through the C API and waits for onError.
fn connect_to_refused_port(port: &str) {
    let (tx, rx) = mpsc::channel();
    *ERRORS.lock().unwrap() = Some(tx);
    let url = CString::new(format!("ws://127.0.0.1:{port}/")).unwrap();
    // SAFETY: the C API as documented.
    unsafe {
        let client = OH_WebSocketClient_Constructor(None, None, Some(on_error), None);
        assert_eq!(WebSocketEx_SetProxy(client, c"".as_ptr()), WEBSOCKET_OK);
        let options = WebSocket_RequestOptions {
            headers: std::ptr::null_mut(),
        };
        assert_eq!(
            OH_WebSocketClient_Connect(client, url.as_ptr(), options),
            WEBSOCKET_OK
        );
        let code = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("no onError within 20 s");
        assert_eq!(code, WEBSOCKET_CONNECTION_ERROR as u32);
        assert_eq!(OH_WebSocketClient_Destroy(client), WEBSOCKET_OK);
    }
}

static CLOSES: Mutex<Option<mpsc::Sender<u32>>> = Mutex::new(None);

unsafe extern "C" fn on_close(_: *mut WebSocket, c: WebSocket_CloseResult) {
    if let Some(closes) = CLOSES.lock().unwrap().as_ref() {
        let _ = closes.send(c.code);
    }
}

/// In the child: connects to `url` through the C API and waits for onClose.
fn connect_until_closed(url: &str) {
    let (tx, rx) = mpsc::channel();
    *CLOSES.lock().unwrap() = Some(tx);
    let url = CString::new(url).unwrap();
    // SAFETY: the C API as documented.
    unsafe {
        let client = OH_WebSocketClient_Constructor(None, None, None, Some(on_close));
        assert_eq!(WebSocketEx_SetProxy(client, c"".as_ptr()), WEBSOCKET_OK);
        let options = WebSocket_RequestOptions {
            headers: std::ptr::null_mut(),
        };
        assert_eq!(
            OH_WebSocketClient_Connect(client, url.as_ptr(), options),
            WEBSOCKET_OK
        );
        let code = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("no onClose within 20 s");
        assert_eq!(code, 1000);
        assert_eq!(OH_WebSocketClient_Destroy(client), WEBSOCKET_OK);
    }
}

/// Runs `test` of this binary in a child with `child_env`=`value` and NET_WEBSOCKET_LOG set
/// to `level` (or unset), and returns its stderr.
fn run_child(test: &str, child_env: &str, value: &str, level: Option<&str>) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture"])
        .args(["--test-threads", "1"])
        .env(child_env, value)
        .env_remove("RUST_BACKTRACE");
    match level {
        Some(level) => command.env("NET_WEBSOCKET_LOG", level),
        None => command.env_remove("NET_WEBSOCKET_LOG"),
    };
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "the child failed:\n{stderr}");
    stderr
}

/// [`run_child`] of `logging_follows_net_websocket_log` for a refused `port`.
fn child_stderr(port: u16, level: Option<&str>) -> String {
    let test = "logging_follows_net_websocket_log";
    run_child(test, CHILD, &port.to_string(), level)
}

/// The lines our logger printed.
fn log_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("net_websocket "))
        .collect()
}

#[test]
fn logging_follows_net_websocket_log() {
    if let Ok(port) = std::env::var(CHILD) {
        return connect_to_refused_port(&port);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("ws://127.0.0.1:{port}");

    let on = child_stderr(port, Some("debug"));
    let lines = log_lines(&on);
    let expected = [
        format!("net_websocket DEBUG {endpoint}: connecting"),
        "net_websocket DEBUG resolving 127.0.0.1".to_string(),
        format!("net_websocket DEBUG 127.0.0.1 resolved to 127.0.0.1:{port}"),
        format!("net_websocket DEBUG connecting to 127.0.0.1:{port}"),
        format!("net_websocket DEBUG TCP connect to 127.0.0.1:{port} failed: connection refused"),
        format!(
            "net_websocket WARN  {endpoint}: TCP connect failed: 127.0.0.1:{port}: connection refused"
        ),
    ];
    assert_eq!(lines, expected, "stderr:\n{on}");

    let off = child_stderr(port, None);
    assert!(log_lines(&off).is_empty(), "logging off printed:\n{off}");
    let explicit_off = child_stderr(port, Some("off"));
    assert!(log_lines(&explicit_off).is_empty(), "{explicit_off}");
    let warn = child_stderr(port, Some("warn"));
    assert_eq!(log_lines(&warn), &expected[5..], "{warn}");
}

/// A close reason is the server's text: a newline in it is escaped in the log, so the server
/// cannot make a line of its own (the hostile server's /close-reason-newline).
#[test]
fn a_server_cannot_forge_log_lines() {
    if let Ok(url) = std::env::var(FORGE_CHILD) {
        return connect_until_closed(&url);
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let log = std::sync::Arc::new(|_: &str| {});
            net_websocket_tools::hostile::serve(listener, log).await;
        });
    });
    let url = format!("ws://{addr}/close-reason-newline");
    let test = "a_server_cannot_forge_log_lines";
    let stderr = run_child(test, FORGE_CHILD, &url, Some("debug"));
    assert!(
        stderr.contains("bye\\nnet_websocket ERROR forged by the server"),
        "the reason is not in the log, escaped:\n{stderr}"
    );
    assert!(
        !stderr
            .lines()
            .any(|l| l.starts_with("net_websocket ERROR forged")),
        "the server forged a log line:\n{stderr}"
    );
}
