//! What a connection reports to its owner: the [`Handler`] trait, and the [`Reporter`] that
//! calls it and decides, when a connection ends, whether that is the end or a reconnection.
use crate::error::Error;
use crate::inline::call_handler;
use crate::reconnect::{EndKind, Reconnect};
use crate::shared::{Phase, Shared};
use crate::trace::{trace, TraceEvent, TraceKind};
use net_websocket_protocol::handshake::{Accepted, ResponseHead};
use net_websocket_protocol::{MessageData, MessageKind};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// How a connection ended: the last thing reported for it.
#[derive(Debug, Clone, Copy)]
pub struct End<'a> {
    /// Set when the connection failed (before open: always, and then `close` is None unless
    /// reconnection gave up or the failure was internal).
    pub error: Option<&'a Error>,
    /// Close code and reason, set when the connection had opened (or a Close cancelled the
    /// attempt, or reconnection gave up): the peer's close frame, the code we failed it with,
    /// or 1006 for an abnormal end.
    pub close: Option<(u16, &'a str)>,
}

/// A connection that ended (or an attempt that failed) with another attempt scheduled.
#[derive(Debug, Clone, Copy)]
pub struct Lost<'a> {
    /// Why, when it failed; `None` after a close handshake the server started.
    pub error: Option<&'a Error>,
    /// The server's close code and reason, after a close handshake it started.
    pub close: Option<(u16, &'a str)>,
    /// The number of the next attempt (1 for the first retry).
    pub attempt: u32,
    /// When it starts.
    pub delay: Duration,
}

/// Receives one connection's events, on a runtime worker, one call at a time, in order:
/// `on_response` for each handshake response, `on_open` at most once per connection,
/// `on_message` (or `on_fragment`) and `on_pong` any number of times after it; then either `on_reconnecting`
/// (reconnection on; the cycle starts again) or `on_end` exactly once, after which nothing is
/// called.
pub trait Handler: Send + 'static {
    /// A complete response to the opening handshake, before it is acted on (followed,
    /// accepted or refused).
    fn on_response(&mut self, _head: &ResponseHead) {}
    /// The opening handshake succeeded.
    fn on_open(&mut self, response: &Accepted);
    /// A whole message, valid only during the call: it lies in the connection's buffers (a
    /// message that came in one frame where it was read), followed by a 0 byte.
    fn on_message(&mut self, kind: MessageKind, data: MessageData<'_>);
    /// With `Options::receive_fragments`, a piece of a data message as it arrived, instead of
    /// [`Handler::on_message`]: `first` on the message's first piece, `last` on its last (which
    /// may be empty; a message of several empty frames gives one piece). Text pieces are valid
    /// UTF-8 on their own (cut between characters); data is valid only during the call,
    /// followed by a 0 byte. A message that fails midway (e.g. invalid UTF-8) gives no last
    /// piece: the end reports the failure. The default drops the pieces.
    fn on_fragment(
        &mut self,
        _kind: MessageKind,
        _data: MessageData<'_>,
        _first: bool,
        _last: bool,
    ) {
    }
    /// A pong from the server.
    fn on_pong(&mut self, _payload: &[u8]) {}
    /// The connection (or attempt) ended and the next attempt is scheduled.
    fn on_reconnecting(&mut self, _lost: Lost<'_>) {}
    /// The connection ended.
    fn on_end(&mut self, end: End<'_>);
    /// Backpressure: whether the handler takes more events now. Asked before each read of
    /// the socket while the connection is open or closing; `Poll::Pending` (after storing
    /// `cx.waker()`, to wake once it takes events again) stops reading until then, so the
    /// server meets TCP flow control instead of the handler queueing without bound, and
    /// keepalive does not count the pause (nothing is read, so nothing can be heard: we are
    /// the slow side). Events already read are still delivered. The default always takes
    /// them (the C API's dispatcher mode pauses while a client's queued callbacks exceed its
    /// limit).
    fn poll_accepting(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

/// Calls the handler for one client across its connections, and turns each end into either
/// the end or, with reconnection on, a scheduled retry.
pub(crate) struct Reporter {
    pub(crate) handler: Box<dyn Handler>,
    shared: Arc<Shared>,
    reconnect: Option<Reconnect>,
    /// Attempts made in a row since the last open.
    attempts: u32,
    /// Set by [`Reporter::end`] when another attempt is due after this wait.
    retry: Option<Duration>,
}

impl Reporter {
    pub(crate) fn new(handler: Box<dyn Handler>, shared: Arc<Shared>) -> Self {
        let reconnect = shared.options.reconnect;
        Reporter {
            handler,
            shared,
            reconnect,
            attempts: 0,
            retry: None,
        }
    }

    pub(crate) fn response(&mut self, head: &ResponseHead) {
        call_handler(self.shared.outbox.address(), || {
            self.handler.on_response(head)
        });
    }

    pub(crate) fn opened(&mut self, accepted: &Accepted) {
        self.shared.set_open();
        self.attempts = 0;
        call_handler(self.shared.outbox.address(), || {
            self.handler.on_open(accepted)
        });
    }

    /// A connection or attempt ended: reports the end, or schedules the next attempt (see
    /// [`Reporter::take_retry`]) when reconnection is on and allows it.
    pub(crate) fn end(&mut self, error: Option<&Error>, close: Option<(u16, &str)>) {
        log_end(error, close);
        let kind = if self.shared.phase() == Phase::Closing {
            EndKind::Closed
        } else if error.is_some() {
            EndKind::Failed
        } else {
            EndKind::ServerClosed
        };
        let Some(policy) = self.reconnect.filter(|p| p.retries(kind)) else {
            return self.finish(End { error, close });
        };
        if self.attempts >= policy.max_attempts {
            let reason = format!("gave up after {} reconnection attempts", self.attempts);
            return self.finish(End {
                error,
                close: Some((1006, &reason)),
            });
        }
        self.attempts += 1;
        let delay = policy.delay(self.attempts, &mut rand::rng());
        log::info!(
            "reconnecting in {} ms (attempt {} of at most {})",
            delay.as_millis(),
            self.attempts,
            policy.max_attempts
        );
        self.shared.set_reconnecting();
        trace(self.shared.options.trace.as_ref(), || {
            let why = match (error, close) {
                (Some(error), _) => error.to_string(),
                (None, Some((code, reason))) => format!("closed {code} {reason}"),
                (None, None) => String::new(),
            };
            let delay = u32::try_from(delay.as_millis()).unwrap_or(u32::MAX);
            TraceEvent::new(TraceKind::ReconnectScheduled, why)
                .with_code(delay)
                .with_length(u64::from(self.attempts))
        });
        let lost = Lost {
            error,
            // A close of our own making (1006 after a loss, 1002 after a violation) says less
            // than the error does: only the server's own close is passed on.
            close: if error.is_none() { close } else { None },
            attempt: self.attempts,
            delay,
        };
        call_handler(self.shared.outbox.address(), || {
            self.handler.on_reconnecting(lost)
        });
        self.retry = Some(delay);
    }

    /// Close cancelled an attempt or the wait before one.
    pub(crate) fn cancelled(&mut self) {
        let reason = if self.attempts > 0 {
            "reconnection cancelled by Close"
        } else {
            "connection attempt cancelled by Close"
        };
        self.finish(End {
            error: None,
            close: Some((1006, reason)),
        });
    }

    /// The connection's task panicked: the end is reported unless it already was (the panic
    /// was in `on_end`) or the owner aborted, with a close 1006 whatever the phase, as a
    /// final word. No reconnection: the same bug would recur.
    pub(crate) fn panicked(&mut self, error: &Error) {
        log::error!("{error}");
        if self.shared.phase() == Phase::Ended {
            return;
        }
        self.finish(End {
            error: Some(error),
            close: Some((1006, "internal error")),
        });
    }

    /// The wait before the next attempt, if [`Reporter::end`] scheduled one.
    pub(crate) fn take_retry(&mut self) -> Option<Duration> {
        self.retry.take()
    }

    /// Reports the end: sends are refused from now on, then the handler hears it.
    fn finish(&mut self, end: End<'_>) {
        self.shared.set_ended();
        call_handler(self.shared.outbox.address(), || self.handler.on_end(end));
    }
}

/// The end of a connection or attempt, in the log: a failure as a warning, a close as info.
fn log_end(error: Option<&Error>, close: Option<(u16, &str)>) {
    if let Some(error) = error {
        log::warn!("{error}");
    }
    if let Some((code, reason)) = close {
        log::info!("closed: {code} {reason}");
    }
}
