//! Moving bytes between the stream and the protocol state, for the paths that do more than
//! echo.
use super::Stream;
use net_websocket_protocol::Protocol;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;
use tokio::io::{AsyncWriteExt, ReadBuf};

/// Writes everything the connection has to send and flushes it (TLS may hold written bytes
/// back until a flush); buffers the connection is done with are dropped.
pub(super) async fn write_output<S: Stream>(
    stream: &mut S,
    connection: &mut Protocol,
) -> std::io::Result<()> {
    loop {
        let out = connection.pending_output();
        if out.is_empty() {
            break;
        }
        let n = out.len();
        stream.write_all(out).await?;
        connection.consume_output(n);
        while connection.take_written_buffer().is_some() {}
    }
    stream.flush().await
}

/// Hands the connection what one read finds already arrived, without waiting for more (for a
/// server busy writing); at EOF, tells it so.
pub(super) async fn read_ready<S: Stream>(
    stream: &mut S,
    connection: &mut Protocol,
) -> std::io::Result<()> {
    let read = poll_fn(|cx| {
        let mut space = ReadBuf::new(connection.read_space());
        Poll::Ready(match Pin::new(&mut *stream).poll_read(cx, &mut space) {
            Poll::Ready(Ok(())) => Some(Ok(space.filled().len())),
            Poll::Ready(Err(e)) => Some(Err(e)),
            Poll::Pending => None,
        })
    })
    .await;
    if let Some(n) = read.transpose()? {
        connection.commit_read(n);
        if n == 0 {
            connection.receive_eof();
        }
    }
    Ok(())
}
