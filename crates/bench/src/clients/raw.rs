//! Plain TCP against the raw echo server: the floor under any WebSocket client. One
//! `write_all` per message, or (batched) every message the window allows in one write; the
//! reader counts bytes until N × size came back. The bytes of the first window's messages are
//! sent over and over: a byte echo does not care what they are.
use super::busy;
use super::window::Credits;
use super::{current_thread_runtime, within, Target, ThroughputRun, CONNECT_TIMEOUT, RUN_TIMEOUT};
use crate::measure::{Meter, Throughput};
use crate::payload::Payload;
use std::rc::Rc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// The reader's buffer at most (it need not hold more than a window of echoes: with many
/// connections, a megabyte each would measure page faults).
const READ_CHUNK: usize = 1 << 20;

async fn connect(target: &Target) -> Result<TcpStream, String> {
    let connect = async {
        let stream = TcpStream::connect(target.addr)
            .await
            .map_err(|e| format!("{}: TCP connect: {e}", target.addr))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("TCP_NODELAY: {e}"))?;
        Ok(stream)
    };
    within(CONNECT_TIMEOUT, "connect", connect).await
}

pub fn throughput(
    target: &Target,
    run: &ThroughputRun,
    batched: bool,
) -> Result<Throughput, String> {
    let size = run.payload.size;
    // What one write may send: one message, or a whole window of them back to back.
    let per_write = if batched { run.window } else { 1 };
    let batch: Vec<u8> = (0..per_write)
        .flat_map(|i| run.payload.message(i))
        .copied()
        .collect();
    current_thread_runtime()?.block_on(async {
        let (mut reader, mut writer) = connect(target).await?.into_split();
        let started = Instant::now();
        let warmup = window(
            &mut reader,
            &mut writer,
            &batch,
            size,
            run.warmup,
            run.window,
        );
        within(RUN_TIMEOUT, "warm-up", warmup).await?;
        let messages = run.messages_after(started.elapsed());
        let meter = Meter::start(target.server_pid)?;
        let measured = window(&mut reader, &mut writer, &batch, size, messages, run.window);
        within(RUN_TIMEOUT, "run", measured).await?;
        let usage = meter.stop(Instant::now())?;
        Ok(Throughput {
            messages,
            size,
            usage,
        })
    })
}

/// Many connections, a task each, one write per message.
pub fn busy(target: &Target, run: &ThroughputRun) -> Result<Throughput, String> {
    let size = run.payload.size;
    let message: Rc<[u8]> = run.payload.message(0).into();
    let open = || async { Ok(connect(target).await?.into_split()) };
    let each = |(mut reader, mut writer), total| {
        let (message, in_flight) = (message.clone(), run.window);
        async move {
            window(&mut reader, &mut writer, &message, size, total, in_flight).await?;
            Ok((reader, writer))
        }
    };
    busy::throughput(target, run, open, each)
}

/// Sends `total` messages of `size` bytes with `window` in flight, in writes of up to
/// `batch.len() / size` messages, and reads back exactly `total × size` bytes.
async fn window(
    reader: &mut OwnedReadHalf,
    writer: &mut OwnedWriteHalf,
    batch: &[u8],
    size: usize,
    total: u64,
    window: u64,
) -> Result<(), String> {
    let credits = Credits::new(window.min(total));
    let per_write = (batch.len() / size) as u64;
    let send = async {
        let mut sent = 0;
        while sent < total {
            // Credits never exceed the window, so `taken` messages fit in `batch`.
            let taken = credits.take(per_write.min(total - sent)).await;
            writer
                .write_all(&batch[..taken as usize * size])
                .await
                .map_err(|e| format!("write: {e}"))?;
            sent += taken;
        }
        Ok::<(), String>(())
    };
    let receive = async {
        let expected = total as usize * size;
        let mut buf = vec![0; READ_CHUNK.min(window as usize * size)];
        let (mut got, mut echoed) = (0, 0);
        while got < expected {
            let want = buf.len().min(expected - got);
            let n = reader
                .read(&mut buf[..want])
                .await
                .map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return Err(format!("the server closed after {got} of {expected} bytes"));
            }
            got += n;
            let complete = (got / size) as u64;
            credits.grant(complete - echoed);
            echoed = complete;
        }
        Ok(())
    };
    tokio::try_join!(send, receive).map(|_| ())
}

pub fn round_trips(
    target: &Target,
    payload: &Payload,
    round_trips: u64,
    warmup: u64,
) -> Result<Vec<u64>, String> {
    current_thread_runtime()?.block_on(async {
        let mut stream = connect(target).await?;
        let mut echo = vec![0; payload.size];
        let mut nanos = Vec::with_capacity(round_trips as usize);
        let all = async {
            for i in 0..warmup + round_trips {
                let sent = Instant::now();
                stream
                    .write_all(payload.message(0))
                    .await
                    .map_err(|e| format!("write: {e}"))?;
                stream
                    .read_exact(&mut echo)
                    .await
                    .map_err(|e| format!("read: {e}"))?;
                if i >= warmup {
                    nanos.push(sent.elapsed().as_nanos() as u64);
                }
            }
            Ok::<(), String>(())
        };
        within(RUN_TIMEOUT, "ping-pong", all).await?;
        Ok(nanos)
    })
}
