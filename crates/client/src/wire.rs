//! Moving bytes between the protocol and the stream, the same for both APIs (the handler's
//! driver on the shared runtime, [`crate::WebSocket`] on the caller's task) and every stream
//! (TCP, TLS, through a proxy or not): the protocol's output in vectored writes, then a flush;
//! reads straight into the protocol's buffer, lent from a per-thread pool so that an idle
//! connection holds none.
use net_websocket_protocol::Connection as Protocol;
use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Stop taking messages to encode while this much output waits to be written: bounds the
/// output buffer and batches small messages into large writes.
pub(crate) const OUTPUT_HIGH_WATER: usize = 256 * 1024;
/// Size of the read buffers a thread keeps for its connections: a connection holds one only
/// while bytes of a frame wait in it, so an idle connection has none.
const READ_BUFFER_SIZE: usize = 64 * 1024;
/// Idle read buffers a thread keeps.
const POOLED_READ_BUFFERS: usize = 8;
/// Pieces of output one write takes at most.
const MAX_SLICES: usize = 64;

/// A connection's stream, and whether written bytes wait in it (TLS records) for a flush.
pub(crate) struct Wire<S> {
    pub(crate) stream: S,
    unflushed: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Wire<S> {
    pub(crate) fn new(stream: S) -> Self {
        Wire {
            stream,
            unflushed: false,
        }
    }

    /// Writes the protocol's output as far as the stream takes it, then flushes. Returns
    /// whether any byte went out; an error means the connection is lost (a write of 0 bytes
    /// included).
    pub(crate) fn poll_transmit(
        &mut self,
        protocol: &mut Protocol,
        cx: &mut Context<'_>,
    ) -> io::Result<bool> {
        let mut progress = false;
        while protocol.pending_output_len() > 0 {
            // One vectored write: small frames batched, large payloads from their own
            // buffers, after their headers.
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let count = protocol.pending_output_vectored(&mut slices);
            match Pin::new(&mut self.stream).poll_write_vectored(cx, &slices[..count]) {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => {
                    protocol.consume_output(n);
                    self.unflushed = true;
                    progress = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => break,
            }
        }
        if self.unflushed {
            match Pin::new(&mut self.stream).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        Ok(progress)
    }

    /// Everything the protocol produced is written and flushed.
    pub(crate) fn is_drained(&self, protocol: &Protocol) -> bool {
        protocol.pending_output_len() == 0 && !self.unflushed
    }

    /// Reads into the protocol's buffer (no copy: a message in one frame is delivered where
    /// it was read). `Ok(0)` is the end of the stream, also from a TLS peer that closed TCP
    /// without close_notify.
    pub(crate) fn poll_receive(
        &mut self,
        protocol: &mut Protocol,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        lend_read_buffer(protocol);
        let mut buf = ReadBuf::new(protocol.read_space());
        match Pin::new(&mut self.stream).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len();
                protocol.commit_read(n);
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => Poll::Ready(Ok(0)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// One attempt to write a close frame now, when nothing else waits to be written (Abort,
    /// keepalive): not awaited.
    pub(crate) fn try_close_now(
        &mut self,
        protocol: &mut Protocol,
        code: u16,
        reason: &str,
        cx: &mut Context<'_>,
    ) {
        use net_websocket_protocol::State;
        if protocol.state() == State::Open && protocol.pending_output_len() == 0 {
            let _ = protocol.send_close(Some(code), reason);
            let out = protocol.pending_output();
            let _ = Pin::new(&mut self.stream).poll_write(cx, out);
            let _ = Pin::new(&mut self.stream).poll_flush(cx);
        }
    }
}

thread_local! {
    static READ_BUFFERS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

fn holds_large_buffer(protocol: &Protocol) -> bool {
    protocol.read_buffer_len() > READ_BUFFER_SIZE
}

/// Whether `protocol` holds a read buffer grown for large messages that [`reclaim_read_buffer`]
/// would free now: not while part of a frame waits in it (a peer that stalls mid-frame must
/// not make the release due, and then due again, forever).
pub(crate) fn holds_releasable_buffer(protocol: &Protocol) -> bool {
    holds_large_buffer(protocol) && !protocol.holds_partial_input()
}

/// Gives `protocol` a read buffer of this worker's, when it has none.
fn lend_read_buffer(protocol: &mut Protocol) {
    if protocol.has_read_buffer() {
        return;
    }
    let buffer = READ_BUFFERS
        .with(|pool| pool.borrow_mut().pop())
        .unwrap_or_else(|| vec![0; READ_BUFFER_SIZE]);
    let _ = protocol.give_read_buffer(buffer);
}

/// Takes `protocol`'s read buffer back while it holds nothing, into the pool; a buffer that
/// grew for large messages stays (the next ones reuse it) unless `release` (then it is freed).
pub(crate) fn reclaim_read_buffer(protocol: &mut Protocol, release: bool) {
    let large = holds_large_buffer(protocol);
    if large && !release {
        return;
    }
    if let Some(buffer) = protocol.take_idle_read_buffer() {
        READ_BUFFERS.with(|pool| {
            let mut pool = pool.borrow_mut();
            if !large && pool.len() < POOLED_READ_BUFFERS {
                pool.push(buffer);
            }
        });
    }
}
