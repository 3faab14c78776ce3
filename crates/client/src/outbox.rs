//! The one queue from a connection's handle (any thread) to its task: messages, pings and the
//! close in call order, and the abort flag. The task takes everything queued at once (the two
//! queues are swapped, not copied) and gives emptied payload buffers back, which the next sends
//! fill: in steady state a message costs one copy (the caller's bytes, copied at Send) and no
//! allocation.
use net_websocket_protocol::Utf8Text;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

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
    Text(Utf8Text),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Close(u16, String),
    /// Test hook ([`crate::Connection::panic_in_task_for_tests`]): the driver panics when it
    /// takes this, as a bug of ours would.
    Panic,
}

impl Outgoing {
    /// The buffer to recycle once the item is encoded.
    pub(crate) fn into_buffer(self) -> Option<Vec<u8>> {
        match self {
            Outgoing::Text(text) => Some(text.into_bytes()),
            Outgoing::Binary(data) | Outgoing::Ping(data) => Some(data),
            Outgoing::Close(..) | Outgoing::Panic => None,
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
    close_queued: bool,
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

    /// A buffer holding a copy of `data`: a recycled one when there is one.
    pub(crate) fn copy(&self, data: &[u8]) -> Vec<u8> {
        let recycled = {
            let mut state = self.lock();
            if data.len() > MAX_SPARE_CAPACITY {
                let fits = state
                    .large_spare
                    .iter()
                    .position(|b| b.capacity() >= data.len());
                fits.map(|i| state.large_spare.swap_remove(i))
            } else {
                state.spare.pop()
            }
        };
        let mut buffer = recycled.unwrap_or_default();
        buffer.extend_from_slice(data);
        buffer
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

    /// Queues `item` and wakes the task.
    pub(crate) fn push(&self, item: Outgoing) {
        let waker = {
            let mut state = self.lock();
            state.close_queued |= matches!(item, Outgoing::Close(..));
            state.queue.push_back(item);
            self.dirty.store(true, Ordering::Release);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
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
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The task takes everything queued, after what `batch` still holds, and gives back the
    /// buffers in `used`. With nothing queued it is woken by the next push. `Err` once aborted.
    pub(crate) fn take(
        &self,
        batch: &mut VecDeque<Outgoing>,
        used: &mut Vec<Vec<u8>>,
        cx: &mut Context<'_>,
    ) -> Result<(), Interrupt> {
        let mut state = self.lock();
        self.dirty.store(false, Ordering::Release);
        for buffer in used.drain(..) {
            state.recycle(buffer);
        }
        if state.aborted {
            return Err(Interrupt::Aborted);
        }
        state.close_queued = false;
        if state.queue.is_empty() {
            state.waker = Some(cx.waker().clone());
        } else if batch.is_empty() {
            std::mem::swap(&mut state.queue, batch);
        } else {
            batch.append(&mut state.queue);
        }
        Ok(())
    }

    /// Whether something may have been pushed since the last [`Outbox::take`] (a hint for
    /// skipping it; a false `true` costs only the lock).
    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Acquire)
    }

    /// While connecting or waiting to reconnect: ready when a Close is queued or Destroy was
    /// called. Messages stay queued for the next connection.
    pub(crate) fn poll_interrupt(&self, cx: &mut Context<'_>) -> Poll<Interrupt> {
        let mut state = self.lock();
        if state.aborted {
            return Poll::Ready(Interrupt::Aborted);
        }
        if state.close_queued {
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
        let first = outbox.copy(b"one");
        let address = first.as_ptr();
        outbox.push(Outgoing::Binary(first));
        outbox.push(Outgoing::Close(1000, String::new()));
        let (mut batch, mut used) = (VecDeque::new(), Vec::new());
        outbox.take(&mut batch, &mut used, &mut cx()).unwrap();
        assert!(matches!(&batch[0], Outgoing::Binary(b) if b == b"one"));
        assert!(matches!(batch[1], Outgoing::Close(1000, _)));
        used.extend(batch.pop_front().unwrap().into_buffer());
        outbox.take(&mut batch, &mut used, &mut cx()).unwrap();
        let again = outbox.copy(b"two");
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
            outbox.copy(b"x").capacity() < MAX_SPARE_CAPACITY,
            "small data, small buffer"
        );
        outbox.give_back(Vec::with_capacity(100));
        assert_eq!(outbox.copy(b"x").capacity(), 100);
        let big = vec![7u8; large];
        assert_eq!(
            outbox.copy(&big).capacity(),
            large,
            "the large buffer was reused"
        );
        outbox.give_back(Vec::with_capacity(large));
        outbox.release_large();
        assert!(!outbox.holds_large());
    }

    #[test]
    fn close_interrupts_connecting_and_abort_wins() {
        let outbox = Outbox::default();
        assert!(outbox.poll_interrupt(&mut cx()).is_pending());
        outbox.push(Outgoing::Binary(Vec::new()));
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
            outbox.take(&mut batch, &mut used, &mut cx()),
            Err(Interrupt::Aborted)
        );
    }
}
