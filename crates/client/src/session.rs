//! The session core both Rust APIs run once a connection is open: the protocol state machine,
//! keepalive, and the close and linger deadlines, with one lifecycle and time passed in
//! (quinn-proto's shape: no clock and no runtime inside, so every rule is unit-tested with
//! exact instants). [`crate::wire::Wire::poll_step`] moves its bytes and runs its timer; the
//! handler API's driver and the async [`crate::WebSocket`] differ only in what they do with
//! its events and its exit.
use crate::error::Cause;
use crate::options::Options;
use crate::stats::{Meter, Smoothed, Stats};
use crate::trace::{trace, TraceEvent, TraceKind, Tracer};
use net_websocket_protocol::{Event, Protocol, State};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Buffers that grew for large messages (the read buffer, the outbox's spares) are kept while
/// traffic keeps coming, and given back after this long without any received.
pub(crate) const RELEASE_AFTER: Duration = Duration::from_secs(1);

/// The close frame keepalive attempts when it gives up (RFC 6455 §7.4.1: 1011, the peer is of
/// no use).
const KEEPALIVE_CLOSE: (u16, &str) = (1011, "keepalive timeout");

/// The session's settings of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timing {
    /// From the close request to the end of the close handshake; after it, how long the
    /// server's end of TCP is awaited.
    pub(crate) close_timeout: Duration,
    /// A ping after this long without receiving anything (None: no keepalive).
    pub(crate) ping_interval: Option<Duration>,
    /// With keepalive: nothing received for this long means the connection is lost.
    pub(crate) dead_after: Duration,
}

impl From<&Options> for Timing {
    fn from(options: &Options) -> Timing {
        Timing {
            close_timeout: options.close_timeout,
            ping_interval: options.ping_interval,
            dead_after: options.dead_after,
        }
    }
}

/// Where a session stands: the one state its timers and its exit are decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    /// Messages flow both ways; keepalive runs.
    Open,
    /// Close was asked for: the close handshake must be over by `deadline`. Messages queued
    /// before the close frame still go out and events are still delivered.
    Closing { deadline: Instant },
    /// The close handshake is over (the server's close frame came, our reply is queued) or
    /// the connection failed: our last frames go out, then the server's end of TCP is awaited
    /// until `deadline` (RFC 6455 §7.1.1: the server closes TCP first). No more events.
    Lingering { deadline: Instant },
    /// Over: nothing more happens.
    Ended,
}

/// What a deadline of [`Session::poll_timeout`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// Idle for the ping interval: send a ping.
    Ping,
    /// Nothing received for `dead_after`: the connection is lost.
    Dead,
    /// The close handshake did not complete in time.
    CloseTimeout,
    /// The server did not end TCP in time after the close handshake: end it ourselves.
    LingerOver,
    /// Quiet for a while: give back buffers grown for large messages.
    ReleaseBuffers,
}

/// What handling a deadline asks of the caller.
#[derive(Debug)]
pub(crate) enum Expired {
    /// Done inside (a keepalive ping was queued).
    Nothing,
    /// Give back the buffers grown for large messages.
    ReleaseBuffers,
    /// The session is over; a close frame may be queued for one last write attempt.
    Exit(Exit),
}

/// How a session ends.
#[derive(Debug)]
pub(crate) enum Exit {
    /// After the close handshake or a failure (from lingering): the server ended TCP or the
    /// linger ran out (`clean`: shut our side down too), or the stream broke (not clean).
    Closed { clean: bool },
    /// Lost while open or closing: the server ended TCP without a close frame, reading or
    /// writing failed, or keepalive gave up.
    Lost(Cause),
    /// The close handshake did not complete within the close timeout.
    CloseTimedOut,
}

/// How the stream is left once a session exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Teardown {
    /// Shut it down: TLS close_notify, then TCP FIN.
    Shutdown,
    /// Just drop it: broken, or with frames that will never be written.
    Drop,
}

impl Exit {
    /// How to leave the stream; `drained`: everything we queued was written.
    pub(crate) fn teardown(&self, drained: bool) -> Teardown {
        match self {
            Exit::Closed { clean: true } => Teardown::Shutdown,
            Exit::CloseTimedOut if drained => Teardown::Shutdown,
            _ => Teardown::Drop,
        }
    }
}

/// One open connection's protocol state, timers and lifecycle.
pub(crate) struct Session {
    pub(crate) protocol: Protocol,
    lifecycle: Lifecycle,
    timing: Timing,
    /// When something was last received.
    last_received: Instant,
    /// Buffers grown for large messages are released after [`RELEASE_AFTER`] of quiet from
    /// the later of `last_received` and this: when the release came due while messages were
    /// being sent, it was put off to then.
    release_from: Instant,
    /// A message was sent since the release was last due (sending keeps the buffers in use).
    sent_lately: bool,
    /// Our keepalive ping went out and nothing was received since.
    ping_outstanding: bool,
    /// [`Session::note_drained`] said so already.
    drained_noted: bool,
    /// Since when the handler takes no events and nothing is read (backpressure): keepalive
    /// is suspended meanwhile.
    paused_at: Option<Instant>,
    /// The statistics this session counts, for whoever reads them.
    meter: Arc<Meter>,
    /// When the oldest ping not answered yet went out.
    ping_sent_at: Option<Instant>,
    smoothed_rtt: Smoothed,
    /// Where trace events go, if anywhere (the protocol notes frames only then).
    tracer: Option<Tracer>,
}

impl Session {
    /// A session that opened at `now`; `meter`'s counters start again from zero.
    pub(crate) fn new(
        protocol: Protocol,
        timing: Timing,
        now: Instant,
        meter: Arc<Meter>,
    ) -> Session {
        meter.restart(now.into_std());
        Session {
            protocol,
            lifecycle: Lifecycle::Open,
            timing,
            last_received: now,
            release_from: now,
            sent_lately: false,
            ping_outstanding: false,
            drained_noted: false,
            paused_at: None,
            meter,
            ping_sent_at: None,
            smoothed_rtt: Smoothed::default(),
            tracer: None,
        }
    }

    /// Sends trace events to `tracer` (the protocol notes frames when the timing says so).
    pub(crate) fn with_tracer(mut self, tracer: Option<Tracer>) -> Session {
        if tracer.is_some() {
            self.protocol.note_frames();
        }
        self.tracer = tracer;
        self
    }

    // Statistics: both APIs count here, and nowhere else.

    /// A data message (or a fragment of one: `ends` tells whether it is the last) of
    /// `payload` bytes was encoded for the socket.
    pub(crate) fn count_sent(&mut self, payload: usize, ends: bool) {
        self.sent_lately = true;
        self.meter.add_sent(payload, u64::from(ends));
    }

    /// A ping was encoded at `now` (the caller's or keepalive's).
    pub(crate) fn count_ping(&mut self, now: Instant) {
        self.ping_sent_at.get_or_insert(now);
        self.meter.add_ping();
    }

    /// The next event of the protocol, counted as handed to the application: a data message
    /// (or the fragment that ends one) and its bytes, a pong and, when it answers a ping of
    /// ours, its round trip, ending at `clock()` (read for a pong only: not a clock read per
    /// message).
    pub(crate) fn poll_event(&mut self, clock: impl FnOnce() -> Instant) -> Option<Event<'_>> {
        let Session {
            protocol,
            meter,
            ping_sent_at,
            smoothed_rtt,
            tracer,
            ..
        } = self;
        // Parsing counts frames: published (and traced) with the event they belong to.
        let ready = protocol.has_event();
        meter.set_tally(protocol.tally());
        if let Some(tracer) = tracer {
            protocol.take_frame_notes(|sent, note| {
                TraceEvent::of_frame(sent, note, |event| tracer.emit(event))
            });
        }
        if !ready {
            return None;
        }
        let event = protocol.poll_event()?;
        match &event {
            Event::Message { data, .. } => meter.add_received(data.len(), 1),
            Event::Fragment { data, last, .. } => meter.add_received(data.len(), (*last).into()),
            Event::Pong(_) => {
                let rtt = ping_sent_at.take().map(|at| {
                    let last = clock().saturating_duration_since(at);
                    (last, smoothed_rtt.sample(last))
                });
                meter.add_pong(rtt);
            }
            _ => {}
        }
        Some(event)
    }

    /// The statistics now, with `queued_bytes` from the caller's API.
    pub(crate) fn stats(&self, queued_bytes: u64) -> Stats {
        self.meter.snapshot(std::time::Instant::now(), queued_bytes)
    }

    /// Publishes the frame bytes and data frames the protocol counted (after I/O), and
    /// traces the frames noted meanwhile.
    pub(crate) fn publish_tally(&mut self) {
        self.meter.set_tally(self.protocol.tally());
        self.trace_frames();
    }

    /// The frames sent and received since the last call, as trace events.
    fn trace_frames(&mut self) {
        if let Some(tracer) = &self.tracer {
            self.protocol.take_frame_notes(|sent, note| {
                TraceEvent::of_frame(sent, note, |event| tracer.emit(event))
            });
        }
    }

    pub(crate) fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }

    /// Lingering or ended: no more events, and nothing more is encoded.
    pub(crate) fn is_finishing(&self) -> bool {
        matches!(
            self.lifecycle,
            Lifecycle::Lingering { .. } | Lifecycle::Ended
        )
    }

    /// Close was asked for at `at` (the handler API's Close call, the async API's close frame):
    /// the close handshake must be over `close_timeout` later, however long the close frame
    /// waits behind queued messages. Nothing changes once closing, lingering or ended.
    pub(crate) fn request_close(&mut self, at: Instant) {
        if self.lifecycle == Lifecycle::Open {
            self.lifecycle = Lifecycle::Closing {
                deadline: at + self.timing.close_timeout,
            };
        }
    }

    /// Bytes arrived at `now`: the peer is alive.
    pub(crate) fn on_received(&mut self, now: Instant) {
        self.last_received = now;
        self.ping_outstanding = false;
        self.publish_tally();
    }

    /// Reading stops at `now` because the handler takes no more events for a while
    /// (backpressure, [`crate::Handler::poll_accepting`]): keepalive is suspended, as nothing
    /// can be heard from the peer while nothing is read (we are the slow side).
    pub(crate) fn pause_reading(&mut self, now: Instant) {
        self.paused_at.get_or_insert(now);
    }

    /// Reading goes on at `now`: keepalive takes up where it stood, the pause not counted as
    /// silence.
    pub(crate) fn resume_reading(&mut self, now: Instant) {
        if let Some(at) = self.paused_at.take() {
            self.last_received += now.saturating_duration_since(at);
        }
    }

    pub(crate) fn is_reading_paused(&self) -> bool {
        self.paused_at.is_some()
    }

    /// The server's close frame came (our reply is queued) or the connection failed (our close
    /// frame is queued): linger for the server's end of TCP until `close_timeout` from `now`.
    pub(crate) fn linger(&mut self, now: Instant) {
        // No longer open for the application (its end is reported from here on).
        self.meter.closed();
        if matches!(self.lifecycle, Lifecycle::Open | Lifecycle::Closing { .. }) {
            self.lifecycle = Lifecycle::Lingering {
                deadline: now + self.timing.close_timeout,
            };
        }
    }

    /// The one place deadlines are computed: the close or linger deadline, else keepalive's (a
    /// ping after `ping_interval` idle, the loss after `dead_after` idle; none while reading
    /// is paused); and, when buffers
    /// grown for large messages can be given back now (`releasable`), their release after
    /// [`RELEASE_AFTER`] of quiet, if that comes first. None: nothing is timed. A deadline's
    /// action always changes something, so a past deadline is never chosen twice (which would
    /// spin and starve every later timer): a release that could do nothing (the buffer holds
    /// part of a frame) must not be `releasable`.
    pub(crate) fn poll_timeout(&self, releasable: bool) -> Option<(Instant, Due)> {
        let main = match self.lifecycle {
            Lifecycle::Ended => return None,
            Lifecycle::Closing { deadline } => Some((deadline, Due::CloseTimeout)),
            Lifecycle::Lingering { deadline } => Some((deadline, Due::LingerOver)),
            Lifecycle::Open if self.paused_at.is_some() => None,
            Lifecycle::Open => match self.timing.ping_interval {
                None => None,
                Some(_) if self.ping_outstanding => {
                    Some((self.last_received + self.timing.dead_after, Due::Dead))
                }
                Some(interval) => Some((self.last_received + interval, Due::Ping)),
            },
        };
        let quiet_from = self.last_received.max(self.release_from);
        let release = (quiet_from + RELEASE_AFTER, Due::ReleaseBuffers);
        match main {
            Some(main) if !releasable || main.0 <= release.0 => Some(main),
            _ if releasable => Some(release),
            main => main,
        }
    }

    /// The deadline for `due` has come (it is `now`): acts on it.
    pub(crate) fn handle_timeout(&mut self, due: Due, now: Instant) -> Expired {
        match due {
            Due::Ping => {
                if self.protocol.state() == State::Open
                    && self.protocol.send_ping(b"keepalive").is_ok()
                {
                    self.count_ping(now);
                    trace(self.tracer.as_ref(), || {
                        TraceEvent::new(TraceKind::KeepalivePing, "")
                    });
                }
                self.ping_outstanding = true;
                Expired::Nothing
            }
            Due::Dead => {
                trace(self.tracer.as_ref(), || {
                    let silent = format!(
                        "nothing received for {} s",
                        self.timing.dead_after.as_secs()
                    );
                    TraceEvent::new(TraceKind::KeepaliveTimeout, silent)
                });
                // One attempt at a close frame, when nothing else waits to be written: the
                // peer is of no use, so it is not awaited.
                if self.protocol.state() == State::Open && self.protocol.pending_output_len() == 0 {
                    let (code, reason) = KEEPALIVE_CLOSE;
                    let _ = self.protocol.send_close(Some(code), reason);
                }
                let Timing {
                    ping_interval,
                    dead_after,
                    ..
                } = self.timing;
                Expired::Exit(self.exit(Exit::Lost(Cause::Keepalive {
                    after: dead_after,
                    unanswered: dead_after.saturating_sub(ping_interval.unwrap_or_default()),
                })))
            }
            Due::CloseTimeout => Expired::Exit(self.exit(Exit::CloseTimedOut)),
            Due::LingerOver => Expired::Exit(self.exit(Exit::Closed { clean: true })),
            // Not quiet: messages went out meanwhile, and the next ones would need the same
            // buffers again. Put off by a second (a deadline in the future: not chosen again).
            Due::ReleaseBuffers if std::mem::take(&mut self.sent_lately) => {
                self.release_from = now;
                Expired::Nothing
            }
            Due::ReleaseBuffers => Expired::ReleaseBuffers,
        }
    }

    /// The server ended TCP: clean after the close handshake, a loss before it.
    pub(crate) fn on_eof(&mut self) -> Exit {
        self.protocol.receive_eof();
        let exit = match self.lifecycle {
            Lifecycle::Lingering { .. } => Exit::Closed { clean: true },
            _ => Exit::Lost(Cause::ClosedByPeer),
        };
        self.exit(exit)
    }

    /// Reading or writing failed: after the close handshake the end stands as it was (the
    /// stream is just dropped), before it the connection is lost.
    pub(crate) fn on_io_error(&mut self, during: &'static str, source: io::Error) -> Exit {
        let exit = match self.lifecycle {
            Lifecycle::Lingering { .. } => Exit::Closed { clean: false },
            _ => Exit::Lost(Cause::Io { during, source }),
        };
        self.exit(exit)
    }

    /// The session is over, however it ended (also when its owner gives it up).
    pub(crate) fn exit(&mut self, exit: Exit) -> Exit {
        self.lifecycle = Lifecycle::Ended;
        self.publish_tally();
        self.meter.closed();
        exit
    }

    /// True once, when lingering and everything we queued is `written` (our close reply
    /// among it): the handler API reports the end then, so that a caller who destroys the
    /// client in its close callback cannot cut the reply off.
    pub(crate) fn note_drained(&mut self, written: bool) -> bool {
        let lingering = matches!(self.lifecycle, Lifecycle::Lingering { .. });
        if lingering && written && !self.drained_noted {
            self.drained_noted = true;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use net_websocket_protocol::{Config, Role};

    const PING: Duration = Duration::from_secs(30);
    const DEAD: Duration = Duration::from_secs(60);
    const CLOSE: Duration = Duration::from_secs(5);

    fn session(ping: Option<Duration>) -> (Session, Instant) {
        let protocol = Protocol::new(
            Role::Client,
            Config::default(),
            None,
            Box::new(|b| b.fill(7)),
        );
        let timing = Timing {
            close_timeout: CLOSE,
            ping_interval: ping,
            dead_after: DEAD,
        };
        let start = Instant::now();
        let meter = Arc::new(Meter::default());
        (Session::new(protocol, timing, start, meter), start)
    }

    /// Takes the bytes the protocol queued.
    fn output(s: &mut Session) -> Vec<u8> {
        let out = s.protocol.pending_output().to_vec();
        s.protocol.consume_output(out.len());
        out
    }

    #[test]
    fn keepalive_pings_after_the_interval_then_gives_up_after_the_total() {
        let (mut s, start) = session(Some(PING));
        assert_eq!(s.poll_timeout(false), Some((start + PING, Due::Ping)));
        assert!(matches!(
            s.handle_timeout(Due::Ping, Instant::now()),
            Expired::Nothing
        ));
        let ping = output(&mut s);
        assert_eq!(ping[0], 0x89, "a ping frame went out");
        assert_eq!(s.poll_timeout(false), Some((start + DEAD, Due::Dead)));
        // An answer (anything received) starts the wait again from that moment.
        let later = start + Duration::from_secs(40);
        s.on_received(later);
        assert_eq!(s.poll_timeout(false), Some((later + PING, Due::Ping)));
        s.handle_timeout(Due::Ping, Instant::now());
        output(&mut s);
        let Expired::Exit(Exit::Lost(Cause::Keepalive { after, unanswered })) =
            s.handle_timeout(Due::Dead, Instant::now())
        else {
            panic!("keepalive did not give up");
        };
        assert_eq!((after, unanswered), (DEAD, DEAD - PING));
        assert_eq!(
            output(&mut s)[..4],
            [0x88, 0x80 | 19, 7, 7],
            "close 1011 attempted"
        );
        assert_eq!(s.lifecycle(), Lifecycle::Ended);
        assert_eq!(s.poll_timeout(true), None, "nothing is timed once ended");
    }

    /// Backpressure: while the handler takes no events nothing is read, so silence proves
    /// nothing; keepalive stops and, on resuming, takes up where it stood.
    #[test]
    fn a_reading_pause_suspends_keepalive_and_is_not_counted_as_silence() {
        let (mut s, start) = session(Some(PING));
        s.handle_timeout(Due::Ping, Instant::now());
        output(&mut s);
        assert_eq!(s.poll_timeout(false), Some((start + DEAD, Due::Dead)));
        let paused = start + Duration::from_secs(50);
        s.pause_reading(paused);
        assert!(s.is_reading_paused());
        assert_eq!(s.poll_timeout(false), None, "nothing timed while paused");
        // A second pause keeps the first instant.
        s.pause_reading(paused + Duration::from_secs(5));
        let resumed = paused + Duration::from_secs(600);
        s.resume_reading(resumed);
        assert!(!s.is_reading_paused());
        // 10 s of the 60 were left when reading stopped: they are left now.
        assert_eq!(
            s.poll_timeout(false),
            Some((resumed + Duration::from_secs(10), Due::Dead))
        );
        // The close timeout is not suspended: it counts from the Close call.
        s.pause_reading(resumed);
        s.request_close(resumed);
        assert_eq!(
            s.poll_timeout(false),
            Some((resumed + CLOSE, Due::CloseTimeout))
        );
    }

    #[test]
    fn without_keepalive_nothing_is_timed_until_a_close() {
        let (mut s, start) = session(None);
        assert_eq!(s.poll_timeout(false), None);
        let at = start + Duration::from_secs(3);
        s.request_close(at);
        assert_eq!(
            s.lifecycle(),
            Lifecycle::Closing {
                deadline: at + CLOSE
            }
        );
        assert_eq!(s.poll_timeout(false), Some((at + CLOSE, Due::CloseTimeout)));
        assert!(matches!(
            s.handle_timeout(Due::CloseTimeout, Instant::now()),
            Expired::Exit(Exit::CloseTimedOut)
        ));
    }

    #[test]
    fn the_close_timeout_counts_from_the_request_and_replaces_keepalive() {
        let (mut s, start) = session(Some(PING));
        let asked = start + Duration::from_secs(1);
        s.request_close(asked);
        // Traffic keeps coming (the server pings), yet the deadline stays where it was.
        s.on_received(start + Duration::from_secs(4));
        assert_eq!(
            s.poll_timeout(false),
            Some((asked + CLOSE, Due::CloseTimeout))
        );
        // A second request changes nothing.
        s.request_close(start + Duration::from_secs(4));
        assert_eq!(
            s.poll_timeout(false),
            Some((asked + CLOSE, Due::CloseTimeout))
        );
    }

    #[test]
    fn the_close_handshake_then_lingers_for_the_servers_end() {
        let (mut s, start) = session(Some(PING));
        s.request_close(start);
        let replied = start + Duration::from_secs(2);
        s.linger(replied);
        assert_eq!(
            s.lifecycle(),
            Lifecycle::Lingering {
                deadline: replied + CLOSE
            }
        );
        assert!(s.is_finishing());
        assert_eq!(
            s.poll_timeout(false),
            Some((replied + CLOSE, Due::LingerOver))
        );
        // Reported once, when our last frames are written.
        assert!(!s.note_drained(false));
        assert!(s.note_drained(true));
        assert!(!s.note_drained(true));
        assert!(matches!(s.on_eof(), Exit::Closed { clean: true }));
        assert_eq!(s.lifecycle(), Lifecycle::Ended);
    }

    #[test]
    fn the_linger_ends_at_its_deadline_and_a_broken_stream_ends_it_too() {
        let (mut s, start) = session(None);
        s.linger(start);
        assert!(matches!(
            s.handle_timeout(Due::LingerOver, Instant::now()),
            Expired::Exit(Exit::Closed { clean: true })
        ));
        let (mut s, start) = session(None);
        s.linger(start);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(matches!(
            s.on_io_error("connection lost while reading", reset),
            Exit::Closed { clean: false }
        ));
    }

    #[test]
    fn an_end_before_the_close_handshake_is_a_loss() {
        let (mut s, _) = session(Some(PING));
        assert!(matches!(s.on_eof(), Exit::Lost(Cause::ClosedByPeer)));
        let (mut s, start) = session(Some(PING));
        s.request_close(start);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(matches!(
            s.on_io_error("connection lost while writing", reset),
            Exit::Lost(Cause::Io { .. })
        ));
    }

    #[test]
    fn buffers_are_released_after_a_quiet_second_unless_a_deadline_comes_first() {
        let (s, start) = session(Some(PING));
        let release = start + RELEASE_AFTER;
        assert_eq!(s.poll_timeout(true), Some((release, Due::ReleaseBuffers)));
        let (s, start) = session(None);
        assert_eq!(
            s.poll_timeout(true),
            Some((start + RELEASE_AFTER, Due::ReleaseBuffers))
        );
        // A close deadline that comes first wins.
        let (mut s, start) = session(None);
        s.request_close(start - CLOSE);
        assert_eq!(s.poll_timeout(true), Some((start, Due::CloseTimeout)));
    }

    /// Sending is not quiet: a release that comes due after messages were sent is put off
    /// by [`RELEASE_AFTER`] from then, and happens once a second passed with nothing sent.
    #[test]
    fn a_release_waits_while_messages_are_being_sent() {
        let (mut s, start) = session(None);
        let due = start + RELEASE_AFTER;
        assert_eq!(s.poll_timeout(true), Some((due, Due::ReleaseBuffers)));
        s.count_sent(100_000, true);
        assert!(matches!(
            s.handle_timeout(Due::ReleaseBuffers, due),
            Expired::Nothing
        ));
        let later = due + RELEASE_AFTER;
        assert_eq!(s.poll_timeout(true), Some((later, Due::ReleaseBuffers)));
        assert!(matches!(
            s.handle_timeout(Due::ReleaseBuffers, later),
            Expired::ReleaseBuffers
        ));
        // Receiving still counts from when it happened.
        s.on_received(later + RELEASE_AFTER);
        assert_eq!(
            s.poll_timeout(true),
            Some((later + 2 * RELEASE_AFTER, Due::ReleaseBuffers))
        );
    }

    /// The defect the review found: a peer that stalls in the middle of a large frame leaves
    /// a buffer that cannot be released; had the release been scheduled anyway, its past
    /// deadline would be chosen again and again, ahead of keepalive and the close timeout.
    /// With nothing releasable, keepalive's deadline is the next one, and once the release
    /// ran the same deadline is not offered again for it.
    #[test]
    fn a_release_that_cannot_happen_never_hides_the_other_deadlines() {
        let (mut s, start) = session(Some(PING));
        assert_eq!(s.poll_timeout(false), Some((start + PING, Due::Ping)));
        s.handle_timeout(Due::Ping, Instant::now());
        assert_eq!(s.poll_timeout(false), Some((start + DEAD, Due::Dead)));
        s.request_close(start + Duration::from_secs(2));
        assert_eq!(
            s.poll_timeout(false),
            Some((start + Duration::from_secs(2) + CLOSE, Due::CloseTimeout))
        );
    }

    /// A server frame (unmasked) of `payload`.
    fn server_frame(first: u8, payload: &[u8]) -> Vec<u8> {
        assert!(payload.len() < 126);
        let mut out = vec![first, payload.len() as u8];
        out.extend_from_slice(payload);
        out
    }

    /// Statistics are counted here for both APIs: messages and their bytes as encoded and as
    /// handed out, frame bytes as written and read, pings, pongs and their round trips, all
    /// with the instants passed in.
    #[test]
    fn the_session_counts_messages_frames_bytes_and_round_trips() {
        let (mut s, start) = session(None);
        for len in [10, 200] {
            s.protocol.send_binary(&vec![1; len]).unwrap();
            s.count_sent(len, true);
        }
        s.protocol.send_ping(b"rtt").unwrap();
        s.count_ping(start);
        let written = output(&mut s).len() as u64;
        // 10 bytes: 2-byte header + mask; 200: 4-byte header + mask; the ping: 2 + 4 + 3.
        assert_eq!(written, (6 + 10) + (8 + 200) + (6 + 3));
        s.publish_tally();
        let stats = s.stats(0);
        assert_eq!(stats.bytes_sent, written);
        assert_eq!((stats.messages_sent, stats.payload_bytes_sent), (2, 210));
        assert_eq!((stats.frames_sent, stats.pings_sent), (2, 1));
        assert_eq!(stats.rtt, Duration::ZERO, "no pong yet");

        // A message in two frames, the pong 7 ms after the ping, one more message.
        let mut input = server_frame(0x01, b"hel");
        input.extend(server_frame(0x80, b"lo"));
        input.extend(server_frame(0x8A, b"rtt"));
        input.extend(server_frame(0x82, &[0; 100]));
        s.protocol.receive_data(&input);
        s.on_received(start);
        let at = start + Duration::from_millis(7);
        while s.poll_event(|| at).is_some() {}
        let stats = s.stats(0);
        assert_eq!(stats.bytes_received, input.len() as u64);
        assert_eq!(
            (stats.messages_received, stats.payload_bytes_received),
            (2, 105)
        );
        assert_eq!((stats.frames_received, stats.pongs_received), (3, 1));
        assert_eq!(stats.rtt, Duration::from_millis(7));
        assert_eq!(
            stats.smoothed_rtt,
            Duration::from_millis(7),
            "SRTT = R at first"
        );

        // RFC 6298 (2.3): SRTT = 7/8 SRTT + 1/8 R.
        s.protocol.send_ping(b"").unwrap();
        s.count_ping(at);
        s.protocol.receive_data(&server_frame(0x8A, b""));
        while s.poll_event(|| at + Duration::from_millis(15)).is_some() {}
        let stats = s.stats(0);
        assert_eq!(stats.rtt, Duration::from_millis(15));
        assert_eq!(
            stats.smoothed_rtt,
            Duration::from_micros((7 * 7000 + 15000) / 8)
        );
        // A pong nobody asked for is counted, without a round trip.
        s.protocol.receive_data(&server_frame(0x8A, b""));
        while s.poll_event(|| at + Duration::from_secs(1)).is_some() {}
        let stats = s.stats(0);
        assert_eq!(stats.pongs_received, 3);
        assert_eq!(stats.rtt, Duration::from_millis(15));
    }

    /// Keepalive's pings count as pings, and their pongs measure the round trip.
    #[test]
    fn keepalive_pings_are_counted_and_timed() {
        let (mut s, start) = session(Some(PING));
        s.handle_timeout(Due::Ping, start + PING);
        s.protocol.receive_data(&server_frame(0x8A, b"keepalive"));
        while s
            .poll_event(|| start + PING + Duration::from_millis(3))
            .is_some()
        {}
        let stats = s.stats(0);
        assert_eq!((stats.pings_sent, stats.pongs_received), (1, 1));
        assert_eq!(stats.rtt, Duration::from_millis(3));
    }

    /// Each open starts the counters again, except the count of reopenings; the time since
    /// the open is known while open, zero after the end.
    #[test]
    fn counters_restart_at_each_open_and_reconnects_accumulate() {
        let (mut first, start) = session(None);
        let meter = first.meter.clone();
        first.count_sent(5, true);
        assert!(first.stats(7).open_for < Duration::from_secs(60));
        assert_eq!(first.stats(7).queued_bytes, 7);
        first.linger(start);
        assert_eq!(
            first.stats(0).open_for,
            Duration::ZERO,
            "not open once closing ended"
        );
        first.exit(Exit::Closed { clean: true });
        assert_eq!(first.stats(0).open_for, Duration::ZERO, "not open");
        assert_eq!(first.stats(0).messages_sent, 1, "readable after the end");
        let protocol = Protocol::new(
            Role::Client,
            Config::default(),
            None,
            Box::new(|b| b.fill(7)),
        );
        let timing = Timing::from(&Options::default());
        let second = Session::new(protocol, timing, start, meter.clone());
        let stats = second.stats(0);
        assert_eq!((stats.messages_sent, stats.reconnects), (0, 1));
        let protocol = Protocol::new(
            Role::Client,
            Config::default(),
            None,
            Box::new(|b| b.fill(7)),
        );
        let _third = Session::new(protocol, timing, start, meter.clone());
        assert_eq!(meter.snapshot(std::time::Instant::now(), 0).reconnects, 2);
    }

    /// With a tracer, every frame encoded and parsed is an event (opcode, length, FIN/RSV1),
    /// a close frame also its code, and keepalive says what it does.
    #[test]
    fn a_tracer_sees_frames_closes_and_keepalive() {
        use crate::trace::{TraceKind, TRACE_FIN};
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let tracer = {
            let seen = seen.clone();
            Tracer::new(move |e| {
                seen.lock()
                    .unwrap()
                    .push((e.kind, e.opcode, e.length, e.flags, e.code))
            })
        };
        let (s, start) = session(Some(PING));
        let mut s = s.with_tracer(Some(tracer));
        s.protocol.send_text("hi").unwrap();
        output(&mut s);
        s.publish_tally();
        s.handle_timeout(Due::Ping, start + PING);
        output(&mut s);
        s.publish_tally();
        let mut input = server_frame(0x01, b"ab");
        input.extend(server_frame(0x80, b"c"));
        input.extend(server_frame(0x88, &1000u16.to_be_bytes()));
        s.protocol.receive_data(&input);
        while s.poll_event(|| start).is_some() {}
        s.publish_tally(); // our close reply
        let fin = TRACE_FIN;
        assert_eq!(
            *seen.lock().unwrap(),
            [
                (TraceKind::FrameSent, 1, 2, fin, 0),
                (TraceKind::KeepalivePing, 0, 0, 0, 0),
                (TraceKind::FrameSent, 9, 9, fin, 0),
                (TraceKind::FrameReceived, 1, 2, 0, 0),
                (TraceKind::FrameReceived, 0, 1, fin, 0),
                (TraceKind::FrameReceived, 8, 2, fin, 0),
                (TraceKind::CloseReceived, 0, 0, 0, 1000),
                (TraceKind::FrameSent, 8, 2, fin, 0),
                (TraceKind::CloseSent, 0, 0, 0, 1000),
            ]
        );
    }

    #[test]
    fn teardowns() {
        assert_eq!(
            Exit::Closed { clean: true }.teardown(false),
            Teardown::Shutdown
        );
        assert_eq!(Exit::Closed { clean: false }.teardown(true), Teardown::Drop);
        assert_eq!(Exit::CloseTimedOut.teardown(true), Teardown::Shutdown);
        assert_eq!(Exit::CloseTimedOut.teardown(false), Teardown::Drop);
        assert_eq!(
            Exit::Lost(Cause::ClosedByPeer).teardown(true),
            Teardown::Drop
        );
    }
}
