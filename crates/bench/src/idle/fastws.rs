//! The idle worker for fastwebsockets: each connection waits in `read_frame`.
use super::{tasks, Report};
use crate::clients::fastws_open_idle;
use std::net::SocketAddr;
use std::time::Duration;

pub fn run(addr: SocketAddr, connections: u64, idle: Duration) -> Result<Report, String> {
    tasks::run(connections, idle, || async move {
        let mut ws = fastws_open_idle(addr).await?;
        Ok(async move {
            let _ = ws.read_frame().await;
        })
    })
}
