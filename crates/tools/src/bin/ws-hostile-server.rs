//! `ws-hostile-server [--addr 127.0.0.1:0]`: prints `LISTENING <addr>`, then one line per
//! connection, `SCENARIO <name> <outcome>`, and serves until killed; the request path `/NAME`
//! picks the scenario. `ws-hostile-server --list` prints the catalogue instead (name, the rule
//! it breaks, what it does; tab-separated). See `net_websocket_tools::hostile`.
use net_websocket_tools::cli;
use net_websocket_tools::hostile::{self, SCENARIOS};
use std::io::Write;
use std::sync::Arc;

const PROGRAM: &str = "ws-hostile-server";
const USAGE: &str = "ws-hostile-server [--addr 127.0.0.1:0] | ws-hostile-server --list";

fn addr() -> Result<String, String> {
    let mut addr = "127.0.0.1:0".to_string();
    for (flag, value) in cli::flag_pairs(std::env::args().skip(1))? {
        match flag.as_str() {
            "--addr" => addr = value,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(addr)
}

/// One line per connection on stdout, flushed at once: tests read it while we run.
fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() {
    if std::env::args().skip(1).eq(["--list".to_string()]) {
        for s in SCENARIOS {
            print_line(&format!("{}\t{}\t{}", s.name, s.breaks, s.does));
        }
        return;
    }
    let addr = addr().unwrap_or_else(|problem| cli::exit_usage(PROGRAM, USAGE, &problem));
    cli::runtime().block_on(async {
        let listener = cli::bind_or_exit(PROGRAM, &addr).await;
        cli::announce_listening(listener.local_addr().expect("local address"));
        hostile::serve(listener, Arc::new(print_line)).await;
    });
}
