//! The idle worker for fastwebsockets: N connections as tasks of one current-thread tokio
//! runtime, all connecting at once; each then waits in `read_frame`, as an idle client does.
use super::{Report, OPEN_TIMEOUT};
use crate::clients::{current_thread_runtime, fastws_open_idle, within};
use crate::system;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

type Opened = Result<(), String>;

/// Starts a task that connects, reports, then idles until the server speaks or goes away.
fn spawn_connection(addr: SocketAddr, opened: UnboundedSender<Opened>) {
    tokio::spawn(async move {
        match fastws_open_idle(addr).await {
            Ok(mut ws) => {
                let _ = opened.send(Ok(()));
                drop(opened);
                let _ = ws.read_frame().await;
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

pub fn run(addr: SocketAddr, connections: u64, idle: Duration) -> Result<Report, String> {
    current_thread_runtime()?.block_on(async {
        let (report, mut opened) = unbounded_channel();
        spawn_connection(addr, report.clone());
        wait_for(1, &mut opened).await?;
        let (threads_one, rss_one_kib) = (system::thread_count(), system::rss_kib());
        let started = Instant::now();
        for _ in 1..connections {
            spawn_connection(addr, report.clone());
        }
        wait_for(connections - 1, &mut opened).await?;
        let connect = started.elapsed();
        let (threads_all, rss_all_kib) = (system::thread_count(), system::rss_kib());
        let (cpu, wall) = (system::process_cpu_time(), Instant::now());
        tokio::time::sleep(idle).await;
        let (idle_cpu, idle_wall) = (system::process_cpu_time() - cpu, wall.elapsed());
        Ok(Report {
            connect,
            rss_one_kib,
            rss_all_kib,
            threads_one,
            threads_all,
            threads_idle: system::thread_count(),
            idle_cpu,
            idle_wall,
        })
    })
}
