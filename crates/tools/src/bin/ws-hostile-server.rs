//! `ws-hostile-server [--addr 127.0.0.1:0] [--tls-cert FILE --tls-key FILE]`: prints
//! `LISTENING <addr>`, then one line per connection, `SCENARIO <name> <outcome>`, and serves
//! until killed; the request path `/NAME` picks the scenario; with a certificate and key it
//! plays them over TLS. `ws-hostile-server --list` prints the catalogue instead (name, the
//! rule it breaks, what it does; tab-separated). See `net_websocket_tools::hostile`.
use net_websocket_tools::cli;
use net_websocket_tools::hostile::{self, SCENARIOS};
use net_websocket_tools::tls::{self, TlsFiles};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

const PROGRAM: &str = "ws-hostile-server";
const USAGE: &str = "ws-hostile-server [--addr 127.0.0.1:0] [--tls-cert FILE --tls-key FILE] \
                     | ws-hostile-server --list";

struct Options {
    addr: String,
    tls: Option<TlsFiles>,
}

fn options() -> Result<Options, String> {
    let mut addr = "127.0.0.1:0".to_string();
    let (mut cert, mut key) = (None, None);
    for (flag, value) in cli::flag_pairs(std::env::args().skip(1))? {
        match flag.as_str() {
            "--addr" => addr = value,
            "--tls-cert" => cert = Some(PathBuf::from(value)),
            "--tls-key" => key = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let tls = match (cert, key) {
        (None, None) => None,
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert,
            key,
            client_ca: None,
        }),
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    Ok(Options { addr, tls })
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
    let options = options().unwrap_or_else(|problem| cli::exit_usage(PROGRAM, USAGE, &problem));
    // Before binding, so a bad file never shows a LISTENING line.
    let acceptor = options.tls.as_ref().map(|files| {
        tls::acceptor(files).unwrap_or_else(|e| {
            eprintln!("{PROGRAM}: {e}");
            std::process::exit(2)
        })
    });
    cli::runtime().block_on(async {
        let listener = cli::bind_or_exit(PROGRAM, &options.addr).await;
        cli::announce_listening(listener.local_addr().expect("local address"));
        match acceptor {
            Some(acceptor) => hostile::serve_tls(listener, acceptor, Arc::new(print_line)).await,
            None => hostile::serve(listener, Arc::new(print_line)).await,
        }
    });
}
