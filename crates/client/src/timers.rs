//! The one place connection timers are computed: the close wait, keepalive (a ping after an
//! idle interval, the connection lost after a longer one) and the release of buffers grown for
//! large messages. Both APIs (the handler's driver and [`crate::WebSocket`]) use it.
use crate::error::Cause;
use crate::wire::Wire;
use net_websocket_protocol::{Connection as Protocol, State};
use std::task::Context;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

/// Buffers that grew for large messages (the read buffer, the outbox's spares) are kept while
/// traffic keeps coming, and given back after this long without any received.
pub(crate) const RELEASE_AFTER: Duration = Duration::from_secs(1);
/// A timer deadline far enough to mean "never".
pub(crate) const FAR_FUTURE: Duration = Duration::from_secs(86400 * 365);

/// Keepalive state: when something was last received, and whether our ping is unanswered.
pub(crate) struct Keepalive {
    pub(crate) last_received: Instant,
    pub(crate) ping_outstanding: bool,
}

/// What the timer should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
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
/// the connection holds buffers grown for large messages that can be given back now
/// (`releasable`), their release after [`RELEASE_AFTER`] of quiet, if that comes first. A
/// release that could do nothing is never scheduled: its deadline, already past, would be
/// chosen again at once, spinning and starving the others.
pub(crate) fn next_deadline(
    close_deadline: Option<Instant>,
    keepalive: &Keepalive,
    interval: Option<Duration>,
    dead_after: Duration,
    releasable: bool,
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
    if releasable && release < main.0 {
        return (release, Some(Due::ReleaseBuffer));
    }
    main
}

impl Keepalive {
    pub(crate) fn new(now: Instant) -> Self {
        Keepalive {
            last_received: now,
            ping_outstanding: false,
        }
    }

    /// Something arrived: the connection is alive.
    pub(crate) fn received(&mut self, now: Instant) {
        self.last_received = now;
        self.ping_outstanding = false;
    }

    /// [`Due::Ping`]: a ping (while the connection is open), then the wait for any answer.
    pub(crate) fn send_ping(&mut self, protocol: &mut Protocol) {
        if protocol.state() == State::Open {
            let _ = protocol.send_ping(b"keepalive");
        }
        self.ping_outstanding = true;
    }
}

/// [`Due::Dead`]: a close frame 1011 is attempted, not awaited (RFC 6455 §7.4.1: the peer is
/// of no use), and the cause to report is returned.
pub(crate) fn give_up<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    protocol: &mut Protocol,
    interval: Option<Duration>,
    dead_after: Duration,
    cx: &mut Context<'_>,
) -> Cause {
    wire.try_close_now(protocol, 1011, "keepalive timeout", cx);
    Cause::Keepalive {
        after: dead_after,
        unanswered: dead_after.saturating_sub(interval.unwrap_or_default()),
    }
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
