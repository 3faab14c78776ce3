//! No allocation per message on the hot path: a client of the C API echoes messages from its
//! typed message callback (the library copies each message once, at Send, into a recycled
//! buffer), and a counting allocator sees what the process allocates over 10,000 round trips
//! once warmed up. The echo server runs in-process on a thread whose allocations are not
//! counted. And a connection's setup (Constructor to onOpen) stays within a budget of
//! allocations. The tests take turns: the counter is the process's.
use net_websocket::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The echo server's thread: its allocations are not the client's.
    static NOT_COUNTED: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn count() {
    if !NOT_COUNTED.try_with(Cell::get).unwrap_or(true) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Held by each test while it counts.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const WARM_UP: usize = 2_000;
const MEASURED: usize = 10_000;

/// What the callback needs: the payload to send back, and where to report the counts.
struct Echo {
    payload: Vec<u8>,
    received: AtomicUsize,
    at_start: AtomicUsize,
    done: mpsc::SyncSender<usize>,
    failed: AtomicBool,
}

unsafe extern "C" fn on_message(
    client: *mut WebSocket,
    _data: *const c_char,
    _length: usize,
    _kind: i32,
    user_data: *mut c_void,
) {
    // SAFETY: the user data is the Echo of `round_trips`, alive until the client is destroyed.
    let echo = unsafe { &*(user_data as *const Echo) };
    let n = echo.received.fetch_add(1, Ordering::AcqRel) + 1;
    if n == WARM_UP {
        echo.at_start
            .store(ALLOCATIONS.load(Ordering::Acquire), Ordering::Release);
    }
    if n == WARM_UP + MEASURED {
        let allocated = ALLOCATIONS.load(Ordering::Acquire) - echo.at_start.load(Ordering::Acquire);
        let _ = echo.done.try_send(allocated);
        return;
    }
    // SAFETY: a live client; the payload outlives the call.
    let rc = unsafe {
        WebSocketEx_SendBinary(
            client,
            echo.payload.as_ptr() as *const c_char,
            echo.payload.len(),
        )
    };
    if rc != WEBSOCKET_OK {
        echo.failed.store(true, Ordering::Release);
    }
}

fn echo_server() -> std::net::SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        NOT_COUNTED.with(|c| c.set(true));
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

/// Connects `client` to `url` with no proxy (whatever the environment says) and no keepalive.
///
/// # Safety
/// `client` is a live client.
unsafe fn connect_directly(client: *mut WebSocket, url: &CString) {
    // SAFETY: a live client; the strings outlive the calls.
    unsafe {
        assert_eq!(WebSocketEx_SetProxy(client, c"".as_ptr()), WEBSOCKET_OK);
        assert_eq!(WebSocketEx_SetKeepalive(client, 0, 0), WEBSOCKET_OK);
        let options = WebSocket_RequestOptions {
            headers: std::ptr::null_mut(),
        };
        assert_eq!(
            OH_WebSocketClient_Connect(client, url.as_ptr(), options),
            WEBSOCKET_OK
        );
    }
}

/// Allocations over MEASURED round trips of `size`-byte messages with a window of `window`.
fn round_trips(addr: std::net::SocketAddr, size: usize, window: usize) -> usize {
    let (done, finished) = mpsc::sync_channel(1);
    let echo = Box::new(Echo {
        payload: vec![0xA5; size],
        received: AtomicUsize::new(0),
        at_start: AtomicUsize::new(0),
        done,
        failed: AtomicBool::new(false),
    });
    let url = CString::new(format!("ws://{addr}/")).unwrap();
    // SAFETY: the C API as documented; `echo` outlives the client (destroyed below).
    unsafe {
        let client = OH_WebSocketClient_Constructor(None, None, None, None);
        assert!(!client.is_null());
        let user_data = &*echo as *const Echo as *mut c_void;
        assert_eq!(WebSocketEx_SetUserData(client, user_data), WEBSOCKET_OK);
        assert_eq!(
            WebSocketEx_SetMessageCallback(client, Some(on_message)),
            WEBSOCKET_OK
        );
        connect_directly(client, &url);
        // Queued while connecting, sent after open: the window of messages in flight.
        for _ in 0..window {
            let data = echo.payload.as_ptr() as *const c_char;
            assert_eq!(WebSocketEx_SendBinary(client, data, size), WEBSOCKET_OK);
        }
        let allocated = finished
            .recv_timeout(Duration::from_secs(60))
            .expect("the round trips did not finish within 60 s");
        assert!(!echo.failed.load(Ordering::Acquire), "a send failed");
        assert_eq!(OH_WebSocketClient_Destroy(client), WEBSOCKET_OK);
        allocated
    }
}

#[test]
fn round_trips_allocate_nothing_once_warm() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let addr = echo_server();
    for (size, window) in [(64, 1), (64, 64), (1024, 16), (32 * 1024, 4)] {
        let allocated = round_trips(addr, size, window);
        eprintln!("{size} B, window {window}: {allocated} allocations in {MEASURED} round trips");
        // Zero per message; a handful in all is left for the runtime's own bookkeeping.
        assert!(
            allocated <= 8,
            "{allocated} allocations in {MEASURED} round trips of {size} bytes (window {window})"
        );
    }
}

static OPENED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn count_open(_client: *mut WebSocket, _result: WebSocket_OpenResult) {
    OPENED.fetch_add(1, Ordering::AcqRel);
}

/// Opens `count` clients at once (Constructor, two setters, Connect) and waits for every
/// onOpen; returns them.
fn open_clients(addr: std::net::SocketAddr, count: usize) -> Vec<*mut WebSocket> {
    let url = CString::new(format!("ws://{addr}/")).unwrap();
    let opened = OPENED.load(Ordering::Acquire);
    let mut clients = Vec::with_capacity(count);
    for _ in 0..count {
        // SAFETY: the C API as documented; each client is destroyed by the caller.
        unsafe {
            let client = OH_WebSocketClient_Constructor(Some(count_open), None, None, None);
            assert!(!client.is_null());
            connect_directly(client, &url);
            clients.push(client);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while OPENED.load(Ordering::Acquire) < opened + count {
        assert!(
            Instant::now() < deadline,
            "the clients did not open within 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    clients
}

fn destroy(clients: Vec<*mut WebSocket>) {
    for client in clients {
        // SAFETY: each a live client of open_clients, destroyed once.
        assert_eq!(unsafe { OH_WebSocketClient_Destroy(client) }, WEBSOCKET_OK);
    }
}

/// A connection is set up (Constructor, setters, Connect, resolve, TCP, handshake, onOpen)
/// with a bounded number of allocations: 66 each here before the setup path was trimmed, 53
/// after. A budget of 60 catches a return of much of what was trimmed.
#[test]
fn a_connection_is_set_up_within_an_allocation_budget() {
    const CONNECTIONS: usize = 200;
    const BUDGET: usize = 60;
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let addr = echo_server();
    // The runtime, the default options and the first-use caches are made once per process.
    destroy(open_clients(addr, 1));
    let before = ALLOCATIONS.load(Ordering::Acquire);
    let clients = open_clients(addr, CONNECTIONS);
    let per_connection = (ALLOCATIONS.load(Ordering::Acquire) - before) / CONNECTIONS;
    destroy(clients);
    eprintln!("{per_connection} allocations per connection set up");
    assert!(
        per_connection <= BUDGET,
        "{per_connection} allocations per connection set up (budget {BUDGET})"
    );
}
