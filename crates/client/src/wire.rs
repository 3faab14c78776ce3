//! Moving bytes and time between a [`Session`] and its stream, the same for both APIs (the
//! handler's driver on the shared runtime, [`crate::WebSocket`] on the caller's task) and every
//! stream (TCP or a Unix socket, TLS or not, through a proxy or not): the protocol's output in
//! vectored writes, then a flush; reads straight into the protocol's buffer, lent from a
//! per-thread pool so that an idle connection holds none; the session's deadlines on one
//! timer. [`Wire::poll_step`] is the one I/O step both APIs loop on.
use crate::session::{Exit, Expired, Session};
use net_websocket_protocol::Protocol;
use std::cell::RefCell;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Stop taking messages to encode while this much output waits to be written: bounds the
/// output buffer and batches small messages into large writes.
pub(crate) const OUTPUT_HIGH_WATER: usize = 256 * 1024;
/// Size of the read buffers a thread keeps for its connections: a connection holds one only
/// while bytes of a frame wait in it, so an idle connection has none.
const READ_BUFFER_SIZE: usize = 64 * 1024;
/// Idle read buffers a thread keeps.
const POOLED_READ_BUFFERS: usize = 8;
/// Pieces of output one write takes at most.
const MAX_SLICES: usize = 64;

/// A timer deadline far enough to mean "never".
const FAR_FUTURE: Duration = Duration::from_secs(86400 * 365);

/// A connection's stream, whether written bytes wait in it (TLS records) for a flush, and the
/// timer of its session.
pub(crate) struct Wire<S> {
    pub(crate) stream: S,
    unflushed: bool,
    timer: Pin<Box<Sleep>>,
    /// Cleared while the handler takes no more events (backpressure, see
    /// [`Wire::set_reading`]).
    reading: bool,
    /// The timer is set to "never" (most steps of a busy connection without keepalive: it
    /// is not reset, nor the clock read, for each of them).
    timer_parked: bool,
}

/// What one [`Wire::poll_step`] found.
#[derive(Debug)]
pub(crate) enum Step {
    /// Events wait in the protocol: poll them.
    Events,
    /// Lingering with our last frames written: the end may be reported now (once).
    Drained,
    /// Buffers grown for large messages were given back (the handler API gives back its
    /// outbox's spares too).
    Released,
    /// The session is over.
    Exit(Exit),
}

impl<S: AsyncRead + AsyncWrite + Unpin> Wire<S> {
    pub(crate) fn new(stream: S) -> Self {
        Wire {
            stream,
            unflushed: false,
            timer: Box::pin(tokio::time::sleep_until(Instant::now() + FAR_FUTURE)),
            reading: true,
            timer_parked: true,
        }
    }

    /// Whether [`Wire::poll_step`] reads (the default) or leaves the socket unread, writing
    /// and running deadlines only: the handler API's backpressure
    /// ([`crate::Handler::poll_accepting`]).
    pub(crate) fn set_reading(&mut self, reading: bool) {
        self.reading = reading;
    }

    /// One step of a session: writes what the protocol has ready, reads unless reading is
    /// paused (returning as soon as an event is complete), and runs the deadline that is due. Pending when nothing more
    /// can happen until the stream or the timer wakes the task. `extra_releasable`: the
    /// caller also holds buffers for large messages that a [`Step::Released`] lets it free.
    pub(crate) fn poll_step(
        &mut self,
        session: &mut Session,
        cx: &mut Context<'_>,
        extra_releasable: bool,
    ) -> Poll<Step> {
        loop {
            match self.poll_transmit(&mut session.protocol, cx) {
                Ok(true) => session.publish_tally(),
                Ok(false) => {}
                Err(source) => {
                    let during = "connection lost while writing";
                    return Poll::Ready(Step::Exit(session.on_io_error(during, source)));
                }
            }
            if session.note_drained(self.is_drained(&session.protocol)) {
                return Poll::Ready(Step::Drained);
            }
            let received = if self.reading {
                self.poll_receive(&mut session.protocol, cx)
            } else {
                Poll::Pending
            };
            match received {
                Poll::Ready(Ok(0)) => return Poll::Ready(Step::Exit(session.on_eof())),
                Poll::Ready(Ok(_)) => {
                    session.on_received(Instant::now());
                    if session.protocol.has_event() {
                        return Poll::Ready(Step::Events);
                    }
                    reclaim_read_buffer(&mut session.protocol, false);
                    continue;
                }
                Poll::Ready(Err(source)) => {
                    let during = "connection lost while reading";
                    return Poll::Ready(Step::Exit(session.on_io_error(during, source)));
                }
                Poll::Pending => reclaim_read_buffer(&mut session.protocol, false),
            }
            let releasable = holds_releasable_buffer(&session.protocol) || extra_releasable;
            let Some((deadline, due)) = session.poll_timeout(releasable) else {
                self.park_timer();
                return Poll::Pending;
            };
            self.set_timer(deadline);
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            match session.handle_timeout(due, Instant::now()) {
                Expired::Nothing => {}
                Expired::ReleaseBuffers => {
                    release_buffers(&mut session.protocol);
                    return Poll::Ready(Step::Released);
                }
                Expired::Exit(exit) => {
                    // The close frame keepalive queued: one attempt, not awaited.
                    self.try_write_now(&mut session.protocol, cx);
                    return Poll::Ready(Step::Exit(exit));
                }
            }
        }
    }

    fn set_timer(&mut self, deadline: Instant) {
        self.timer_parked = false;
        if self.timer.deadline() != deadline {
            self.timer.as_mut().reset(deadline);
        }
    }

    /// No deadline: the timer is set to "never", once.
    fn park_timer(&mut self) {
        if !self.timer_parked {
            self.timer.as_mut().reset(Instant::now() + FAR_FUTURE);
            self.timer_parked = true;
        }
    }

    /// Writes the protocol's output as far as the stream takes it, then flushes. Returns
    /// whether any byte went out; an error means the connection is lost (a write of 0 bytes
    /// included).
    pub(crate) fn poll_transmit(
        &mut self,
        protocol: &mut Protocol,
        cx: &mut Context<'_>,
    ) -> io::Result<bool> {
        let mut progress = false;
        while protocol.pending_output_len() > 0 {
            // One vectored write: small frames batched, large payloads from their own
            // buffers, after their headers.
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let count = protocol.pending_output_vectored(&mut slices);
            match Pin::new(&mut self.stream).poll_write_vectored(cx, &slices[..count]) {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => {
                    protocol.consume_output(n);
                    self.unflushed = true;
                    progress = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => break,
            }
        }
        if self.unflushed {
            match Pin::new(&mut self.stream).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        Ok(progress)
    }

    /// Everything the protocol produced is written and flushed.
    pub(crate) fn is_drained(&self, protocol: &Protocol) -> bool {
        protocol.pending_output_len() == 0 && !self.unflushed
    }

    /// Reads into the protocol's buffer (no copy: a message in one frame is delivered where
    /// it was read). `Ok(0)` is the end of the stream, also from a TLS peer that closed TCP
    /// without close_notify.
    pub(crate) fn poll_receive(
        &mut self,
        protocol: &mut Protocol,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        lend_read_buffer(protocol);
        let mut buf = ReadBuf::new(protocol.read_space());
        match Pin::new(&mut self.stream).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len();
                protocol.commit_read(n);
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => Poll::Ready(Ok(0)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// One attempt to write a close frame now, when nothing else waits to be written (Destroy):
    /// not awaited.
    pub(crate) fn try_close_now(
        &mut self,
        protocol: &mut Protocol,
        code: u16,
        reason: &str,
        cx: &mut Context<'_>,
    ) {
        use net_websocket_protocol::State;
        if protocol.state() == State::Open && protocol.pending_output_len() == 0 {
            let _ = protocol.send_close(Some(code), reason);
            self.try_write_now(protocol, cx);
        }
    }

    /// One attempt to write what the protocol has ready, and to flush it: not awaited.
    fn try_write_now(&mut self, protocol: &mut Protocol, cx: &mut Context<'_>) {
        if protocol.pending_output_len() == 0 {
            return;
        }
        let out = protocol.pending_output();
        if let Poll::Ready(Ok(n)) = Pin::new(&mut self.stream).poll_write(cx, out) {
            protocol.consume_output(n);
        }
        let _ = Pin::new(&mut self.stream).poll_flush(cx);
    }
}

thread_local! {
    static READ_BUFFERS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

fn holds_large_buffer(protocol: &Protocol) -> bool {
    protocol.read_buffer_len() > READ_BUFFER_SIZE
}

/// Whether `protocol` holds buffers grown for large messages that [`release_buffers`] would
/// free now: a read buffer, not while part of a frame waits in it (a peer that stalls
/// mid-frame must not make the release due, and then due again, forever), or the protocol's
/// message and output buffers while unused.
pub(crate) fn holds_releasable_buffer(protocol: &Protocol) -> bool {
    (holds_large_buffer(protocol) && !protocol.holds_partial_input())
        || protocol.holds_large_idle_buffers()
}

/// Frees what [`holds_releasable_buffer`] names (the connection went quiet).
fn release_buffers(protocol: &mut Protocol) {
    reclaim_read_buffer(protocol, true);
    protocol.release_idle_buffers();
}

/// Gives `protocol` a read buffer of this worker's, when it has none.
fn lend_read_buffer(protocol: &mut Protocol) {
    if protocol.has_read_buffer() {
        return;
    }
    let buffer = READ_BUFFERS
        .with(|pool| pool.borrow_mut().pop())
        .unwrap_or_else(|| vec![0; READ_BUFFER_SIZE]);
    let _ = protocol.give_read_buffer(buffer);
}

/// Takes `protocol`'s read buffer back while it holds nothing, into the pool; a buffer that
/// grew for large messages stays (the next ones reuse it) unless `release` (then it is freed).
pub(crate) fn reclaim_read_buffer(protocol: &mut Protocol, release: bool) {
    let large = holds_large_buffer(protocol);
    if large && !release {
        return;
    }
    if let Some(buffer) = protocol.take_idle_read_buffer() {
        READ_BUFFERS.with(|pool| {
            let mut pool = pool.borrow_mut();
            if !large && pool.len() < POOLED_READ_BUFFERS {
                pool.push(buffer);
            }
        });
    }
}
