//! Rounds: in each round every selected workload runs every one of its clients once, in an
//! order rotated by one each round, so slow drift in the machine's load spreads over all
//! clients alike. A run during which the rest of the (shared) machine was busy is repeated a
//! few times and its least disturbed attempt kept. Progress goes to stderr; the first failure
//! stops the bench.
use crate::clients::{Client, ThroughputRun};
use crate::idle;
use crate::measure::{Meter, Sample};
use crate::servers::Servers;
use crate::workloads::{Kind, Workload};
use std::time::{Duration, Instant};

/// A run during which the rest of the machine used more than this, in % of one core, is
/// repeated.
pub const NOISY_PERCENT: f64 = 25.0;
/// Attempts at a noisy run before the least noisy one is kept.
pub const ATTEMPTS: usize = 3;

/// Everything measured for one workload.
pub struct Outcome {
    pub workload: Workload,
    /// Per client, in the workload's order: one sample per round.
    pub samples: Vec<(Client, Vec<Sample>)>,
    /// Runs repeated because they were noisy.
    pub repeated: usize,
    /// Runs still noisy after [`ATTEMPTS`] attempts.
    pub still_noisy: usize,
}

impl Outcome {
    pub fn samples_of(&self, client: Client) -> &[Sample] {
        self.samples
            .iter()
            .find(|(c, _)| *c == client)
            .map_or(&[], |(_, s)| s.as_slice())
    }
}

/// How the rounds run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub rounds: usize,
    /// About how long each measured throughput run takes.
    pub run_time: Duration,
    /// How long idle connections sit while their CPU is measured.
    pub idle: Duration,
}

/// Runs the plan's rounds of `workloads`.
pub fn run(
    workloads: Vec<Workload>,
    plan: Plan,
    servers: &Servers,
) -> Result<Vec<Outcome>, String> {
    let rounds = plan.rounds;
    let mut outcomes: Vec<Outcome> = workloads
        .into_iter()
        .map(|workload| Outcome {
            samples: workload.clients.iter().map(|&c| (c, Vec::new())).collect(),
            workload,
            repeated: 0,
            still_noisy: 0,
        })
        .collect();
    for round in 0..rounds {
        for outcome in &mut outcomes {
            let count = outcome.samples.len();
            for i in 0..count {
                let slot = (i + round) % count;
                let client = outcome.samples[slot].0;
                let name = &outcome.workload.name;
                eprint!(
                    "round {}/{rounds}: {name}: {} ... ",
                    round + 1,
                    client.label()
                );
                let started = Instant::now();
                let mut kept: Option<(Sample, f64)> = None;
                for attempt in 1..=ATTEMPTS {
                    let (sample, other) = measured(&outcome.workload, client, servers, plan)
                        .map_err(|e| {
                            eprintln!("FAILED");
                            format!("{} in {name} (round {}): {e}", client.label(), round + 1)
                        })?;
                    if kept.as_ref().is_none_or(|(_, least)| other < *least) {
                        kept = Some((sample, other));
                    }
                    if other <= NOISY_PERCENT {
                        break;
                    }
                    if attempt == ATTEMPTS {
                        outcome.still_noisy += 1;
                    } else {
                        outcome.repeated += 1;
                        eprint!("noisy (other CPU {other:.0} %), again ... ");
                    }
                }
                eprintln!("{:.2} s", started.elapsed().as_secs_f64());
                if let Some((sample, _)) = kept {
                    outcome.samples[slot].1.push(sample);
                }
            }
        }
    }
    Ok(outcomes)
}

/// One run, and the CPU the rest of the machine used meanwhile (% of one core). The idle
/// workload's worker is another process, so its runs are never taken for noisy.
fn measured(
    workload: &Workload,
    client: Client,
    servers: &Servers,
    plan: Plan,
) -> Result<(Sample, f64), String> {
    // A handshake run talks to two servers and meters each itself.
    if let Kind::Handshakes { .. } = workload.kind {
        let sample = run_one(workload, client, servers, plan)?;
        let other = match &sample {
            Sample::Handshakes(h) => h.full.other_percent().max(h.resumed.other_percent()),
            _ => 0.0,
        };
        return Ok((sample, other));
    }
    let tls = matches!(workload.kind, Kind::Throughput { tls: true, .. });
    let meter = Meter::start(servers.target(client, tls).server_pid)?;
    let sample = run_one(workload, client, servers, plan)?;
    let usage = meter.stop(Instant::now())?;
    let other = match workload.kind {
        Kind::Idle { .. } => 0.0,
        _ => usage.other_cpu.as_secs_f64() * 100.0 / usage.wall.as_secs_f64().max(1e-9),
    };
    Ok((sample, other))
}

fn run_one(
    workload: &Workload,
    client: Client,
    servers: &Servers,
    plan: Plan,
) -> Result<Sample, String> {
    match &workload.kind {
        Kind::Throughput {
            payload,
            window,
            warmup,
            tls,
            connections,
        } => {
            let run = ThroughputRun {
                payload,
                window: *window,
                connections: *connections,
                warmup: *warmup,
                duration: plan.run_time,
            };
            let sample = client.throughput(&servers.target(client, *tls), &run);
            if *connections > 1 {
                // Let the server finish closing them before anyone measures again.
                std::thread::sleep(Duration::from_millis(300));
            }
            sample.map(Sample::Throughput)
        }
        Kind::Latency {
            size,
            round_trips,
            warmup,
        } => client
            .latency(&servers.target(client, false), *size, *round_trips, *warmup)
            .map(Sample::Latency),
        Kind::Idle { connections, tls } => {
            let target = servers.target(client, *tls);
            let sample = idle::measure(client, &target, *connections, plan.idle);
            // Let the server finish closing the last batch before anyone measures again.
            std::thread::sleep(Duration::from_millis(500));
            sample.map(Sample::Idle)
        }
        Kind::Handshakes { count } => client
            .handshakes(
                &servers.tls_target(false),
                &servers.tls_target(true),
                *count,
            )
            .map(Sample::Handshakes),
    }
}
