//! The output: one table of medians per workload with ratio lines (ours / peer), then the
//! issue's targets, each with its measured value and PASS or MISS.
use crate::clients::{Client, OURS_APP_THREAD, OURS_CALLBACK, OURS_DEFLATE};
use crate::measure::{median, Sample};
use crate::runner::{Outcome, ATTEMPTS, NOISY_PERCENT};
use crate::workloads::{size_label, Kind};

/// Medians of a client's throughput runs.
#[derive(Debug, Clone, Copy)]
struct ThroughputSummary {
    messages: f64,
    msgs_per_s: f64,
    /// (max - min) / median of msgs/s over the rounds, in %: how noisy the rounds were.
    spread_percent: f64,
    mb_per_s: f64,
    cpu_us_per_msg: f64,
    server_percent: f64,
    other_percent: f64,
}

#[derive(Debug, Clone, Copy)]
struct LatencySummary {
    p50_us: f64,
    p99_us: f64,
}

#[derive(Debug, Clone, Copy)]
struct IdleSummary {
    handshakes_per_s: f64,
    rss_per_conn_kib: f64,
    threads_one: f64,
    threads_all: f64,
    threads_idle: f64,
    idle_cpu_percent: f64,
}

/// The median of `metric` over the samples it applies to; None when there are none.
fn median_of<T>(
    samples: &[Sample],
    pick: impl Fn(&Sample) -> Option<T>,
    metric: impl Fn(&T) -> f64,
) -> Option<f64> {
    let values: Vec<f64> = samples
        .iter()
        .filter_map(&pick)
        .map(|s| metric(&s))
        .collect();
    (!values.is_empty()).then(|| median(values))
}

fn throughput(outcome: &Outcome, client: Client) -> Option<ThroughputSummary> {
    let samples = outcome.samples_of(client);
    let pick = |s: &Sample| match s {
        Sample::Throughput(t) => Some(*t),
        _ => None,
    };
    Some(ThroughputSummary {
        messages: median_of(samples, pick, |t| t.messages as f64)?,
        spread_percent: spread(samples.iter().filter_map(pick).map(|t| t.msgs_per_s()))?,
        msgs_per_s: median_of(samples, pick, |t| t.msgs_per_s())?,
        mb_per_s: median_of(samples, pick, |t| t.mb_per_s())?,
        cpu_us_per_msg: median_of(samples, pick, |t| t.cpu_us_per_msg())?,
        server_percent: median_of(samples, pick, |t| t.server_percent())?,
        other_percent: median_of(samples, pick, |t| t.other_percent())?,
    })
}

fn latency(outcome: &Outcome, client: Client) -> Option<LatencySummary> {
    let samples = outcome.samples_of(client);
    let pick = |s: &Sample| match s {
        Sample::Latency(l) => Some(*l),
        _ => None,
    };
    Some(LatencySummary {
        p50_us: median_of(samples, pick, |l| l.p50_us)?,
        p99_us: median_of(samples, pick, |l| l.p99_us)?,
    })
}

fn idle(outcome: &Outcome, client: Client) -> Option<IdleSummary> {
    let samples = outcome.samples_of(client);
    let pick = |s: &Sample| match s {
        Sample::Idle(i) => Some(*i),
        _ => None,
    };
    Some(IdleSummary {
        handshakes_per_s: median_of(samples, pick, |i| i.handshakes_per_s)?,
        rss_per_conn_kib: median_of(samples, pick, |i| i.rss_per_conn_kib)?,
        threads_one: median_of(samples, pick, |i| i.threads_one as f64)?,
        threads_all: median_of(samples, pick, |i| i.threads_all as f64)?,
        threads_idle: median_of(samples, pick, |i| i.threads_idle as f64)?,
        idle_cpu_percent: median_of(samples, pick, |i| i.idle_cpu_percent)?,
    })
}

/// (max - min) / median of `values`, in %; None when there are none.
fn spread(values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.collect();
    let max = values.iter().copied().reduce(f64::max)?;
    let min = values.iter().copied().reduce(f64::min)?;
    Some((max - min) * 100.0 / median(values).max(f64::MIN_POSITIVE))
}

/// 1234567.8 → "1,234,568".
fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Three significant digits, at most three decimals: 0.0123, 1.23, 12.3, 123.
fn sig3(value: f64) -> String {
    let decimals = match value.abs() {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        v if v >= 1.0 => 2,
        _ => 3,
    };
    format!("{value:.decimals$}")
}

fn ratio(ours: f64, peer: f64) -> String {
    format!("{:.2}×", ours / peer)
}

/// Columns padded to their widest cell: the first left-aligned, the others right-aligned.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cells = |row: &[String]| row.iter().map(|c| c.chars().count()).collect::<Vec<_>>();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, n) in widths.iter_mut().zip(cells(row)) {
            *w = (*w).max(n);
        }
    }
    let line = |row: Vec<String>| {
        let mut out = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(width - cell.chars().count());
            match i {
                0 => out.push_str(&format!("{cell}{pad}")),
                _ => out.push_str(&format!("  {pad}{cell}")),
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out
}

fn is_ours(client: Client) -> bool {
    matches!(
        client,
        Client::Ours(_) | Client::OursAsync | Client::OursAsyncRef
    )
}

/// The table and ratio lines of one workload.
pub fn workload(outcome: &Outcome) -> String {
    let w = &outcome.workload;
    let rounds = outcome.samples.first().map_or(0, |(_, s)| s.len());
    let count = match &w.kind {
        Kind::Throughput { warmup, .. } => {
            format!("{} messages of warm-up", grouped(*warmup as f64))
        }
        Kind::Latency { round_trips, .. } => {
            format!("{} round trips per run", grouped(*round_trips as f64))
        }
        Kind::Idle { .. } => "CPU measured over the idle period".to_string(),
        Kind::Handshakes { count } => format!(
            "{} connections of each kind per run",
            grouped(*count as f64)
        ),
    };
    let mut out = format!(
        "== {}: {}; {count}; median of {rounds} round{} ==\n",
        w.name,
        w.title,
        if rounds == 1 { "" } else { "s" }
    );
    match &w.kind {
        Kind::Throughput { .. } => out.push_str(&throughput_section(outcome)),
        Kind::Latency { .. } => out.push_str(&latency_section(outcome)),
        Kind::Idle { connections, .. } => out.push_str(&idle_section(outcome, *connections)),
        Kind::Handshakes { .. } => out.push_str(&handshake_section(outcome)),
    }
    if outcome.repeated + outcome.still_noisy > 0 {
        out.push_str(&format!(
            "note: {} attempt(s) repeated because the rest of the machine used more than {:.0} % \
             of a core; {} run(s) stayed noisy after {} attempts (the least noisy kept)\n",
            outcome.repeated, NOISY_PERCENT, outcome.still_noisy, ATTEMPTS
        ));
    }
    out
}

fn throughput_section(outcome: &Outcome) -> String {
    let clients = &outcome.workload.clients;
    let rows: Vec<Vec<String>> = clients
        .iter()
        .filter_map(|&c| {
            let t = throughput(outcome, c)?;
            Some(vec![
                c.label().to_string(),
                grouped(t.messages),
                grouped(t.msgs_per_s),
                format!("{:.0} %", t.spread_percent),
                sig3(t.mb_per_s),
                sig3(t.cpu_us_per_msg),
                format!("{:.0} %", t.server_percent),
                format!("{:.0} %", t.other_percent),
            ])
        })
        .collect();
    let mut out = table(
        &[
            "client",
            "msgs/run",
            "msgs/s",
            "spread",
            "MB/s",
            "CPU µs/msg",
            "server CPU",
            "other CPU",
        ],
        &rows,
    );
    let best_raw = best_raw(outcome);
    for &ours in clients.iter().filter(|&&c| is_ours(c)) {
        let Some(a) = throughput(outcome, ours) else {
            continue;
        };
        for &peer in clients.iter().filter(|&&c| !is_ours(c) && !c.is_raw()) {
            if let Some(b) = throughput(outcome, peer) {
                out.push_str(&format!(
                    "ratio {} / {}: msgs/s {}, CPU/msg {}\n",
                    ours.label(),
                    peer.label(),
                    ratio(a.msgs_per_s, b.msgs_per_s),
                    ratio(a.cpu_us_per_msg, b.cpu_us_per_msg)
                ));
            }
        }
        if let Some((raw, b)) = best_raw {
            out.push_str(&format!(
                "ratio {} / best raw ({}): msgs/s {}\n",
                ours.label(),
                raw.label(),
                ratio(a.msgs_per_s, b.msgs_per_s)
            ));
        }
    }
    if let (Some(a), Some(b)) = (
        throughput(outcome, OURS_DEFLATE),
        throughput(outcome, OURS_CALLBACK),
    ) {
        out.push_str(&format!(
            "ratio {} / {}: msgs/s {}, CPU/msg {}, server CPU {:.0} % vs {:.0} %\n",
            OURS_DEFLATE.label(),
            OURS_CALLBACK.label(),
            ratio(a.msgs_per_s, b.msgs_per_s),
            ratio(a.cpu_us_per_msg, b.cpu_us_per_msg),
            a.server_percent,
            b.server_percent
        ));
    }
    out
}

/// The faster of the two raw clients.
fn best_raw(outcome: &Outcome) -> Option<(Client, ThroughputSummary)> {
    [Client::RawTcp, Client::RawTcpBatched]
        .into_iter()
        .filter_map(|c| Some((c, throughput(outcome, c)?)))
        .max_by(|a, b| a.1.msgs_per_s.total_cmp(&b.1.msgs_per_s))
}

fn latency_section(outcome: &Outcome) -> String {
    let clients = &outcome.workload.clients;
    let rows: Vec<Vec<String>> = clients
        .iter()
        .filter_map(|&c| {
            let l = latency(outcome, c)?;
            Some(vec![c.label().to_string(), sig3(l.p50_us), sig3(l.p99_us)])
        })
        .collect();
    let mut out = table(&["client", "p50 µs", "p99 µs"], &rows);
    for &ours in clients.iter().filter(|&&c| is_ours(c)) {
        let Some(a) = latency(outcome, ours) else {
            continue;
        };
        for &peer in clients.iter().filter(|&&c| !is_ours(c)) {
            if let Some(b) = latency(outcome, peer) {
                out.push_str(&format!(
                    "ratio {} / {}: p50 {}, p99 {}\n",
                    ours.label(),
                    peer.label(),
                    ratio(a.p50_us, b.p50_us),
                    ratio(a.p99_us, b.p99_us)
                ));
            }
        }
    }
    out
}

fn idle_section(outcome: &Outcome, connections: u64) -> String {
    let clients = &outcome.workload.clients;
    let rows: Vec<Vec<String>> = clients
        .iter()
        .filter_map(|&c| {
            let i = idle(outcome, c)?;
            // The idle worker sets no message callback: it is the C API, nothing more.
            let label = if is_ours(c) {
                "ours (C API)"
            } else {
                c.label()
            };
            Some(vec![
                label.to_string(),
                grouped(i.handshakes_per_s),
                sig3(i.rss_per_conn_kib),
                format!("{:.0}", i.threads_one),
                format!("{:.0}", i.threads_all),
                format!("{:.0}", i.threads_idle),
                format!("{:.3} %", i.idle_cpu_percent),
            ])
        })
        .collect();
    let threads_all = format!("threads ({connections})");
    let mut out = table(
        &[
            "client",
            "handshakes/s",
            "RSS/conn KiB",
            "threads (1)",
            &threads_all,
            "threads (after idle)",
            "idle CPU",
        ],
        &rows,
    );
    if let (Some(a), Some(b)) = (
        idle(outcome, OURS_CALLBACK),
        idle(outcome, Client::FastWebSockets),
    ) {
        out.push_str(&format!(
            "ratio ours / fastwebsockets: handshakes/s {}, RSS/conn {}\n",
            ratio(a.handshakes_per_s, b.handshakes_per_s),
            ratio(a.rss_per_conn_kib, b.rss_per_conn_kib)
        ));
    }
    out
}

/// Full and resumed handshakes per second (of the time spent opening connections) and CPU per
/// connection (opened and closed), medians over the rounds.
fn handshake_section(outcome: &Outcome) -> String {
    let rows: Vec<Vec<String>> = outcome
        .workload
        .clients
        .iter()
        .filter_map(|&c| {
            let samples = outcome.samples_of(c);
            let pick = |s: &Sample| match s {
                Sample::Handshakes(h) => Some(*h),
                _ => None,
            };
            let full = median_of(samples, pick, |h| h.full.per_s())?;
            let resumed = median_of(samples, pick, |h| h.resumed.per_s())?;
            Some(vec![
                c.label().to_string(),
                grouped(full),
                grouped(resumed),
                ratio(resumed, full),
                sig3(median_of(samples, pick, |h| h.full.cpu_us_each())?),
                sig3(median_of(samples, pick, |h| h.resumed.cpu_us_each())?),
            ])
        })
        .collect();
    table(
        &[
            "client",
            "full handshakes/s",
            "resumed handshakes/s",
            "resumed / full",
            "CPU µs/conn full",
            "CPU µs/conn resumed",
        ],
        &rows,
    )
}

/// The targets' text as it is written, and the verdicts counted.
struct Verdicts {
    text: String,
    passed: usize,
    missed: usize,
}

impl Verdicts {
    fn judge(&mut self, what: String, pass: bool) {
        let verdict = if pass { "PASS" } else { "MISS" };
        self.text.push_str(&format!("   {verdict}  {what}\n"));
        if pass {
            self.passed += 1;
        } else {
            self.missed += 1;
        }
    }

    /// A target's line: judged, or shown beside the judged one.
    fn judge_or_show(&mut self, judged: bool, what: String, pass: bool) {
        match judged {
            true => self.judge(what, pass),
            false => self.note(format!("{what} (not judged)")),
        }
    }

    fn note(&mut self, what: String) {
        self.text.push_str(&format!("         {what}\n"));
    }

    fn heading(&mut self, what: &str) {
        self.text.push_str(what);
        self.text.push('\n');
    }
}

/// Whether a throughput workload runs over one connection, and its message size.
fn throughput_size(outcome: &Outcome) -> Option<(u64, usize, u64)> {
    match &outcome.workload.kind {
        Kind::Throughput {
            payload,
            connections,
            window,
            tls: false,
            ..
        } => Some((*connections, payload.size, *window)),
        _ => None,
    }
}

/// The largest idle workload over ws:// (`tls` false) or wss://.
fn largest_idle(outcomes: &[Outcome], tls: bool) -> Option<(u64, &Outcome)> {
    outcomes
        .iter()
        .filter_map(|o| match o.workload.kind {
            Kind::Idle {
                connections,
                tls: t,
            } if t == tls => Some((connections, o)),
            _ => None,
        })
        .max_by_key(|(n, _)| *n)
}

/// The targets (issue 21), judged on the medians measured; where a target names the
/// C API without saying from where, the callback variant is judged and the app-thread one
/// shown beside it.
pub fn targets(outcomes: &[Outcome]) -> String {
    let mut v = Verdicts {
        text: "== targets ==\n".to_string(),
        passed: 0,
        missed: 0,
    };
    let busy: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.workload.family == "busy")
        .collect();
    let single: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.workload.family == "throughput")
        .collect();
    let latency_outcome = outcomes.iter().find(|o| o.workload.family == "latency");

    v.heading("1. busy-100 and busy-1000, 20 B and 16 KiB, C API: ≥ 1.2 × fastwebsockets and ≥ 0.9 × raw TCP msgs/s; client CPU per message ≤ fastwebsockets'");
    for o in &busy {
        let Some((_, _, window)) = throughput_size(o) else {
            continue;
        };
        let (Some(a), Some(fast), Some(raw)) = (
            throughput(o, OURS_CALLBACK),
            throughput(o, Client::FastWebSockets),
            throughput(o, Client::RawTcp),
        ) else {
            continue;
        };
        let what = format!(
            "{:>16}: {:.2} × fastwebsockets, {:.2} × raw TCP; CPU {} µs vs {} µs",
            o.workload.name,
            a.msgs_per_s / fast.msgs_per_s,
            a.msgs_per_s / raw.msgs_per_s,
            sig3(a.cpu_us_per_msg),
            sig3(fast.cpu_us_per_msg)
        );
        let pass = a.msgs_per_s >= 1.2 * fast.msgs_per_s
            && a.msgs_per_s >= 0.9 * raw.msgs_per_s
            && a.cpu_us_per_msg <= fast.cpu_us_per_msg;
        match window {
            1 => v.judge(what, pass),
            _ => v.note(format!("{what} (window {window}: not judged)")),
        }
    }

    v.heading("2. async Rust API: ≥ 1.5 × tokio-tungstenite at 64 B and 1 KiB, ≥ 1.0 × fastwebsockets at every size and in busy-N, p50 latency ≤ 1.05 × raw TCP (judged: borrowed; Sink + Stream shown)");
    for o in single.iter().chain(&busy) {
        let Some((connections, size, _)) = throughput_size(o) else {
            continue;
        };
        for ours in [Client::OursAsyncRef, Client::OursAsync] {
            let (Some(a), Some(fast)) =
                (throughput(o, ours), throughput(o, Client::FastWebSockets))
            else {
                continue;
            };
            let judged = ours == Client::OursAsyncRef;
            let mut what = format!(
                "{:>16}  {}: {:.2} × fastwebsockets",
                o.workload.name,
                ours.label(),
                a.msgs_per_s / fast.msgs_per_s
            );
            let mut pass = a.msgs_per_s >= fast.msgs_per_s;
            if connections == 1 && size <= 1024 {
                if let Some(t) = throughput(o, Client::TokioTungstenite) {
                    let vs_t = a.msgs_per_s / t.msgs_per_s;
                    what.push_str(&format!(", {vs_t:.2} × tokio-tungstenite"));
                    pass &= vs_t >= 1.5;
                }
            }
            v.judge_or_show(judged, what, pass);
        }
    }
    if let Some(o) = latency_outcome {
        for ours in [Client::OursAsyncRef, Client::OursAsync] {
            if let (Some(a), Some(raw)) = (latency(o, ours), latency(o, Client::RawTcp)) {
                let what = format!(
                    "{:>16}  {}: p50 {} µs = {:.2} × raw TCP's {} µs",
                    o.workload.name,
                    ours.label(),
                    sig3(a.p50_us),
                    a.p50_us / raw.p50_us,
                    sig3(raw.p50_us)
                );
                let judged = ours == Client::OursAsyncRef;
                v.judge_or_show(judged, what, a.p50_us <= 1.05 * raw.p50_us);
            }
        }
    }

    v.heading("3. 10,000 idle ws://: ≤ 2 KiB RSS per connection and ≤ 1.5 × the raw TCP client's, handshakes/s ≥ 1.2 × fastwebsockets, the threads of one connection; 10,000 idle wss://: ≤ 16 KiB per connection and ≤ 0.8 × tokio-tungstenite+rustls's");
    if let Some((n, o)) = largest_idle(outcomes, false) {
        if n != 10_000 {
            v.note(format!("ws:// measured with {n} connections, not 10,000"));
        }
        if let (Some(a), Some(fast), Some(raw)) = (
            idle(o, OURS_CALLBACK),
            idle(o, Client::FastWebSockets),
            idle(o, Client::RawTcp),
        ) {
            v.judge(
                format!(
                    "ws:// RSS per connection {} KiB = {:.2} × raw TCP's {} KiB",
                    sig3(a.rss_per_conn_kib),
                    a.rss_per_conn_kib / raw.rss_per_conn_kib,
                    sig3(raw.rss_per_conn_kib)
                ),
                a.rss_per_conn_kib <= 2.0 && a.rss_per_conn_kib <= 1.5 * raw.rss_per_conn_kib,
            );
            v.judge(
                format!(
                    "ws:// {} handshakes/s = {:.2} × fastwebsockets' {}",
                    grouped(a.handshakes_per_s),
                    a.handshakes_per_s / fast.handshakes_per_s,
                    grouped(fast.handshakes_per_s)
                ),
                a.handshakes_per_s >= 1.2 * fast.handshakes_per_s,
            );
            v.judge(
                format!(
                    "ws:// threads: {:.0} with 1 connection, {:.0} with {n} ({:.0} after the idle period)",
                    a.threads_one, a.threads_all, a.threads_idle
                ),
                a.threads_all <= a.threads_one,
            );
        }
    }
    if let Some((n, o)) = largest_idle(outcomes, true) {
        if n != 10_000 {
            v.note(format!("wss:// measured with {n} connections, not 10,000"));
        }
        if let (Some(a), Some(t)) = (idle(o, OURS_CALLBACK), idle(o, Client::TokioTungstenite)) {
            v.judge(
                format!(
                    "wss:// RSS per connection {} KiB = {:.2} × tokio-tungstenite's {} KiB",
                    sig3(a.rss_per_conn_kib),
                    a.rss_per_conn_kib / t.rss_per_conn_kib,
                    sig3(t.rss_per_conn_kib)
                ),
                a.rss_per_conn_kib <= 16.0 && a.rss_per_conn_kib <= 0.8 * t.rss_per_conn_kib,
            );
        }
    }

    v.heading("4. 64 KiB, 1 MiB and 16 MiB through the C API: ≥ 1.05 × fastwebsockets msgs/s, client CPU per message ≤ fastwebsockets'; 64 B: ≥ 0.95 × raw TCP batched");
    for o in &single {
        let Some((_, size, _)) = throughput_size(o) else {
            continue;
        };
        for ours in [OURS_CALLBACK, OURS_APP_THREAD] {
            let Some(a) = throughput(o, ours) else {
                continue;
            };
            let judged = ours == OURS_CALLBACK;
            let (what, pass) = if size >= 64 << 10 {
                let Some(fast) = throughput(o, Client::FastWebSockets) else {
                    continue;
                };
                (
                    format!(
                        "{:>6}  {}: {:.2} × fastwebsockets; CPU {} µs vs {} µs",
                        size_label(size),
                        ours.label(),
                        a.msgs_per_s / fast.msgs_per_s,
                        sig3(a.cpu_us_per_msg),
                        sig3(fast.cpu_us_per_msg)
                    ),
                    a.msgs_per_s >= 1.05 * fast.msgs_per_s
                        && a.cpu_us_per_msg <= fast.cpu_us_per_msg,
                )
            } else if size == 64 {
                let Some(raw) = throughput(o, Client::RawTcpBatched) else {
                    continue;
                };
                (
                    format!(
                        "{:>6}  {}: {:.2} × raw TCP batched",
                        size_label(size),
                        ours.label(),
                        a.msgs_per_s / raw.msgs_per_s
                    ),
                    a.msgs_per_s >= 0.95 * raw.msgs_per_s,
                )
            } else {
                continue;
            };
            v.judge_or_show(judged, what, pass);
        }
    }

    v.heading(
        "5. p99 latency at 64 B ≤ 1.1 × raw TCP's, from a callback and from the application thread",
    );
    if let Some(o) = latency_outcome {
        if let Some(raw) = latency(o, Client::RawTcp) {
            for ours in [OURS_CALLBACK, OURS_APP_THREAD] {
                let Some(a) = latency(o, ours) else { continue };
                v.judge(
                    format!(
                        "{}: p99 {} µs = {:.2} × raw TCP's {} µs (p50 {} µs = {:.2} ×)",
                        ours.label(),
                        sig3(a.p99_us),
                        a.p99_us / raw.p99_us,
                        sig3(raw.p99_us),
                        sig3(a.p50_us),
                        a.p50_us / raw.p50_us
                    ),
                    a.p99_us <= 1.1 * raw.p99_us,
                );
            }
        }
    }
    v.text
        .push_str(&format!("targets: {} PASS, {} MISS\n", v.passed, v.missed));
    v.text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_the_range_over_the_median() {
        assert_eq!(spread([90.0, 100.0, 110.0].into_iter()), Some(20.0));
        assert_eq!(spread(std::iter::empty()), None);
    }

    #[test]
    fn numbers_are_grouped_and_rounded() {
        assert_eq!(grouped(1_234_567.8), "1,234,568");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(sig3(0.01234), "0.012");
        assert_eq!(sig3(12.34), "12.3");
        assert_eq!(sig3(1234.0), "1234");
    }

    #[test]
    fn tables_align_columns() {
        let rows = vec![
            vec!["a".to_string(), "1".to_string()],
            vec!["bcd".to_string(), "22".to_string()],
        ];
        assert_eq!(
            table(&["x", "y"], &rows),
            "x     y\n---  --\na     1\nbcd  22\n"
        );
    }
}
