//! The idle worker for tokio-tungstenite over wss:// (tokio-rustls): each connection waits for
//! its next message.
use super::{tasks, Report};
use crate::clients::tungstenite_open_idle_tls;
use futures_util::StreamExt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

pub fn run(
    addr: SocketAddr,
    ca_file: &Path,
    connections: u64,
    idle: Duration,
) -> Result<Report, String> {
    let connector = crate::clients::tungstenite_tls_connector(ca_file)?;
    tasks::run(connections, idle, || {
        let connector = connector.clone();
        async move {
            let mut ws = tungstenite_open_idle_tls(addr, connector).await?;
            Ok(async move {
                let _ = ws.next().await;
            })
        }
    })
}
