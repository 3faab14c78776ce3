//! The one queue from a connection's handle (any thread) to its task: messages, pings and the
//! close in call order, and the abort flag. The task takes everything queued at once (the two
//! queues are swapped, not copied) and gives emptied payload buffers back, which the next sends
//! fill: in steady state a message costs one copy (the caller's bytes, copied at Send, and
//! masked in that copy when large: `net_websocket_protocol::MaskedMessage`) and no allocation.
use crate::shared::ping_cost;
use net_websocket_protocol::{Compress, MaskedMessage, Utf8Text};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use tokio::time::Instant;

/// Emptied buffers kept for reuse, at most this many...
const MAX_SPARE: usize = 64;
/// ...and none larger than this...
const MAX_SPARE_CAPACITY: usize = 64 * 1024;
/// ...but for a few large ones, kept while large messages keep being sent (a fresh buffer of
/// several MiB costs page faults on every byte) and given back when the task says so.
const MAX_LARGE_SPARE: usize = 2;

/// Something a caller asked the connection to send.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Text(Utf8Text, Compress),
    Binary(Vec<u8>, Compress),
    /// A large text or binary message masked while it was copied at Send.
    Masked(MaskedMessage, Compress),
    /// One piece of a message sent in fragments.
    TextFragment(Utf8Text, Ends),
    BinaryFragment(Vec<u8>, Ends),
    /// A large fragment masked while it was copied (as [`Outgoing::Masked`]).
    MaskedFragment(MaskedMessage, Ends),
    Ping(Vec<u8>),
    Close(u16, String),
    /// Test hook (only in this crate's tests, `Connection::panic_in_task_for_tests`): the
    /// driver panics when it
    /// takes this, as a bug of ours would.
    #[cfg(test)]
    Panic,
}

/// Where a fragment stands in its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ends {
    /// It begins the message.
    pub(crate) first: bool,
    /// It ends the message.
    pub(crate) last: bool,
}

impl Outgoing {
    /// The length of a message or fragment (None for pings and the close).
    pub(crate) fn message_len(&self) -> Option<usize> {
        match self {
            Outgoing::Text(text, _) | Outgoing::TextFragment(text, _) => Some(text.len()),
            Outgoing::Binary(data, _) | Outgoing::BinaryFragment(data, _) => Some(data.len()),
            Outgoing::Masked(message, _) | Outgoing::MaskedFragment(message, _) => {
                Some(message.len())
            }
            _ => None,
        }
    }

    /// What it counts against the send-queue limit while queued: a message's or fragment's
    /// length, a ping's frame ([`ping_cost`]), nothing for the close.
    pub(crate) fn queue_cost(&self) -> usize {
        match self {
            Outgoing::Ping(payload) => ping_cost(payload.len()),
            other => other.message_len().unwrap_or(0),
        }
    }

    /// A whole message (not a fragment, ping or close).
    pub(crate) fn is_whole_message(&self) -> bool {
        matches!(
            self,
            Outgoing::Text(..) | Outgoing::Binary(..) | Outgoing::Masked(..)
        )
    }

    /// The buffer to recycle once the item is encoded.
    pub(crate) fn into_buffer(self) -> Option<Vec<u8>> {
        match self {
            Outgoing::Text(text, _) | Outgoing::TextFragment(text, _) => Some(text.into_bytes()),
            Outgoing::Binary(data, _)
            | Outgoing::BinaryFragment(data, _)
            | Outgoing::Ping(data) => Some(data),
            Outgoing::Masked(message, _) | Outgoing::MaskedFragment(message, _) => {
                Some(message.into_buffer())
            }
            Outgoing::Close(..) => None,
            #[cfg(test)]
            Outgoing::Panic => None,
        }
    }
}

/// What the task found when it looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interrupt {
    /// A Close is queued (while connecting or waiting: report onClose(1006)).
    Cancelled,
    /// Destroy, or the handle was dropped: report nothing.
    Aborted,
}

#[derive(Default)]
pub(crate) struct Outbox {
    state: Mutex<State>,
    /// Something was pushed (or abort asked) since the task last took: lets the task skip the
    /// lock when there is nothing for it.
    dirty: AtomicBool,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Outgoing>,
    /// When Close was called: from then on it cancels any attempt or wait, however far the
    /// task has taken the close frame itself, and the close timeout counts from it.
    close_requested: Option<Instant>,
    aborted: bool,
    spare: Vec<Vec<u8>>,
    large_spare: Vec<Vec<u8>>,
    /// The task, when it waits for something to be queued.
    waker: Option<Waker>,
}

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A buffer holding a copy of `data`: a recycled one when there is one; None when memory
    /// for it cannot be had.
    pub(crate) fn copy(&self, data: &[u8]) -> Option<Vec<u8>> {
        let mut buffer = self.buffer_for(data.len())?;
        buffer.extend_from_slice(data);
        Some(buffer)
    }

    /// An empty buffer with room for `len` bytes: a recycled one when there is one; None when
    /// memory for it cannot be had.
    pub(crate) fn buffer_for(&self, len: usize) -> Option<Vec<u8>> {
        let recycled = {
            let mut state = self.lock();
            if len > MAX_SPARE_CAPACITY {
                let fits = state.large_spare.iter().position(|b| b.capacity() >= len);
                fits.map(|i| state.large_spare.swap_remove(i))
            } else {
                state.spare.pop()
            }
        };
        let mut buffer = recycled.unwrap_or_default();
        if buffer.try_reserve_exact(len).is_err() {
            self.give_back(buffer);
            return None;
        }
        Some(buffer)
    }

    /// Gives a buffer back without queueing it (a send that was refused after the copy).
    pub(crate) fn give_back(&self, buffer: Vec<u8>) {
        self.lock().recycle(buffer);
    }

    /// Whether large buffers are kept for reuse.
    pub(crate) fn holds_large(&self) -> bool {
        !self.lock().large_spare.is_empty()
    }

    /// Frees the large buffers kept for reuse (large messages stopped coming).
    pub(crate) fn release_large(&self) {
        let released = std::mem::take(&mut self.lock().large_spare);
        drop(released);
    }

    /// Identifies the connection this outbox belongs to (see `inline::started_from_handler`).
    pub(crate) fn address(&self) -> usize {
        self as *const Outbox as usize
    }

    /// Queues `item` and wakes the task.
    pub(crate) fn push(&self, item: Outgoing) {
        let waker = {
            let mut state = self.lock();
            if matches!(item, Outgoing::Close(..)) && state.close_requested.is_none() {
                state.close_requested = Some(Instant::now());
            }
            state.queue.push_back(item);
            self.dirty.store(true, Ordering::Release);
            state.waker.take()
        };
        self.wake(waker);
    }

    fn wake(&self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            waker.wake();
            crate::inline::started_from_handler(self.address());
        }
    }

    /// Destroy: the task stops at its next look.
    pub(crate) fn abort(&self) {
        let waker = {
            let mut state = self.lock();
            state.aborted = true;
            self.dirty.store(true, Ordering::Release);
            state.waker.take()
        };
        self.wake(waker);
    }

    /// The task takes everything queued, after what `batch` still holds, and gives back the
    /// buffers in `used`. With `cx`, it is woken by the next push; without (while it runs the
    /// handler, see [`Outbox::quiet`]) it is not. `Err` once aborted; otherwise when Close
    /// was called, if it was.
    pub(crate) fn take(
        &self,
        batch: &mut VecDeque<Outgoing>,
        used: &mut Vec<Vec<u8>>,
        cx: Option<&mut Context<'_>>,
    ) -> Result<Option<Instant>, Interrupt> {
        let mut state = self.lock();
        self.dirty.store(false, Ordering::Release);
        for buffer in used.drain(..) {
            state.recycle(buffer);
        }
        if state.aborted {
            return Err(Interrupt::Aborted);
        }
        // Always registered, also when items are taken: a task that cannot write them yet
        // (the socket is full) must still be woken by a Close or an Abort.
        if let Some(cx) = cx {
            if !state
                .waker
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                state.waker = Some(cx.waker().clone());
            }
        }
        if batch.is_empty() {
            std::mem::swap(&mut state.queue, batch);
        } else {
            batch.append(&mut state.queue);
        }
        Ok(state.close_requested)
    }

    /// The task is about to run the handler, which usually sends: pushes until its next
    /// [`Outbox::take`] with a context do not wake it (it takes them when the handler returns;
    /// a wake-up would only poll it once more for nothing). Pushes from other threads
    /// meanwhile are taken then too.
    pub(crate) fn quiet(&self) {
        self.lock().waker = None;
    }

    /// How many messages are queued, and their bytes.
    pub(crate) fn queued_messages(&self) -> (usize, usize) {
        let state = self.lock();
        let lengths = state.queue.iter().filter_map(Outgoing::message_len);
        lengths.fold((0, 0), |(n, bytes), len| (n + 1, bytes + len))
    }

    /// Whether something may have been pushed since the last [`Outbox::take`] (a hint for
    /// skipping it; a false `true` costs only the lock).
    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Acquire)
    }

    /// While connecting or waiting to reconnect: ready once Close was called (also when the
    /// task already took its close frame) or Destroy. Messages stay queued for the next
    /// connection.
    pub(crate) fn poll_interrupt(&self, cx: &mut Context<'_>) -> Poll<Interrupt> {
        let mut state = self.lock();
        if state.aborted {
            return Poll::Ready(Interrupt::Aborted);
        }
        if state.close_requested.is_some() {
            return Poll::Ready(Interrupt::Cancelled);
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl State {
    fn recycle(&mut self, mut buffer: Vec<u8>) {
        buffer.clear();
        if buffer.capacity() <= MAX_SPARE_CAPACITY {
            if self.spare.len() < MAX_SPARE {
                self.spare.push(buffer);
            }
        } else if self.large_spare.len() < MAX_LARGE_SPARE {
            self.large_spare.push(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn cx() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    #[test]
    fn items_come_out_in_order_and_buffers_are_reused() {
        let outbox = Outbox::default();
        let first = outbox.copy(b"one").unwrap();
        let address = first.as_ptr();
        outbox.push(Outgoing::Binary(first, Compress::Auto));
        outbox.push(Outgoing::Close(1000, String::new()));
        let (mut batch, mut used) = (VecDeque::new(), Vec::new());
        outbox.take(&mut batch, &mut used, Some(&mut cx())).unwrap();
        assert!(matches!(&batch[0], Outgoing::Binary(b, _) if b == b"one"));
        assert!(matches!(batch[1], Outgoing::Close(1000, _)));
        used.extend(batch.pop_front().unwrap().into_buffer());
        outbox.take(&mut batch, &mut used, Some(&mut cx())).unwrap();
        let again = outbox.copy(b"two").unwrap();
        assert_eq!(again.as_ptr(), address, "the buffer was reused");
        assert_eq!(again, b"two");
    }

    #[test]
    fn large_buffers_serve_large_messages_until_released() {
        let outbox = Outbox::default();
        let large = MAX_SPARE_CAPACITY + 1;
        outbox.give_back(Vec::with_capacity(large));
        assert!(outbox.holds_large());
        assert!(
            outbox.copy(b"x").unwrap().capacity() < MAX_SPARE_CAPACITY,
            "small data, small buffer"
        );
        outbox.give_back(Vec::with_capacity(100));
        assert_eq!(outbox.copy(b"x").unwrap().capacity(), 100);
        let big = vec![7u8; large];
        assert_eq!(
            outbox.copy(&big).unwrap().capacity(),
            large,
            "the large buffer was reused"
        );
        outbox.give_back(Vec::with_capacity(large));
        outbox.release_large();
        assert!(!outbox.holds_large());
    }

    /// Counts its wake-ups.
    struct Counter(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Counter {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_task_that_took_items_is_still_woken_by_close_and_abort() {
        let outbox = Outbox::default();
        let counter = std::sync::Arc::new(Counter(Default::default()));
        let waker = Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let (mut batch, mut used) = (VecDeque::new(), Vec::new());
        outbox.push(Outgoing::Binary(vec![1], Compress::Auto));
        // The task takes the message and cannot write it yet (it stays in the batch).
        assert_eq!(outbox.take(&mut batch, &mut used, Some(&mut cx)), Ok(None));
        assert_eq!(batch.len(), 1);
        outbox.push(Outgoing::Close(1000, String::new()));
        assert_eq!(counter.0.load(Ordering::SeqCst), 1, "Close woke the task");
        let requested = outbox.take(&mut batch, &mut used, Some(&mut cx)).unwrap();
        assert!(requested.is_some(), "the Close call's time");
        // Taken, the Close still interrupts an attempt or a wait (reconnection).
        assert_eq!(
            outbox.poll_interrupt(&mut cx),
            Poll::Ready(Interrupt::Cancelled)
        );
        outbox.abort();
        assert_eq!(counter.0.load(Ordering::SeqCst), 2, "Abort woke the task");
    }

    #[test]
    fn close_interrupts_connecting_and_abort_wins() {
        let outbox = Outbox::default();
        assert!(outbox.poll_interrupt(&mut cx()).is_pending());
        outbox.push(Outgoing::Binary(Vec::new(), Compress::Auto));
        assert!(outbox.poll_interrupt(&mut cx()).is_pending());
        outbox.push(Outgoing::Close(1000, String::new()));
        assert_eq!(
            outbox.poll_interrupt(&mut cx()),
            Poll::Ready(Interrupt::Cancelled)
        );
        outbox.abort();
        assert_eq!(
            outbox.poll_interrupt(&mut cx()),
            Poll::Ready(Interrupt::Aborted)
        );
        let (mut batch, mut used) = (VecDeque::new(), Vec::new());
        assert_eq!(
            outbox.take(&mut batch, &mut used, Some(&mut cx())),
            Err(Interrupt::Aborted)
        );
    }
}
