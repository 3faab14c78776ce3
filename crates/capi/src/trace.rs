//! The trace hook (net_websocket_ext.h "Statistics and tracing"): the client crate's
//! [`TraceEvent`]s as `WebSocketEx_TraceEvent`s, given to the client's trace callback through
//! the one dispatch mechanism of its other callbacks (`crate::dispatch`), so a dispatcher gets
//! them in order with the rest.
use crate::c_text::c_string;
use crate::dispatch::dispatch_call;
use crate::dispatcher::Route;
use crate::entry::ClientEntry;
use crate::types::WebSocket;
use net_websocket_client::{TraceEvent, Tracer};
use std::ffi::c_void;
use std::os::raw::c_char;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

#[repr(C)]
pub struct WebSocketEx_TraceEvent {
    pub size: u64,
    pub kind: i32,
    pub timestampUs: u64,
    pub detail: *const c_char,
    pub length: u64,
    pub opcode: u32,
    pub flags: u32,
    pub code: u32,
}

/// `WebSocketEx_OnTraceCallback`.
pub type WebSocketEx_OnTraceCallback = Option<
    unsafe extern "C" fn(
        client: *mut WebSocket,
        event: *const WebSocketEx_TraceEvent,
        user_data: *mut c_void,
    ),
>;

/// CLOCK_MONOTONIC now, in µs.
fn monotonic_now_us() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

/// `at` on CLOCK_MONOTONIC in µs (Rust's Instant does not expose its clock's value).
fn monotonic_us(at: Instant) -> u64 {
    monotonic_now_us().saturating_sub(at.elapsed().as_micros() as u64)
}

/// The tracer of one connection: each event becomes a call of the client's trace callback
/// (looked up when it runs: unset, the events are dropped), until `ended` (its end was
/// reported). Weak references: the tracer lives in the connection's options, which the
/// client's entry holds.
pub(crate) fn tracer(
    entry: &Arc<ClientEntry>,
    route: Option<&Arc<Route>>,
    ended: Arc<AtomicBool>,
) -> Tracer {
    let entry = Arc::downgrade(entry);
    let route: Option<Weak<Route>> = route.map(Arc::downgrade);
    Tracer::new(move |event: &TraceEvent| {
        if ended.load(Ordering::Acquire) {
            return;
        }
        let Some(entry) = entry.upgrade() else {
            return;
        };
        let route = match &route {
            Some(weak) => match weak.upgrade() {
                Some(route) => Some(route),
                None => return,
            },
            None => None,
        };
        let detail = c_string(&event.detail);
        let c_event = WebSocketEx_TraceEvent {
            size: std::mem::size_of::<WebSocketEx_TraceEvent>() as u64,
            kind: event.kind as i32,
            timestampUs: monotonic_us(event.at),
            detail: std::ptr::null(),
            length: event.length,
            opcode: u32::from(event.opcode),
            flags: event.flags,
            code: event.code,
        };
        let owner = entry.clone();
        dispatch_call(&entry, route.as_ref(), move |client, _| {
            let Some(callback) = owner.ext_callbacks().trace else {
                return false;
            };
            let c_event = WebSocketEx_TraceEvent {
                detail: detail.as_ptr(),
                ..c_event
            };
            // SAFETY: a callback given to WebSocketEx_SetTraceCallback; the event and its
            // detail live until it returns.
            unsafe { callback(client, &c_event, owner.user_data()) };
            true
        });
    })
}
