//! ws-bench: benchmarks of net_websocket's C API against fastwebsockets, tokio-tungstenite
//! and raw TCP (throughput, latency, idle connections, permessage-deflate, wss://), every
//! client against the same local servers, in interleaved rounds, with medians and the issue's
//! targets at the end. See `ws-bench --help`.
//!
//! The servers are this binary re-executed (`--serve`), each pinned to CPU 1; the bench
//! process, every thread of it, runs on CPU 0.
mod args;
mod clients;
mod idle;
mod measure;
mod payload;
mod report;
mod runner;
mod serve;
mod servers;
mod system;
mod workloads;

use args::{BenchOptions, Command, USAGE};
use servers::Servers;
use std::time::{Duration, Instant};

const CLIENT_CPU: usize = 0;
const SERVER_CPU: usize = 1;
/// File descriptors kept free beyond the idle connections (stdio, pipes, the runtime's own).
const FD_MARGIN: u64 = 100;

fn main() {
    let command = args::parse(std::env::args().skip(1)).unwrap_or_else(|problem| {
        eprintln!("ws-bench: {problem}\n{USAGE}");
        std::process::exit(2)
    });
    let result = match command {
        Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Command::Serve(options) => serve::serve(options),
        Command::IdleWorker {
            client,
            addr,
            ca_file,
            connections,
            idle,
        } => idle::worker(&client, addr, ca_file.as_deref(), connections, idle),
        Command::Bench(options) => bench(options),
    };
    if let Err(problem) = result {
        eprintln!("ws-bench: FAILED: {problem}");
        std::process::exit(1);
    }
}

fn bench(options: BenchOptions) -> Result<(), String> {
    let started = Instant::now();
    let load_before = system::load_average();
    // First, so every thread the bench starts later (the library's included) inherits it.
    let cpus = system::allowed_cpus();
    let server_cpu = if cpus.contains(&CLIENT_CPU) && cpus.contains(&SERVER_CPU) {
        system::pin_to_cpu(CLIENT_CPU)?;
        Some(SERVER_CPU)
    } else {
        None
    };
    // Before the servers start, so they inherit it too.
    let fd_limit = system::raise_open_file_limit()?;
    let (connections, skipped): (Vec<u64>, Vec<u64>) = options
        .connections
        .iter()
        .partition(|&&n| n + FD_MARGIN <= fd_limit);
    let catalogue = workloads::catalogue(options.quick, &connections);
    let workloads = workloads::select(catalogue, &options.only, &options.clients)?;
    let servers = Servers::start(server_cpu)?;
    let plan = runner::Plan {
        rounds: options.rounds,
        run_time: Duration::from_millis(if options.quick { 50 } else { 600 }),
        idle: options.idle,
    };

    let command: Vec<String> = std::env::args().collect();
    println!("ws-bench: net_websocket client benchmarks");
    println!("command: {}", command.join(" "));
    println!("machine: {}", system::describe_machine());
    println!("load average before: {load_before}");
    match server_cpu {
        Some(cpu) => println!(
            "pinning: this process (every client and library thread) on CPU {CLIENT_CPU}; \
             servers on CPU {cpu}: {}",
            servers.describe()
        ),
        None => println!(
            "pinning: none (CPUs {CLIENT_CPU} and {SERVER_CPU} are not both available); \
             servers: {}",
            servers.describe()
        ),
    }
    match std::env::var("NET_WEBSOCKET_THREADS") {
        Ok(threads) => println!("library: NET_WEBSOCKET_THREADS={threads}"),
        Err(_) => println!("library: NET_WEBSOCKET_THREADS unset (2 worker threads)"),
    }
    println!(
        "rounds: {} (medians reported), client order rotated each round; each throughput run \
         sized from its warm-up to take about {:.2} s; a run during which the rest of the \
         machine used more than {:.0} % of a core is tried again, up to {} attempts, the least \
         disturbed kept; idle connections sit {:.0} s; open-file limit {fd_limit}",
        plan.rounds,
        plan.run_time.as_secs_f64(),
        runner::NOISY_PERCENT,
        runner::ATTEMPTS,
        plan.idle.as_secs_f64()
    );
    for n in skipped {
        println!("note: {n} idle connections skipped: the open-file limit is {fd_limit}");
    }
    println!(
        "units: msgs/s = messages echoed per second; spread = (max - min) / median of msgs/s over \
         the rounds; MB/s = payload MB (10^6 B) sent per second \
         (as many come back); CPU µs/msg = this process's CPU time, all threads, per message; \
         server CPU = the echo server's CPU time over the run's wall time, % of one core; \
         other CPU = what the rest of the machine used meanwhile (other processes, steal), % \
         of one core: high values mean a noisy run\n"
    );

    let outcomes = runner::run(workloads, plan, &servers)?;
    for outcome in &outcomes {
        println!("{}", report::workload(outcome));
    }
    print!("{}", report::targets(&outcomes));
    println!(
        "\nload average after: {} (before: {load_before}); the run took {:.0} s",
        system::load_average(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
