//! The async API: [`connect_async`] (and [`client_async`] over a stream of the caller's) and
//! [`WebSocket`], a `Stream` of received messages and a `Sink` of messages to send, on any
//! tokio runtime (a current-thread one included). It has no task, queue or callback hand-off
//! of its own: each poll runs the session core ([`crate::session`]) on the stream directly,
//! in the caller's task, with the same I/O step ([`Wire::poll_step`]) as the handler API.
use crate::error::{Cause, Error, Stage};
use crate::establish::{
    check_handshake, establish, handshake_for, open_websocket, Opened, Request,
};
use crate::message::{CloseFrame, Message, MessageRef};
use crate::options::Options;
use crate::session::{Exit, Lifecycle, Session};
use crate::stats::{Meter, Stats};
use crate::target::Target;
use crate::transport::Transport;
use crate::wire::{Step, Wire, OUTPUT_HIGH_WATER};
use futures_core::{FusedStream, Stream};
use futures_sink::Sink;
use net_websocket_protocol::handshake::{Accepted, ResponseHead};
use net_websocket_protocol::{Event, MessageKind, SendError, State, Utf8Text};
use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

/// Connects to a `ws://` or `wss://` URL (DNS, TCP, proxy, TLS and the opening handshake,
/// following redirects, within `options.connect_timeout`) on the caller's runtime, and
/// returns the open connection. `ws+unix:///path/to/socket:/resource` URLs (and
/// `options.unix_socket`) connect through a Unix domain socket.
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
    check_handshake(&target, headers, &options)
        .map_err(|e| Error::new(&target.endpoint(), Cause::Handshake(e)))?;
    let request = Request::capture(target, headers);
    let opened = establish(&request, &options, &mut |_| {}).await?;
    Ok(WebSocket::open(opened, &options))
}

/// Runs the opening handshake for `url` over a stream the caller connected (TCP, TLS, a pipe,
/// an in-memory stream: anything `AsyncRead + AsyncWrite`), then the session over it, as
/// tungstenite's `client_async` does. The URL gives the Host header and the request target;
/// nothing is resolved or connected, and no proxy or TLS is added: the stream is used as it
/// is. `headers` and `options` as for [`connect_async_with_headers`] (the connect timeout
/// bounds the handshake; redirects are not followed: a 3xx fails it).
///
/// ```no_run
/// use net_websocket_client::{client_async, Options};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let tcp = tokio::net::TcpStream::connect("127.0.0.1:9001").await?;
/// let ws = client_async("ws://127.0.0.1:9001/chat", tcp, &[], Options::default()).await?;
/// # Ok(())
/// # }
/// ```
pub async fn client_async<S>(
    url: &str,
    stream: S,
    headers: &[(String, String)],
    options: Options,
) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let target = Target::parse(url).map_err(|e| Error::new("", Cause::Url(e)))?;
    let endpoint = target.endpoint();
    let failed = |cause| Error::new(&endpoint, cause);
    let handshake =
        handshake_for(&target, headers, &options).map_err(|e| failed(Cause::Handshake(e)))?;
    let mut ignore_response = |_: &ResponseHead| {};
    let opening = open_websocket(stream, &handshake, &mut ignore_response, endpoint.clone());
    let opened = match tokio::time::timeout(options.connect_timeout, opening).await {
        Ok(opened) => opened.map_err(failed)?,
        Err(_) => {
            return Err(failed(Cause::Timeout {
                stage: Stage::Handshake,
                after: options.connect_timeout,
            }))
        }
    };
    Ok(WebSocket::open(opened, &options))
}

/// An open WebSocket connection driven by its caller: a [`Stream`] of received messages and
/// a [`Sink`] of messages to send (use `futures_util`'s `StreamExt`/`SinkExt`, or
/// [`WebSocket::recv`] and [`WebSocket::send`]). `S` is the stream it runs on: the library's
/// [`Transport`] from [`connect_async`], the caller's own from [`client_async`].
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
pub struct WebSocket<S = Transport> {
    wire: Wire<S>,
    session: Session,
    endpoint: String,
    response: Accepted,
    /// The stream ended (`None` was returned, or will be after `failure`).
    terminated: bool,
    /// Why the connection was lost, until the stream yields it.
    failure: Option<Error>,
    /// The last control frame or close [`WebSocket::recv_ref`] returned (taken owned).
    held: Option<Message>,
    wakers: Arc<Wakers>,
    /// Wakes whichever tasks poll the stream and the sink; given to every I/O and timer poll.
    io_waker: Waker,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// The connection whose opening handshake just succeeded.
    fn open(opened: Opened<S>, options: &Options) -> Self {
        let session = opened.start_session(options, Arc::new(Meter::default()));
        let wakers = Arc::new(Wakers::default());
        WebSocket {
            wire: Wire::new(opened.stream),
            session,
            endpoint: opened.endpoint,
            response: opened.accepted,
            terminated: false,
            failure: None,
            held: None,
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

    /// The connection's statistics so far (see [`Stats`]; nothing is queued outside the
    /// protocol here, so `queued_bytes` is 0). Stage durations are known when
    /// [`connect_async`] made the connection, not [`client_async`].
    pub fn stats(&self) -> Stats {
        self.session.stats(0)
    }

    /// The next message; `None` once the connection has ended.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The next message borrowed from the connection, valid until the next call on it: a
    /// message that arrived in one frame is where it was read, with no copy or allocation
    /// (control frames and the close come as copies). `None` once the connection has ended.
    /// Also writes what was fed ([`WebSocket::feed_ref`], `SinkExt::feed`) as it waits.
    ///
    /// ```no_run
    /// use net_websocket_client::{connect_async, MessageRef, Options};
    ///
    /// # async fn run() -> Result<(), net_websocket_client::Error> {
    /// let mut ws = connect_async("ws://127.0.0.1:9001/", Options::default()).await?;
    /// while let Some(message) = ws.recv_ref().await {
    ///     if let MessageRef::Binary(data) = message? {
    ///         println!("{} bytes", data.len());
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_ref(&mut self) -> Option<Result<MessageRef<'_>, Error>> {
        poll_fn(|cx| {
            self.wakers.register(&self.wakers.reader, cx.waker());
            let waker = self.io_waker.clone();
            self.poll_until_event(&mut Context::from_waker(&waker))
        })
        .await;
        let data_next = !self.terminated
            && self.session.lifecycle() != Lifecycle::Ended
            && self.session.protocol.next_is_data();
        if data_next {
            return self.borrowed_data().map(Ok);
        }
        // A control frame, the close, a failure or the end: the owned path, which also
        // writes replies at once.
        match poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await? {
            Ok(message) => Some(Ok(self.held.insert(message).as_message_ref())),
            Err(error) => Some(Err(error)),
        }
    }

    /// The data event the protocol has next, borrowed.
    fn borrowed_data(&mut self) -> Option<MessageRef<'_>> {
        let (kind, data, piece) = match self.session.poll_event(Instant::now)? {
            Event::Message { kind, data } => (kind, data, None),
            Event::Fragment {
                kind,
                data,
                first,
                last,
            } => (kind, data, Some((first, last))),
            _ => return None,
        };
        let data: &[u8] = data.into_slice();
        Some(match (piece, kind) {
            (Some((first, last)), kind) => MessageRef::Fragment {
                kind,
                data,
                first,
                last,
            },
            // The protocol checked it: this cannot fail.
            (None, MessageKind::Text) => MessageRef::Text(std::str::from_utf8(data).ok()?),
            (None, MessageKind::Binary) => MessageRef::Binary(data),
        })
    }

    /// Encodes a copy of `message` to go out with the next write, once fewer than 256 KiB
    /// wait to be written; nothing is allocated for it. What was fed is written by
    /// [`WebSocket::flush`], [`WebSocket::send`], or while [`WebSocket::recv_ref`] (or the
    /// stream) waits: feeding several messages and then receiving writes them together.
    ///
    /// ```no_run
    /// use net_websocket_client::{MessageRef, WebSocket};
    ///
    /// async fn echo_back(ws: &mut WebSocket) -> Result<(), net_websocket_client::Error> {
    ///     let mut copy = Vec::new();
    ///     while let Some(message) = ws.recv_ref().await {
    ///         if let MessageRef::Binary(data) = message? {
    ///             copy.clear();
    ///             copy.extend_from_slice(data); // the borrow ends before the next call
    ///             ws.feed_ref(MessageRef::Binary(&copy)).await?;
    ///         }
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub async fn feed_ref(&mut self, message: MessageRef<'_>) -> Result<(), Error> {
        poll_fn(|cx| Pin::new(&mut *self).poll_ready(cx)).await?;
        if self.terminated || self.session.lifecycle() == Lifecycle::Ended {
            return Err(self.error(Cause::Send(SendError::Closed)));
        }
        self.encode_ref(message)
            .map_err(|e| self.error(Cause::Send(e)))
    }

    /// Writes everything encoded so far (fed messages, replies) and waits until it is out.
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| Pin::new(&mut *self).poll_flush(cx)).await
    }

    /// Sends a message and waits until it is written (the same as `SinkExt::send`).
    pub async fn send(&mut self, message: Message) -> Result<(), Error> {
        poll_fn(|cx| Pin::new(&mut *self).poll_ready(cx)).await?;
        Pin::new(&mut *self).start_send(message)?;
        poll_fn(|cx| Pin::new(&mut *self).poll_flush(cx)).await
    }

    /// Sends the next piece of a message in fragments and waits until it is written: the
    /// first call begins a message of `kind`, later ones continue it, `last` ends it (see
    /// [`Message::Fragment`]). Each piece goes out as one frame, or several of at most
    /// `Options::max_frame_size`; with permessage-deflate the message is one compressed
    /// stream. Memory stays bounded by one piece however long the message.
    ///
    /// ```no_run
    /// use net_websocket_client::{connect_async, MessageKind, Options};
    /// use tokio::io::{AsyncRead, AsyncReadExt};
    ///
    /// // Sends everything `source` yields as one binary message, 1 MiB at a time.
    /// async fn upload(mut source: impl AsyncRead + Unpin) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut ws = connect_async("ws://127.0.0.1:9001/upload", Options::default()).await?;
    /// let mut piece = vec![0; 1 << 20];
    /// loop {
    ///     let n = source.read(&mut piece).await?;
    ///     ws.send_fragment(MessageKind::Binary, piece[..n].to_vec(), n == 0).await?;
    ///     if n == 0 {
    ///         break;
    ///     }
    /// }
    /// Ok(())
    /// }
    /// ```
    pub async fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: Vec<u8>,
        last: bool,
    ) -> Result<(), Error> {
        let first = !self.session.protocol.in_fragmented_message();
        self.send(Message::Fragment {
            kind,
            data,
            first,
            last,
        })
        .await
    }

    fn receive(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        if self.poll_until_event(cx).is_pending() {
            return Poll::Pending;
        }
        if !self.terminated {
            if let Some(item) = self.take_event() {
                // Queue-free replies (pong, close) go out with the next write; try it now.
                if let Err(e) = self.transmit(cx) {
                    self.terminated = true;
                    return Poll::Ready(Some(item.and(Err(e))));
                }
                return Poll::Ready(Some(item));
            }
            self.terminated = true;
        }
        Poll::Ready(self.failure.take().map(Err))
    }

    /// Runs the session until the protocol has an event, or the connection ended (then
    /// `terminated`, with the loss in `failure`).
    fn poll_until_event(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if self.terminated || self.session.lifecycle() == Lifecycle::Ended {
                return Poll::Ready(());
            }
            if self.session.protocol.has_event() {
                return Poll::Ready(());
            }
            match self.wire.poll_step(&mut self.session, cx, false) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Step::Events | Step::Drained | Step::Released) => {}
                Poll::Ready(Step::Exit(exit)) => {
                    self.terminated = true;
                    if let Exit::Lost(cause) = exit {
                        self.failure = Some(self.error(cause));
                    }
                    return Poll::Ready(());
                }
            }
        }
    }

    /// The next event the protocol has, as an owned message.
    fn take_event(&mut self) -> Option<Result<Message, Error>> {
        if self.session.lifecycle() == Lifecycle::Ended {
            return None;
        }
        let (item, ending) = match self.session.poll_event(Instant::now)? {
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
            Event::Fragment {
                kind,
                data,
                first,
                last,
            } => {
                let data = data.to_vec();
                (
                    Ok(Message::Fragment {
                        kind,
                        data,
                        first,
                        last,
                    }),
                    false,
                )
            }
            Event::Ping(payload) => (Ok(Message::Ping(payload.to_vec())), false),
            Event::Pong(payload) => (Ok(Message::Pong(payload.to_vec())), false),
            Event::Close { code, reason } => {
                let frame = code.map(|code| CloseFrame {
                    code,
                    reason: reason.to_owned(),
                });
                (Ok(Message::Close(frame)), true)
            }
            Event::Failed(violation) => (
                Err(Error::new(&self.endpoint, Cause::Protocol(violation))),
                true,
            ),
        };
        if ending {
            self.session.linger(Instant::now());
        }
        Some(item)
    }

    /// Writes what the protocol has ready; written message buffers are dropped (they were
    /// the caller's).
    fn transmit(&mut self, cx: &mut Context<'_>) -> Result<(), Error> {
        let written = self.wire.poll_transmit(&mut self.session.protocol, cx);
        self.session.publish_tally();
        while self.session.protocol.take_written_buffer().is_some() {}
        written.map(drop).map_err(|source| {
            let during = "connection lost while writing";
            match self.session.on_io_error(during, source) {
                Exit::Lost(cause) => self.error(cause),
                // Lingering: the close handshake is over, the stream just broke.
                _ => self.error(Cause::Send(SendError::Closed)),
            }
        })
    }

    fn error(&self, cause: Cause) -> Error {
        Error::new(&self.endpoint, cause)
    }

    /// Encodes a borrowed message (a copy into the output; fragments are copied into a buffer
    /// of their own, as the protocol takes them).
    fn encode_ref(&mut self, message: MessageRef<'_>) -> Result<(), SendError> {
        let protocol = &mut self.session.protocol;
        let sent = match message {
            MessageRef::Text(text) => protocol.send_text(text),
            MessageRef::Binary(data) => protocol.send_binary(data),
            MessageRef::Ping(payload) => protocol.send_ping(payload),
            MessageRef::Pong(payload) => protocol.send_pong(payload),
            MessageRef::Fragment { .. } | MessageRef::Close(_) => {
                return self.encode(message.to_message())
            }
        };
        if sent.is_ok() {
            self.count(Counted::of(message));
        }
        sent
    }

    fn encode(&mut self, message: Message) -> Result<(), SendError> {
        let counted = Counted::of(message.as_message_ref());
        let protocol = &mut self.session.protocol;
        let sent = match message {
            Message::Text(text) => protocol.send_utf8_owned(Utf8Text::from(text)),
            Message::Binary(data) => protocol.send_binary_owned(data),
            Message::Fragment {
                kind: MessageKind::Text,
                data,
                first,
                last,
            } => match Utf8Text::new(data) {
                Ok(text) => protocol.send_text_fragment(text, first, last),
                Err(_) => Err(SendError::InvalidUtf8),
            },
            Message::Fragment {
                kind: MessageKind::Binary,
                data,
                first,
                last,
            } => protocol.send_binary_fragment(data, first, last),
            Message::Ping(payload) => protocol.send_ping(&payload),
            Message::Pong(payload) => protocol.send_pong(&payload),
            Message::Close(frame) => {
                let sent = match &frame {
                    Some(f) => protocol.send_close(Some(f.code), &f.reason),
                    None => protocol.send_close(None, ""),
                };
                if sent.is_ok() {
                    self.session.request_close(Instant::now());
                }
                sent
            }
        };
        if sent.is_ok() {
            self.count(counted);
        }
        sent
    }

    /// Adds an encoded message to the statistics.
    fn count(&mut self, counted: Counted) {
        match counted {
            Counted::Data { bytes, ends } => self.session.count_sent(bytes, ends),
            Counted::Ping => self.session.count_ping(Instant::now()),
            Counted::Nothing => {}
        }
    }

    fn poll_write_all(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if let Err(e) = self.transmit(cx) {
            self.terminated = true;
            return Poll::Ready(Err(e));
        }
        if self.wire.is_drained(&self.session.protocol) {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.wakers.register(&this.wakers.reader, cx.waker());
        let waker = this.io_waker.clone();
        this.receive(&mut Context::from_waker(&waker))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> FusedStream for WebSocket<S> {
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WebSocket<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.session.protocol.pending_output_len() < OUTPUT_HIGH_WATER {
            return Poll::Ready(Ok(()));
        }
        this.wakers.register(&this.wakers.writer, cx.waker());
        let waker = this.io_waker.clone();
        if let Err(e) = this.transmit(&mut Context::from_waker(&waker)) {
            this.terminated = true;
            return Poll::Ready(Err(e));
        }
        if this.session.protocol.pending_output_len() < OUTPUT_HIGH_WATER {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        let this = self.get_mut();
        if this.terminated || this.session.lifecycle() == Lifecycle::Ended {
            return Err(this.error(Cause::Send(SendError::Closed)));
        }
        this.encode(message).map_err(|e| this.error(Cause::Send(e)))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.wakers.register(&this.wakers.writer, cx.waker());
        let waker = this.io_waker.clone();
        this.poll_write_all(&mut Context::from_waker(&waker))
    }

    /// Sends a close frame 1000 unless one was sent, and flushes. The server's reply arrives
    /// through the stream, which then ends.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        let open = this.session.lifecycle() != Lifecycle::Ended;
        if !this.terminated && open && this.session.protocol.state() == State::Open {
            let _ = this.encode(Message::close(1000, ""));
        }
        Pin::new(this).poll_flush(cx)
    }
}

impl<S> fmt::Debug for WebSocket<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("endpoint", &self.endpoint)
            .field("lifecycle", &self.session.lifecycle())
            .field("protocol", &self.session.protocol)
            .finish_non_exhaustive()
    }
}

/// What a message counts in the statistics once it is encoded: data (its bytes, and whether
/// it ends a message), or a ping.
#[derive(Debug, Clone, Copy)]
enum Counted {
    Data { bytes: usize, ends: bool },
    Ping,
    Nothing,
}

impl Counted {
    fn of(message: MessageRef<'_>) -> Counted {
        match message {
            MessageRef::Text(text) => Counted::Data {
                bytes: text.len(),
                ends: true,
            },
            MessageRef::Binary(data) => Counted::Data {
                bytes: data.len(),
                ends: true,
            },
            MessageRef::Fragment { data, last, .. } => Counted::Data {
                bytes: data.len(),
                ends: last,
            },
            MessageRef::Ping(_) => Counted::Ping,
            MessageRef::Pong(_) | MessageRef::Close(_) => Counted::Nothing,
        }
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
