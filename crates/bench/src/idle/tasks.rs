//! The idle workers of the tokio clients, written once: N connections as tasks of one
//! current-thread runtime (a `LocalSet`), all connecting at once; each reports when it is open
//! and then idles (awaits a read) until the server speaks or goes away, as an idle client does.
use super::{FirstOpen, Report, OPEN_TIMEOUT};
use crate::clients::{current_thread_runtime, within};
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::LocalSet;

type Opened = Result<(), String>;

/// Starts a task that opens a connection with `open`, reports, then awaits what `open` gave
/// (the connection, idling).
fn spawn_connection<Opening, Idling>(opening: Opening, opened: UnboundedSender<Opened>)
where
    Opening: Future<Output = Result<Idling, String>> + 'static,
    Idling: Future<Output = ()> + 'static,
{
    tokio::task::spawn_local(async move {
        match opening.await {
            Ok(idling) => {
                let _ = opened.send(Ok(()));
                drop(opened);
                idling.await;
            }
            Err(e) => {
                let _ = opened.send(Err(e));
            }
        }
    });
}

/// Waits for `count` reports.
async fn wait_for(count: u64, opened: &mut UnboundedReceiver<Opened>) -> Result<(), String> {
    let all = async {
        for _ in 0..count {
            opened.recv().await.ok_or("a connection task vanished")??;
        }
        Ok(())
    };
    within(OPEN_TIMEOUT, "opening the connections", all).await
}

/// Measures `connections` connections made by `open`, idle for `idle`.
pub fn run<Open, Opening, Idling>(
    connections: u64,
    idle: Duration,
    open: Open,
) -> Result<Report, String>
where
    Open: Fn() -> Opening,
    Opening: Future<Output = Result<Idling, String>> + 'static,
    Idling: Future<Output = ()> + 'static,
{
    let runtime = current_thread_runtime()?;
    LocalSet::new().block_on(&runtime, async {
        let (report, mut opened) = unbounded_channel();
        spawn_connection(open(), report.clone());
        wait_for(1, &mut opened).await?;
        let first = FirstOpen::now();
        for _ in 1..connections {
            spawn_connection(open(), report.clone());
        }
        wait_for(connections - 1, &mut opened).await?;
        let all = first.all_open();
        tokio::time::sleep(idle).await;
        Ok(all.after_idle())
    })
}
