//! The one runtime shared by every connection of the process. It is created at the first
//! connect and never dropped (dropping a runtime from one of its own workers panics, and C
//! callers may destroy clients from inside callbacks).
use std::sync::OnceLock;
use tokio::runtime::{Builder, Runtime};

/// Environment variable that sets the number of worker threads (1..=64, default 2).
pub const THREADS_ENV: &str = "NET_WEBSOCKET_THREADS";
const DEFAULT_THREADS: usize = 2;
/// The most workers `NET_WEBSOCKET_THREADS` may ask for.
pub(crate) const MAX_WORKERS: usize = 64;
/// Threads besides the workers, made on demand and gone after 10 s idle: one per DNS lookup in
/// progress and one per handler call that runs while every other worker is in a handler too
/// (the worker then leaves its other connections to a fresh thread, see
/// `handler::call_handler`). This bounds how many handlers may block at once before other
/// connections wait.
pub const MAX_BLOCKING_THREADS: usize = 64;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The number of workers of the shared runtime (read from the environment once).
pub(crate) fn worker_count() -> usize {
    static WORKERS: OnceLock<usize> = OnceLock::new();
    *WORKERS.get_or_init(worker_threads)
}

fn worker_threads() -> usize {
    std::env::var(THREADS_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=MAX_WORKERS).contains(n))
        .unwrap_or(DEFAULT_THREADS)
}

/// The shared runtime, started on first use.
pub fn shared() -> Result<&'static Runtime, String> {
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(worker_count())
                .max_blocking_threads(MAX_BLOCKING_THREADS)
                .thread_name("net_websocket")
                .enable_io()
                .enable_time()
                .build()
                .map_err(|e| format!("cannot start the runtime: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}
