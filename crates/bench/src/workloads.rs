//! The workloads, their sizes, and which clients each one measures; `--only` picks by name
//! (`throughput-64`) or by family (`throughput`).
use crate::clients::{Client, OURS_APP_THREAD, OURS_CALLBACK, OURS_DEFLATE};
use crate::payload::{self, Payload};

/// What a workload runs.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A window of `window` messages in flight on each of `connections` connections; a
    /// warm-up of `warmup` messages in all sizes the measured run.
    Throughput {
        payload: Payload,
        window: u64,
        warmup: u64,
        tls: bool,
        connections: u64,
    },
    /// Ping-pong: one message in flight.
    Latency {
        size: usize,
        round_trips: u64,
        warmup: u64,
    },
    /// Connections opened at once, then idle; over wss:// when `tls`.
    Idle { connections: u64, tls: bool },
    /// wss:// connections opened and closed one after another, `count` with full TLS
    /// handshakes and `count` resumed.
    Handshakes { count: u64 },
}

#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    pub family: &'static str,
    /// What the table heading says.
    pub title: String,
    pub kind: Kind,
    pub clients: Vec<Client>,
}

/// 64, 1k, 64k, 1m, 16m.
fn size_name(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{}m", s >> 20),
        s if s >= 1 << 10 => format!("{}k", s >> 10),
        s => s.to_string(),
    }
}

/// 64 B, 1 KiB, 64 KiB, 1 MiB, 16 MiB.
pub fn size_label(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{} MiB", s >> 20),
        s if s >= 1 << 10 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}

fn throughput(payload: Payload, window: u64, warmup: u64, tls: bool, quick: bool) -> Kind {
    busy(payload, 1, window, warmup, tls, quick)
}

fn busy(
    payload: Payload,
    connections: u64,
    window: u64,
    warmup: u64,
    tls: bool,
    quick: bool,
) -> Kind {
    Kind::Throughput {
        connections,
        payload,
        window,
        // A warm-up of some tens of milliseconds: long enough to size the run from.
        warmup: if quick {
            (warmup / 10).max(2 * window * connections)
        } else {
            warmup
        },
        tls,
    }
}

/// Every workload; `quick` shortens the warm-ups and ping-pongs tenfold (a smoke run).
pub fn catalogue(quick: bool, connections: &[u64]) -> Vec<Workload> {
    let plain_peers = vec![
        OURS_CALLBACK,
        OURS_APP_THREAD,
        Client::OursAsync,
        Client::OursAsyncRef,
        Client::FastWebSockets,
        Client::TokioTungstenite,
        Client::RawTcp,
        Client::RawTcpBatched,
    ];
    let mut all = Vec::new();
    let sizes = [
        (64, 64, 10_000),
        (1 << 10, 64, 10_000),
        (64 << 10, 8, 500),
        (1 << 20, 2, 30),
        (16 << 20, 2, 4),
    ];
    for (size, window, warmup) in sizes {
        all.push(Workload {
            name: format!("throughput-{}", size_name(size)),
            family: "throughput",
            title: format!("{} binary messages, window {window}", size_label(size)),
            kind: throughput(payload::pattern(size), window, warmup, false, quick),
            clients: plain_peers.clone(),
        });
    }
    // The shape of the published many-connection benchmarks (uWebSockets' load_test,
    // fastwebsockets' and tokio-websockets' benches): every connection has one message in
    // flight (or eight), so every echo wakes a different connection.
    for (connections, size, window, warmup) in [
        (100, 20, 1, 20_000),
        (100, 16 << 10, 1, 4_000),
        (1000, 20, 1, 20_000),
        (1000, 16 << 10, 1, 8_000),
        (100, 20, 8, 40_000),
        (100, 16 << 10, 8, 8_000),
    ] {
        let windowed = if window > 1 {
            format!("-w{window}")
        } else {
            String::new()
        };
        all.push(Workload {
            name: format!("busy-{connections}-{}{windowed}", size_name(size)),
            family: "busy",
            title: format!(
                "{connections} busy connections, {} binary messages, window {window} each",
                size_label(size)
            ),
            kind: busy(
                payload::pattern(size),
                connections,
                window,
                warmup,
                false,
                quick,
            ),
            clients: vec![
                OURS_CALLBACK,
                Client::OursAsync,
                Client::OursAsyncRef,
                Client::FastWebSockets,
                Client::TokioTungstenite,
                Client::RawTcp,
            ],
        });
    }
    let (round_trips, warmup) = if quick { (2_000, 100) } else { (20_000, 1_000) };
    all.push(Workload {
        name: "latency-64".to_string(),
        family: "latency",
        title: "ping-pong of 64 B binary messages, window 1".to_string(),
        kind: Kind::Latency {
            size: 64,
            round_trips,
            warmup,
        },
        clients: vec![
            OURS_CALLBACK,
            OURS_APP_THREAD,
            Client::OursAsync,
            Client::OursAsyncRef,
            Client::FastWebSockets,
            Client::TokioTungstenite,
            Client::RawTcp,
        ],
    });
    for &connections in connections {
        all.push(Workload {
            name: format!("idle-{connections}"),
            family: "idle",
            title: format!("{connections} idle connections, each measurement in a fresh process"),
            kind: Kind::Idle {
                connections,
                tls: false,
            },
            clients: vec![OURS_CALLBACK, Client::FastWebSockets, Client::RawTcp],
        });
    }
    for &connections in connections {
        all.push(Workload {
            name: format!("idle-wss-{connections}"),
            family: "idle",
            title: format!(
                "{connections} idle wss:// connections (a server that resumes TLS sessions), \
                 each measurement in a fresh process"
            ),
            kind: Kind::Idle {
                connections,
                tls: true,
            },
            clients: vec![OURS_CALLBACK, Client::TokioTungstenite],
        });
    }
    for (kind, size) in [
        ("text", 16 << 10),
        ("text", 64 << 10),
        ("random", 16 << 10),
        ("random", 64 << 10),
    ] {
        let (payload, what) = match kind {
            "text" => (payload::json_records(size), "JSON-like text"),
            _ => (payload::random(size), "random binary"),
        };
        all.push(Workload {
            name: format!("deflate-{kind}-{}", size_name(size)),
            family: "deflate",
            title: format!(
                "permessage-deflate, {} {what} messages, window 8",
                size_label(size)
            ),
            kind: throughput(payload, 8, 100, false, quick),
            clients: vec![OURS_CALLBACK, OURS_DEFLATE],
        });
    }
    for (size, window, warmup) in [(64, 64, 10_000), (64 << 10, 8, 500)] {
        all.push(Workload {
            name: format!("wss-{}", size_name(size)),
            family: "wss",
            title: format!(
                "wss://, {} binary messages, window {window}",
                size_label(size)
            ),
            kind: throughput(payload::pattern(size), window, warmup, true, quick),
            clients: vec![
                OURS_CALLBACK,
                Client::OursAsync,
                Client::OursAsyncRef,
                Client::TokioTungstenite,
            ],
        });
    }
    all.push(Workload {
        name: "handshake-tls".to_string(),
        family: "handshake",
        title: "wss:// connections one after another: full TLS handshakes (a server without \
                session resumption) and resumed ones"
            .to_string(),
        kind: Kind::Handshakes {
            count: if quick { 40 } else { 400 },
        },
        clients: vec![Client::OursAsync],
    });
    all
}

/// The workloads `only` names (by name or family), in catalogue order, with only the clients
/// `clients` names; all when empty.
pub fn select(
    all: Vec<Workload>,
    only: &[String],
    clients: &[String],
) -> Result<Vec<Workload>, String> {
    for name in clients {
        if !all
            .iter()
            .any(|w| w.clients.iter().any(|c| c.name() == name))
        {
            return Err(format!(
                "no client {name:?}; clients: ours, ours-app, ours-async, ours-deflate, \
                 fastwebsockets, tokio-tungstenite, raw, raw-batched"
            ));
        }
    }
    for name in only {
        if !all.iter().any(|w| &w.name == name || w.family == name) {
            let names: Vec<&str> = all.iter().map(|w| w.name.as_str()).collect();
            return Err(format!(
                "no workload {name:?}; workloads: {} (or a family: throughput, busy, latency, \
                 idle, deflate, wss, handshake)",
                names.join(", ")
            ));
        }
    }
    Ok(all
        .into_iter()
        .filter(|w| only.is_empty() || only.iter().any(|n| *n == w.name || n == w.family))
        .map(|mut w| {
            if !clients.is_empty() {
                w.clients.retain(|c| clients.iter().any(|n| n == c.name()));
            }
            w
        })
        .filter(|w| !w.clients.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_selection() {
        let all = catalogue(true, &[1000]);
        let names: Vec<&str> = all.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "throughput-64",
                "throughput-1k",
                "throughput-64k",
                "throughput-1m",
                "throughput-16m",
                "busy-100-20",
                "busy-100-16k",
                "busy-1000-20",
                "busy-1000-16k",
                "busy-100-20-w8",
                "busy-100-16k-w8",
                "latency-64",
                "idle-1000",
                "idle-wss-1000",
                "deflate-text-16k",
                "deflate-text-64k",
                "deflate-random-16k",
                "deflate-random-64k",
                "wss-64",
                "wss-64k",
                "handshake-tls",
            ]
        );
        let picked = select(all.clone(), &["wss".into(), "throughput-1k".into()], &[]).unwrap();
        let picked: Vec<&str> = picked.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(picked, ["throughput-1k", "wss-64", "wss-64k"]);
        assert!(select(all.clone(), &["nope".into()], &[]).is_err());
        // Only the clients named, and only the workloads that have one of them.
        let fast = select(all.clone(), &[], &["fastwebsockets".into()]).unwrap();
        assert!(fast.iter().all(|w| w.clients == [Client::FastWebSockets]));
        assert!(fast.iter().any(|w| w.family == "busy"));
        assert!(!fast.iter().any(|w| w.family == "deflate"));
        assert!(select(all, &[], &["nope".into()]).is_err());
    }
}
