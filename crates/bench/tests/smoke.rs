//! The harness works end to end: `ws-bench --quick --only throughput-64` starts its servers,
//! runs every client once and prints the table, the ratio lines and the targets. Nothing here
//! looks at the numbers: speed is never asserted.
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A quick run takes a few seconds; this only stops a hung bench.
const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn quick_throughput_run_prints_table_ratios_and_targets() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ws-bench"))
        .args(["--quick", "--only", "throughput-64"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ws-bench");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for ws-bench") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("ws-bench did not finish within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "ws-bench failed: {status}\n{out}\n{err}");

    assert!(out.contains("machine: "), "no machine line:\n{out}");
    assert!(out.contains("command: "), "no command line:\n{out}");
    assert!(
        out.contains("== throughput-64: "),
        "no table heading:\n{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("client ")
            && ["msgs/run", "msgs/s", "MB/s", "CPU µs/msg", "server CPU"]
                .iter()
                .all(|column| l.contains(column))),
        "no table header:\n{out}"
    );
    for client in [
        "ours (callback)",
        "ours (app thread)",
        "fastwebsockets",
        "tokio-tungstenite",
        "raw TCP",
        "raw TCP batched",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(client)),
            "no row for {client}:\n{out}"
        );
    }
    assert!(
        out.contains("ratio ours (callback) / fastwebsockets: msgs/s "),
        "no ratio line:\n{out}"
    );
    assert!(
        out.contains("ratio ours (callback) / best raw"),
        "no raw ratio:\n{out}"
    );
    assert!(out.contains("== targets =="), "no targets:\n{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("64 B  ours (callback): ")
                && (l.contains("PASS") || l.contains("MISS"))),
        "no judged throughput target:\n{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("targets: ")),
        "no target summary:\n{out}"
    );
}
