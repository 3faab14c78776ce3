//! fastwebsockets 0.10 on a current-thread tokio runtime: our handshake, then
//! `WebSocket::after_handshake(stream, Role::Client)`. Throughput runs split the socket into a
//! read and a write half (two futures of one task), so a window of large messages keeps both
//! directions moving; ping-pong runs use the whole `WebSocket`.
use super::busy;
use super::handshake;
use super::window::Credits;
use super::{current_thread_runtime, within, Target, ThroughputRun, CONNECT_TIMEOUT, RUN_TIMEOUT};
use crate::measure::{Meter, Throughput};
use crate::payload::Payload;
use fastwebsockets::{Frame, OpCode, Role, WebSocket, WebSocketRead, WebSocketWrite};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Instant;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// A frame carrying message `i` (masked into a copy, as fastwebsockets does for borrowed
/// data).
fn message(payload: &Payload, i: u64) -> Frame<'_> {
    let data = fastwebsockets::Payload::Borrowed(payload.message(i));
    if payload.text {
        Frame::text(data)
    } else {
        Frame::binary(data)
    }
}

/// An echo must be one whole message of the length sent.
fn check_echo(frame: &Frame<'_>, payload: &Payload) -> Result<(), String> {
    let expected = if payload.text {
        OpCode::Text
    } else {
        OpCode::Binary
    };
    if frame.opcode != expected || !frame.fin || frame.payload.len() != payload.size {
        return Err(format!(
            "unexpected frame: {:?}, fin {}, {} bytes (sent {} bytes)",
            frame.opcode,
            frame.fin,
            frame.payload.len(),
            payload.size
        ));
    }
    Ok(())
}

async fn connect(target: &Target, payload: &Payload) -> Result<WebSocket<TcpStream>, String> {
    let stream = within(CONNECT_TIMEOUT, "connect", handshake::open(target.addr)).await?;
    let mut ws = WebSocket::after_handshake(stream, Role::Client);
    ws.set_max_message_size(payload.size.max(64 << 20));
    Ok(ws)
}

pub fn throughput(target: &Target, run: &ThroughputRun) -> Result<Throughput, String> {
    current_thread_runtime()?.block_on(async {
        let ws = connect(target, run.payload).await?;
        let (mut reader, mut writer) = ws.split(TcpStream::into_split);
        let started = Instant::now();
        let warmup = window(
            &mut reader,
            &mut writer,
            run.payload,
            run.warmup,
            run.window,
        );
        within(RUN_TIMEOUT, "warm-up", warmup).await?;
        let messages = run.messages_after(started.elapsed());
        let meter = Meter::start(target.server_pid)?;
        let measured = window(&mut reader, &mut writer, run.payload, messages, run.window);
        within(RUN_TIMEOUT, "run", measured).await?;
        let usage = meter.stop(Instant::now())?;
        let _ = writer.write_frame(Frame::close(1000, b"")).await;
        Ok(Throughput {
            messages,
            size: run.payload.size,
            usage,
        })
    })
}

/// Many connections, a task each (the split halves go into the task and come back).
pub fn busy(target: &Target, run: &ThroughputRun) -> Result<Throughput, String> {
    let payload = Rc::new(run.payload.clone());
    let open = || async {
        let ws = connect(target, run.payload).await?;
        Ok(ws.split(TcpStream::into_split))
    };
    let each = |(mut reader, mut writer), total| {
        let (payload, in_flight) = (payload.clone(), run.window);
        async move {
            window(&mut reader, &mut writer, &payload, total, in_flight).await?;
            Ok((reader, writer))
        }
    };
    busy::throughput(target, run, open, each)
}

/// Sends `total` messages with `window` in flight and reads their echoes.
async fn window(
    reader: &mut WebSocketRead<OwnedReadHalf>,
    writer: &mut WebSocketWrite<OwnedWriteHalf>,
    payload: &Payload,
    total: u64,
    window: u64,
) -> Result<(), String> {
    let credits = Credits::new(window.min(total));
    let send = async {
        for i in 0..total {
            credits.take(1).await;
            writer
                .write_frame(message(payload, i))
                .await
                .map_err(|e| format!("write: {e}"))?;
        }
        Ok::<(), String>(())
    };
    let receive = async {
        // The echo server never pings, so nothing is owed back while reading.
        let mut owed = |_: Frame<'_>| std::future::ready(Ok::<(), std::io::Error>(()));
        for _ in 0..total {
            let frame = reader
                .read_frame(&mut owed)
                .await
                .map_err(|e| format!("read: {e}"))?;
            check_echo(&frame, payload)?;
            credits.grant(1);
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
        let mut ws = connect(target, payload).await?;
        let mut nanos = Vec::with_capacity(round_trips as usize);
        let all = async {
            for i in 0..warmup + round_trips {
                let sent = Instant::now();
                ws.write_frame(message(payload, i))
                    .await
                    .map_err(|e| format!("write: {e}"))?;
                let frame = ws.read_frame().await.map_err(|e| format!("read: {e}"))?;
                check_echo(&frame, payload)?;
                if i >= warmup {
                    nanos.push(sent.elapsed().as_nanos() as u64);
                }
            }
            Ok(())
        };
        within(RUN_TIMEOUT, "ping-pong", all).await?;
        let _ = ws.write_frame(Frame::close(1000, b"")).await;
        Ok(nanos)
    })
}

/// Opens one connection and returns it ready to sit idle (awaiting a frame), for the
/// idle-connections workload; call inside a tokio runtime.
pub async fn open_idle(addr: SocketAddr) -> Result<WebSocket<TcpStream>, String> {
    let stream = within(CONNECT_TIMEOUT, "connect", handshake::open(addr)).await?;
    Ok(WebSocket::after_handshake(stream, Role::Client))
}
