//! The panic boundary through the C API: a panic in a connection's task (forced by a hook that
//! exists only in this crate's tests: a message with the text [`PANIC_MESSAGE`] makes the
//! handler panic) is reported as onError then onClose(1006), Send is refused as after any end,
//! and the same client connects again and works.
use crate::codes::*;
use crate::exports::messages::*;
use crate::exports::network::*;
use crate::exports::standard::*;
use crate::types::*;
use std::ffi::{c_char, CStr, CString};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

/// The message that makes the handler panic.
const PANIC_MESSAGE: &[u8] = b"test hook: a panic in the connection's task";

/// Called by the handler for every message (in this crate's tests only).
pub(crate) fn panic_if_asked(data: &[u8]) {
    if data == PANIC_MESSAGE {
        panic!("test hook: a panic in the connection's task");
    }
}

#[derive(Debug, PartialEq)]
enum Event {
    Open,
    Message(Vec<u8>),
    Error(u32, String),
    Close(u32, String),
}

static EVENTS: Mutex<Option<mpsc::Sender<Event>>> = Mutex::new(None);

fn record(event: Event) {
    if let Some(events) = EVENTS.lock().unwrap().as_ref() {
        let _ = events.send(event);
    }
}

unsafe fn text(s: *const c_char) -> String {
    // SAFETY: the library passes NUL-terminated strings valid during the callback.
    unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
}

unsafe extern "C" fn on_open(_: *mut WebSocket, _: WebSocket_OpenResult) {
    record(Event::Open);
}
unsafe extern "C" fn on_message(_: *mut WebSocket, data: *mut c_char, length: u32) {
    // SAFETY: `length` bytes at `data`, valid during the call.
    let bytes = unsafe { std::slice::from_raw_parts(data as *const u8, length as usize) };
    record(Event::Message(bytes.to_vec()));
}
unsafe extern "C" fn on_error(_: *mut WebSocket, e: WebSocket_ErrorResult) {
    record(Event::Error(e.errorCode, unsafe { text(e.errorMessage) }));
}
unsafe extern "C" fn on_close(_: *mut WebSocket, c: WebSocket_CloseResult) {
    record(Event::Close(c.code, unsafe { text(c.reason) }));
}

fn echo_server() -> std::net::SocketAddr {
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

fn next(rx: &mpsc::Receiver<Event>) -> Event {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("no callback within 20 s")
}

#[test]
fn a_panic_in_the_task_reports_error_and_close_and_the_client_connects_again() {
    let addr = echo_server();
    let (tx, rx) = mpsc::channel();
    *EVENTS.lock().unwrap() = Some(tx);
    let url = CString::new(format!("ws://{addr}/")).unwrap();
    let options = || WebSocket_RequestOptions {
        headers: std::ptr::null_mut(),
    };
    // SAFETY: the C API as documented.
    unsafe {
        let client = OH_WebSocketClient_Constructor(
            Some(on_open),
            Some(on_message),
            Some(on_error),
            Some(on_close),
        );
        assert!(!client.is_null());
        assert_eq!(WebSocketEx_SetProxy(client, c"".as_ptr()), WEBSOCKET_OK);
        assert_eq!(
            OH_WebSocketClient_Connect(client, url.as_ptr(), options()),
            WEBSOCKET_OK
        );
        assert_eq!(next(&rx), Event::Open);

        // The echo server sends it back; receiving it panics the handler.
        assert_eq!(
            WebSocketEx_SendText(client, PANIC_MESSAGE.as_ptr().cast(), PANIC_MESSAGE.len()),
            WEBSOCKET_OK
        );
        assert_eq!(
            next(&rx),
            Event::Error(
                WEBSOCKET_CONNECTION_ERROR as u32,
                format!(
                    "ws://{addr}: internal error: test hook: a panic in the connection's task \
                     (a bug in net_websocket)"
                )
            )
        );
        assert_eq!(next(&rx), Event::Close(1006, "internal error".into()));
        let late = c"late";
        assert_eq!(
            OH_WebSocketClient_Send(client, late.as_ptr() as *mut c_char, 4),
            WEBSOCKET_NO_CONNECTION
        );

        // The client is reusable.
        assert_eq!(
            OH_WebSocketClient_Connect(client, url.as_ptr(), options()),
            WEBSOCKET_OK
        );
        assert_eq!(next(&rx), Event::Open);
        let again = c"again";
        assert_eq!(
            OH_WebSocketClient_Send(client, again.as_ptr() as *mut c_char, 5),
            WEBSOCKET_OK
        );
        assert_eq!(next(&rx), Event::Message(b"again".to_vec()));
        assert_eq!(OH_WebSocketClient_Destroy(client), WEBSOCKET_OK);
    }
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
}
