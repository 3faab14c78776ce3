//! The connected socket under every stream (plain, TLS, proxied): a `TcpStream` whose writes
//! never raise SIGPIPE in the host process.
//!
//! A write to a socket the peer has reset fails with EPIPE and, unless the call says
//! otherwise, also sends SIGPIPE to the process, whose default action kills it. Rust programs
//! ignore SIGPIPE, but a C program that links this library usually does not. std's `write`
//! on a TCP stream passes `MSG_NOSIGNAL`; its vectored write (`writev`) cannot, and both our
//! frame writes (header and payload in one call) and rustls' record writes are vectored. So
//! the vectored write here is `sendmsg` with `MSG_NOSIGNAL`: the same system call cost as
//! `writev`, and nothing asked of the host.
use socket2::SockRef;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// A connected TCP socket (see the module documentation).
#[derive(Debug)]
pub(crate) struct Socket(TcpStream);

impl Socket {
    pub(crate) fn new(stream: TcpStream) -> Self {
        Socket(stream)
    }
}

/// `sendmsg` on a non-blocking socket without SIGPIPE.
fn send_vectored(stream: &TcpStream, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    SockRef::from(stream).send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Socket {
    /// std's `send` (with `MSG_NOSIGNAL`).
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let stream = &self.get_mut().0;
        loop {
            ready!(stream.poll_write_ready(cx))?;
            // try_io clears the readiness when the kernel says WouldBlock.
            match stream.try_io(Interest::WRITABLE, || send_vectored(stream, bufs)) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// With SIGPIPE at its default action (as in a C host), vectored writes to a socket whose
    /// peer has gone must fail with an error, not kill the process: the peer ends TCP (we
    /// read the EOF), then resets it, so the kernel reports EPIPE to every write after.
    #[test]
    fn vectored_writes_to_a_closed_peer_fail_without_sigpipe() {
        // SAFETY: restoring the default action of a signal; no handler is installed.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use tokio::io::AsyncReadExt;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            server.shutdown().await.unwrap();
            let mut socket = Socket::new(client);
            assert_eq!(socket.read(&mut [0u8; 16]).await.unwrap(), 0, "the EOF");
            server.set_zero_linger().unwrap();
            drop(server);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let chunk = [7u8; 4096];
            for attempt in 0..3 {
                let slices = [IoSlice::new(&chunk), IoSlice::new(&chunk)];
                let error = socket.write_vectored(&slices).await.err();
                let kind = error.map(|e| e.kind());
                assert!(
                    matches!(
                        kind,
                        Some(io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset)
                    ),
                    "write {attempt}: {kind:?}"
                );
            }
        });
    }
}
