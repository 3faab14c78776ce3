//! The connected socket under every stream (plain, TLS, proxied): TCP or a Unix domain socket,
//! whose writes never raise SIGPIPE in the host process.
//!
//! A write to a socket the peer has reset fails with EPIPE and, unless the call says
//! otherwise, also sends SIGPIPE to the process, whose default action kills it. Rust programs
//! ignore SIGPIPE, but a C program that links this library usually does not. std's `write`
//! on a socket passes `MSG_NOSIGNAL`; its vectored write (`writev`) cannot, and both our frame
//! writes (header and payload in one call) and rustls' record writes are vectored. So the
//! vectored write here is `sendmsg` with `MSG_NOSIGNAL`: the same system call cost as
//! `writev`, and nothing asked of the host (a write of one piece over TCP is std's `send`).
use socket2::SockRef;
use std::io::{self, IoSlice};
use std::os::fd::AsFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

/// A connected socket (see the module documentation).
#[derive(Debug)]
pub(crate) enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

/// What the vectored write needs of tokio's two socket types.
trait Writable: AsFd {
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R>;
}

impl Writable for TcpStream {
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        TcpStream::poll_write_ready(self, cx)
    }
    fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        TcpStream::try_io(self, interest, f)
    }
}

impl Writable for UnixStream {
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        UnixStream::poll_write_ready(self, cx)
    }
    fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        UnixStream::try_io(self, interest, f)
    }
}

/// `sendmsg` with `MSG_NOSIGNAL` on a non-blocking socket, when it is writable.
fn poll_send_vectored(
    socket: &impl Writable,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    loop {
        ready!(socket.poll_write_ready(cx))?;
        // try_io clears the readiness when the kernel says WouldBlock.
        let sent = socket.try_io(Interest::WRITABLE, || {
            SockRef::from(socket).send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
        });
        match sent {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            result => return Poll::Ready(result),
        }
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Socket::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    /// std's `send` (with `MSG_NOSIGNAL`).
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Socket::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match (self.get_mut(), bufs) {
            // One piece (most writes of small messages): std's `send` with MSG_NOSIGNAL,
            // which the kernel takes without copying in and checking an iovec.
            (Socket::Tcp(s), [one]) => Pin::new(s).poll_write(cx, one),
            (Socket::Tcp(s), _) => poll_send_vectored(s, cx, bufs),
            (Socket::Unix(s), _) => poll_send_vectored(s, cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
            Socket::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Socket::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            server.shutdown().await.unwrap();
            let mut socket = Socket::Tcp(client);
            assert_eq!(socket.read(&mut [0u8; 16]).await.unwrap(), 0, "the EOF");
            server.set_zero_linger().unwrap();
            drop(server);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let chunk = [7u8; 4096];
            // Two pieces (sendmsg), then one (send): both with MSG_NOSIGNAL.
            for attempt in 0..4 {
                let two = [IoSlice::new(&chunk), IoSlice::new(&chunk)];
                let one = [IoSlice::new(&chunk)];
                let slices: &[IoSlice] = if attempt % 2 == 0 { &two } else { &one };
                let error = socket.write_vectored(slices).await.err();
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

    /// The same over a Unix socket whose peer went away.
    #[test]
    fn vectored_writes_to_a_closed_unix_peer_fail_without_sigpipe() {
        // SAFETY: as above.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (client, server) = UnixStream::pair().unwrap();
            drop(server);
            let mut socket = Socket::Unix(client);
            let chunk = [7u8; 4096];
            for attempt in 0..3 {
                let slices = [IoSlice::new(&chunk), IoSlice::new(&chunk)];
                let kind = socket.write_vectored(&slices).await.err().map(|e| e.kind());
                assert_eq!(kind, Some(io::ErrorKind::BrokenPipe), "write {attempt}");
            }
        });
    }
}
