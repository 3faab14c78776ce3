//! `ws-test-proxy --protocol http|socks5 [--addr 127.0.0.1:0] [--user U --password P]
//! [--status "CODE REASON"] [--reply N]`: prints `LISTENING <addr>`, then one line per tunnel
//! request, `<kind> <target> <outcome>`; serves until killed. See `net_websocket_tools::proxy`.
use net_websocket_tools::cli;
use net_websocket_tools::proxy::{self, Config, Credentials, Mode, TunnelLog};
use std::io::Write;
use std::sync::Arc;

const PROGRAM: &str = "ws-test-proxy";
const USAGE: &str = "ws-test-proxy --protocol http|socks5 [--addr 127.0.0.1:0] \
    [--user U --password P] [--status \"CODE REASON\"] [--reply N]";

fn options() -> Result<(String, Config), String> {
    let mut addr = "127.0.0.1:0".to_string();
    let (mut protocol, mut user, mut password, mut status, mut reply) =
        (None, None, None, None, None);
    for (flag, value) in cli::flag_pairs(std::env::args().skip(1))? {
        match flag.as_str() {
            "--protocol" => protocol = Some(value),
            "--addr" => addr = value,
            "--user" => user = Some(value),
            "--password" => password = Some(value),
            "--status" => status = Some(value.parse::<proxy::Status>()?),
            "--reply" => {
                let code = value.parse::<u8>();
                reply = Some(code.map_err(|_| format!("--reply needs 0..=255, not {value:?}"))?);
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let mode = match (protocol.as_deref(), status, reply) {
        (Some("http"), deny, None) => Mode::Http { deny },
        (Some("socks5"), None, deny) => Mode::Socks5 { deny },
        (Some("http"), _, Some(_)) => return Err("--reply is for --protocol socks5".into()),
        (Some("socks5"), Some(_), _) => return Err("--status is for --protocol http".into()),
        (Some(other), _, _) => return Err(format!("unknown protocol {other:?}")),
        (None, _, _) => return Err("--protocol is required".into()),
    };
    let credentials = match (user, password) {
        (None, None) => None,
        (Some(user), Some(password)) => Some(Credentials { user, password }),
        _ => return Err("--user and --password go together".into()),
    };
    Ok((addr, Config { mode, credentials }))
}

/// One line per request on stdout, flushed at once: tests read it while we run.
fn print_line(line: &TunnelLog) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() {
    let (addr, config) =
        options().unwrap_or_else(|problem| cli::exit_usage(PROGRAM, USAGE, &problem));
    cli::runtime().block_on(async {
        let listener = cli::bind_or_exit(PROGRAM, &addr).await;
        cli::announce_listening(listener.local_addr().expect("local address"));
        proxy::serve(listener, config, Arc::new(print_line)).await;
    });
}
