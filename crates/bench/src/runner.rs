//! Rounds: in each round every selected workload runs every one of its clients once, in an
//! order rotated by one each round, so slow drift in the machine's load spreads over all
//! clients alike. Progress goes to stderr; the first failure stops the bench.
use crate::clients::{Client, ThroughputRun};
use crate::idle;
use crate::measure::Sample;
use crate::servers::Servers;
use crate::workloads::{Kind, Workload};
use std::time::{Duration, Instant};

/// Everything measured for one workload.
pub struct Outcome {
    pub workload: Workload,
    /// Per client, in the workload's order: one sample per round.
    pub samples: Vec<(Client, Vec<Sample>)>,
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
        })
        .collect();
    for round in 0..rounds {
        for outcome in &mut outcomes {
            let count = outcome.samples.len();
            for i in 0..count {
                let (client, samples) = &mut outcome.samples[(i + round) % count];
                let workload = &outcome.workload;
                eprint!(
                    "round {}/{rounds}: {}: {} ... ",
                    round + 1,
                    workload.name,
                    client.label()
                );
                let started = Instant::now();
                let sample = run_one(workload, *client, servers, plan).map_err(|e| {
                    eprintln!("FAILED");
                    format!(
                        "{} in {} (round {}): {e}",
                        client.label(),
                        workload.name,
                        round + 1
                    )
                })?;
                eprintln!("{:.2} s", started.elapsed().as_secs_f64());
                samples.push(sample);
            }
        }
    }
    Ok(outcomes)
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
        } => {
            let run = ThroughputRun {
                payload,
                window: *window,
                warmup: *warmup,
                duration: plan.run_time,
            };
            client
                .throughput(&servers.target(client, *tls), &run)
                .map(Sample::Throughput)
        }
        Kind::Latency {
            size,
            round_trips,
            warmup,
        } => client
            .latency(&servers.target(client, false), *size, *round_trips, *warmup)
            .map(Sample::Latency),
        Kind::Idle { connections } => {
            let target = servers.target(client, false);
            let sample = idle::measure(client, &target, *connections, plan.idle);
            // Let the server finish closing the last batch before anyone measures again.
            std::thread::sleep(Duration::from_millis(500));
            sample.map(Sample::Idle)
        }
    }
}
