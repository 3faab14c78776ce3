//! The handler API's side of an open connection: the outbox fed into the session, the
//! session's events dispatched to the handler, its exit reported. The session core
//! ([`crate::session`]) and the I/O step ([`Wire::poll_step`]) are the async API's too. Reading
//! never waits for writing, so a peer that echoes while we send large messages cannot
//! deadlock us.
use crate::error::{Cause, Error};
use crate::handler::Reporter;
use crate::inline::call_handler;
use crate::outbox::{Interrupt, Outgoing};
use crate::session::{Exit, Session, Teardown};
use crate::shared::Shared;
use crate::wire::{Step, Wire, OUTPUT_HIGH_WATER};
use net_websocket_protocol::Event;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// How long the final shutdown (TLS close_notify, TCP FIN) may take after a clean close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

pub(crate) struct Driver<'a, S> {
    wire: Wire<S>,
    session: Session,
    /// `ws://host:port` for error messages.
    endpoint: String,
    shared: &'a Shared,
    /// What was taken from the outbox and not yet encoded; what is left when the connection
    /// ends goes to the next one, if reconnection brings one.
    batch: &'a mut VecDeque<Outgoing>,
    /// Whole messages queued while a message was being sent in fragments: they go after its
    /// last fragment, in call order (RFC 6455 §5.4: messages are not interleaved).
    held: VecDeque<Outgoing>,
    /// Emptied payload buffers, given back to the outbox at its next look.
    used: Vec<Vec<u8>>,
    reporter: &'a mut Reporter,
    /// The server's close, or the failure we closed with: reported once our last frames (the
    /// close reply) are written, so that a caller who destroys the client in its close
    /// callback cannot cut the reply off. Boxed: it is needed once, at the end, and an open
    /// connection should not carry its room.
    unreported: Option<Box<Report>>,
    /// A handler asked for Abort while events were dispatched (taken off the queue early).
    aborted: bool,
}

/// An end waiting in [`Driver::unreported`].
struct Report {
    error: Option<Error>,
    code: u16,
    reason: String,
}

impl<'a, S: AsyncRead + AsyncWrite + Unpin + Send> Driver<'a, S> {
    pub(crate) fn new(
        wire: Wire<S>,
        session: Session,
        shared: &'a Shared,
        batch: &'a mut VecDeque<Outgoing>,
        reporter: &'a mut Reporter,
        endpoint: String,
    ) -> Self {
        Driver {
            wire,
            session,
            endpoint,
            shared,
            batch,
            held: VecDeque::new(),
            used: Vec::new(),
            reporter,
            unreported: None,
            aborted: false,
        }
    }

    /// Runs the connection to its end. Not an `async fn`: one of those keeps its by-value
    /// argument twice in its state (the argument and the local it is moved to), and the
    /// driver is most of an open connection's memory.
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    pub(crate) fn run(mut self) -> impl Future<Output = ()> + Send + 'a
    where
        S: 'a,
    {
        async move {
            // Messages received together with the handshake response.
            self.dispatch_events();
            let teardown = poll_fn(|cx| self.poll(cx)).await;
            // What waited for a fragmented message goes to the next connection, if any, first.
            self.release_held();
            if teardown == Teardown::Shutdown {
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.wire.stream.shutdown()).await;
            }
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Teardown> {
        loop {
            // Buffers of written messages go back to the outbox, and then the outbox first:
            // Abort must win over everything queued before it.
            self.take_written_buffers();
            if self.aborted || self.take_outbox(Some(cx)).is_err() {
                self.abort(cx);
                return Poll::Ready(Teardown::Drop);
            }
            self.encode_pending();
            self.follow_handler_pace(cx);
            let step = self
                .wire
                .poll_step(&mut self.session, cx, self.shared.outbox.holds_large());
            match step {
                // The step wrote the output below the high-water mark and found nothing to
                // read: encode more now, since nothing else would wake the task for it (a
                // peer that waits for all of a large message before it answers).
                Poll::Pending if self.may_encode_more() => continue,
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Step::Events) => self.dispatch_events(),
                Poll::Ready(Step::Drained) => self.report_unreported(),
                Poll::Ready(Step::Released) => self.shared.outbox.release_large(),
                Poll::Ready(Step::Exit(exit)) => return Poll::Ready(self.report_exit(exit)),
            }
        }
    }

    /// Backpressure: the socket is read only while the handler takes events
    /// ([`crate::Handler::poll_accepting`], which wakes the task when it takes them again);
    /// keepalive does not count the pause. Once finishing nothing more is dispatched, so
    /// reading goes on (for the server's end of TCP).
    fn follow_handler_pace(&mut self, cx: &mut Context<'_>) {
        let accepting =
            self.session.is_finishing() || self.reporter.handler.poll_accepting(cx).is_ready();
        if accepting == self.session.is_reading_paused() {
            if accepting {
                self.session.resume_reading(Instant::now());
            } else {
                self.session.pause_reading(Instant::now());
            }
            self.wire.set_reading(accepting);
        }
    }

    /// Takes what the outbox holds into the batch (and registers for the next push). Once
    /// Close was called, the close timeout runs from that call, however much is queued before
    /// the close frame.
    fn take_outbox(&mut self, cx: Option<&mut Context<'_>>) -> Result<(), Interrupt> {
        let close_requested = self.shared.outbox.take(self.batch, &mut self.used, cx)?;
        if let Some(at) = close_requested {
            self.session.request_close(at);
        }
        Ok(())
    }

    /// Items wait in the batch and the output has room for them.
    fn may_encode_more(&self) -> bool {
        !self.batch.is_empty()
            && !self.session.is_finishing()
            && self.session.protocol.pending_output_len() < OUTPUT_HIGH_WATER
    }

    /// Encodes queued items until the output holds OUTPUT_HIGH_WATER bytes.
    fn encode_pending(&mut self) {
        while self.may_encode_more() {
            let Some(item) = self.batch.pop_front() else {
                break;
            };
            self.encode(item);
        }
    }

    /// Takes what a handler just queued (e.g. the reply to a message) and encodes it before the
    /// next event: a close or a protocol failure that arrived in the same read must not
    /// overtake it.
    fn take_handler_commands(&mut self) {
        if !self.shared.outbox.is_dirty() {
            return;
        }
        // Not registering: the outbox stays quiet until the poll loop takes it again.
        if self.take_outbox(None).is_err() {
            self.aborted = true;
            return;
        }
        self.encode_pending();
    }

    fn encode(&mut self, item: Outgoing) {
        let protocol = &mut self.session.protocol;
        if item.is_whole_message() && protocol.in_fragmented_message() {
            self.held.push_back(item);
            return;
        }
        // What it counted against the send-queue limit is given back, sent or refused.
        self.shared
            .queued
            .fetch_sub(item.queue_cost(), Ordering::AcqRel);
        let len = item.message_len().unwrap_or(0);
        // Messages hand their buffers over: large ones are written from them. Refused only
        // after a close frame went out (ours or in reply): the message is dropped, as SPEC §3
        // allows until the end is reported. `Some(ends)`: a data frame went out, ending its
        // message or not.
        let sent = match item {
            Outgoing::Text(text, compress) => protocol
                .send_utf8_owned_with(text, compress)
                .map(|()| Some(true)),
            Outgoing::Binary(data, compress) => protocol
                .send_binary_owned_with(data, compress)
                .map(|()| Some(true)),
            Outgoing::Masked(message, compress) => {
                protocol.send_masked(message, compress).map(|()| Some(true))
            }
            // Refused when the connection is not where the caller's message is: its first
            // fragment went out on a connection since lost.
            Outgoing::TextFragment(text, ends) => protocol
                .send_text_fragment(text, ends.first, ends.last)
                .map(|()| Some(ends.last)),
            Outgoing::BinaryFragment(data, ends) => protocol
                .send_binary_fragment(data, ends.first, ends.last)
                .map(|()| Some(ends.last)),
            Outgoing::MaskedFragment(piece, ends) => protocol
                .send_masked_fragment(piece, ends.first, ends.last)
                .map(|()| Some(ends.last)),
            Outgoing::Ping(payload) => {
                let sent = protocol.send_ping(&payload);
                self.used.push(payload);
                if sent.is_ok() {
                    self.session.count_ping(Instant::now());
                }
                sent.map(|()| None)
            }
            Outgoing::Close(code, reason) => {
                log::debug!("{}: sending close {code} {reason}", self.endpoint);
                protocol.send_close(Some(code), &reason).map(|()| None)
            }
            #[cfg(test)]
            Outgoing::Panic => panic!("test hook: a panic in the connection's task"),
        };
        if let Ok(Some(ends)) = sent {
            self.session.count_sent(len, ends);
        }
        // A small message was copied: its buffer is free at once.
        self.take_written_buffers();
        if !self.session.protocol.in_fragmented_message() {
            self.release_held();
        }
    }

    /// The messages held for a fragmented message go back to the front of the batch, in
    /// order, once it ended (or was abandoned, or the connection ends).
    fn release_held(&mut self) {
        while let Some(item) = self.held.pop_back() {
            self.batch.push_front(item);
        }
    }

    fn take_written_buffers(&mut self) {
        let protocol = &mut self.session.protocol;
        self.used
            .extend(std::iter::from_fn(|| protocol.take_written_buffer()));
    }

    fn dispatch_events(&mut self) {
        self.take_written_buffers();
        if !self.session.protocol.has_event() {
            return;
        }
        if self.session.is_finishing() {
            while self.session.protocol.poll_event().is_some() {}
            return;
        }
        let owner = self.shared.outbox.address();
        // What the handler sends is taken after each event; the poll loop registers again
        // when it next takes the outbox, right after this.
        self.shared.outbox.quiet();
        call_handler(owner, || self.dispatch_ready_events());
    }

    fn dispatch_ready_events(&mut self) {
        // Nothing more once aborted, or once the close handshake or a failure finished it.
        while !self.aborted && !self.session.is_finishing() {
            let Some(event) = self.session.poll_event(Instant::now) else {
                break;
            };
            match event {
                Event::Message { kind, data } => {
                    self.reporter.handler.on_message(kind, data);
                    self.take_handler_commands();
                }
                Event::Fragment {
                    kind,
                    data,
                    first,
                    last,
                } => {
                    self.reporter.handler.on_fragment(kind, data, first, last);
                    self.take_handler_commands();
                }
                Event::Pong(payload) => {
                    self.reporter.handler.on_pong(payload);
                    self.take_handler_commands();
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

    /// The close handshake is over from our side (or we failed the connection): the session
    /// lingers for the server's end, and the end is reported once the close frame is written.
    fn finish(&mut self, error: Option<Error>, code: u16, reason: String) {
        self.session.linger(Instant::now());
        self.unreported = Some(Box::new(Report {
            error,
            code,
            reason,
        }));
    }

    fn report_unreported(&mut self) {
        if let Some(report) = self.unreported.take() {
            let close = Some((report.code, report.reason.as_str()));
            self.reporter.end(report.error.as_ref(), close);
        }
    }

    /// The session is over: reports how (unless it was reported already) and says how to
    /// leave the stream.
    fn report_exit(&mut self, exit: Exit) -> Teardown {
        let drained = self.wire.is_drained(&self.session.protocol);
        let teardown = exit.teardown(drained);
        match exit {
            Exit::Closed { .. } => self.report_unreported(),
            Exit::Lost(cause) => {
                let error = Error::new(&self.endpoint, cause);
                self.reporter
                    .end(Some(&error), Some((1006, "abnormal closure")));
            }
            Exit::CloseTimedOut => {
                let reason = self.close_timed_out();
                self.reporter.end(None, Some((1006, &reason)));
            }
        }
        teardown
    }

    /// The close reason when the close timeout ran out before the close handshake completed,
    /// with what was given up: the messages still queued, and bytes of frames not written.
    fn close_timed_out(&mut self) -> String {
        let mut reason = String::from("close handshake timed out");
        let (mut messages, mut bytes) = self.shared.outbox.queued_messages();
        let waiting = self.held.iter().chain(self.batch.iter());
        for len in waiting.filter_map(Outgoing::message_len) {
            messages += 1;
            bytes += len;
        }
        let unwritten = self.session.protocol.pending_output_len();
        if messages > 0 || unwritten > 0 {
            reason.push_str(&format!(
                " after {} s; not sent: {messages} queued messages ({bytes} bytes) and \
                 {unwritten} bytes of encoded frames",
                self.shared.options.close_timeout.as_secs_f32()
            ));
        }
        reason
    }

    /// Destroy: one attempt to send a close frame 1001, no waiting, no more reports.
    fn abort(&mut self, cx: &mut Context<'_>) {
        self.shared.set_ended();
        self.session.exit(Exit::Closed { clean: false });
        self.wire
            .try_close_now(&mut self.session.protocol, 1001, "", cx);
    }
}

/// The driver against a scripted server over an in-memory stream (`tokio::io::duplex`), with
/// tokio's clock paused: time moves only when every task waits, straight to the next timer,
/// so the deadlines are checked to the millisecond and nothing sleeps for real.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::{End, Handler};
    use crate::options::Options;
    use crate::session::Timing;
    use net_websocket_protocol::handshake::Accepted;
    use net_websocket_protocol::{Compress, Config, MessageData, MessageKind, Protocol, Role};
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, DuplexStream};

    /// What the handler heard, and when (time since the test started).
    #[derive(Debug, Clone, PartialEq)]
    enum Heard {
        Message(Vec<u8>),
        End {
            error: Option<String>,
            close: Option<(u16, String)>,
        },
    }

    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<(Duration, Heard)>>>);

    struct Recorder {
        log: Log,
        start: Instant,
    }

    impl Handler for Recorder {
        fn on_open(&mut self, _: &Accepted) {}
        fn on_message(&mut self, _: MessageKind, data: MessageData<'_>) {
            self.record(Heard::Message(data.to_vec()));
        }
        fn on_end(&mut self, end: End<'_>) {
            self.record(Heard::End {
                error: end.error.map(|e| e.cause().to_string()),
                close: end.close.map(|(c, r)| (c, r.to_owned())),
            });
        }
    }

    impl Recorder {
        fn record(&mut self, heard: Heard) {
            let at = self.start.elapsed();
            self.log.0.lock().unwrap().push((at, heard));
        }
    }

    impl Log {
        fn heard(&self) -> Vec<(Duration, Heard)> {
            self.0.lock().unwrap().clone()
        }
    }

    const PING: Duration = Duration::from_secs(30);
    const DEAD: Duration = Duration::from_secs(60);
    const CLOSE: Duration = Duration::from_secs(5);

    fn options(ping: Option<Duration>) -> Options {
        Options {
            ping_interval: ping,
            dead_after: DEAD,
            close_timeout: CLOSE,
            ..Options::default()
        }
    }

    /// The server's end: a protocol state machine of the server role over the stream.
    struct Server {
        stream: DuplexStream,
        protocol: Protocol,
    }

    impl Server {
        async fn send(&mut self, bytes: &[u8]) {
            self.stream.write_all(bytes).await.unwrap();
        }

        /// Reads until an event comes: its kind and payload, or None at EOF.
        async fn next(&mut self) -> Option<(u8, Vec<u8>)> {
            use net_websocket_protocol::Event;
            loop {
                if let Some(event) = self.protocol.poll_event() {
                    return Some(match event {
                        Event::Ping(p) => (0x9, p.to_vec()),
                        Event::Pong(p) => (0xA, p.to_vec()),
                        Event::Close { code, .. } => {
                            (0x8, code.unwrap_or(0).to_be_bytes().to_vec())
                        }
                        Event::Message { data, .. } => (0x2, data.to_vec()),
                        Event::Fragment { data, .. } => (0x0, data.to_vec()),
                        Event::Failed(e) => panic!("the client broke the protocol: {e}"),
                    });
                }
                let n = self.stream.read(self.protocol.read_space()).await.unwrap();
                if n == 0 {
                    return None;
                }
                self.protocol.commit_read(n);
            }
        }
    }

    /// Runs the driver for `opts` against `server`, which gets the server's end; returns what
    /// the handler heard.
    async fn run<F, Fut>(
        opts: Options,
        before: impl FnOnce(&Shared),
        server: F,
    ) -> Vec<(Duration, Heard)>
    where
        F: FnOnce(Server) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let log = Log::default();
        let handler = Recorder {
            log: log.clone(),
            start: Instant::now(),
        };
        run_handler(opts, before, Box::new(handler), server).await;
        log.heard()
    }

    /// Runs the driver for `opts` and `handler` against `server`, which gets the server's end.
    async fn run_handler<F, Fut>(
        opts: Options,
        before: impl FnOnce(&Shared),
        handler: Box<dyn Handler>,
        server: F,
    ) where
        F: FnOnce(Server) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let start = Instant::now();
        let shared = Arc::new(Shared::new(opts.into()));
        shared.set_open();
        before(&shared);
        let mut reporter = Reporter::new(handler, shared.clone());
        let mut batch = VecDeque::new();
        let protocol = Protocol::new(
            Role::Client,
            Config::default(),
            None,
            Box::new(|b| b.fill(1)),
        );
        let timing = Timing::from(&*shared.options);
        let session = Session::new(protocol, timing, start, shared.meter.clone());
        let driver = Driver::new(
            Wire::new(client_end),
            session,
            &shared,
            &mut batch,
            &mut reporter,
            "ws://test:80".into(),
        );
        let peer = Server {
            stream: server_end,
            protocol: Protocol::new(
                Role::Server,
                Config::default(),
                None,
                Box::new(|b| b.fill(0)),
            ),
        };
        tokio::join!(driver.run(), server(peer));
    }

    fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![first];
        match payload.len() {
            n @ 0..=125 => out.push(n as u8),
            n => {
                out.push(127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(payload);
        out
    }

    #[tokio::test(start_paused = true)]
    async fn keepalive_pings_when_idle_and_gives_up_on_silence() {
        let heard = run(
            options(Some(PING)),
            |_| {},
            |mut server| async move {
                let start = Instant::now();
                // The keepalive ping comes after exactly the ping interval...
                let (kind, payload) = server.next().await.unwrap();
                assert_eq!((kind, payload.as_slice()), (0x9, &b"keepalive"[..]));
                assert_eq!(start.elapsed(), PING);
                // ...and, unanswered, close 1011 at dead_after.
                let (kind, code) = server.next().await.unwrap();
                assert_eq!((kind, code), (0x8, 1011u16.to_be_bytes().to_vec()));
                assert_eq!(start.elapsed(), DEAD);
            },
        )
        .await;
        assert_eq!(
            heard,
            [(
                DEAD,
                Heard::End {
                    error: Some(
                        "keepalive: no answer to ping within 30 s (nothing received for 60 s)"
                            .into()
                    ),
                    close: Some((1006, "abnormal closure".into()))
                }
            )]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_restarts_keepalive() {
        let heard = run(
            options(Some(PING)),
            |_| {},
            |mut server| async move {
                let start = Instant::now();
                assert_eq!(server.next().await.unwrap().0, 0x9);
                tokio::time::sleep(Duration::from_secs(10)).await;
                server.send(&frame(0x8A, b"keepalive")).await; // the pong, at 40 s
                assert_eq!(server.next().await.unwrap().0, 0x9);
                assert_eq!(start.elapsed(), Duration::from_secs(40) + PING);
                server.send(&frame(0x88, &1000u16.to_be_bytes())).await;
                assert_eq!(server.next().await.unwrap().0, 0x8, "the close reply");
                drop(server);
            },
        )
        .await;
        assert_eq!(heard.len(), 1);
        assert_eq!(
            heard[0].1,
            Heard::End {
                error: None,
                close: Some((1000, String::new()))
            }
        );
    }

    /// The defect of the review: 200 KiB of a 1 MiB frame, then silence. The driver must wait
    /// without spinning, and keepalive must still end it at dead_after. A spinning driver
    /// never lets the paused clock move (nor returns): the scenario runs on a thread of its
    /// own, watched in real time.
    #[test]
    fn a_stall_in_the_middle_of_a_large_frame_leaves_the_timers_running() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap();
            let heard = runtime.block_on(run(
                options(Some(PING)),
                |_| {},
                |mut server| async move {
                    let start = Instant::now();
                    let mut partial = vec![0x82, 127];
                    partial.extend_from_slice(&(1u64 << 20).to_be_bytes());
                    partial.resize(partial.len() + (200 << 10), 0);
                    server.send(&partial).await;
                    assert_eq!(server.next().await.unwrap().0, 0x9);
                    assert_eq!(start.elapsed(), PING);
                    assert_eq!(server.next().await.unwrap().0, 0x8);
                    assert_eq!(start.elapsed(), DEAD);
                },
            ));
            let _ = done.send(heard);
        });
        let heard = finished
            .recv_timeout(Duration::from_secs(20))
            .expect("the driver spun instead of waiting for its timers");
        assert_eq!(heard.len(), 1);
        assert_eq!(heard[0].0, DEAD);
    }

    /// 4 MiB of messages queued at once (well past the output's high-water mark) to a server
    /// that answers only once it has all of them: everything goes out although no read or
    /// push wakes the driver between the writes (it stalled after the first 256 KiB before).
    #[tokio::test(start_paused = true)]
    async fn a_long_queue_goes_out_to_a_silent_peer() {
        const COUNT: usize = 64;
        let queue = |shared: &Shared| {
            for i in 0..COUNT {
                let data = shared.outbox.copy(&vec![i as u8; 64 << 10]).unwrap();
                shared.queued.fetch_add(data.len(), Ordering::AcqRel);
                shared.outbox.push(Outgoing::Binary(data, Compress::Auto));
            }
        };
        let exchange = run(options(None), queue, |mut server| async move {
            for i in 0..COUNT {
                let (kind, payload) = server.next().await.expect("message {i}");
                assert_eq!((kind, payload.len(), payload[0]), (0x2, 64 << 10, i as u8));
            }
            server.send(&frame(0x82, b"all in")).await;
            server.send(&[0x88, 0x02, 0x03, 0xE8]).await;
            while server.next().await.is_some() {}
        });
        // Bounded: on the paused clock a stalled exchange times out at once.
        let heard = tokio::time::timeout(Duration::from_secs(60), exchange)
            .await
            .expect("the driver stalled with messages queued");
        assert_eq!(heard[0].1, Heard::Message(b"all in".to_vec()));
    }

    /// A handler that takes no events while `paused` is set (backpressure), woken by the
    /// test when it is cleared.
    struct Pausing {
        recorder: Recorder,
        pace: Arc<Mutex<Pace>>,
    }

    #[derive(Default)]
    struct Pace {
        paused: bool,
        was_paused: bool,
        waker: Option<std::task::Waker>,
    }

    impl Handler for Pausing {
        fn on_open(&mut self, _: &Accepted) {}
        fn on_message(&mut self, kind: MessageKind, data: MessageData<'_>) {
            self.recorder.on_message(kind, data);
            // Full after the first message, for a while.
            let mut pace = self.pace.lock().unwrap();
            if !pace.was_paused {
                pace.paused = true;
                pace.was_paused = true;
            }
        }
        fn on_end(&mut self, end: End<'_>) {
            self.recorder.on_end(end);
        }
        fn poll_accepting(&mut self, cx: &mut Context<'_>) -> Poll<()> {
            let mut pace = self.pace.lock().unwrap();
            if !pace.paused {
                return Poll::Ready(());
            }
            pace.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    /// Backpressure: while the handler takes no events the socket is not read (a message
    /// sent meanwhile arrives only after it resumes) and keepalive neither pings nor gives
    /// up, for twice its dead time; after the pause it counts on from where it stood.
    #[tokio::test(start_paused = true)]
    async fn a_paused_handler_stops_reading_without_keepalive_counting_the_pause() {
        let log = Log::default();
        let pace = Arc::new(Mutex::new(Pace::default()));
        let handler = Pausing {
            recorder: Recorder {
                log: log.clone(),
                start: Instant::now(),
            },
            pace: pace.clone(),
        };
        const PAUSE: Duration = Duration::from_secs(120);
        let resume = {
            let pace = pace.clone();
            async move {
                tokio::time::sleep(PAUSE).await;
                let waker = {
                    let mut pace = pace.lock().unwrap();
                    pace.paused = false;
                    pace.waker.take()
                };
                waker.expect("the driver waits for the handler").wake();
            }
        };
        let server = |mut server: Server| async move {
            let start = Instant::now();
            server.send(&frame(0x82, b"first")).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            server.send(&frame(0x82, b"second")).await;
            // No ping during the pause; the first 30 s after it.
            let (kind, _) = server.next().await.unwrap();
            assert_eq!(kind, 0x9);
            assert_eq!(start.elapsed(), PAUSE + PING);
            server.send(&frame(0x88, &1000u16.to_be_bytes())).await;
            assert_eq!(server.next().await.unwrap().0, 0x8, "the close reply");
        };
        tokio::join!(
            run_handler(options(Some(PING)), |_| {}, Box::new(handler), server),
            resume
        );
        assert_eq!(
            log.heard(),
            [
                (Duration::ZERO, Heard::Message(b"first".to_vec())),
                (PAUSE, Heard::Message(b"second".to_vec())),
                (
                    PAUSE + PING,
                    Heard::End {
                        error: None,
                        close: Some((1000, String::new()))
                    }
                )
            ]
        );
    }

    /// Close asked at 0 with 4 MiB queued before it, and a server that never reads: the close
    /// timeout counts from the request, and the end says what was given up.
    #[tokio::test(start_paused = true)]
    async fn the_close_timeout_counts_from_the_request() {
        let queue = |shared: &Shared| {
            for _ in 0..4 {
                let data = shared.outbox.copy(&vec![7u8; 1 << 20]).unwrap();
                shared.queued.fetch_add(data.len(), Ordering::AcqRel);
                shared.outbox.push(Outgoing::Binary(data, Compress::Auto));
            }
            assert!(shared.begin_close().is_ok());
            shared.outbox.push(Outgoing::Close(1000, "bye".into()));
        };
        let heard = run(options(None), queue, |server| async move {
            // Never reads: the 1 MiB stream buffer fills, the rest stays queued.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            drop(server);
        })
        .await;
        assert_eq!(heard.len(), 1);
        let (at, Heard::End { error, close }) = &heard[0] else {
            panic!("{heard:?}")
        };
        assert_eq!(*at, CLOSE);
        assert!(error.is_none());
        let (code, reason) = close.as_ref().unwrap();
        assert_eq!(*code, 1006);
        assert!(
            reason.starts_with("close handshake timed out after 5 s; not sent: "),
            "{reason}"
        );
    }

    /// The server's close: our reply goes out, the end is reported once it is written, and the
    /// server's end of TCP is awaited for the close timeout at most.
    #[tokio::test(start_paused = true)]
    async fn after_the_server_close_the_driver_lingers_for_its_end() {
        let heard = run(
            options(Some(PING)),
            |_| {},
            |mut server| async move {
                server.send(&frame(0x82, b"last")).await;
                let mut close = 4000u16.to_be_bytes().to_vec();
                close.extend_from_slice(b"bye");
                server.send(&frame(0x88, &close)).await;
                assert_eq!(
                    server.next().await.unwrap(),
                    (0x8, 4000u16.to_be_bytes().to_vec())
                );
                // Keep TCP open: the client ends it after the close timeout.
                let start = Instant::now();
                assert_eq!(server.next().await, None, "the client's end of TCP");
                assert_eq!(start.elapsed(), CLOSE);
            },
        )
        .await;
        assert_eq!(
            heard.iter().map(|(_, h)| h.clone()).collect::<Vec<_>>(),
            [
                Heard::Message(b"last".to_vec()),
                Heard::End {
                    error: None,
                    close: Some((4000, "bye".into()))
                }
            ]
        );
        assert_eq!(
            heard[1].0,
            Duration::ZERO,
            "reported once the reply was written"
        );
    }
}
