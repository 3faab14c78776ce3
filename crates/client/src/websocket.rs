//! The async API: [`connect_async`] and [`WebSocket`], a `Stream` of received messages and a
//! `Sink` of messages to send, on any tokio runtime (a current-thread one included). It has no
//! task, queue or callback hand-off of its own: each poll runs the protocol state machine on
//! the stream directly, in the caller's task, with the same byte-moving steps and timers as
//! the handler API's driver.
use crate::error::{Cause, Error};
use crate::establish::{establish, handshake_for, Request};
use crate::message::{CloseFrame, Message};
use crate::options::Options;
use crate::proxy::ProxyEnvironment;
use crate::target::Target;
use crate::timers::{give_up, next_deadline, Due, Keepalive, FAR_FUTURE};
use crate::tls::TrustPaths;
use crate::transport::Stream as Transport;
use crate::wire::{holds_releasable_buffer, reclaim_read_buffer, Wire, OUTPUT_HIGH_WATER};
use futures_core::{FusedStream, Stream};
use futures_sink::Sink;
use net_websocket_protocol::handshake::Accepted;
use net_websocket_protocol::{
    Connection as Protocol, Event, MessageKind, SendError, State, Utf8Text,
};
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Connects to a `ws://` or `wss://` URL (DNS, TCP, proxy, TLS and the opening handshake,
/// following redirects, within `options.connect_timeout`) on the caller's runtime, and
/// returns the open connection.
///
/// The runtime needs I/O and time enabled (`enable_all()`). `options.reconnect` and the
/// send limits of the handler API (`max_send_size`, `send_queue_limit`) do not apply: a
/// [`WebSocket`] ends once, and its caller owns what it sends.
///
/// ```no_run
/// use futures_util::{SinkExt, StreamExt};
/// use net_websocket_client::{connect_async, Message, Options};
///
/// # async fn run() -> Result<(), net_websocket_client::Error> {
/// let mut ws = connect_async("wss://echo.example/chat", Options::default()).await?;
/// ws.send(Message::text("hello")).await?;
/// while let Some(message) = ws.next().await {
///     match message? {
///         Message::Text(text) => println!("{text}"),
///         Message::Close(_) => break,
///         _ => {}
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub async fn connect_async(url: &str, options: Options) -> Result<WebSocket, Error> {
    connect_async_with_headers(url, &[], options).await
}

/// [`connect_async`] with extra header fields for the opening handshake (e.g.
/// `Authorization`); the fields the handshake sets itself are refused.
pub async fn connect_async_with_headers(
    url: &str,
    headers: &[(String, String)],
    options: Options,
) -> Result<WebSocket, Error> {
    let target = Target::parse(url).map_err(|e| Error::new("", Cause::Url(e)))?;
    // Refuse bad headers before connecting.
    handshake_for(&target, headers, &options)
        .map_err(|e| Error::new(&target.endpoint(), Cause::Handshake(e)))?;
    let request = Request {
        target,
        headers: headers.to_vec(),
        proxy_environment: ProxyEnvironment::capture(),
        trust: TrustPaths::from_environment(),
    };
    let opened = establish(&request, &options, &mut |_| {})
        .await?
        .into_stream();
    let protocol = opened.start_protocol(&options);
    Ok(WebSocket::new(
        Wire::new(opened.stream),
        protocol,
        opened.endpoint,
        opened.accepted,
        &options,
    ))
}

/// An open WebSocket connection driven by its caller: a [`Stream`] of received messages and
/// a [`Sink`] of messages to send (use `futures_util`'s `StreamExt`/`SinkExt`, or
/// [`WebSocket::recv`] and [`WebSocket::send`]).
///
/// Received pings are answered and the server's close frame is replied to by the library;
/// both still appear in the stream. The stream yields `Err` once when the connection fails
/// (a protocol violation, a loss, keepalive) and then ends; after a close handshake it ends
/// with `None` once the server has closed TCP (or the close timeout passed).
///
/// Sending writes as far as the socket takes it; `poll_ready` waits while 256 KiB of output
/// are unwritten. Reading happens only while the stream is polled: an application that sends
/// a lot and never reads may stall a server that waits for its replies to be read, so keep
/// polling the stream (e.g. in another task after `StreamExt::split`). Keepalive
/// (`options.ping_interval`) also runs while the stream is polled; its pongs appear as
/// [`Message::Pong`].
pub struct WebSocket {
    wire: Wire<Transport>,
    protocol: Protocol,
    endpoint: String,
    response: Accepted,
    settings: Settings,
    keepalive: Keepalive,
    /// Set while waiting for the server's close frame (after ours) or for its EOF (after the
    /// close handshake or a failure): the stream ends at this instant.
    close_deadline: Option<Instant>,
    timer: Pin<Box<Sleep>>,
    phase: Phase,
    wakers: Arc<Wakers>,
    /// Wakes whichever tasks poll the stream and the sink; given to every I/O and timer poll.
    io_waker: Waker,
}

/// The options a [`WebSocket`] keeps.
#[derive(Debug, Clone, Copy)]
struct Settings {
    close_timeout: Duration,
    ping_interval: Option<Duration>,
    dead_after: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Messages flow.
    Open,
    /// Close frames were exchanged, or we failed the connection: our last frames are
    /// written, then the server's EOF is awaited (RFC 6455 §7.1.1: the server closes TCP).
    Ending,
    /// The stream has ended.
    Ended,
}

impl WebSocket {
    fn new(
        wire: Wire<Transport>,
        protocol: Protocol,
        endpoint: String,
        response: Accepted,
        options: &Options,
    ) -> WebSocket {
        let now = Instant::now();
        let wakers = Arc::new(Wakers::default());
        WebSocket {
            wire,
            protocol,
            endpoint,
            response,
            settings: Settings {
                close_timeout: options.close_timeout,
                ping_interval: options.ping_interval,
                dead_after: options.dead_after,
            },
            keepalive: Keepalive::new(now),
            close_deadline: None,
            timer: Box::pin(tokio::time::sleep_until(now + FAR_FUTURE)),
            phase: Phase::Open,
            io_waker: Waker::from(wakers.clone()),
            wakers,
        }
    }

    /// The server's response to the opening handshake: status, headers, the subprotocol it
    /// chose and the permessage-deflate parameters.
    pub fn response(&self) -> &Accepted {
        &self.response
    }

    /// `scheme://host:port` of the server that accepted (after redirects).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The next message; `None` once the connection has ended.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Sends a message and waits until it is written (the same as `SinkExt::send`).
    pub async fn send(&mut self, message: Message) -> Result<(), Error> {
        poll_fn(|cx| Pin::new(&mut *self).poll_ready(cx)).await?;
        Pin::new(&mut *self).start_send(message)?;
        poll_fn(|cx| Pin::new(&mut *self).poll_flush(cx)).await
    }

    fn receive(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        loop {
            if self.phase == Phase::Ended {
                return Poll::Ready(None);
            }
            if let Some(item) = self.take_event() {
                // Queue-free replies (pong, close) go out with the next write; try it now.
                if let Err(e) = self.transmit(cx) {
                    self.phase = Phase::Ended;
                    return Poll::Ready(Some(item.and(Err(e))));
                }
                return Poll::Ready(Some(item));
            }
            if let Err(e) = self.transmit(cx) {
                return self.end_unless_ending(Err(e));
            }
            match self.wire.poll_receive(&mut self.protocol, cx) {
                Poll::Ready(Ok(0)) => {
                    self.protocol.receive_eof();
                    let lost = Err(self.error(Cause::ClosedByPeer));
                    return self.end_unless_ending(lost);
                }
                Poll::Ready(Ok(_)) => {
                    self.keepalive.received(Instant::now());
                    continue;
                }
                Poll::Ready(Err(source)) => {
                    let during = "connection lost while reading";
                    let lost = Err(self.error(Cause::Io { during, source }));
                    return self.end_unless_ending(lost);
                }
                Poll::Pending => reclaim_read_buffer(&mut self.protocol, false),
            }
            let (deadline, due) = next_deadline(
                self.close_deadline,
                &self.keepalive,
                self.settings.ping_interval,
                self.settings.dead_after,
                holds_releasable_buffer(&self.protocol),
            );
            if self.timer.deadline() != deadline {
                self.timer.as_mut().reset(deadline);
            }
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            match due {
                Some(Due::CloseDeadline) | None => {
                    self.phase = Phase::Ended;
                    return Poll::Ready(None);
                }
                Some(Due::Ping) => self.keepalive.send_ping(&mut self.protocol),
                Some(Due::Dead) => {
                    let Settings {
                        ping_interval,
                        dead_after,
                        ..
                    } = self.settings;
                    let cause = give_up(
                        &mut self.wire,
                        &mut self.protocol,
                        ping_interval,
                        dead_after,
                        cx,
                    );
                    self.phase = Phase::Ended;
                    return Poll::Ready(Some(Err(self.error(cause))));
                }
                Some(Due::ReleaseBuffer) => reclaim_read_buffer(&mut self.protocol, true),
            }
        }
    }

    /// The next event the protocol has, as an owned message.
    fn take_event(&mut self) -> Option<Result<Message, Error>> {
        let (item, ending) = match self.protocol.poll_event()? {
            Event::Message {
                kind: MessageKind::Text,
                data,
            } => {
                // Checked by the protocol already; `from_utf8_lossy` borrows valid text.
                let text = String::from_utf8_lossy(&data).into_owned();
                (Ok(Message::Text(text)), false)
            }
            Event::Message {
                kind: MessageKind::Binary,
                data,
            } => (Ok(Message::Binary(data.to_vec())), false),
            Event::Ping(payload) => (Ok(Message::Ping(payload.to_vec())), false),
            Event::Pong(payload) => (Ok(Message::Pong(payload.to_vec())), false),
            Event::Close { code, reason } => {
                let frame = code.map(|code| CloseFrame {
                    code,
                    reason: reason.to_owned(),
                });
                (Ok(Message::Close(frame)), true)
            }
            Event::Failed(violation) => (Err(self.error(Cause::Protocol(violation))), true),
        };
        if ending {
            self.phase = Phase::Ending;
            self.close_deadline = Some(Instant::now() + self.settings.close_timeout);
        }
        Some(item)
    }

    /// The stream ends: with `outcome` (an error) while open; quietly when the close
    /// handshake or a failure already ended it and only the server's EOF was awaited.
    fn end_unless_ending(
        &mut self,
        outcome: Result<(), Error>,
    ) -> Poll<Option<Result<Message, Error>>> {
        let was_ending = self.phase == Phase::Ending;
        self.phase = Phase::Ended;
        match outcome {
            Err(e) if !was_ending => Poll::Ready(Some(Err(e))),
            _ => Poll::Ready(None),
        }
    }

    /// Writes what the protocol has ready; written message buffers are dropped (they were
    /// the caller's).
    fn transmit(&mut self, cx: &mut Context<'_>) -> Result<(), Error> {
        let written = self.wire.poll_transmit(&mut self.protocol, cx);
        while self.protocol.take_written_buffer().is_some() {}
        written.map(drop).map_err(|source| {
            self.error(Cause::Io {
                during: "connection lost while writing",
                source,
            })
        })
    }

    fn error(&self, cause: Cause) -> Error {
        Error::new(&self.endpoint, cause)
    }

    fn encode(&mut self, message: Message) -> Result<(), SendError> {
        match message {
            Message::Text(text) => self.protocol.send_utf8_owned(Utf8Text::from(text)),
            Message::Binary(data) => self.protocol.send_binary_owned(data),
            Message::Ping(payload) => self.protocol.send_ping(&payload),
            Message::Pong(payload) => self.protocol.send_pong(&payload),
            Message::Close(frame) => {
                let sent = match &frame {
                    Some(f) => self.protocol.send_close(Some(f.code), &f.reason),
                    None => self.protocol.send_close(None, ""),
                };
                if sent.is_ok() && self.close_deadline.is_none() {
                    self.close_deadline = Some(Instant::now() + self.settings.close_timeout);
                }
                sent
            }
        }
    }

    fn flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if let Err(e) = self.transmit(cx) {
            self.phase = Phase::Ended;
            return Poll::Ready(Err(e));
        }
        if self.wire.is_drained(&self.protocol) {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }
}

impl Stream for WebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.wakers.register(&this.wakers.reader, cx.waker());
        let waker = this.io_waker.clone();
        this.receive(&mut Context::from_waker(&waker))
    }
}

impl FusedStream for WebSocket {
    fn is_terminated(&self) -> bool {
        self.phase == Phase::Ended
    }
}

impl Sink<Message> for WebSocket {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.protocol.pending_output_len() < OUTPUT_HIGH_WATER {
            return Poll::Ready(Ok(()));
        }
        this.wakers.register(&this.wakers.writer, cx.waker());
        let waker = this.io_waker.clone();
        if let Err(e) = this.transmit(&mut Context::from_waker(&waker)) {
            this.phase = Phase::Ended;
            return Poll::Ready(Err(e));
        }
        if this.protocol.pending_output_len() < OUTPUT_HIGH_WATER {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        let this = self.get_mut();
        if this.phase == Phase::Ended {
            return Err(this.error(Cause::Send(SendError::Closed)));
        }
        this.encode(message).map_err(|e| this.error(Cause::Send(e)))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.wakers.register(&this.wakers.writer, cx.waker());
        let waker = this.io_waker.clone();
        this.flush(&mut Context::from_waker(&waker))
    }

    /// Sends a close frame 1000 unless one was sent, and flushes. The server's reply arrives
    /// through the stream, which then ends.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.phase != Phase::Ended && this.protocol.state() == State::Open {
            let _ = this.encode(Message::close(1000, ""));
        }
        Pin::new(this).poll_flush(cx)
    }
}

impl fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("endpoint", &self.endpoint)
            .field("phase", &self.phase)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

/// The tasks polling the stream and the sink, which may be two (after `StreamExt::split`).
/// The socket keeps one waker per direction and the timer one in all, so every I/O and timer
/// poll gets a waker that wakes both tasks: neither can take the other's wake-up.
#[derive(Default)]
struct Wakers {
    reader: Mutex<Option<Waker>>,
    writer: Mutex<Option<Waker>>,
}

impl Wakers {
    fn register(&self, slot: &Mutex<Option<Waker>>, waker: &Waker) {
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }
}

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        for slot in [&self.reader, &self.writer] {
            let waker = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}
