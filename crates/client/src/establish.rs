//! A connection's task up to open: DNS, TCP (every address in turn), the opening handshake,
//! all bounded by the connect timeout and cancellable by Close or Destroy. Then it hands over
//! to the driver.
use crate::connection::{Command, Shared};
use crate::driver::Driver;
use crate::error::{Error, ErrorKind};
use crate::handler::{call_handler, report_end, End, Handler};
use crate::target::Target;
use net_websocket_protocol::handshake::{Accepted, ClientHandshake, MAX_HEAD_SIZE};
use net_websocket_protocol::{Config, Connection as Protocol, Role};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

pub(crate) struct Task {
    pub(crate) shared: Arc<Shared>,
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    pub(crate) target: Target,
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

impl Task {
    pub(crate) async fn run(mut self) {
        let mut pending = VecDeque::new();
        let timeout = self.shared.options.connect_timeout;
        let attempt = tokio::select! {
            r = tokio::time::timeout(timeout, establish(&self.target, &self.handshake)) => match r {
                Ok(r) => Ok(r),
                Err(_) => Ok(Err(Error::transport(format!(
                    "connect timed out after {} s", timeout.as_secs_f32()
                )))),
            },
            i = collect_until_interrupt(&mut self.commands, &mut pending) => Err(i),
        };
        let (stream, accepted, leftover) = match attempt {
            Ok(Ok(established)) => established,
            Ok(Err(error)) => {
                let end = End {
                    error: Some(&error),
                    close: None,
                };
                report_end(&self.shared, &mut self.handler, end);
                return;
            }
            Err(Interrupt::Cancelled) => {
                let end = End {
                    error: None,
                    close: Some((1006, "connection attempt cancelled by Close")),
                };
                report_end(&self.shared, &mut self.handler, end);
                return;
            }
            Err(Interrupt::Aborted) => return,
        };
        self.shared.set_open();
        call_handler(|| self.handler.on_open(&accepted));
        let config = Config {
            max_message_size: self.shared.options.max_message_size,
        };
        let mut rng = self.rng;
        let mut protocol = Protocol::new(
            Role::Client,
            config,
            accepted.deflate,
            Box::new(move |buf: &mut [u8]| rng.fill_bytes(buf)),
        );
        protocol.receive_data(&leftover);
        Driver::new(
            stream,
            protocol,
            self.shared,
            self.commands,
            pending,
            self.handler,
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

type Established = (TcpStream, Accepted, Vec<u8>);

async fn establish(target: &Target, handshake: &ClientHandshake) -> Result<Established, Error> {
    if target.secure {
        return Err(Error::transport(
            "wss:// is not supported by this version of net_websocket yet (no TLS)",
        ));
    }
    let mut stream = dial(target).await?;
    stream
        .write_all(handshake.request())
        .await
        .map_err(|e| Error::transport(format!("sending the handshake failed: {e}")))?;
    let mut buf = Vec::with_capacity(1024);
    loop {
        if let Some(accepted) = handshake
            .parse_response(&buf)
            .map_err(|e| Error::new(ErrorKind::Protocol, e.to_string()))?
        {
            let leftover = buf.split_off(accepted.consumed);
            return Ok((stream, accepted, leftover));
        }
        if buf.len() > MAX_HEAD_SIZE {
            return Err(Error::new(
                ErrorKind::Protocol,
                "handshake: response head too large",
            ));
        }
        buf.reserve(1024);
        let n = stream
            .read_buf(&mut buf)
            .await
            .map_err(|e| Error::transport(format!("reading the handshake response failed: {e}")))?;
        if n == 0 {
            return Err(Error::transport(
                "handshake: connection closed by the server before a response",
            ));
        }
    }
}

/// Resolves the host and tries every address in turn (SPEC §6).
async fn dial(target: &Target) -> Result<TcpStream, Error> {
    let addrs: Vec<_> = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map_err(|e| Error::transport(format!("DNS lookup of {} failed: {e}", target.host)))?
        .collect();
    if addrs.is_empty() {
        return Err(Error::transport(format!(
            "DNS lookup of {} returned no address",
            target.host
        )));
    }
    connect_first(&addrs).await
}

/// Tries each address in turn, in the resolver's order (getaddrinfo sorts by RFC 6724), and
/// returns the first connection; the error names every address with its failure.
async fn connect_first(addrs: &[SocketAddr]) -> Result<TcpStream, Error> {
    let mut failures = Vec::new();
    for &addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Small frames (pings, short messages) must not wait for Nagle.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => failures.push(format!("{addr}: {e}")),
        }
    }
    Err(Error::transport(format!(
        "TCP connect failed: {}",
        failures.join("; ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// A port that refuses connections: bound, then released.
    fn refused_addr() -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    }

    #[test]
    fn the_next_address_is_tried_after_a_refusal() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let good = listener.local_addr().unwrap();
        let bad = refused_addr();
        let stream = block_on(connect_first(&[bad, good])).unwrap();
        assert_eq!(stream.peer_addr().unwrap(), good);
    }

    #[test]
    fn every_failure_is_named() {
        let (a, b) = (refused_addr(), refused_addr());
        let error = block_on(connect_first(&[a, b])).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Transport);
        assert!(error.message.contains(&a.to_string()), "{}", error.message);
        assert!(error.message.contains(&b.to_string()), "{}", error.message);
    }
}
