//! A connection once open: one poll loop that drains the command queue into the protocol,
//! writes its output, reads and dispatches events, and runs the timers (close wait,
//! keepalive). Reading never waits for writing, so a peer that echoes while we send large
//! messages cannot deadlock us. Generic over the stream: TCP and TLS (direct or through a
//! proxy tunnel) share this code.
use crate::connection::{ping_cost, Shared};
use crate::error::{Cause, Error};
use crate::handler::Reporter;
use crate::inline::call_handler;
use crate::outbox::{Interrupt, Outgoing};
use crate::timers::{give_up, next_deadline, Due, Keepalive, FAR_FUTURE};
use crate::wire::{holds_releasable_buffer, reclaim_read_buffer, Wire, OUTPUT_HIGH_WATER};
use net_websocket_protocol::{Connection as Protocol, Event};
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, Sleep};

/// How long the final shutdown (TLS close_notify, TCP FIN) may take after a clean close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

pub(crate) struct Driver<'a, S> {
    wire: Wire<S>,
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
    /// The close timeout after the Close call (waiting for our close frame to go out and for
    /// the reply), or after the end (waiting for EOF): give up at this instant.
    close_deadline: Option<Instant>,
    timers: Keepalive,
    timer: Pin<Box<Sleep>>,
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
            wire: Wire::new(stream),
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
            timers: Keepalive::new(now),
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
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.wire.stream.shutdown()).await;
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

            match self.wire.poll_transmit(&mut self.protocol, cx) {
                Ok(wrote) => progress |= wrote,
                Err(e) => return self.lost("connection lost while writing", e),
            }
            self.take_written_buffers();
            if self.wire.is_drained(&self.protocol) {
                self.report_unreported();
            }

            match self.wire.poll_receive(&mut self.protocol, cx) {
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
                    self.timers.received(Instant::now());
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
                holds_releasable_buffer(&self.protocol) || self.shared.outbox.holds_large(),
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

    /// Takes what the outbox holds into the batch (and registers for the next push). Once
    /// Close was called, the close timeout runs from that call, however much is queued before
    /// the close frame.
    fn take_outbox(&mut self, cx: &mut Context<'_>) -> Result<(), Interrupt> {
        let close_requested = self.shared.outbox.take(self.batch, &mut self.used, cx)?;
        if let (Some(at), None) = (close_requested, self.close_deadline) {
            self.close_deadline = Some(at + self.shared.options.close_timeout);
        }
        Ok(())
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
                let cost = ping_cost(payload.len());
                self.shared.queued.fetch_sub(cost, Ordering::AcqRel);
                let sent = self.protocol.send_ping(&payload);
                self.used.push(payload);
                sent
            }
            Outgoing::Close(code, reason) => {
                log::debug!("{}: sending close {code} {reason}", self.endpoint);
                self.protocol.send_close(Some(code), &reason)
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
        let owner = self.shared.outbox.address();
        call_handler(owner, || self.dispatch_ready_events(cx));
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
                    log::debug!("{}: the server sent close {code:?} {reason}", self.endpoint);
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
                let reason = self.close_timed_out();
                self.reporter.end(None, Some((1006, &reason)));
                // Frames still unwritten are given up: cut the connection rather than wait
                // for the socket to take them.
                let backed_up = self.protocol.pending_output_len() > 0;
                Some(Poll::Ready(if backed_up {
                    Finish::Drop
                } else {
                    Finish::Shutdown
                }))
            }
            Due::ReleaseBuffer => {
                reclaim_read_buffer(&mut self.protocol, true);
                self.shared.outbox.release_large();
                None
            }
            Due::Ping => {
                log::debug!("{}: idle, sending a keepalive ping", self.endpoint);
                self.timers.send_ping(&mut self.protocol);
                None
            }
            Due::Dead => {
                let options = &self.shared.options;
                let (interval, dead_after) = (options.ping_interval, options.dead_after);
                let cause = give_up(&mut self.wire, &mut self.protocol, interval, dead_after, cx);
                Some(self.report_loss(cause))
            }
        }
    }

    /// The close reason when the close timeout ran out before the close handshake completed,
    /// with what was given up: the messages still queued, and bytes of frames not written.
    fn close_timed_out(&mut self) -> String {
        let mut reason = String::from("close handshake timed out");
        let (mut messages, mut bytes) = self.shared.outbox.queued_messages();
        for len in self.batch.iter().filter_map(Outgoing::message_len) {
            messages += 1;
            bytes += len;
        }
        let unwritten = self.protocol.pending_output_len();
        if messages > 0 || unwritten > 0 {
            reason.push_str(&format!(
                " after {} s; not sent: {messages} queued messages ({bytes} bytes) and \
                 {unwritten} bytes of encoded frames",
                self.shared.options.close_timeout.as_secs_f32()
            ));
        }
        reason
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
        self.wire.try_close_now(&mut self.protocol, 1001, "", cx);
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
