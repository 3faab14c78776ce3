//! Callbacks on the application's thread (net_websocket_ext.h, "Callbacks on your thread"): a
//! [`Dispatcher`] holds the callbacks of the clients attached to it, in arrival order, until
//! `WebSocketEx_DispatcherRun` calls them on the thread that runs it. An eventfd is readable
//! exactly while callbacks are pending, so an event loop (poll, epoll, GLib, libuv) can watch
//! it.
//!
//! The network stays on the library's runtime: a connection started with a dispatcher (its
//! [`Route`]) queues each callback as a boxed call that owns its data, instead of calling it on
//! the library thread. Running a queued call goes through [`ClientEntry::dispatch`], the one
//! mechanism for every callback: serialized by the client's dispatch lock, skipped once the
//! client is destroyed, Destroy from inside it deferred. Destroy also drops the client's queued
//! calls ([`ClientDispatch::detach`]).
//!
//! Backpressure: each client counts the message bytes its queued calls hold; over its limit the
//! connection stops reading ([`Route::poll_accepting`], the client's `Handler::poll_accepting`)
//! until Run takes the queue below it and wakes the connection's task.
use crate::codes::*;
use crate::entry::{Callbacks, ClientEntry};
use crate::types::WebSocket;
use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// The default of `WebSocketEx_SetDispatchLimit`: message bytes a client's queued callbacks may
/// hold before its connection stops reading.
pub(crate) const DEFAULT_DISPATCH_LIMIT: usize = 16 << 20;

/// One queued callback: called with the client's struct and callbacks, it returns whether it
/// called a C function (a NULL callback is not called). It owns its data: the library's
/// buffers are only valid while the connection's handler runs.
pub(crate) type Call = Box<dyn FnOnce(*mut WebSocket, &Callbacks) -> bool + Send>;

/// A callback waiting in a dispatcher's queue.
struct Item {
    /// Its place in the queue's order (see [`Queue::pushed`]).
    seq: u64,
    entry: Arc<ClientEntry>,
    /// Message bytes it holds (counted against the client's dispatch limit).
    bytes: usize,
    call: Call,
}

/// Why a dispatcher refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Already running (on another thread, or this one: a Run from inside a callback).
    Running,
    /// Clients are attached (or a connection started with it may still call back).
    Attached,
    /// Callbacks are pending.
    Pending,
    /// Destroyed.
    Closed,
}

impl Refusal {
    pub(crate) fn code(self) -> i32 {
        match self {
            Refusal::Closed => WEBSOCKET_CLIENT_NOT_CREATED,
            _ => WEBSOCKET_CONNECTION_ERROR,
        }
    }

    pub(crate) fn message(self) -> &'static str {
        match self {
            Refusal::Running => "the dispatcher is being run (by another thread, or this one)",
            Refusal::Attached => {
                "clients are attached to the dispatcher (detach them with \
                 WebSocketEx_SetDispatcher(client, NULL) or destroy them; a connection started \
                 with it counts until its end is queued)"
            }
            Refusal::Pending => "callbacks are pending in the dispatcher: run them first",
            Refusal::Closed => "not a live dispatcher (never created, or destroyed)",
        }
    }
}

pub(crate) struct Dispatcher {
    queue: Mutex<Queue>,
    /// An eventfd whose counter is non-zero exactly while the queue holds items: written when
    /// the queue becomes non-empty, read back to zero when it becomes empty, both under the
    /// queue's lock.
    fd: OwnedFd,
    /// Set while a thread runs it: the one-runner rule.
    running: AtomicBool,
}

struct Queue {
    items: VecDeque<Item>,
    /// Items ever pushed: the next one's `seq`. Run takes only items pushed before it began.
    pushed: u64,
    /// SetDispatcher attachments and connections that may still queue callbacks
    /// ([`Attachment`]); DispatcherDestroy is refused while there are any.
    users: usize,
    closed: bool,
}

impl Dispatcher {
    /// A dispatcher with its eventfd; the error when no fd can be had.
    pub(crate) fn new() -> io::Result<Dispatcher> {
        // SAFETY: eventfd has no memory arguments; a valid fd is owned by us from here.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Dispatcher {
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                pushed: 0,
                users: 0,
                closed: false,
            }),
            // SAFETY: a new fd that nothing else owns.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            running: AtomicBool::new(false),
        })
    }

    pub(crate) fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes the fd readable (the queue became non-empty).
    fn signal(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our eventfd. It cannot fail: the counter
        // is 0 or 1 here, far from overflowing.
        let _ = unsafe { libc::write(self.fd(), (&one as *const u64).cast(), 8) };
    }

    /// Makes the fd unreadable again (the queue became empty).
    fn unsignal(&self) {
        let mut count: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64 from our eventfd (non-blocking: at worst
        // EAGAIN when the counter is 0 already).
        let _ = unsafe { libc::read(self.fd(), (&mut count as *mut u64).cast(), 8) };
    }

    /// Queues `call` for `entry`; dropped when the client is destroyed or the dispatcher is.
    fn push(&self, entry: &Arc<ClientEntry>, bytes: usize, call: Call) {
        let mut item = Item {
            seq: 0,
            entry: entry.clone(),
            bytes,
            call,
        };
        let mut queue = self.lock();
        // Under the queue's lock: Destroy marks the client, then discards its items under the
        // same lock, so an item is either discarded there or never queued.
        if queue.closed || entry.is_destroyed() {
            drop(queue);
            drop(item);
            return;
        }
        entry.dispatching.queued(bytes);
        if queue.items.is_empty() {
            self.signal();
        }
        item.seq = queue.pushed;
        queue.pushed += 1;
        queue.items.push_back(item);
    }

    /// The next item if it was pushed before `end`; the fd is cleared with the last one.
    fn pop_before(&self, end: u64) -> Option<Item> {
        let mut queue = self.lock();
        if queue.items.front()?.seq >= end {
            return None;
        }
        let item = queue.items.pop_front()?;
        if queue.items.is_empty() {
            self.unsignal();
        }
        Some(item)
    }

    /// WebSocketEx_DispatcherRun: calls up to `max` of the callbacks pending now (all of them
    /// for `max <= 0`) on this thread, in order; returns how many C callbacks it called.
    /// Callbacks queued meanwhile wait for the next Run, so Run always ends.
    pub(crate) fn run(&self, max: i32) -> Result<usize, Refusal> {
        if self.running.swap(true, Ordering::AcqRel) {
            return Err(Refusal::Running);
        }
        let _running = Running(&self.running);
        let max = usize::try_from(max).ok().filter(|&m| m > 0);
        let end = self.lock().pushed;
        let mut called = 0;
        while max.is_none_or(|max| called < max) {
            let Some(item) = self.pop_before(end) else {
                break;
            };
            item.entry.dispatching.taken(item.bytes);
            if item.entry.dispatch(item.call) {
                called += 1;
            }
        }
        Ok(called)
    }

    /// WebSocketEx_DispatcherWait: whether something is pending, waiting up to `timeout`
    /// (None: no limit) for it. Runs nothing.
    pub(crate) fn wait(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let ms = match deadline {
                None => -1,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    // Rounded up: a wait of 0.4 ms must not become a busy poll.
                    i32::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
                }
            };
            let mut fd = libc::pollfd {
                fd: self.fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one pollfd, alive during the call.
            let ready = unsafe { libc::poll(&mut fd, 1, ms) };
            if ready > 0 {
                return fd.revents & libc::POLLIN != 0;
            }
            let interrupted =
                ready < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted;
            if !interrupted || deadline.is_some_and(|d| Instant::now() >= d) {
                return false;
            }
        }
    }

    /// Drops `entry`'s queued callbacks (Destroy: none runs after it returns).
    fn discard(&self, entry: &ClientEntry) {
        let discarded: VecDeque<Item> = {
            let mut queue = self.lock();
            if queue.items.is_empty() {
                return;
            }
            let (mine, others) = std::mem::take(&mut queue.items)
                .into_iter()
                .partition(|item| std::ptr::eq(Arc::as_ptr(&item.entry), entry));
            queue.items = others;
            if queue.items.is_empty() {
                self.unsignal();
            }
            mine
        };
        for item in &discarded {
            entry.dispatching.taken(item.bytes);
        }
        // Outside the lock: dropping an item may drop the last reference to its client.
    }

    /// DispatcherDestroy: refused while it runs, while a client is attached or a connection
    /// started with it may still call back, or while callbacks are pending; from then on it
    /// takes nothing more.
    pub(crate) fn close(&self) -> Result<(), Refusal> {
        let mut queue = self.lock();
        if queue.closed {
            return Err(Refusal::Closed);
        }
        if self.running.load(Ordering::Acquire) {
            return Err(Refusal::Running);
        }
        if queue.users > 0 {
            return Err(Refusal::Attached);
        }
        if !queue.items.is_empty() {
            return Err(Refusal::Pending);
        }
        queue.closed = true;
        Ok(())
    }
}

/// Clears the running flag when Run ends (also by a panic).
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// A use of a dispatcher that keeps DispatcherDestroy from succeeding: a client's
/// SetDispatcher, or a connection started with it. Ends when dropped.
pub(crate) struct Attachment(Arc<Dispatcher>);

impl Attachment {
    /// None once the dispatcher is destroyed (checked under its lock, as DispatcherDestroy
    /// checks the users: one of the two comes first).
    pub(crate) fn new(dispatcher: &Arc<Dispatcher>) -> Option<Attachment> {
        let mut queue = dispatcher.lock();
        if queue.closed {
            return None;
        }
        queue.users += 1;
        Some(Attachment(dispatcher.clone()))
    }

    fn dispatcher(&self) -> &Arc<Dispatcher> {
        &self.0
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        self.0.lock().users -= 1;
    }
}

/// Where the callbacks of one connection go: the dispatcher its Connect found set. Held by the
/// connection's handler; the attachment ends with it, or at Destroy.
pub(crate) struct Route {
    dispatcher: Arc<Dispatcher>,
    attachment: Mutex<Option<Attachment>>,
}

impl Route {
    /// Queues a callback that holds `bytes` message bytes.
    pub(crate) fn queue(&self, entry: &Arc<ClientEntry>, bytes: usize, call: Call) {
        self.dispatcher.push(entry, bytes, call);
    }

    /// The handler's `poll_accepting`: Pending (the waker kept for Run) while the client's
    /// queued callbacks hold more than its dispatch limit.
    pub(crate) fn poll_accepting(&self, entry: &ClientEntry, cx: &mut Context<'_>) -> Poll<()> {
        entry.dispatching.poll_accepting(cx)
    }

    /// The connection queues no more: its end was queued, its handler is gone, or the client
    /// is destroyed.
    pub(crate) fn release(&self) {
        drop(
            self.attachment
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(),
        );
    }
}

impl Drop for Route {
    fn drop(&mut self) {
        self.release();
    }
}

/// A client's side of dispatching: the dispatcher set for its next Connect, where its current
/// connection's callbacks go, the limit, and what it has queued.
pub(crate) struct ClientDispatch {
    link: Mutex<Link>,
    limit: AtomicUsize,
    /// Callbacks queued and not yet taken by Run (one connection's at a time: Connect waits
    /// until the previous connection's are taken).
    pending: AtomicUsize,
    /// Message bytes those callbacks hold.
    bytes: AtomicUsize,
    /// The connection's task, paused while `bytes` is over the limit.
    waker: Mutex<Option<Waker>>,
}

#[derive(Default)]
struct Link {
    /// Set by WebSocketEx_SetDispatcher, for the next Connect.
    next: Option<Attachment>,
    /// The dispatcher the current connection was started with (its callbacks may be queued
    /// there) and its route, while the connection may still queue.
    current: Option<(Arc<Dispatcher>, std::sync::Weak<Route>)>,
}

impl Default for ClientDispatch {
    fn default() -> ClientDispatch {
        ClientDispatch {
            link: Mutex::default(),
            limit: AtomicUsize::new(DEFAULT_DISPATCH_LIMIT),
            pending: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            waker: Mutex::new(None),
        }
    }
}

impl ClientDispatch {
    fn link(&self) -> MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether callbacks of the client wait in a dispatcher.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire) > 0
    }

    /// WebSocketEx_SetDispatcher: the dispatcher for the next Connect (None: library
    /// threads). Refused while callbacks of the client are pending, or for a dispatcher
    /// being destroyed.
    pub(crate) fn set(&self, dispatcher: Option<&Arc<Dispatcher>>) -> Result<(), Refusal> {
        let next = match dispatcher {
            None => None,
            Some(dispatcher) => Some(Attachment::new(dispatcher).ok_or(Refusal::Closed)?),
        };
        let mut link = self.link();
        if self.has_pending() {
            return Err(Refusal::Pending);
        }
        let previous = std::mem::replace(&mut link.next, next);
        drop(link);
        drop(previous);
        Ok(())
    }

    /// WebSocketEx_SetDispatchLimit (0: the default); takes effect at once.
    pub(crate) fn set_limit(&self, bytes: usize) {
        let limit = if bytes == 0 {
            DEFAULT_DISPATCH_LIMIT
        } else {
            bytes
        };
        self.limit.store(limit, Ordering::Release);
        // A paused connection reads again if the new limit allows it.
        self.wake_if_below_limit();
    }

    /// Connect: the route of the new connection, None for library threads. Forgets the
    /// previous connection's (which queues nothing more: Connect waits for its end).
    pub(crate) fn route_for_connect(&self) -> Option<Arc<Route>> {
        let mut link = self.link();
        let route = link.next.as_ref().and_then(|next| {
            let dispatcher = next.dispatcher();
            Some(Arc::new(Route {
                dispatcher: dispatcher.clone(),
                attachment: Mutex::new(Some(Attachment::new(dispatcher)?)),
            }))
        });
        link.current = route
            .as_ref()
            .map(|r| (r.dispatcher.clone(), Arc::downgrade(r)));
        route
    }

    /// Destroy, after the client was marked: drops its queued callbacks and ends its
    /// attachments, so the dispatcher can be destroyed as soon as this returns.
    pub(crate) fn detach(&self, entry: &ClientEntry) {
        let (next, current) = {
            let mut link = self.link();
            (link.next.take(), link.current.take())
        };
        drop(next);
        if let Some((dispatcher, route)) = current {
            if let Some(route) = route.upgrade() {
                route.release();
            }
            dispatcher.discard(entry);
        }
    }

    /// A callback holding `bytes` was queued (under the dispatcher's lock).
    fn queued(&self, bytes: usize) {
        self.pending.fetch_add(1, Ordering::AcqRel);
        self.bytes.fetch_add(bytes, Ordering::AcqRel);
    }

    /// A callback holding `bytes` left the queue: run or discarded.
    fn taken(&self, bytes: usize) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
        self.bytes.fetch_sub(bytes, Ordering::SeqCst);
        self.wake_if_below_limit();
    }

    fn is_below_limit(&self) -> bool {
        self.bytes.load(Ordering::SeqCst) <= self.limit.load(Ordering::Acquire)
    }

    fn waker(&self) -> MutexGuard<'_, Option<Waker>> {
        self.waker.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake_if_below_limit(&self) {
        if self.is_below_limit() {
            let waker = self.waker().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Ready while the queued callbacks hold at most the limit; else the waker is kept and
    /// [`ClientDispatch::taken`] wakes it once they hold less. (The waker is stored before the
    /// second look, and `taken` subtracts before it looks for a waker: one of the two sees
    /// the other.)
    fn poll_accepting(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.is_below_limit() {
            return Poll::Ready(());
        }
        {
            let mut waker = self.waker();
            match &mut *waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
        }
        if self.is_below_limit() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;
    use std::task::Wake;

    fn client() -> Arc<ClientEntry> {
        Arc::new(
            ClientEntry::new(Callbacks {
                on_open: None,
                on_message: None,
                on_error: None,
                on_close: None,
            })
            .unwrap(),
        )
    }

    fn dispatcher() -> Arc<Dispatcher> {
        Arc::new(Dispatcher::new().unwrap())
    }

    /// `entry` set to `d` and connected: the route its handler gets.
    fn connected(entry: &ClientEntry, d: &Arc<Dispatcher>) -> Arc<Route> {
        entry.dispatching.set(Some(d)).unwrap();
        entry.dispatching.route_for_connect().unwrap()
    }

    fn readable(d: &Dispatcher) -> bool {
        d.wait(Some(Duration::ZERO))
    }

    /// A call that records its number in `log` and says whether it called C.
    fn call(log: &Arc<Mutex<Vec<u32>>>, n: u32, calls_c: bool) -> Call {
        let log = log.clone();
        Box::new(move |_, _| {
            log.lock().unwrap().push(n);
            calls_c
        })
    }

    #[test]
    fn the_fd_is_readable_exactly_while_calls_are_pending_and_run_counts_calls_made() {
        let d = dispatcher();
        let (a, b) = (client(), client());
        let (ra, rb) = (connected(&a, &d), connected(&b, &d));
        let log = Arc::new(Mutex::new(Vec::new()));
        assert!(!readable(&d));
        assert_eq!(d.run(0), Ok(0));
        ra.queue(&a, 0, call(&log, 1, true));
        assert!(readable(&d));
        assert!(readable(&d), "level-triggered: still readable");
        rb.queue(&b, 0, call(&log, 2, false)); // a NULL callback: runs, does not count
        ra.queue(&a, 0, call(&log, 3, true));
        rb.queue(&b, 0, call(&log, 4, true));
        assert_eq!(d.run(1), Ok(1));
        assert!(readable(&d));
        // Two calls made; the one between them called nothing.
        assert_eq!(d.run(2), Ok(2));
        assert_eq!(*log.lock().unwrap(), [1, 2, 3, 4]);
        assert!(!readable(&d));
        assert!(!a.dispatching.has_pending() && !b.dispatching.has_pending());
    }

    #[test]
    fn run_takes_only_what_was_pending_when_it_started() {
        let d = dispatcher();
        let a = client();
        let route = connected(&a, &d);
        let (again, entry) = (route.clone(), a.clone());
        route.queue(
            &a,
            0,
            Box::new(move |_, _| {
                again.queue(&entry, 0, Box::new(|_, _| true));
                true
            }),
        );
        assert_eq!(d.run(0), Ok(1));
        assert!(readable(&d), "queued meanwhile: for the next Run");
        assert_eq!(d.run(0), Ok(1));
        assert!(!readable(&d));

        // Also when a callback discards others (Destroy): what arrives then still waits.
        let b = client();
        let rb = connected(&b, &d);
        let (again, entry, victim) = (route.clone(), a.clone(), b.clone());
        route.queue(
            &a,
            0,
            Box::new(move |_, _| {
                victim.mark_destroying();
                victim.dispatching.detach(&victim);
                again.queue(&entry, 0, Box::new(|_, _| true));
                true
            }),
        );
        rb.queue(&b, 0, Box::new(|_, _| true));
        rb.queue(&b, 0, Box::new(|_, _| true));
        assert_eq!(d.run(0), Ok(1));
        assert!(readable(&d));
        assert_eq!(d.run(0), Ok(1));
    }

    #[test]
    fn one_thread_at_a_time_runs_a_dispatcher() {
        let d = dispatcher();
        let a = client();
        let route = connected(&a, &d);
        let inner = Arc::new(Mutex::new(None));
        let (d2, seen) = (d.clone(), inner.clone());
        route.queue(
            &a,
            0,
            Box::new(move |_, _| {
                let here = d2.run(0);
                let there = std::thread::scope(|s| s.spawn(|| d2.run(0)).join().unwrap());
                *seen.lock().unwrap() = Some((here, there));
                true
            }),
        );
        route.queue(&a, 0, Box::new(|_, _| true));
        assert_eq!(d.run(0), Ok(2));
        assert_eq!(
            *inner.lock().unwrap(),
            Some((Err(Refusal::Running), Err(Refusal::Running)))
        );
    }

    #[test]
    fn destroy_discards_the_clients_calls_and_frees_the_dispatcher() {
        let d = dispatcher();
        let (a, b) = (client(), client());
        let (ra, rb) = (connected(&a, &d), connected(&b, &d));
        let log = Arc::new(Mutex::new(Vec::new()));
        ra.queue(&a, 100, call(&log, 1, true));
        rb.queue(&b, 0, call(&log, 2, true));
        ra.queue(&a, 100, call(&log, 3, true));
        assert_eq!(d.close(), Err(Refusal::Attached));
        a.mark_destroying();
        a.dispatching.detach(&a);
        assert!(!a.dispatching.has_pending());
        assert_eq!(a.dispatching.bytes.load(Ordering::SeqCst), 0);
        // Queued after Destroy: dropped.
        ra.queue(&a, 0, call(&log, 4, true));
        assert!(readable(&d));
        assert_eq!(d.run(0), Ok(1));
        assert_eq!(*log.lock().unwrap(), [2]);
        assert!(!readable(&d));
        // b still holds it: by SetDispatcher, then by its connection, then by a pending call.
        assert_eq!(d.close(), Err(Refusal::Attached));
        b.dispatching.set(None).unwrap();
        assert_eq!(d.close(), Err(Refusal::Attached));
        rb.queue(&b, 0, call(&log, 5, true));
        rb.release(); // its end was queued
        assert_eq!(d.close(), Err(Refusal::Pending));
        assert_eq!(d.run(0), Ok(1));
        assert_eq!(d.close(), Ok(()));
        assert_eq!(d.close(), Err(Refusal::Closed));
        assert_eq!(b.dispatching.set(Some(&d)), Err(Refusal::Closed));
        drop((ra, rb));
    }

    #[test]
    fn set_dispatcher_is_refused_while_calls_are_pending() {
        let d = dispatcher();
        let a = client();
        let route = connected(&a, &d);
        route.queue(&a, 0, Box::new(|_, _| true));
        assert_eq!(a.dispatching.set(None), Err(Refusal::Pending));
        assert_eq!(d.run(0), Ok(1));
        assert_eq!(a.dispatching.set(None), Ok(()));
        assert!(a.dispatching.route_for_connect().is_none());
    }

    struct Wakes(AtomicU32);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn over_its_limit_a_client_pauses_until_run_takes_it_below() {
        let d = dispatcher();
        let a = client();
        let route = connected(&a, &d);
        a.dispatching.set_limit(250);
        let wakes = Arc::new(Wakes(AtomicU32::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        for _ in 0..3 {
            assert!(route.poll_accepting(&a, &mut cx).is_ready());
            route.queue(&a, 100, Box::new(|_, _| true));
        }
        // 300 bytes pending: over the limit.
        assert!(route.poll_accepting(&a, &mut cx).is_pending());
        assert_eq!(d.run(1), Ok(1));
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "woken at 200 bytes");
        assert!(route.poll_accepting(&a, &mut cx).is_ready());
        // A single message larger than the limit still gets through.
        route.queue(&a, 1000, Box::new(|_, _| true));
        assert!(route.poll_accepting(&a, &mut cx).is_pending());
        // Raising the limit takes effect at once.
        a.dispatching.set_limit(10_000);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 2);
        assert!(route.poll_accepting(&a, &mut cx).is_ready());
        assert_eq!(d.run(0), Ok(3));
    }
}
