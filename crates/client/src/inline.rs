//! Running handler code (C callbacks, which may block) on the runtime's workers so that a
//! handler that blocks delays only its own connection.
//!
//! A handler runs inline on its worker while another worker is free of handler code: nothing
//! is handed off, which is what a handler that returns promptly costs. That alone is not
//! enough: tokio's workers take turns at the I/O driver, and a parked worker that did not get
//! it sleeps until something wakes it. A worker that blocks in a handler right after its turn
//! at the driver would leave every other socket unwatched, with the free worker asleep. So a
//! watchdog thread wakes a parked worker (it spawns an empty task from outside the runtime)
//! once a handler has run inline for [`POKE_AFTER_TICKS`] ms; that worker then takes the
//! driver and the queued connections. The watchdog ticks only while handlers run inline and
//! sleeps after [`IDLE_TICKS`] ticks without one, so an idle process costs no CPU.
//!
//! Work a handler starts for other connections (a send, close or destroy of another client, a
//! new connection) must not wait for it either: see [`started_from_handler`].
use crate::runtime::{self, MAX_WORKERS};
use crate::thread_sched;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Workers running handler code inline right now.
static INLINE_CALLS: AtomicUsize = AtomicUsize::new(0);
/// Workers waiting for a turn to run handler code inline, and where they wait.
static WAITING: AtomicUsize = AtomicUsize::new(0);
static TURN: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());

/// How long a worker waits for a turn to run a handler inline before it hands its other
/// connections off instead.
const INLINE_WAIT: Duration = Duration::from_millis(1);

thread_local! {
    /// The connection (its outbox's address) whose handler runs inline on this worker; 0 when
    /// none does.
    static INLINE_OWNER: Cell<usize> = const { Cell::new(0) };
}

/// Runs handler code, which may block (C callbacks can do anything), so that a blocking
/// handler delays only its own connection:
/// - inline on this worker while another worker is free of handler code. Should it block,
///   the watchdog wakes a free worker within 2 ms, which takes over the I/O driver and this
///   worker's queued connections (tokio's work stealing);
/// - when every other worker is in a handler, after waiting up to [`INLINE_WAIT`] for one to
///   return (handlers that return promptly then cost no thread; longer while one is only
///   preempted, see [`wait_inline`]), or else after handing this
///   worker's other connections to another thread (`block_in_place`): one worker always
///   stays free to serve every other connection, however many handlers block.
///
/// `owner` identifies the connection (its outbox's address), for [`started_from_handler`].
pub(crate) fn call_handler<R>(owner: usize, f: impl FnOnce() -> R) -> R {
    let workers = runtime::worker_count();
    if workers > 1 && (try_inline(workers) || wait_inline(workers)) {
        let _inline = Inline::start(owner);
        return f();
    }
    tokio::task::block_in_place(f)
}

/// Called after a task was woken or spawned for the connection `target` (its outbox's
/// address, 0 for a new one). Handler code running inline still holds its worker's
/// scheduler: a task it wakes or spawns goes to that worker's LIFO slot, which no other
/// worker may steal, so a handler that then blocks would hold up that other connection too.
/// An empty task spawned after it takes the slot and pushes the real one into the worker's
/// run queue, from which a free worker steals it (tokio wakes one for it). Nothing is done for
/// the handler's own connection (its task is the one running) or outside inline handlers.
pub(crate) fn started_from_handler(target: usize) {
    let owner = INLINE_OWNER.with(Cell::get);
    if owner != 0 && owner != target {
        drop(tokio::spawn(async {}));
    }
}

/// Takes a turn to run inline if one is free.
fn try_inline(workers: usize) -> bool {
    if INLINE_CALLS.fetch_add(1, Ordering::AcqRel) + 1 < workers {
        return true;
    }
    INLINE_CALLS.fetch_sub(1, Ordering::AcqRel);
    false
}

/// Waits (parked, not spinning: the running handler may need this core) for a turn: up to
/// [`INLINE_WAIT`], and on, a step at a time up to [`PREEMPTED_WAIT`], while a handler holding
/// a turn is only kept off the CPU by other threads. Such a handler returns as soon as it runs,
/// and a fresh thread for this worker's connections would only compete for the same CPU (as
/// when every thread of the process shares one core).
fn wait_inline(workers: usize) -> bool {
    WAITING.fetch_add(1, Ordering::AcqRel);
    let got = wait_for_turn(workers, INLINE_WAIT) || wait_while_preempted(workers);
    WAITING.fetch_sub(1, Ordering::AcqRel);
    got
}

fn wait_for_turn(workers: usize, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    let mut guard = TURN.0.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        // Under the lock: a handler that returns now notifies after this check.
        if try_inline(workers) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        guard = TURN
            .1
            .wait_timeout(guard, deadline - now)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// How long a worker waits, in all, for a handler that is kept off the CPU.
const PREEMPTED_WAIT: Duration = Duration::from_millis(10);
/// How often it looks again at what such a handler's thread did.
const PREEMPTED_STEP: Duration = Duration::from_millis(1);

fn wait_while_preempted(workers: usize) -> bool {
    let give_up = Instant::now() + PREEMPTED_WAIT;
    let mut before = holders();
    let mut seen_at = Instant::now();
    if before.iter().all(Option::is_none) {
        // Nothing to tell from (not Linux, or the holders just left): hand off.
        return false;
    }
    loop {
        if wait_for_turn(workers, PREEMPTED_STEP) {
            return true;
        }
        let after = holders();
        let now = Instant::now();
        let any_preempted = before.iter().zip(&after).any(|pair| match pair {
            (Some((tid, b)), Some((same, a))) if tid == same => {
                thread_sched::was_preempted(*b, *a, now - seen_at)
            }
            _ => false,
        });
        if !any_preempted || now >= give_up {
            return false;
        }
        // This step's view is the next step's start: each step reads the holders once.
        (before, seen_at) = (after, now);
    }
}

/// The thread and its state, for each inline call now running.
fn holders() -> [Option<(u32, thread_sched::ThreadState)>; MAX_WORKERS] {
    std::array::from_fn(|slot| {
        let tid = HOLDER[slot].load(Ordering::Acquire);
        thread_sched::read(tid).map(|stat| (tid, stat))
    })
}

/// An inline turn, shown to the watchdog while it lasts and given back when the handler
/// returns (or unwinds).
struct Inline {
    slot: Option<usize>,
    /// The owner this thread had before (a handler may run another's inline: a Destroy that
    /// waits, say).
    outer_owner: usize,
}

impl Inline {
    fn start(owner: usize) -> Inline {
        let outer_owner = INLINE_OWNER.with(|o| o.replace(owner));
        let tick = TICK.load(Ordering::SeqCst);
        // At most workers - 1 inline calls run at once, so a slot is free.
        let slot = STARTED.iter().position(|s| {
            s.compare_exchange(0, tick, Ordering::SeqCst, Ordering::Relaxed)
                .is_ok()
        });
        if let Some(slot) = slot {
            HOLDER[slot].store(thread_sched::this_thread_id(), Ordering::Release);
        }
        if ASLEEP.load(Ordering::SeqCst) && ASLEEP.swap(false, Ordering::SeqCst) {
            // Only here, off the common path: the first inline call finds it "asleep".
            watchdog_started();
            let _guard = WATCHDOG.0.lock().unwrap_or_else(|e| e.into_inner());
            WATCHDOG.1.notify_one();
        }
        Inline { slot, outer_owner }
    }
}

impl Drop for Inline {
    fn drop(&mut self) {
        INLINE_OWNER.with(|o| o.set(self.outer_owner));
        if let Some(slot) = self.slot {
            HOLDER[slot].store(0, Ordering::Release);
            STARTED[slot].store(0, Ordering::Release);
        }
        INLINE_CALLS.fetch_sub(1, Ordering::AcqRel);
        if WAITING.load(Ordering::Acquire) > 0 {
            let _guard = TURN.0.lock().unwrap_or_else(|e| e.into_inner());
            TURN.1.notify_one();
        }
    }
}

/// The watchdog's clock, in ticks of 1 ms while it runs (it stands still while it sleeps).
static TICK: AtomicU64 = AtomicU64::new(1);
const TICK_LEN: Duration = Duration::from_millis(1);
/// The tick at which each inline call now running started; 0 marks a free slot.
static STARTED: [AtomicU64; MAX_WORKERS] = [const { AtomicU64::new(0) }; MAX_WORKERS];
/// The thread (its kernel id) of each inline call now running; 0 marks a free slot.
static HOLDER: [AtomicU32; MAX_WORKERS] = [const { AtomicU32::new(0) }; MAX_WORKERS];
/// A handler that has run inline this many ticks gets a parked worker woken.
const POKE_AFTER_TICKS: u64 = 2;
/// The watchdog sleeps after this many ticks without an inline call running.
const IDLE_TICKS: u32 = 100;
/// Set while the watchdog sleeps (and before it was started); the next inline call clears it
/// and wakes it (or starts it).
static ASLEEP: AtomicBool = AtomicBool::new(true);
static WATCHDOG: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());

/// Starts the watchdog thread, once: at the first inline call.
fn watchdog_started() {
    static STARTED_ONCE: OnceLock<()> = OnceLock::new();
    STARTED_ONCE.get_or_init(|| {
        // Without the thread blocking handlers still work, only with longer stalls.
        if let Err(e) = std::thread::Builder::new()
            .name("net_websocket-watch".into())
            .spawn(watchdog)
        {
            log::warn!("cannot start the callback watchdog thread: {e}");
        }
    });
}

fn watchdog() {
    // The start tick of the call each slot was last poked for.
    let mut poked = [0u64; MAX_WORKERS];
    let mut idle = 0;
    loop {
        std::thread::sleep(TICK_LEN);
        let now = TICK.fetch_add(1, Ordering::SeqCst) + 1;
        let mut running = false;
        for (slot, poked) in STARTED.iter().zip(poked.iter_mut()) {
            let started = slot.load(Ordering::Acquire);
            if started == 0 {
                continue;
            }
            running = true;
            if now - started >= POKE_AFTER_TICKS && *poked != started {
                *poked = started;
                wake_a_worker();
            }
        }
        idle = if running { 0 } else { idle + 1 };
        if idle >= IDLE_TICKS {
            sleep_until_needed();
            idle = 0;
        }
    }
}

/// Sleeps until an inline call starts. An inline call that started before it saw ASLEEP
/// set is seen here in its slot.
fn sleep_until_needed() {
    ASLEEP.store(true, Ordering::SeqCst);
    if STARTED.iter().any(|s| s.load(Ordering::SeqCst) != 0) {
        ASLEEP.store(false, Ordering::SeqCst);
        return;
    }
    let mut guard = WATCHDOG.0.lock().unwrap_or_else(|e| e.into_inner());
    while ASLEEP.load(Ordering::SeqCst) {
        guard = WATCHDOG.1.wait(guard).unwrap_or_else(|e| e.into_inner());
    }
}

/// A task spawned from outside the runtime goes to its shared queue and wakes a parked
/// worker, which runs it and then parks at the I/O driver if no worker is there.
fn wake_a_worker() {
    if let Ok(runtime) = runtime::shared() {
        drop(runtime.spawn(async {}));
    }
}
