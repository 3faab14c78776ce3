//! The throughput window and the ping-pong of the clients that are a `Sink` plus a `Stream`
//! of messages (tokio-tungstenite, our async Rust API), written once: each client supplies how
//! to make message `i` and how to tell an echo from a ping or pong.
use super::window::Credits;
use super::{within, Target, ThroughputRun, RUN_TIMEOUT};
use crate::measure::{Meter, Usage};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::fmt::Display;
use std::time::Instant;

/// Sends `total` messages with `window` in flight and reads their echoes; the halves run as
/// two futures of one task.
pub async fn window<M, E, Si, St>(
    sink: &mut Si,
    stream: &mut St,
    make: impl Fn(u64) -> M,
    is_echo: impl Fn(M) -> Result<bool, String>,
    total: u64,
    window: u64,
) -> Result<(), String>
where
    E: Display,
    Si: Sink<M, Error = E> + Unpin,
    St: Stream<Item = Result<M, E>> + Unpin,
{
    let credits = Credits::new(window.min(total));
    let send = async {
        for i in 0..total {
            credits.take(1).await;
            sink.send(make(i)).await.map_err(|e| format!("send: {e}"))?;
        }
        Ok::<(), String>(())
    };
    let receive = async {
        let mut received = 0;
        while received < total {
            let next = stream.next().await.ok_or("the server closed the stream")?;
            if is_echo(next.map_err(|e| format!("read: {e}"))?)? {
                received += 1;
                credits.grant(1);
            }
        }
        Ok(())
    };
    tokio::try_join!(send, receive).map(|_| ())
}

/// The warm-up, then the measured run (sized from the warm-up) with [`window`]; what the
/// measured run used and how many messages it had.
pub async fn runs<M, E, Si, St>(
    target: &Target,
    run: &ThroughputRun<'_>,
    sink: &mut Si,
    stream: &mut St,
    make: impl Fn(u64) -> M,
    is_echo: impl Fn(M) -> Result<bool, String>,
) -> Result<(Usage, u64), String>
where
    E: Display,
    Si: Sink<M, Error = E> + Unpin,
    St: Stream<Item = Result<M, E>> + Unpin,
{
    let started = Instant::now();
    let warmup = window(sink, stream, &make, &is_echo, run.warmup, run.window);
    within(RUN_TIMEOUT, "warm-up", warmup).await?;
    let messages = run.messages_after(started.elapsed());
    let meter = Meter::start(target.server_pid)?;
    let measured = window(sink, stream, &make, &is_echo, messages, run.window);
    within(RUN_TIMEOUT, "run", measured).await?;
    Ok((meter.stop(Instant::now())?, messages))
}

/// `warmup + round_trips` ping-pongs; returns the nanoseconds of the measured ones.
pub async fn ping_pong<M, E, W>(
    ws: &mut W,
    make: impl Fn(u64) -> M,
    is_echo: impl Fn(M) -> Result<bool, String>,
    round_trips: u64,
    warmup: u64,
) -> Result<Vec<u64>, String>
where
    E: Display,
    W: Sink<M, Error = E> + Stream<Item = Result<M, E>> + Unpin,
{
    let mut nanos = Vec::with_capacity(round_trips as usize);
    for i in 0..warmup + round_trips {
        let sent = Instant::now();
        ws.send(make(i)).await.map_err(|e| format!("send: {e}"))?;
        loop {
            let next = ws.next().await.ok_or("the server closed the stream")?;
            if is_echo(next.map_err(|e| format!("read: {e}"))?)? {
                break;
            }
        }
        if i >= warmup {
            nanos.push(sent.elapsed().as_nanos() as u64);
        }
    }
    Ok(nanos)
}
