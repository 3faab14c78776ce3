//! The command line: the bench's flags, and the two internal modes the bench starts itself
//! with (`--serve` for a server child, `--idle-client` for an idle-connections worker).
use crate::serve::{ServeOptions, ServerKind};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
usage: ws-bench [--quick] [--rounds N] [--only NAME[,NAME...]] [--clients NAME[,NAME...]]
                [--connections N[,N...]] [--idle-seconds S]
  --quick          1 round, a tenth of the messages, 1,000 idle connections idle for 2 s (a smoke run)
  --rounds N       rounds to take the median of (default 5)
  --only NAMES     workloads by name (throughput-64) or family (throughput, busy, latency, idle, deflate,
                   wss, handshake)
  --clients NAMES  only these clients (ours, ours-app, ours-async, ours-deflate, fastwebsockets,
                   tokio-tungstenite, raw, raw-batched), e.g. to profile one with perf
  --connections N  idle-connection counts (default 1000,10000)
  --idle-seconds S how long idle connections sit while their CPU is measured (default 10)
internal: ws-bench --serve ws|raw|tls|tls-full --addr ADDR [--pki DIR] [--cpu N]
          ws-bench --idle-client ours|fastwebsockets|raw|tokio-tungstenite --addr ADDR [--ca FILE]
                   --connections N --idle-seconds S   (--ca: over wss://, trusting FILE)";

/// What the bench runs.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchOptions {
    pub quick: bool,
    pub rounds: usize,
    pub only: Vec<String>,
    pub clients: Vec<String>,
    pub connections: Vec<u64>,
    pub idle: Duration,
}

#[derive(Debug, Clone)]
pub enum Command {
    Bench(BenchOptions),
    Serve(ServeOptions),
    IdleWorker {
        client: String,
        addr: SocketAddr,
        ca_file: Option<PathBuf>,
        connections: u64,
        idle: Duration,
    },
    Help,
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{flag}: not a number: {value:?}"))
}

fn list<T: std::str::FromStr>(flag: &str, value: &str) -> Result<Vec<T>, String> {
    value.split(',').map(|v| number(flag, v)).collect()
}

fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    let s: f64 = number(flag, value)?;
    Duration::try_from_secs_f64(s).map_err(|_| format!("{flag}: not a duration: {value:?}"))
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let (mut quick, mut rounds, mut only, mut connections, mut idle) =
        (false, None, Vec::new(), None, None);
    let (mut clients, mut ca_file) = (Vec::new(), None);
    let (mut serve, mut idle_client, mut addr, mut pki, mut cpu) = (None, None, None, None, None);
    while let Some(flag) = args.next() {
        if flag == "--quick" {
            quick = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Ok(Command::Help);
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value (or is unknown)"))?;
        match flag.as_str() {
            "--rounds" => rounds = Some(number::<usize>(&flag, &value)?.max(1)),
            "--only" => only.extend(value.split(',').map(|s| s.trim().to_string())),
            "--clients" => clients.extend(value.split(',').map(|s| s.trim().to_string())),
            "--connections" => connections = Some(list(&flag, &value)?),
            "--idle-seconds" => idle = Some(seconds(&flag, &value)?),
            "--serve" => serve = Some(ServerKind::parse(&value)?),
            "--idle-client" => idle_client = Some(value),
            "--addr" => {
                addr = Some(
                    value
                        .parse::<SocketAddr>()
                        .map_err(|_| format!("--addr: not an address: {value:?}"))?,
                )
            }
            "--pki" => pki = Some(PathBuf::from(value)),
            "--ca" => ca_file = Some(PathBuf::from(value)),
            "--cpu" => cpu = Some(number(&flag, &value)?),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if let Some(kind) = serve {
        let addr = addr.ok_or("--serve needs --addr")?;
        return Ok(Command::Serve(ServeOptions {
            kind,
            addr,
            pki,
            cpu,
        }));
    }
    if let Some(client) = idle_client {
        return Ok(Command::IdleWorker {
            client,
            addr: addr.ok_or("--idle-client needs --addr")?,
            ca_file,
            connections: match connections.as_deref() {
                Some([n]) => *n,
                _ => return Err("--idle-client needs one --connections count".to_string()),
            },
            idle: idle.ok_or("--idle-client needs --idle-seconds")?,
        });
    }
    let default_connections = if quick {
        vec![1000]
    } else {
        vec![1000, 10_000]
    };
    let default_idle = Duration::from_secs(if quick { 2 } else { 10 });
    Ok(Command::Bench(BenchOptions {
        quick,
        rounds: rounds.unwrap_or(if quick { 1 } else { 5 }),
        only,
        clients,
        connections: connections.unwrap_or(default_connections),
        idle: idle.unwrap_or(default_idle),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(String::from))
    }

    #[test]
    fn bench_defaults_and_flags() {
        let Ok(Command::Bench(defaults)) = parse_str("") else {
            panic!("not a bench command")
        };
        assert_eq!(defaults.rounds, 5);
        assert_eq!(defaults.connections, [1000, 10_000]);
        assert_eq!(defaults.idle, Duration::from_secs(10));
        let Ok(Command::Bench(quick)) = parse_str("--quick --only throughput-64,latency") else {
            panic!("not a bench command")
        };
        assert_eq!(
            (quick.rounds, quick.connections.as_slice()),
            (1, &[1000][..])
        );
        assert_eq!(quick.only, ["throughput-64", "latency"]);
        let Ok(Command::Bench(custom)) = parse_str("--rounds 3 --connections 500,2000") else {
            panic!("not a bench command")
        };
        assert_eq!((custom.rounds, custom.connections), (3, vec![500, 2000]));
    }

    #[test]
    fn internal_modes_and_errors() {
        assert!(matches!(
            parse_str("--serve raw --addr 127.0.0.1:0 --cpu 1"),
            Ok(Command::Serve(ServeOptions {
                kind: ServerKind::Raw,
                cpu: Some(1),
                ..
            }))
        ));
        assert!(matches!(
            parse_str("--idle-client ours --addr 127.0.0.1:9 --connections 10 --idle-seconds 1"),
            Ok(Command::IdleWorker {
                connections: 10,
                ..
            })
        ));
        assert!(parse_str("--rounds").is_err());
        assert!(parse_str("--bogus 1").is_err());
        assert!(parse_str("--serve nope --addr 127.0.0.1:0").is_err());
        assert!(parse_str("--serve ws").is_err());
    }
}
