//! `ws-echo-server [--addr 127.0.0.1:0 | --unix PATH] [--tls-cert FILE --tls-key FILE
//! [--client-ca FILE] [--tls-versions 1.2|1.3|1.2,1.3]]`: prints `LISTENING <addr>`
//! (`LISTENING unix:PATH` on a Unix domain socket, which it creates, replacing a stale socket
//! file) and serves `ws://` (or `wss://` with a certificate and key, in the TLS versions
//! given) until killed. Over TLS on TCP it prints a line per handshake, `TLS <version> full`
//! or `TLS <version> resumed`. See `net_websocket_tools::echo` for the test paths it knows.
use net_websocket_tools::cli;
use net_websocket_tools::tls::{self, ServerTls, TlsFiles};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

const PROGRAM: &str = "ws-echo-server";
const USAGE: &str = "ws-echo-server [--addr 127.0.0.1:0 | --unix PATH] [--tls-cert FILE \
                     --tls-key FILE [--client-ca FILE] [--tls-versions 1.2|1.3|1.2,1.3]]";

struct Options {
    addr: String,
    unix: Option<PathBuf>,
    tls: Option<TlsFiles>,
    server_tls: ServerTls,
}

fn options() -> Result<Options, String> {
    let mut addr = "127.0.0.1:0".to_string();
    let (mut cert, mut key, mut client_ca, mut unix) = (None, None, None, None);
    let mut server_tls = ServerTls::default();
    for (flag, value) in cli::flag_pairs(std::env::args().skip(1))? {
        match flag.as_str() {
            "--addr" => addr = value,
            "--unix" => unix = Some(PathBuf::from(value)),
            "--tls-cert" => cert = Some(PathBuf::from(value)),
            "--tls-key" => key = Some(PathBuf::from(value)),
            "--client-ca" => client_ca = Some(PathBuf::from(value)),
            "--tls-versions" => server_tls.versions = ServerTls::parse_versions(&value)?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let tls = match (cert, key, client_ca) {
        (None, None, None) => None,
        (Some(cert), Some(key), client_ca) => Some(TlsFiles {
            cert,
            key,
            client_ca,
        }),
        _ => return Err("--tls-cert and --tls-key go together, --client-ca needs both".into()),
    };
    Ok(Options {
        addr,
        unix,
        tls,
        server_tls,
    })
}

/// One line per TLS handshake on stdout, flushed at once: tests read it while we run.
fn print_handshake(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() {
    let options = options().unwrap_or_else(|problem| cli::exit_usage(PROGRAM, USAGE, &problem));
    // Before binding, so a bad file never shows a LISTENING line.
    let acceptor = options.tls.as_ref().map(|files| {
        tls::acceptor_with(files, &options.server_tls).unwrap_or_else(|e| {
            eprintln!("{PROGRAM}: {e}");
            std::process::exit(2)
        })
    });
    cli::runtime().block_on(async {
        if let Some(path) = &options.unix {
            // A socket file left by an earlier run would make the bind fail.
            let _ = std::fs::remove_file(path);
            let listener = tokio::net::UnixListener::bind(path).unwrap_or_else(|e| {
                eprintln!("{PROGRAM}: cannot listen on {}: {e}", path.display());
                std::process::exit(1)
            });
            println!("LISTENING unix:{}", path.display());
            let _ = std::io::stdout().flush();
            return net_websocket_tools::echo::serve_unix(listener, acceptor).await;
        }
        let listener = cli::bind_or_exit(PROGRAM, &options.addr).await;
        cli::announce_listening(listener.local_addr().expect("local address"));
        match acceptor {
            Some(acceptor) => {
                let log = Arc::new(print_handshake);
                net_websocket_tools::echo::serve_tls_logged(listener, acceptor, log).await
            }
            None => net_websocket_tools::echo::serve(listener).await,
        }
    });
}
