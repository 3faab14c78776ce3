//! The idle worker for plain TCP (the raw echo server): each connection waits in a read of a
//! byte, the floor under any WebSocket client's idle memory.
use super::{tasks, Report};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

pub fn run(addr: SocketAddr, connections: u64, idle: Duration) -> Result<Report, String> {
    tasks::run(connections, idle, || async move {
        let mut stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("{addr}: TCP connect: {e}"))?;
        Ok(async move {
            let _ = stream.read(&mut [0u8; 1]).await;
        })
    })
}
