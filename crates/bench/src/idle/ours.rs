//! The idle worker for ours: N clients of the C API (keepalive off, no message callback),
//! all connecting at once (over wss:// when given a CA to trust); onOpen counts them.
use super::{Report, OPEN_TIMEOUT};
use crate::clients::capi::{self, check, Settings};
use crate::system;
use net_websocket::{
    WebSocket, WebSocketEx_GetUserData, WebSocketEx_SetUserData, WebSocket_ErrorResult,
    WebSocket_OpenResult,
};
use std::ffi::{c_void, CStr};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Shared by every client (their user data): how many opened, and the first failure.
#[derive(Default)]
struct Opened {
    state: Mutex<(u64, Option<String>)>,
    changed: Condvar,
}

impl Opened {
    fn update(&self, change: impl FnOnce(&mut (u64, Option<String>))) {
        change(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()));
        self.changed.notify_all();
    }

    /// Waits until `count` clients opened.
    fn wait_for(&self, count: u64) -> Result<(), String> {
        let deadline = Instant::now() + OPEN_TIMEOUT;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.0 < count {
            if let Some(failure) = &state.1 {
                return Err(failure.clone());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(format!("only {} of {count} connections opened", state.0));
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        Ok(())
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
        opened.update(|state| state.0 += 1);
    }
}

unsafe extern "C" fn on_error(client: *mut WebSocket, error: WebSocket_ErrorResult) {
    // SAFETY: the message is a C string valid during the callback.
    let message = unsafe { CStr::from_ptr(error.errorMessage) }.to_string_lossy();
    let why = format!("onError({}): {message}", error.errorCode);
    // SAFETY: our client.
    if let Some(opened) = unsafe { opened_of(client) } {
        opened.update(|state| {
            state.1.get_or_insert(why);
        });
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
    let (threads_one, rss_one_kib) = (system::thread_count(), system::rss_kib());
    let started = Instant::now();
    for _ in 1..connections {
        start(peer, opened, clients)?;
    }
    opened.wait_for(connections)?;
    let connect = started.elapsed();
    let (threads_all, rss_all_kib) = (system::thread_count(), system::rss_kib());
    let (cpu, wall) = (system::process_cpu_time(), Instant::now());
    std::thread::sleep(idle);
    let (idle_cpu, idle_wall) = (system::process_cpu_time() - cpu, wall.elapsed());
    Ok(Report {
        connect,
        rss_one_kib,
        rss_all_kib,
        threads_one,
        threads_all,
        threads_idle: system::thread_count(),
        idle_cpu,
        idle_wall,
    })
}
