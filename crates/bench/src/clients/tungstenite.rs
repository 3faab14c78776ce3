//! tokio-tungstenite 0.30 on a current-thread tokio runtime: `client_async` over our own
//! TcpStream, or over a tokio-rustls stream (ring provider, trusting the test CA) for wss://.
//! Throughput runs split the stream into a sink and a stream (futures' `split`), driven as
//! two futures of one task; each message goes out with `SinkExt::send` (which flushes).
use super::{busy, streams};
use super::{current_thread_runtime, within, Target, ThroughputRun, CONNECT_TIMEOUT, RUN_TIMEOUT};
use crate::measure::Throughput;
use crate::payload::Payload;
use futures_util::{SinkExt, StreamExt};
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use std::net::SocketAddr;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// A message carrying a copy of message `i`.
fn message(payload: &Payload, i: u64) -> Message {
    if payload.text {
        Message::text(String::from_utf8_lossy(payload.message(i)).into_owned())
    } else {
        Message::binary(payload.message(i).to_vec())
    }
}

/// The next message, which must be the echo of `payload`; pings and pongs are skipped.
fn check_echo(message: Message, payload: &Payload) -> Result<bool, String> {
    let len = match (&message, payload.text) {
        (Message::Ping(_) | Message::Pong(_), _) => return Ok(false),
        (Message::Binary(data), false) => data.len(),
        (Message::Text(text), true) => text.len(),
        (other, _) => return Err(format!("unexpected message: {other:?}")),
    };
    if len != payload.size {
        return Err(format!("echo of {len} bytes, sent {}", payload.size));
    }
    Ok(true)
}

async fn tcp(target: &Target) -> Result<TcpStream, String> {
    tcp_to(target.addr).await
}

async fn tcp_to(addr: SocketAddr) -> Result<TcpStream, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("{addr}: TCP connect: {e}"))?;
    stream
        .set_nodelay(true)
        .map_err(|e| format!("TCP_NODELAY: {e}"))?;
    Ok(stream)
}

/// A TLS connector trusting `ca_file` (ring provider, safe defaults): one per client, as an
/// application has, so connections share its session cache.
pub fn tls_connector(ca_file: &Path) -> Result<TlsConnector, String> {
    let roots = net_websocket_tools::tls::root_store(ca_file).map_err(|e| e.to_string())?;
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS versions: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// TLS to `addr` (its certificate names the IP address).
async fn tls_to(
    addr: SocketAddr,
    connector: &TlsConnector,
) -> Result<TlsStream<TcpStream>, String> {
    let name = ServerName::IpAddress(addr.ip().into());
    connector
        .connect(name, tcp_to(addr).await?)
        .await
        .map_err(|e| format!("{addr}: TLS handshake: {e}"))
}

/// TLS to the target, verified against `ca_file` (its certificate names 127.0.0.1).
async fn tls(target: &Target, ca_file: &Path) -> Result<TlsStream<TcpStream>, String> {
    tls_to(target.addr, &tls_connector(ca_file)?).await
}

/// A wss:// connection to `addr` with default settings, for the idle-connections workload.
pub async fn open_idle_tls(
    addr: SocketAddr,
    connector: TlsConnector,
) -> Result<WebSocketStream<TlsStream<TcpStream>>, String> {
    let open = async {
        let stream = tls_to(addr, &connector).await?;
        let url = format!("wss://{addr}/");
        let (ws, _response) = tokio_tungstenite::client_async(url.as_str(), stream)
            .await
            .map_err(|e| format!("{url}: handshake: {e}"))?;
        Ok(ws)
    };
    within(CONNECT_TIMEOUT, "connect", open).await
}

async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    target: &Target,
    stream: S,
    payload: &Payload,
) -> Result<WebSocketStream<S>, String> {
    let limit = Some(payload.size.max(64 << 20));
    let config = WebSocketConfig::default()
        .max_message_size(limit)
        .max_frame_size(limit);
    let (ws, _response) =
        tokio_tungstenite::client_async_with_config(target.url(), stream, Some(config))
            .await
            .map_err(|e| format!("{}: handshake: {e}", target.url()))?;
    Ok(ws)
}

/// Runs `client` over a fresh connection to the target: TCP, or TLS for the TLS server.
macro_rules! over_connection {
    ($target:expr, $payload:expr, |$ws:ident| $client:expr) => {
        current_thread_runtime()?.block_on(async {
            match &$target.ca_file {
                None => {
                    let connect = async { handshake($target, tcp($target).await?, $payload).await };
                    let $ws = within(CONNECT_TIMEOUT, "connect", connect).await?;
                    $client.await
                }
                Some(ca_file) => {
                    let connect =
                        async { handshake($target, tls($target, ca_file).await?, $payload).await };
                    let $ws = within(CONNECT_TIMEOUT, "connect", connect).await?;
                    $client.await
                }
            }
        })
    };
}

pub fn throughput(target: &Target, run: &ThroughputRun) -> Result<Throughput, String> {
    over_connection!(target, run.payload, |ws| throughput_over(ws, target, run))
}

/// Many ws:// connections, a task each.
pub fn busy(target: &Target, run: &ThroughputRun) -> Result<Throughput, String> {
    if target.ca_file.is_some() {
        return Err("busy workloads run over ws:// only".to_string());
    }
    let payload = Rc::new(run.payload.clone());
    let open = || async {
        let connect = async { handshake(target, tcp(target).await?, run.payload).await };
        Ok(within(CONNECT_TIMEOUT, "connect", connect).await?.split())
    };
    let each = |(mut sink, mut stream), total| {
        let (payload, in_flight) = (payload.clone(), run.window);
        async move {
            let make = |i| message(&payload, i);
            let is_echo = |m| check_echo(m, &payload);
            streams::window(&mut sink, &mut stream, make, is_echo, total, in_flight).await?;
            Ok((sink, stream))
        }
    };
    busy::throughput(target, run, open, each)
}

async fn throughput_over<S: AsyncRead + AsyncWrite + Unpin>(
    ws: WebSocketStream<S>,
    target: &Target,
    run: &ThroughputRun<'_>,
) -> Result<Throughput, String> {
    let (mut sink, mut stream) = ws.split();
    let make = |i| message(run.payload, i);
    let is_echo = |m| check_echo(m, run.payload);
    let (usage, messages) =
        streams::runs(target, run, &mut sink, &mut stream, make, is_echo).await?;
    let _ = sink.send(Message::Close(None)).await;
    Ok(Throughput {
        messages,
        size: run.payload.size,
        usage,
    })
}

pub fn round_trips(
    target: &Target,
    payload: &Payload,
    round_trips: u64,
    warmup: u64,
) -> Result<Vec<u64>, String> {
    over_connection!(target, payload, |ws| ping_pong(
        ws,
        payload,
        round_trips,
        warmup
    ))
}

async fn ping_pong<S: AsyncRead + AsyncWrite + Unpin>(
    mut ws: WebSocketStream<S>,
    payload: &Payload,
    round_trips: u64,
    warmup: u64,
) -> Result<Vec<u64>, String> {
    let make = |i| message(payload, i);
    let is_echo = |m| check_echo(m, payload);
    let all = streams::ping_pong(&mut ws, make, is_echo, round_trips, warmup);
    let nanos = within(RUN_TIMEOUT, "ping-pong", all).await?;
    let _ = ws.close(None).await;
    Ok(nanos)
}
