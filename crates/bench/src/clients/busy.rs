//! Many busy connections (the `busy` workloads) for the tokio clients: N connections to one
//! echo server, each driven by a task of its own on one current-thread runtime (a `LocalSet`),
//! as the peers' many-connection benchmarks run them. All connections are opened, all warm
//! up, then all run the measured part; each carries an equal share of the messages.
use super::{current_thread_runtime, within, Target, ThroughputRun, RUN_TIMEOUT};
use crate::measure::{Meter, Throughput};
use futures_util::future::try_join_all;
use std::future::Future;
use std::time::Instant;
use tokio::task::LocalSet;

/// Connections opened at once (here and by the C API's busy client): a handshake storm is
/// not what this measures.
pub const OPENING_AT_ONCE: usize = 100;

/// Messages per connection for `total` in all: at least two windows each.
pub fn per_connection(total: u64, run: &ThroughputRun) -> u64 {
    (total / run.connections.max(1)).max(2 * run.window)
}

/// Opens `run.connections` connections with `open`, then runs the warm-up and the measured
/// part with `window(connection, messages)` in a task per connection.
pub fn throughput<C, Open, Opening, Window, Running>(
    target: &Target,
    run: &ThroughputRun,
    open: Open,
    window: Window,
) -> Result<Throughput, String>
where
    C: 'static,
    Open: Fn() -> Opening,
    Opening: Future<Output = Result<C, String>>,
    Window: Fn(C, u64) -> Running,
    Running: Future<Output = Result<C, String>> + 'static,
{
    let runtime = current_thread_runtime()?;
    LocalSet::new().block_on(&runtime, async {
        let count = run.connections as usize;
        let mut connections = Vec::with_capacity(count);
        while connections.len() < count {
            let batch = (count - connections.len()).min(OPENING_AT_ONCE);
            connections.extend(try_join_all((0..batch).map(|_| open())).await?);
        }
        let started = Instant::now();
        let warmup = per_connection(run.warmup, run);
        let connections = within(RUN_TIMEOUT, "warm-up", all(connections, warmup, &window)).await?;
        let each = per_connection(run.messages_after(started.elapsed()), run);
        let meter = Meter::start(target.server_pid)?;
        let connections = within(RUN_TIMEOUT, "run", all(connections, each, &window)).await?;
        let usage = meter.stop(Instant::now())?;
        drop(connections);
        Ok(Throughput {
            messages: each * run.connections,
            size: run.payload.size,
            usage,
        })
    })
}

/// Runs `window(c, messages)` for every connection, each in its own task; gives the
/// connections back once every task is done.
async fn all<C, Window, Running>(
    connections: Vec<C>,
    messages: u64,
    window: &Window,
) -> Result<Vec<C>, String>
where
    C: 'static,
    Window: Fn(C, u64) -> Running,
    Running: Future<Output = Result<C, String>> + 'static,
{
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|c| tokio::task::spawn_local(window(c, messages)))
        .collect();
    let mut back = Vec::with_capacity(tasks.len());
    for task in tasks {
        back.push(task.await.map_err(|e| format!("connection task: {e}"))??);
    }
    Ok(back)
}
