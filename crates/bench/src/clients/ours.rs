//! "ours": net_websocket through its C API, as an application uses it: the typed message
//! callback with user data (`WebSocketEx_SetMessageCallback`, `WebSocketEx_SetUserData`),
//! `WebSocketEx_SendBinary`/`SendText` for every message (the library copies it), keepalive
//! off. Either the callback sends the next message itself ([`Sender::Callback`]), or it only
//! counts the echo and wakes the application's thread, which sends ([`Sender::AppThread`]).
use super::busy::{per_connection, OPENING_AT_ONCE};
use super::capi::{self, check, Settings};
use super::{Target, ThroughputRun, CONNECT_TIMEOUT, RUN_TIMEOUT};
use crate::measure::{Meter, Throughput};
use crate::payload::Payload;
use net_websocket::{
    WebSocket, WebSocketEx_GetUserData, WebSocketEx_SendBinary, WebSocketEx_SendText,
    WebSocketEx_SetMessageCallback, WebSocketEx_SetUserData, WebSocket_CloseOption,
    WebSocket_CloseResult, WebSocket_ErrorResult, WebSocket_OpenResult, WEBSOCKET_EX_BINARY,
    WEBSOCKET_EX_TEXT,
};
use std::ffi::{c_void, CStr};
use std::os::raw::c_char;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Who sends the next message when an echo arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    Callback,
    AppThread,
}

/// How the client is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub sender: Sender,
    /// Offer permessage-deflate.
    pub compression: bool,
}

/// The library's default largest message to send (net_websocket_ext.h).
const DEFAULT_MAX_SEND: usize = 4 << 20;
/// The library's default send queue limit.
const DEFAULT_SEND_QUEUE: usize = 64 << 20;

/// What the callbacks share with the bench thread; its address is the client's user data.
struct Shared {
    mode: Mode,
    payload: Payload,
    /// Zero point of `sent_at`.
    epoch: Instant,
    /// Messages the current run sends in all. The bench thread and the callback both claim
    /// messages with `sent`, so each is sent once however their calls interleave.
    total: AtomicU64,
    sent: AtomicU64,
    received: AtomicU64,
    /// Ping-pong with the callback sending: when the message in flight left (ns since
    /// `epoch`) and the round trips the callback measured.
    timing: AtomicBool,
    sent_at: AtomicU64,
    round_trips: Mutex<Vec<u64>>,
    events: Mutex<Events>,
    changed: Condvar,
}

#[derive(Default)]
struct Events {
    opened: bool,
    /// How the connection ended, once it did.
    closed: Option<String>,
    failure: Option<String>,
    /// Echoes the application's thread has not answered yet.
    credits: u64,
    /// When the last echo of the run arrived.
    done_at: Option<Instant>,
}

impl Shared {
    fn events(&self) -> MutexGuard<'_, Events> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, change: impl FnOnce(&mut Events)) {
        change(&mut self.events());
        self.changed.notify_all();
    }

    fn fail(&self, why: String) {
        self.update(|e| {
            e.failure.get_or_insert(why);
        });
    }

    /// Waits until `ready` gives a value; a failure, an end of the connection or `deadline`
    /// first is an error.
    fn wait<T>(
        &self,
        deadline: Instant,
        what: &str,
        mut ready: impl FnMut(&mut Events) -> Option<T>,
    ) -> Result<T, String> {
        let mut events = self.events();
        loop {
            if let Some(value) = ready(&mut events) {
                return Ok(value);
            }
            if let Some(failure) = events.failure.as_ref().or(events.closed.as_ref()) {
                return Err(format!("{what}: {failure}"));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(format!(
                    "{what} timed out ({} of {} echoes received)",
                    self.received.load(SeqCst),
                    self.total.load(SeqCst)
                ));
            }
            events = self
                .changed
                .wait_timeout(events, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Starts a run of `total` messages.
    fn reset(&self, total: u64, timing: bool) {
        self.total.store(total, SeqCst);
        self.sent.store(0, SeqCst);
        self.received.store(0, SeqCst);
        self.timing.store(timing, SeqCst);
        let mut round_trips = self.round_trips.lock().unwrap_or_else(|e| e.into_inner());
        round_trips.clear();
        round_trips.reserve(total as usize);
        let mut events = self.events();
        events.credits = 0;
        events.done_at = None;
    }

    fn nanos_since_epoch(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// Sends the next message of the run, unless all were sent.
    fn send_next(&self, client: *mut WebSocket) -> Result<(), String> {
        let i = self.sent.fetch_add(1, SeqCst);
        if i >= self.total.load(SeqCst) {
            return Ok(());
        }
        if self.timing.load(SeqCst) {
            self.sent_at.store(self.nanos_since_epoch(), SeqCst);
        }
        let message = self.payload.message(i);
        let (data, len) = (message.as_ptr() as *const c_char, message.len());
        // SAFETY: a live client (destroyed only after the last wait); `data` holds `len` bytes.
        if self.payload.text {
            check("SendText", unsafe {
                WebSocketEx_SendText(client, data, len)
            })
        } else {
            check("SendBinary", unsafe {
                WebSocketEx_SendBinary(client, data, len)
            })
        }
    }

    /// One echo arrived (in the message callback).
    fn on_echo(&self, client: *mut WebSocket, length: usize, kind: i32) {
        let expected = if self.payload.text {
            WEBSOCKET_EX_TEXT
        } else {
            WEBSOCKET_EX_BINARY
        };
        if length != self.payload.size || kind != expected {
            let sent = self.payload.size;
            return self.fail(format!(
                "echo of {length} bytes of type {kind}, sent {sent} of type {expected}"
            ));
        }
        let received = self.received.fetch_add(1, SeqCst) + 1;
        let last = received == self.total.load(SeqCst);
        match self.mode.sender {
            Sender::Callback => {
                if self.timing.load(SeqCst) {
                    let round_trip = self.nanos_since_epoch() - self.sent_at.load(SeqCst);
                    let mut round_trips =
                        self.round_trips.lock().unwrap_or_else(|e| e.into_inner());
                    round_trips.push(round_trip);
                }
                if let Err(e) = self.send_next(client) {
                    return self.fail(e);
                }
                if last {
                    // The clock is read for the last echo only: the other clients do not
                    // read it per message either.
                    let now = Instant::now();
                    self.update(|e| e.done_at = Some(now));
                }
            }
            Sender::AppThread => self.update(|e| {
                e.credits += 1;
                if last {
                    e.done_at = Some(Instant::now());
                }
            }),
        }
    }
}

/// The client's Shared, from the user data set right after the Constructor.
///
/// # Safety
/// `client` is a client of this module, whose Shared outlives it.
unsafe fn shared_of<'a>(client: *mut WebSocket) -> Option<&'a Shared> {
    // SAFETY: per the contract, the user data is NULL or a live Shared.
    unsafe { (WebSocketEx_GetUserData(client) as *const Shared).as_ref() }
}

unsafe extern "C" fn on_open(client: *mut WebSocket, _result: WebSocket_OpenResult) {
    // SAFETY: our client.
    if let Some(shared) = unsafe { shared_of(client) } {
        shared.update(|e| e.opened = true);
    }
}

unsafe extern "C" fn on_error(client: *mut WebSocket, error: WebSocket_ErrorResult) {
    // SAFETY: the message is a C string valid during the callback.
    let message = unsafe { CStr::from_ptr(error.errorMessage) }.to_string_lossy();
    // SAFETY: our client.
    if let Some(shared) = unsafe { shared_of(client) } {
        shared.fail(format!("onError({}): {message}", error.errorCode));
    }
}

unsafe extern "C" fn on_close(client: *mut WebSocket, close: WebSocket_CloseResult) {
    // SAFETY: the reason is a C string valid during the callback.
    let reason = unsafe { CStr::from_ptr(close.reason) }.to_string_lossy();
    // SAFETY: our client.
    if let Some(shared) = unsafe { shared_of(client) } {
        let how = format!("onClose({}, {reason:?})", close.code);
        shared.update(|e| e.closed = Some(how));
    }
}

unsafe extern "C" fn on_message(
    client: *mut WebSocket,
    _data: *const c_char,
    length: usize,
    kind: i32,
    user_data: *mut c_void,
) {
    // SAFETY: the user data is the client's Shared, alive until after Destroy.
    if let Some(shared) = unsafe { (user_data as *const Shared).as_ref() } {
        shared.on_echo(client, length, kind);
    }
}

/// One open client; Destroy on drop.
struct Connection {
    client: *mut WebSocket,
    /// Boxed so its address, the user data, stays put; dropped after Destroy.
    shared: Box<Shared>,
}

impl Connection {
    /// Creates, sets up and connects a client, and waits for onOpen. `window` messages of
    /// `payload` will be in flight at most.
    fn open(target: &Target, payload: &Payload, mode: Mode, window: u64) -> Result<Self, String> {
        let connection = Connection::start(target, payload, mode, window)?;
        connection.opened()?;
        Ok(connection)
    }

    /// Waits for onOpen.
    fn opened(&self) -> Result<(), String> {
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        self.shared
            .wait(deadline, "connect", |e| e.opened.then_some(()))
    }

    /// Creates, sets up and connects a client (see [`Connection::open`]); onOpen comes later.
    fn start(target: &Target, payload: &Payload, mode: Mode, window: u64) -> Result<Self, String> {
        let size = payload.size;
        let in_flight = size.saturating_mul(window as usize);
        let settings = Settings {
            max_message: if size > DEFAULT_MAX_SEND { size } else { 0 },
            send_queue: if in_flight > DEFAULT_SEND_QUEUE / 2 {
                in_flight * 2
            } else {
                0
            },
            compression: mode.compression,
            ca_file: target.ca_file.as_deref(),
        };
        let shared = Box::new(Shared {
            mode,
            payload: payload.clone(),
            epoch: Instant::now(),
            total: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            timing: AtomicBool::new(false),
            sent_at: AtomicU64::new(0),
            round_trips: Mutex::new(Vec::new()),
            events: Mutex::new(Events::default()),
            changed: Condvar::new(),
        });
        // SAFETY: plain function pointers; NULL onMessage because the typed callback is set.
        let client = unsafe {
            capi::OH_WebSocketClient_Constructor(
                Some(on_open),
                None,
                Some(on_error),
                Some(on_close),
            )
        };
        if client.is_null() {
            return Err("OH_WebSocketClient_Constructor returned NULL".to_string());
        }
        let connection = Connection { client, shared };
        let user_data = &*connection.shared as *const Shared as *mut c_void;
        // SAFETY: a live client; the user data outlives it (see `Connection`).
        unsafe {
            check("SetUserData", WebSocketEx_SetUserData(client, user_data))?;
            check(
                "SetMessageCallback",
                WebSocketEx_SetMessageCallback(client, Some(on_message)),
            )?;
            capi::configure(client, &settings)?;
            capi::connect(client, &target.url())?;
        }
        Ok(connection)
    }

    /// Starts a run of `total` messages: the first `window` go out.
    fn begin(&self, total: u64, window: u64) -> Result<(), String> {
        self.shared.reset(total, false);
        for _ in 0..window.min(total) {
            self.shared.send_next(self.client)?;
        }
        Ok(())
    }

    /// Sends `total` messages with `window` in flight; returns when the last echo arrived.
    fn run(&self, total: u64, window: u64) -> Result<Instant, String> {
        let shared = &*self.shared;
        let deadline = Instant::now() + RUN_TIMEOUT;
        self.begin(total, window)?;
        if shared.mode.sender == Sender::AppThread {
            while shared.sent.load(SeqCst) < total {
                let credits = shared.wait(deadline, "run", take_credits)?;
                for _ in 0..credits {
                    shared.send_next(self.client)?;
                }
            }
        }
        shared.wait(deadline, "run", |e| e.done_at)
    }

    /// `total` ping-pongs; returns each round trip in ns.
    fn ping_pong(&self, total: u64) -> Result<Vec<u64>, String> {
        let shared = &*self.shared;
        let deadline = Instant::now() + RUN_TIMEOUT;
        match shared.mode.sender {
            Sender::Callback => {
                shared.reset(total, true);
                shared.send_next(self.client)?;
                shared.wait(deadline, "ping-pong", |e| e.done_at)?;
                let mut round_trips = shared.round_trips.lock().unwrap_or_else(|e| e.into_inner());
                Ok(std::mem::take(&mut *round_trips))
            }
            Sender::AppThread => {
                shared.reset(total, false);
                let mut round_trips = Vec::with_capacity(total as usize);
                for _ in 0..total {
                    let sent = Instant::now();
                    shared.send_next(self.client)?;
                    shared.wait(deadline, "ping-pong", take_credits)?;
                    round_trips.push(sent.elapsed().as_nanos() as u64);
                }
                Ok(round_trips)
            }
        }
    }

    /// The close handshake, waited for.
    fn close(&self) -> Result<(), String> {
        let normal = WebSocket_CloseOption {
            code: 1000,
            reason: c"".as_ptr(),
        };
        // SAFETY: a live client; the reason is a static C string.
        check("Close", unsafe {
            capi::OH_WebSocketClient_Close(self.client, normal)
        })?;
        let deadline = Instant::now() + Duration::from_secs(5);
        let closed = self.shared.wait(deadline, "close", |e| e.closed.take())?;
        match closed.starts_with("onClose(1000,") {
            true => Ok(()),
            false => Err(format!("close: {closed}")),
        }
    }
}

/// The echoes the application's thread may answer, once there is at least one.
fn take_credits(events: &mut Events) -> Option<u64> {
    (events.credits > 0).then(|| std::mem::take(&mut events.credits))
}

impl Drop for Connection {
    fn drop(&mut self) {
        // SAFETY: a live client, destroyed once; no callback runs after this returns.
        unsafe { capi::OH_WebSocketClient_Destroy(self.client) };
    }
}

pub fn throughput(target: &Target, run: &ThroughputRun, mode: Mode) -> Result<Throughput, String> {
    let connection = Connection::open(target, run.payload, mode, run.window)?;
    let started = Instant::now();
    let warmed = connection.run(run.warmup, run.window)?;
    let messages = run.messages_after(warmed - started);
    let meter = Meter::start(target.server_pid)?;
    let end = connection.run(messages, run.window)?;
    let usage = meter.stop(end)?;
    connection.close()?;
    Ok(Throughput {
        messages,
        size: run.payload.size,
        usage,
    })
}

/// Many connections, the message callback of each sending its next message: the library's
/// threads serve them all.
pub fn busy(target: &Target, run: &ThroughputRun, mode: Mode) -> Result<Throughput, String> {
    if mode.sender != Sender::Callback {
        return Err("busy workloads run with the callback sending".to_string());
    }
    let count = run.connections as usize;
    let mut connections = Vec::with_capacity(count);
    while connections.len() < count {
        let batch = (count - connections.len()).min(OPENING_AT_ONCE);
        let opening = (0..batch)
            .map(|_| Connection::start(target, run.payload, mode, run.window))
            .collect::<Result<Vec<_>, _>>()?;
        for connection in &opening {
            connection.opened()?;
        }
        connections.extend(opening);
    }
    let started = Instant::now();
    run_all(&connections, per_connection(run.warmup, run), run.window)?;
    let each = per_connection(run.messages_after(started.elapsed()), run);
    let meter = Meter::start(target.server_pid)?;
    let end = run_all(&connections, each, run.window)?;
    let usage = meter.stop(end)?;
    drop(connections);
    Ok(Throughput {
        messages: each * run.connections,
        size: run.payload.size,
        usage,
    })
}

/// Runs `each` messages on every connection at once; when the last echo of all arrived.
fn run_all(connections: &[Connection], each: u64, window: u64) -> Result<Instant, String> {
    let mut last = Instant::now();
    let deadline = last + RUN_TIMEOUT;
    for connection in connections {
        connection.begin(each, window)?;
    }
    for connection in connections {
        let done = connection.shared.wait(deadline, "run", |e| e.done_at)?;
        last = last.max(done);
    }
    Ok(last)
}

pub fn round_trips(
    target: &Target,
    payload: &Payload,
    mode: Mode,
    round_trips: u64,
    warmup: u64,
) -> Result<Vec<u64>, String> {
    let connection = Connection::open(target, payload, mode, 1)?;
    connection.ping_pong(warmup)?;
    let nanos = connection.ping_pong(round_trips)?;
    connection.close()?;
    Ok(nanos)
}
