//! A connection once open: one poll loop that drains the command queue into the protocol,
//! writes its output, reads and dispatches events, and runs the timers (close wait,
//! keepalive). Reading never waits for writing, so a peer that echoes while we send large
//! messages cannot deadlock us. Generic over the stream: TCP and TLS (direct or through a
//! proxy tunnel) share this code.
use crate::connection::Shared;
use crate::error::{Cause, Error};
use crate::handler::{call_handler, Reporter};
use crate::outbox::{Interrupt, Outgoing};
use net_websocket_protocol::{Connection as Protocol, Event, State};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Stop encoding queued messages while this much output waits to be written: bounds the
/// output buffer and batches small messages into large writes.
const OUTPUT_HIGH_WATER: usize = 256 * 1024;
/// Size of the read buffers a worker keeps for its connections: a connection holds one only
/// while bytes of a frame wait in it, so an idle connection has none.
const READ_BUFFER_SIZE: usize = 64 * 1024;
/// Idle read buffers a worker keeps.
const POOLED_READ_BUFFERS: usize = 8;
/// Pieces of output one write takes at most.
const MAX_SLICES: usize = 64;
/// Buffers that grew for large messages (the read buffer, the outbox's spares) are kept while
/// traffic keeps coming, and given back after this long without any received.
const RELEASE_AFTER: Duration = Duration::from_secs(1);
/// A timer deadline far enough to mean "never".
const FAR_FUTURE: Duration = Duration::from_secs(86400 * 365);
/// How long the final shutdown (TLS close_notify, TCP FIN) may take after a clean close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

thread_local! {
    static READ_BUFFERS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

fn holds_large_buffer(protocol: &Protocol) -> bool {
    protocol.read_buffer_len() > READ_BUFFER_SIZE
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
fn reclaim_read_buffer(protocol: &mut Protocol, release: bool) {
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

pub(crate) struct Driver<'a, S> {
    stream: S,
    /// Written bytes may wait in the stream (TLS records) until flushed.
    unflushed: bool,
    /// `ws://host:port` for error messages.
    endpoint: String,
    protocol: Protocol,
    shared: &'a Shared,
    /// What was taken from the outbox and not yet encoded; what is left when the connection
    /// ends goes to the next one, if reconnection brings one.
    batch: &'a mut VecDeque<Outgoing>,
    /// Emptied payload buffers, given back to the outbox at its next look.
    used: Vec<Vec<u8>>,
    reporter: &'a mut Reporter,
    /// The close handshake finished (or the protocol failed): no more events; only flushing,
    /// reporting the end and waiting for the server's EOF remain.
    ended: bool,
    /// The end, reported once our last frames (the close reply) are written: a caller that
    /// destroys the client in its close callback must not cut the reply off.
    unreported: Option<Ending>,
    /// A handler asked for Abort while events were dispatched (taken off the queue early).
    aborted: bool,
    /// When we sent our close frame (waiting for the reply) or when the end was reported
    /// (waiting for EOF): give up at this instant.
    close_deadline: Option<Instant>,
    timers: Keepalive,
    timer: Pin<Box<Sleep>>,
}

/// Keepalive state: when something was last received, and whether our ping is unanswered.
struct Keepalive {
    last_received: Instant,
    ping_outstanding: bool,
}

/// What the timer should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// The close wait or the linger after the close is over.
    CloseDeadline,
    /// Idle for the ping interval: send a ping.
    Ping,
    /// Nothing received for `dead_after`: the connection is lost.
    Dead,
    /// Quiet for a while: give back a read buffer that grew for large messages.
    ReleaseBuffer,
}

/// The one place timer deadlines are computed: the close deadline when one is set, else the
/// keepalive deadline (a ping after `interval` idle, dead after `dead_after` idle); and, when
/// the connection holds a read buffer grown for large messages, its release after
/// [`RELEASE_AFTER`] of quiet, if that comes first.
fn next_deadline(
    close_deadline: Option<Instant>,
    keepalive: &Keepalive,
    interval: Option<Duration>,
    dead_after: Duration,
    holds_large_buffer: bool,
) -> (Instant, Option<Due>) {
    let main = if let Some(deadline) = close_deadline {
        (deadline, Some(Due::CloseDeadline))
    } else {
        match interval {
            Some(_) if keepalive.ping_outstanding => {
                (keepalive.last_received + dead_after, Some(Due::Dead))
            }
            Some(interval) => (keepalive.last_received + interval, Some(Due::Ping)),
            None => (keepalive.last_received + FAR_FUTURE, None),
        }
    };
    let release = keepalive.last_received + RELEASE_AFTER;
    if holds_large_buffer && release < main.0 {
        return (release, Some(Due::ReleaseBuffer));
    }
    main
}

impl<'a, S: AsyncRead + AsyncWrite + Unpin + Send> Driver<'a, S> {
    pub(crate) fn new(
        stream: S,
        protocol: Protocol,
        shared: &'a Shared,
        batch: &'a mut VecDeque<Outgoing>,
        reporter: &'a mut Reporter,
        endpoint: String,
    ) -> Self {
        let now = Instant::now();
        Driver {
            stream,
            unflushed: false,
            endpoint,
            protocol,
            shared,
            batch,
            used: Vec::new(),
            reporter,
            ended: false,
            unreported: None,
            aborted: false,
            close_deadline: None,
            timers: Keepalive {
                last_received: now,
                ping_outstanding: false,
            },
            timer: Box::pin(tokio::time::sleep_until(now + FAR_FUTURE)),
        }
    }

    pub(crate) async fn run(mut self) {
        // Messages received together with the handshake response.
        poll_fn(|cx| {
            self.dispatch_events(cx);
            Poll::Ready(())
        })
        .await;
        let finish = poll_fn(|cx| self.poll(cx)).await;
        if finish == Finish::Shutdown {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.stream.shutdown()).await;
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Finish> {
        loop {
            let mut progress = false;
            if self.aborted {
                self.abort(cx);
                return Poll::Ready(Finish::Drop);
            }

            // The outbox first: Abort must win over everything queued before it.
            if self.take_outbox(cx).is_err() {
                self.abort(cx);
                return Poll::Ready(Finish::Drop);
            }
            self.encode_pending();

            while self.protocol.pending_output_len() > 0 {
                // One vectored write: small frames batched, large payloads from their own
                // buffers, after their headers.
                let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                let count = self.protocol.pending_output_vectored(&mut slices);
                match Pin::new(&mut self.stream).poll_write_vectored(cx, &slices[..count]) {
                    Poll::Ready(Ok(0)) => {
                        let closed = std::io::Error::from(std::io::ErrorKind::WriteZero);
                        return self.lost("connection lost while writing", closed);
                    }
                    Poll::Ready(Ok(n)) => {
                        self.protocol.consume_output(n);
                        self.unflushed = true;
                        progress = true;
                    }
                    Poll::Ready(Err(e)) => return self.lost("connection lost while writing", e),
                    Poll::Pending => break,
                }
            }
            if self.unflushed {
                match Pin::new(&mut self.stream).poll_flush(cx) {
                    Poll::Ready(Ok(())) => self.unflushed = false,
                    Poll::Ready(Err(e)) => return self.lost("connection lost while writing", e),
                    Poll::Pending => {}
                }
            }
            self.used
                .extend(std::iter::from_fn(|| self.protocol.take_written_buffer()));
            if self.protocol.pending_output_len() == 0 && !self.unflushed {
                self.report_unreported();
            }

            // Straight into the protocol's buffer: a message in one frame is not copied again.
            lend_read_buffer(&mut self.protocol);
            let mut buf = ReadBuf::new(self.protocol.read_space());
            let read = match Pin::new(&mut self.stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) => Poll::Ready(Ok(buf.filled().len())),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            };
            if let Poll::Ready(Ok(n)) = read {
                self.protocol.commit_read(n);
            }
            // A TLS peer that closes TCP without close_notify ends the stream like a plain EOF.
            let read = match read {
                Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    Poll::Ready(Ok(0))
                }
                read => read,
            };
            match read {
                Poll::Ready(Ok(0)) => {
                    self.protocol.receive_eof();
                    return if self.ended {
                        self.report_unreported();
                        Poll::Ready(Finish::Shutdown)
                    } else {
                        self.report_loss(Cause::ClosedByPeer)
                    };
                }
                Poll::Ready(Ok(_)) => {
                    self.timers.last_received = Instant::now();
                    self.timers.ping_outstanding = false;
                    self.dispatch_events(cx);
                    reclaim_read_buffer(&mut self.protocol, false);
                    progress = true;
                }
                Poll::Ready(Err(e)) => return self.lost("connection lost while reading", e),
                Poll::Pending => reclaim_read_buffer(&mut self.protocol, false),
            }

            let options = &self.shared.options;
            let (deadline, due) = next_deadline(
                self.close_deadline,
                &self.timers,
                options.ping_interval,
                options.dead_after,
                holds_large_buffer(&self.protocol) || self.shared.outbox.holds_large(),
            );
            if self.timer.deadline() != deadline {
                self.timer.as_mut().reset(deadline);
            }
            if self.timer.as_mut().poll(cx).is_ready() {
                if let Some(done) = due.and_then(|due| self.on_timer(due, cx)) {
                    return done;
                }
                progress = true;
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }

    /// Takes what the outbox holds into the batch (and registers for the next push).
    fn take_outbox(&mut self, cx: &mut Context<'_>) -> Result<(), Interrupt> {
        self.shared.outbox.take(self.batch, &mut self.used, cx)
    }

    /// Encodes queued items until the output holds OUTPUT_HIGH_WATER bytes.
    fn encode_pending(&mut self) {
        while !self.ended && self.protocol.pending_output_len() < OUTPUT_HIGH_WATER {
            let Some(item) = self.batch.pop_front() else {
                break;
            };
            self.encode(item);
        }
    }

    /// Takes what a handler just queued (e.g. the reply to a message) and encodes it before the
    /// next event: a close or a protocol failure that arrived in the same read must not
    /// overtake it.
    fn take_handler_commands(&mut self, cx: &mut Context<'_>) {
        if !self.shared.outbox.is_dirty() {
            return;
        }
        if self.take_outbox(cx).is_err() {
            self.aborted = true;
            return;
        }
        self.encode_pending();
    }

    fn encode(&mut self, item: Outgoing) {
        // Messages hand their buffers over: large ones are written from them. Refused only
        // after a close frame went out (ours or in reply): the message is dropped, as SPEC §3
        // allows until the end is reported.
        let _ = match item {
            Outgoing::Text(text) => {
                self.shared.queued.fetch_sub(text.len(), Ordering::AcqRel);
                self.protocol.send_utf8_owned(text)
            }
            Outgoing::Binary(data) => {
                self.shared.queued.fetch_sub(data.len(), Ordering::AcqRel);
                self.protocol.send_binary_owned(data)
            }
            Outgoing::Ping(payload) => {
                let sent = self.protocol.send_ping(&payload);
                self.used.push(payload);
                sent
            }
            Outgoing::Close(code, reason) => {
                let sent = self.protocol.send_close(Some(code), &reason);
                if sent.is_ok() {
                    self.close_deadline = Some(Instant::now() + self.shared.options.close_timeout);
                }
                sent
            }
            Outgoing::Panic => panic!("test hook: a panic in the connection's task"),
        };
        // A small message was copied: its buffer is free at once.
        self.take_written_buffers();
    }

    fn take_written_buffers(&mut self) {
        self.used
            .extend(std::iter::from_fn(|| self.protocol.take_written_buffer()));
    }

    fn dispatch_events(&mut self, cx: &mut Context<'_>) {
        if !self.protocol.has_event() {
            return;
        }
        if self.ended {
            while self.protocol.poll_event().is_some() {}
            return;
        }
        call_handler(|| self.dispatch_ready_events(cx));
    }

    fn dispatch_ready_events(&mut self, cx: &mut Context<'_>) {
        while let Some(event) = self.protocol.poll_event() {
            if self.aborted {
                break;
            }
            if self.ended {
                continue;
            }
            match event {
                Event::Message { kind, data } => {
                    self.reporter.handler.on_message(kind, data);
                    self.take_handler_commands(cx);
                }
                Event::Pong(payload) => {
                    self.reporter.handler.on_pong(payload);
                    self.take_handler_commands(cx);
                }
                Event::Ping(_) => {}
                Event::Close { code, reason } => {
                    // RFC 6455 §7.1.5: an empty close payload means no status code (1005).
                    let code = code.unwrap_or(1005);
                    let reason = reason.to_owned();
                    self.finish(None, code, reason);
                }
                Event::Failed(failure) => {
                    let code = failure.close_code();
                    let error = Error::new(&self.endpoint, Cause::Protocol(failure));
                    let reason = error.cause().to_string();
                    self.finish(Some(error), code, reason);
                }
            }
        }
    }

    /// The close handshake is over from our side (or we failed the connection): stop
    /// dispatching and encoding, and report the end once the close frame is written.
    fn finish(&mut self, error: Option<Error>, code: u16, reason: String) {
        self.ended = true;
        self.unreported = Some(Ending {
            error,
            code,
            reason,
        });
        // Linger for the server's EOF (RFC 6455 §7.1.1: the server closes TCP first).
        self.close_deadline = Some(Instant::now() + self.shared.options.close_timeout);
    }

    fn report_unreported(&mut self) {
        if let Some(ending) = self.unreported.take() {
            let close = Some((ending.code, ending.reason.as_str()));
            self.reporter.end(ending.error.as_ref(), close);
        }
    }

    /// The timer is due: returns `Some` when the connection is done.
    fn on_timer(&mut self, due: Due, cx: &mut Context<'_>) -> Option<Poll<Finish>> {
        match due {
            Due::CloseDeadline if self.ended => {
                self.report_unreported();
                Some(Poll::Ready(Finish::Shutdown))
            }
            Due::CloseDeadline => {
                self.ended = true;
                self.reporter
                    .end(None, Some((1006, "close handshake timed out")));
                Some(Poll::Ready(Finish::Shutdown))
            }
            Due::ReleaseBuffer => {
                reclaim_read_buffer(&mut self.protocol, true);
                self.shared.outbox.release_large();
                None
            }
            Due::Ping => {
                if self.protocol.state() == State::Open {
                    let _ = self.protocol.send_ping(b"keepalive");
                }
                self.timers.ping_outstanding = true;
                None
            }
            Due::Dead => {
                let options = &self.shared.options;
                let interval = options.ping_interval.unwrap_or_default();
                let cause = Cause::Keepalive {
                    after: options.dead_after,
                    unanswered: options.dead_after.saturating_sub(interval),
                };
                // RFC 6455 §7.4.1: 1011, the peer is of no use; attempted, not awaited.
                self.try_close_now(1011, "keepalive timeout", cx);
                Some(self.report_loss(cause))
            }
        }
    }

    /// A transport failure: reported unless the end already was.
    fn lost(&mut self, during: &'static str, source: std::io::Error) -> Poll<Finish> {
        if self.ended {
            self.report_unreported();
            return Poll::Ready(Finish::Drop);
        }
        self.report_loss(Cause::Io { during, source })
    }

    fn report_loss(&mut self, cause: Cause) -> Poll<Finish> {
        self.ended = true;
        let error = Error::new(&self.endpoint, cause);
        self.reporter
            .end(Some(&error), Some((1006, "abnormal closure")));
        Poll::Ready(Finish::Drop)
    }

    /// Destroy: one attempt to send a close frame 1001, no waiting, no more reports.
    fn abort(&mut self, cx: &mut Context<'_>) {
        self.shared.set_ended();
        self.try_close_now(1001, "", cx);
    }

    /// One attempt to write a close frame now, when nothing else is waiting to be written.
    fn try_close_now(&mut self, code: u16, reason: &str, cx: &mut Context<'_>) {
        if self.protocol.state() == State::Open && self.protocol.pending_output_len() == 0 {
            let _ = self.protocol.send_close(Some(code), reason);
            let out = self.protocol.pending_output();
            let _ = Pin::new(&mut self.stream).poll_write(cx, out);
            let _ = Pin::new(&mut self.stream).poll_flush(cx);
        }
    }
}

/// How the task leaves the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Finish {
    /// After a clean close: shut it down (TLS close_notify, then TCP FIN).
    Shutdown,
    /// Broken or aborted: just drop it.
    Drop,
}

/// An end waiting in [`Driver::unreported`].
struct Ending {
    error: Option<Error>,
    code: u16,
    reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_secs(30);
    const DEAD: Duration = Duration::from_secs(60);

    fn keepalive(ping_outstanding: bool) -> Keepalive {
        Keepalive {
            last_received: Instant::now(),
            ping_outstanding,
        }
    }

    #[test]
    fn a_ping_after_the_interval_then_dead_after_the_total() {
        let idle = keepalive(false);
        let at = |k: &Keepalive| next_deadline(None, k, Some(INTERVAL), DEAD, false);
        assert_eq!(at(&idle), (idle.last_received + INTERVAL, Some(Due::Ping)));
        let waiting = keepalive(true);
        assert_eq!(
            at(&waiting),
            (waiting.last_received + DEAD, Some(Due::Dead))
        );
    }

    #[test]
    fn no_keepalive_means_no_timer_and_the_close_deadline_comes_first() {
        let idle = keepalive(true);
        let (_, due) = next_deadline(None, &idle, None, DEAD, false);
        assert_eq!(due, None);
        let close = Instant::now() + Duration::from_secs(5);
        assert_eq!(
            next_deadline(Some(close), &idle, Some(INTERVAL), DEAD, false),
            (close, Some(Due::CloseDeadline))
        );
    }

    #[test]
    fn a_large_read_buffer_is_released_after_a_quiet_second() {
        let idle = keepalive(false);
        let release = idle.last_received + RELEASE_AFTER;
        assert_eq!(
            next_deadline(None, &idle, Some(INTERVAL), DEAD, true),
            (release, Some(Due::ReleaseBuffer))
        );
        assert_eq!(
            next_deadline(None, &idle, None, DEAD, true),
            (release, Some(Due::ReleaseBuffer))
        );
        // A close deadline that comes first still wins.
        let close = Instant::now();
        assert_eq!(
            next_deadline(Some(close), &idle, None, DEAD, true).1,
            Some(Due::CloseDeadline)
        );
    }
}
