//! Our async Rust API on a current-thread tokio runtime, two ways: as `Sink` + `Stream`
//! (`StreamExt::split`, `SinkExt::send` per message), driven by the same window and ping-pong
//! code as tokio-tungstenite beside it; and borrowed ([`Api::Borrowed`]): one task feeds
//! messages with `feed_ref` (written together when it next waits) and takes echoes with
//! `recv_ref` (no copy, no allocation). Our own connect (TCP, TLS trusting the test CA for
//! wss://).
use super::{busy, current_thread_runtime, streams, within, Target, ThroughputRun};
use super::{CONNECT_TIMEOUT, RUN_TIMEOUT};
use crate::measure::{HandshakeRate, Meter, Throughput, Usage};
use crate::payload::Payload;
use futures_util::{SinkExt, StreamExt};
use net_websocket_client::{connect_async, Message, MessageRef, Options, ProxySetting, WebSocket};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How the bench drives the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `Sink` + `Stream`, owned messages.
    SinkStream,
    /// `feed_ref` + `recv_ref`, borrowed messages.
    Borrowed,
}

/// Message `i` borrowed.
fn message_ref(payload: &Payload, i: u64) -> Result<MessageRef<'_>, String> {
    let data = payload.message(i);
    Ok(if payload.text {
        MessageRef::Text(std::str::from_utf8(data).map_err(|e| e.to_string())?)
    } else {
        MessageRef::Binary(data)
    })
}

/// True for the echo of `payload`; pings and pongs are skipped.
fn check_echo_ref(message: MessageRef<'_>, payload: &Payload) -> Result<bool, String> {
    let len = match (message, payload.text) {
        (MessageRef::Ping(_) | MessageRef::Pong(_), _) => return Ok(false),
        (MessageRef::Binary(data), false) => data.len(),
        (MessageRef::Text(text), true) => text.len(),
        (other, _) => return Err(format!("unexpected message: {other:?}")),
    };
    if len != payload.size {
        return Err(format!("echo of {len} bytes, sent {}", payload.size));
    }
    Ok(true)
}

/// Sends `total` messages with `window` in flight and reads their echoes, on one task: the
/// window is refilled with `feed_ref` after each echo, and what was fed goes out in one
/// write when `recv_ref` next has to wait.
async fn window_borrowed(
    ws: &mut WebSocket,
    payload: &Payload,
    total: u64,
    window: u64,
) -> Result<(), String> {
    let (mut sent, mut received) = (0, 0);
    while received < total {
        while sent < total && sent - received < window {
            ws.feed_ref(message_ref(payload, sent)?)
                .await
                .map_err(|e| format!("send: {e}"))?;
            sent += 1;
        }
        let echo = ws.recv_ref().await.ok_or("the server closed the stream")?;
        if check_echo_ref(echo.map_err(|e| format!("read: {e}"))?, payload)? {
            received += 1;
        }
    }
    Ok(())
}

/// `warmup + round_trips` ping-pongs, borrowed; the nanoseconds of the measured ones.
async fn ping_pong_borrowed(
    ws: &mut WebSocket,
    payload: &Payload,
    round_trips: u64,
    warmup: u64,
) -> Result<Vec<u64>, String> {
    let mut nanos = Vec::with_capacity(round_trips as usize);
    for i in 0..warmup + round_trips {
        let sent = Instant::now();
        ws.feed_ref(message_ref(payload, i)?)
            .await
            .map_err(|e| format!("send: {e}"))?;
        loop {
            let echo = ws.recv_ref().await.ok_or("the server closed the stream")?;
            if check_echo_ref(echo.map_err(|e| format!("read: {e}"))?, payload)? {
                break;
            }
        }
        if i >= warmup {
            nanos.push(sent.elapsed().as_nanos() as u64);
        }
    }
    Ok(nanos)
}

/// A message carrying a copy of message `i`.
fn message(payload: &Payload, i: u64) -> Message {
    if payload.text {
        Message::Text(String::from_utf8_lossy(payload.message(i)).into_owned())
    } else {
        Message::Binary(payload.message(i).to_vec())
    }
}

/// [`check_echo_ref`] of an owned message.
fn check_echo(message: Message, payload: &Payload) -> Result<bool, String> {
    check_echo_ref(message.as_message_ref(), payload)
}

/// The options of every connection to `target`: no proxy, the test CA for wss://.
fn options(target: &Target, payload_size: usize) -> Result<Options, String> {
    let mut options = Options {
        proxy: ProxySetting::Off,
        max_message_size: payload_size.max(64 << 20),
        ..Options::default()
    };
    if let Some(ca_file) = &target.ca_file {
        options
            .tls
            .set_ca_file(Some(ca_file))
            .map_err(|e| e.to_string())?;
    }
    Ok(options)
}

async fn connect(target: &Target, options: Options) -> Result<WebSocket, String> {
    let connect = async {
        connect_async(&target.url(), options)
            .await
            .map_err(|e| e.to_string())
    };
    within(CONNECT_TIMEOUT, "connect", connect).await
}

async fn open(target: &Target, payload: &Payload) -> Result<WebSocket, String> {
    connect(target, options(target, payload.size)?).await
}

/// Opens a connection (timed: TCP, TLS and the WebSocket handshake), then closes it (not
/// timed); how long the opening took.
async fn open_and_close(target: &Target, options: &Options) -> Result<Duration, String> {
    let started = Instant::now();
    let mut ws = connect(target, options.clone()).await?;
    let opened = started.elapsed();
    let _ = ws.close().await;
    let drain = async {
        while ws.next().await.is_some() {}
        Ok(())
    };
    within(RUN_TIMEOUT, "close", drain).await?;
    Ok(opened)
}

/// `count` connections to `target` one after another, each opened and closed before the
/// next, after one unmeasured connection (which fills the session cache when the server
/// resumes sessions). Every connection has the same options: one trust configuration, so
/// one session cache.
pub fn handshakes(target: &Target, count: u64) -> Result<HandshakeRate, String> {
    current_thread_runtime()?.block_on(async {
        let options = options(target, 0)?;
        open_and_close(target, &options).await?;
        let mut connecting = Duration::ZERO;
        let meter = Meter::start(target.server_pid)?;
        for _ in 0..count {
            connecting += open_and_close(target, &options).await?;
        }
        let usage = meter.stop(Instant::now())?;
        Ok(HandshakeRate {
            count,
            connecting,
            usage,
        })
    })
}

pub fn throughput(target: &Target, run: &ThroughputRun, api: Api) -> Result<Throughput, String> {
    current_thread_runtime()?.block_on(async {
        let ws = open(target, run.payload).await?;
        let (usage, messages) = match api {
            Api::SinkStream => sink_stream_runs(target, run, ws).await?,
            Api::Borrowed => borrowed_runs(target, run, ws).await?,
        };
        Ok(Throughput {
            messages,
            size: run.payload.size,
            usage,
        })
    })
}

/// The warm-up, then the measured run, through `Sink` + `Stream`; what it used and how many.
async fn sink_stream_runs(
    target: &Target,
    run: &ThroughputRun<'_>,
    ws: WebSocket,
) -> Result<(Usage, u64), String> {
    let (mut sink, mut stream) = ws.split();
    let make = |i| message(run.payload, i);
    let is_echo = |m| check_echo(m, run.payload);
    let measured = streams::runs(target, run, &mut sink, &mut stream, make, is_echo).await?;
    let _ = sink.close().await;
    Ok(measured)
}

/// The warm-up, then the measured run, borrowed; what it used and how many.
async fn borrowed_runs(
    target: &Target,
    run: &ThroughputRun<'_>,
    mut ws: WebSocket,
) -> Result<(Usage, u64), String> {
    let started = Instant::now();
    let warmup = window_borrowed(&mut ws, run.payload, run.warmup, run.window);
    within(RUN_TIMEOUT, "warm-up", warmup).await?;
    let messages = run.messages_after(started.elapsed());
    let meter = Meter::start(target.server_pid)?;
    let measured = window_borrowed(&mut ws, run.payload, messages, run.window);
    within(RUN_TIMEOUT, "run", measured).await?;
    let usage = meter.stop(Instant::now())?;
    let _ = ws.close().await;
    Ok((usage, messages))
}

/// Many connections, a task each.
pub fn busy(target: &Target, run: &ThroughputRun, api: Api) -> Result<Throughput, String> {
    let payload = Rc::new(run.payload.clone());
    let in_flight = run.window;
    match api {
        Api::SinkStream => {
            let open = || async { Ok(open(target, run.payload).await?.split()) };
            let each = |(mut sink, mut stream), total| {
                let payload = payload.clone();
                async move {
                    let make = |i| message(&payload, i);
                    let is_echo = |m| check_echo(m, &payload);
                    streams::window(&mut sink, &mut stream, make, is_echo, total, in_flight)
                        .await?;
                    Ok((sink, stream))
                }
            };
            busy::throughput(target, run, open, each)
        }
        Api::Borrowed => {
            let open = || open(target, run.payload);
            let each = |mut ws: WebSocket, total| {
                let payload = payload.clone();
                async move {
                    window_borrowed(&mut ws, &payload, total, in_flight).await?;
                    Ok(ws)
                }
            };
            busy::throughput(target, run, open, each)
        }
    }
}

pub fn round_trips(
    target: &Target,
    payload: &Payload,
    round_trips: u64,
    warmup: u64,
    api: Api,
) -> Result<Vec<u64>, String> {
    current_thread_runtime()?.block_on(async {
        let mut ws = open(target, payload).await?;
        let nanos = match api {
            Api::SinkStream => {
                let make = |i| message(payload, i);
                let is_echo = |m| check_echo(m, payload);
                let all = streams::ping_pong(&mut ws, make, is_echo, round_trips, warmup);
                within(RUN_TIMEOUT, "ping-pong", all).await?
            }
            Api::Borrowed => {
                let all = ping_pong_borrowed(&mut ws, payload, round_trips, warmup);
                within(RUN_TIMEOUT, "ping-pong", all).await?
            }
        };
        let _ = ws.close().await;
        Ok(nanos)
    })
}
