//! What one run measures and how rounds are summarised: wall and CPU time around a run
//! ([`Meter`]), the samples of each workload, and their medians.
//!
//! Besides our CPU and the server's, a meter reports what the rest of the machine used
//! meanwhile ("other CPU"): the machine is shared, and a build running next to the bench
//! shows up there rather than as an unexplained slow run.
use crate::system;
use std::time::{Duration, Instant};

/// Wall time, this process's CPU time and a server's CPU time, from [`Meter::start`] on.
pub struct Meter {
    wall: Instant,
    cpu: Duration,
    server_pid: u32,
    server_cpu: Duration,
    machine_busy: Duration,
}

/// What a [`Meter`] saw between start and stop.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub wall: Duration,
    pub cpu: Duration,
    pub server_cpu: Duration,
    /// Busy time of the machine not spent by us or the server (other processes, steal).
    pub other_cpu: Duration,
}

impl Meter {
    pub fn start(server_pid: u32) -> Result<Meter, String> {
        Ok(Meter {
            machine_busy: system::machine_busy_time(),
            server_cpu: system::cpu_time_of(server_pid)?,
            server_pid,
            cpu: system::process_cpu_time(),
            wall: Instant::now(),
        })
    }

    /// Stops at `end` (when the last echo arrived, which may be a little before now).
    pub fn stop(self, end: Instant) -> Result<Usage, String> {
        let cpu = system::process_cpu_time() - self.cpu;
        let server_cpu = system::cpu_time_of(self.server_pid)?.saturating_sub(self.server_cpu);
        let busy = system::machine_busy_time().saturating_sub(self.machine_busy);
        Ok(Usage {
            wall: end.saturating_duration_since(self.wall),
            cpu,
            server_cpu,
            other_cpu: busy.saturating_sub(cpu + server_cpu),
        })
    }
}

/// One throughput run: `messages` echoed messages of `size` bytes.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    pub messages: u64,
    pub size: usize,
    pub usage: Usage,
}

impl Throughput {
    fn seconds(&self) -> f64 {
        self.usage.wall.as_secs_f64().max(1e-9)
    }
    pub fn msgs_per_s(&self) -> f64 {
        self.messages as f64 / self.seconds()
    }
    /// Payload bytes sent (and as many echoed back) per second, in MB (10^6 bytes).
    pub fn mb_per_s(&self) -> f64 {
        self.msgs_per_s() * self.size as f64 / 1e6
    }
    pub fn cpu_us_per_msg(&self) -> f64 {
        self.usage.cpu.as_secs_f64() * 1e6 / self.messages.max(1) as f64
    }
    /// The server's CPU time over the wall time, in % of one core.
    pub fn server_percent(&self) -> f64 {
        self.usage.server_cpu.as_secs_f64() * 100.0 / self.seconds()
    }
    /// The rest of the machine's CPU time over the wall time, in % of one core.
    pub fn other_percent(&self) -> f64 {
        self.usage.other_cpu.as_secs_f64() * 100.0 / self.seconds()
    }
}

/// One ping-pong run: the round trip times' percentiles, in µs.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub p50_us: f64,
    pub p99_us: f64,
}

impl Latency {
    /// From round trip times in nanoseconds.
    pub fn from_round_trips(mut nanos: Vec<u64>) -> Result<Latency, String> {
        if nanos.is_empty() {
            return Err("no round trips measured".to_string());
        }
        nanos.sort_unstable();
        let at = |q: f64| {
            let i = ((nanos.len() as f64 * q).ceil() as usize).clamp(1, nanos.len()) - 1;
            nanos[i] as f64 / 1000.0
        };
        Ok(Latency {
            p50_us: at(0.50),
            p99_us: at(0.99),
        })
    }
}

/// One idle-connections run, measured in a fresh process.
#[derive(Debug, Clone, Copy)]
pub struct Idle {
    /// Connections opened per second, after the first.
    pub handshakes_per_s: f64,
    /// Growth of RSS from one connection to all of them, per added connection.
    pub rss_per_conn_kib: f64,
    pub threads_one: u64,
    pub threads_all: u64,
    /// Threads after the idle period (helper threads may have exited by then).
    pub threads_idle: u64,
    /// CPU used while idle, in % of one core.
    pub idle_cpu_percent: f64,
}

/// Connections opened one after another: how long the opening took in all (TCP, TLS and the
/// WebSocket handshake), and what the whole run used (closes included).
#[derive(Debug, Clone, Copy)]
pub struct HandshakeRate {
    pub count: u64,
    pub connecting: Duration,
    pub usage: Usage,
}

impl HandshakeRate {
    pub fn per_s(&self) -> f64 {
        self.count as f64 / self.connecting.as_secs_f64().max(1e-9)
    }
    /// This process's CPU time per connection, opened and closed, in µs.
    pub fn cpu_us_each(&self) -> f64 {
        self.usage.cpu.as_secs_f64() * 1e6 / self.count.max(1) as f64
    }
    /// The rest of the machine's CPU time over the wall time, in % of one core.
    pub fn other_percent(&self) -> f64 {
        self.usage.other_cpu.as_secs_f64() * 100.0 / self.usage.wall.as_secs_f64().max(1e-9)
    }
}

/// One handshake run: against a TLS server without session resumption (every handshake
/// full) and against one with it (every handshake after the first resumed).
#[derive(Debug, Clone, Copy)]
pub struct Handshakes {
    pub full: HandshakeRate,
    pub resumed: HandshakeRate,
}

/// Whatever one run of a workload measured.
#[derive(Debug, Clone, Copy)]
pub enum Sample {
    Throughput(Throughput),
    Latency(Latency),
    Idle(Idle),
    Handshakes(Handshakes),
}

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let latency = Latency::from_round_trips((1..=100).map(|i| i * 1000).collect()).unwrap();
        assert_eq!(latency.p50_us, 50.0);
        assert_eq!(latency.p99_us, 99.0);
        assert!(Latency::from_round_trips(Vec::new()).is_err());
    }
}
