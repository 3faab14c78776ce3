//! The async API through a Unix domain socket: the `ws+unix://` URL form and
//! `Options::unix_socket` (the URL's host in Host), an echo each way; a missing socket is an
//! error naming its path; and `client_async` over a socket the caller connected.
mod support;

use futures_util::{SinkExt, StreamExt};
use net_websocket_client::{client_async, connect_async, Cause, Message, Options};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::direct;

/// The echo server on a Unix socket in a fresh directory, on a thread of its own.
fn unix_echo_server(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("net_websocket-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
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

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(20), f).await })
        .expect("timed out")
}

/// Opens `url`, checks an echo and the Host the server saw (its /headers path), closes.
async fn echo_and_host(url: &str, headers_url: &str, options: Options) -> String {
    let mut ws = connect_async(url, options.clone()).await.unwrap();
    ws.send(Message::text("through the socket")).await.unwrap();
    let echoed = ws.next().await.unwrap().unwrap();
    assert_eq!(echoed, Message::text("through the socket"));
    ws.close().await.unwrap();
    while ws.next().await.is_some() {}
    let mut ws = connect_async(headers_url, options).await.unwrap();
    let Some(Ok(Message::Text(report))) = ws.next().await else {
        panic!("no header report");
    };
    report
        .lines()
        .find_map(|l| l.strip_prefix("Host: "))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_url_form_and_the_option_reach_the_socket() {
    let path = unix_echo_server("async");
    block_on(async {
        let p = path.display();
        let url = format!("ws+unix://{p}:/chat");
        let host = echo_and_host(&url, &format!("ws+unix://{p}:/headers"), direct()).await;
        assert_eq!(host, "localhost");
        let options = Options {
            unix_socket: Some(path.clone()),
            ..direct()
        };
        let host = echo_and_host(
            "ws://example.test:8080/chat",
            "ws://example.test:8080/headers",
            options,
        )
        .await;
        assert_eq!(host, "example.test:8080");
    });
}

#[test]
fn a_missing_socket_is_named() {
    block_on(async {
        let url = "ws+unix:///nonexistent/net_websocket.sock:/x";
        let error = connect_async(url, direct()).await.unwrap_err();
        assert!(
            matches!(error.cause(), Cause::UnixConnect { .. }),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            "ws+unix:///nonexistent/net_websocket.sock: connect to unix socket \
             /nonexistent/net_websocket.sock failed: no such file or directory"
        );
    });
}

#[test]
fn client_async_runs_over_the_callers_stream() {
    let path = unix_echo_server("client-async");
    block_on(async {
        let stream = tokio::net::UnixStream::connect(Path::new(&path))
            .await
            .unwrap();
        let mut ws = client_async("ws://localhost/", stream, &[], Options::default())
            .await
            .unwrap();
        ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::binary(vec![1, 2, 3])
        );
        ws.close().await.unwrap();
        assert!(matches!(
            ws.next().await,
            Some(Ok(Message::Close(_))) | None
        ));
    });
}
