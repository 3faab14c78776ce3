//! A connection's task up to open: the transport (DNS, TCP, proxy, TLS), then the opening
//! handshake, all bounded by the connect timeout and cancellable by Close or Destroy. Then it
//! hands over to the driver, which is generic over the stream.
use crate::connection::{Command, Shared};
use crate::driver::Driver;
use crate::error::{Cause, Error, Stage};
use crate::handler::{call_handler, report_end, End, Handler};
use crate::options::Options;
use crate::proxy::Proxy;
use crate::target::Target;
use crate::transport::{tls_cause, Attempt, Stream};
use net_websocket_protocol::handshake::{Accepted, ClientHandshake, MAX_HEAD_SIZE};
use net_websocket_protocol::{Config, Connection as Protocol, HandshakeError, Role};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;

pub(crate) struct Task {
    pub(crate) shared: Arc<Shared>,
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    pub(crate) target: Target,
    /// The proxy chosen at connect (from the options or the environment), or why none could
    /// be chosen.
    pub(crate) route: Result<Option<Proxy>, Cause>,
    pub(crate) handshake: ClientHandshake,
    pub(crate) rng: StdRng,
    pub(crate) handler: Box<dyn Handler>,
}

/// What interrupted a connection attempt.
enum Interrupt {
    /// Close was called: report onClose(1006).
    Cancelled,
    /// Destroy, or the handle was dropped: report nothing.
    Aborted,
}

/// A stream after a successful opening handshake, with the bytes read past the response.
pub(crate) struct Opened<S> {
    stream: S,
    accepted: Accepted,
    leftover: Vec<u8>,
}

/// The two kinds of stream a connection can run on; each gets its own driver.
enum Established {
    Plain(Opened<TcpStream>),
    Tls(Opened<Box<TlsStream<TcpStream>>>),
}

impl Task {
    pub(crate) async fn run(mut self) {
        let route = std::mem::replace(&mut self.route, Ok(None));
        let mut pending = VecDeque::new();
        let attempt = match route {
            Err(cause) => Ok(Err(cause)),
            Ok(proxy) => tokio::select! {
                r = establish(&self.target, proxy.as_ref(), &self.shared.options, &self.handshake) => Ok(r),
                i = collect_until_interrupt(&mut self.commands, &mut pending) => Err(i),
            },
        };
        match attempt {
            Ok(Ok(Established::Plain(opened))) => self.open(opened, pending).await,
            Ok(Ok(Established::Tls(opened))) => self.open(opened, pending).await,
            Ok(Err(cause)) => {
                let error = Error::new(&self.target.endpoint(), cause);
                let end = End {
                    error: Some(&error),
                    close: None,
                };
                report_end(&self.shared, &mut self.handler, end);
            }
            Err(Interrupt::Cancelled) => {
                let end = End {
                    error: None,
                    close: Some((1006, "connection attempt cancelled by Close")),
                };
                report_end(&self.shared, &mut self.handler, end);
            }
            Err(Interrupt::Aborted) => {}
        }
    }

    /// Reports the open and runs the connection until it ends.
    async fn open<S>(mut self, opened: Opened<S>, pending: VecDeque<Command>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        self.shared.set_open();
        call_handler(|| self.handler.on_open(&opened.accepted));
        let config = Config {
            max_message_size: self.shared.options.max_message_size,
        };
        let mut rng = self.rng;
        let mut protocol = Protocol::new(
            Role::Client,
            config,
            opened.accepted.deflate,
            Box::new(move |buf: &mut [u8]| rng.fill_bytes(buf)),
        );
        protocol.receive_data(&opened.leftover);
        let endpoint = self.target.endpoint();
        Driver::new(
            opened.stream,
            protocol,
            self.shared,
            self.commands,
            pending,
            self.handler,
            endpoint,
        )
        .run()
        .await;
    }
}

/// Queues messages sent while connecting, until Close or Destroy interrupts the attempt.
async fn collect_until_interrupt(
    commands: &mut mpsc::UnboundedReceiver<Command>,
    pending: &mut VecDeque<Command>,
) -> Interrupt {
    loop {
        match commands.recv().await {
            Some(Command::Message(kind, data)) => pending.push_back(Command::Message(kind, data)),
            Some(Command::Close(..)) => return Interrupt::Cancelled,
            Some(Command::Abort) | None => return Interrupt::Aborted,
        }
    }
}

/// The transport, then the opening handshake on it, within the connect timeout.
async fn establish(
    target: &Target,
    proxy: Option<&Proxy>,
    options: &Options,
    handshake: &ClientHandshake,
) -> Result<Established, Cause> {
    let attempt = Attempt {
        target,
        proxy,
        tls: &options.tls,
        deadline: Instant::now() + options.connect_timeout,
        timeout: options.connect_timeout,
    };
    match attempt.open().await? {
        Stream::Plain(stream) => attempt
            .within(Stage::Handshake, open_websocket(stream, handshake))
            .await
            .map(Established::Plain),
        Stream::Tls(stream) => attempt
            .within(Stage::Handshake, open_websocket(stream, handshake))
            .await
            .map(Established::Tls),
    }
}

/// The opening handshake (RFC 6455 §4.1) on any stream.
async fn open_websocket<S>(mut stream: S, handshake: &ClientHandshake) -> Result<Opened<S>, Cause>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    const SENDING: &str = "sending the handshake failed";
    const READING: &str = "reading the handshake response failed";
    stream
        .write_all(handshake.request())
        .await
        .map_err(|e| tls_cause(e, SENDING))?;
    // TLS holds what was written in records until flushed.
    stream.flush().await.map_err(|e| tls_cause(e, SENDING))?;
    let mut buf = Vec::with_capacity(1024);
    loop {
        if let Some(accepted) = handshake.parse_response(&buf).map_err(Cause::Handshake)? {
            let leftover = buf.split_off(accepted.consumed);
            return Ok(Opened {
                stream,
                accepted,
                leftover,
            });
        }
        if buf.len() > MAX_HEAD_SIZE {
            let why = format!("response head over {MAX_HEAD_SIZE} bytes");
            return Err(Cause::Handshake(HandshakeError::Malformed(why)));
        }
        buf.reserve(1024);
        let closed = match stream.read_buf(&mut buf).await {
            Ok(n) => n == 0,
            // TLS without close_notify: the same as a plain EOF here.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => true,
            Err(e) => return Err(tls_cause(e, READING)),
        };
        if closed {
            let eof = io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed by the server before a response",
            );
            return Err(Cause::Io {
                during: READING,
                source: eof,
            });
        }
    }
}
