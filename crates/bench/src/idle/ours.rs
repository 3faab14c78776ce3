//! The idle worker for ours: N clients of the C API (keepalive off, no message callback),
//! all connecting at once (over wss:// when given a CA to trust); onOpen counts them.
use super::{FirstOpen, Report, OPEN_TIMEOUT};
use crate::clients::capi::{self, check, Settings};
use net_websocket::{
    WebSocket, WebSocketEx_GetUserData, WebSocketEx_SetUserData, WebSocket_ErrorResult,
    WebSocket_OpenResult,
};
use std::ffi::{c_void, CStr};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Shared by every client (their user data): how many opened, and the first failure. The
/// callback only counts (as an application's onOpen would do little); the waiting thread is
/// woken when the count it waits for is reached, or on a failure.
#[derive(Default)]
struct Opened {
    count: AtomicU64,
    /// The count `wait_for` waits for.
    awaited: AtomicU64,
    failure: Mutex<Option<String>>,
    changed: Condvar,
}

impl Opened {
    fn opened(&self) {
        let count = self.count.fetch_add(1, Ordering::AcqRel) + 1;
        if count == self.awaited.load(Ordering::Acquire) {
            self.wake();
        }
    }

    fn failed(&self, why: String) {
        self.lock().get_or_insert(why);
        self.wake();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.failure.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Taking the lock first: a waiter between its check and its wait is not missed.
    fn wake(&self) {
        drop(self.lock());
        self.changed.notify_all();
    }

    /// Waits until `count` clients opened.
    fn wait_for(&self, count: u64) -> Result<(), String> {
        self.awaited.store(count, Ordering::Release);
        let deadline = Instant::now() + OPEN_TIMEOUT;
        let mut failure = self.lock();
        loop {
            if let Some(failure) = failure.as_ref() {
                return Err(failure.clone());
            }
            let opened = self.count.load(Ordering::Acquire);
            if opened >= count {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(format!("only {opened} of {count} connections opened"));
            }
            // Bounded waits: a count reached between the store above and the callbacks'
            // load is seen at the next look.
            let wait = (deadline - now).min(Duration::from_millis(10));
            failure = self
                .changed
                .wait_timeout(failure, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// # Safety
/// `client` is a client of this module.
unsafe fn opened_of<'a>(client: *mut WebSocket) -> Option<&'a Opened> {
    // SAFETY: the user data is the Opened of `run`, alive until every client is destroyed.
    unsafe { (WebSocketEx_GetUserData(client) as *const Opened).as_ref() }
}

unsafe extern "C" fn on_open(client: *mut WebSocket, _result: WebSocket_OpenResult) {
    // SAFETY: our client.
    if let Some(opened) = unsafe { opened_of(client) } {
        opened.opened();
    }
}

unsafe extern "C" fn on_error(client: *mut WebSocket, error: WebSocket_ErrorResult) {
    // SAFETY: the message is a C string valid during the callback.
    let message = unsafe { CStr::from_ptr(error.errorMessage) }.to_string_lossy();
    let why = format!("onError({}): {message}", error.errorCode);
    // SAFETY: our client.
    if let Some(opened) = unsafe { opened_of(client) } {
        opened.failed(why);
    }
}

/// Where to connect, trusting what.
struct Peer<'a> {
    url: String,
    ca_file: Option<&'a Path>,
}

/// Creates a client and starts connecting it.
fn start(peer: &Peer, opened: &Opened, clients: &mut Vec<*mut WebSocket>) -> Result<(), String> {
    // SAFETY: plain function pointers; the events not needed here are NULL.
    let client =
        unsafe { capi::OH_WebSocketClient_Constructor(Some(on_open), None, Some(on_error), None) };
    if client.is_null() {
        return Err("OH_WebSocketClient_Constructor returned NULL".to_string());
    }
    clients.push(client);
    let defaults = Settings {
        max_message: 0,
        send_queue: 0,
        compression: false,
        ca_file: peer.ca_file,
    };
    let user_data = opened as *const Opened as *mut c_void;
    // SAFETY: a live client; `opened` outlives it (the caller destroys every client first).
    unsafe {
        check("SetUserData", WebSocketEx_SetUserData(client, user_data))?;
        capi::configure(client, &defaults)?;
        capi::connect(client, &peer.url)
    }
}

pub fn run(
    addr: SocketAddr,
    ca_file: Option<&Path>,
    connections: u64,
    idle: Duration,
) -> Result<Report, String> {
    let opened = Opened::default();
    let mut clients = Vec::with_capacity(connections as usize);
    let scheme = if ca_file.is_some() { "wss" } else { "ws" };
    let peer = Peer {
        url: format!("{scheme}://{addr}/"),
        ca_file,
    };
    let report = measure(&peer, connections, idle, &opened, &mut clients);
    for client in clients {
        // SAFETY: each a live client, destroyed once, before `opened` goes.
        unsafe { capi::OH_WebSocketClient_Destroy(client) };
    }
    report
}

fn measure(
    peer: &Peer,
    connections: u64,
    idle: Duration,
    opened: &Opened,
    clients: &mut Vec<*mut WebSocket>,
) -> Result<Report, String> {
    start(peer, opened, clients)?;
    opened.wait_for(1)?;
    let first = FirstOpen::now();
    for _ in 1..connections {
        start(peer, opened, clients)?;
    }
    opened.wait_for(connections)?;
    let all = first.all_open();
    std::thread::sleep(idle);
    Ok(all.after_idle())
}
