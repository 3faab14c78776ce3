//! `ws-test-proxy --protocol http|socks5 [--addr 127.0.0.1:0] [--user U --password P]
//! [--auth basic|digest|digest-md5|ntlm] [--tls-cert FILE --tls-key FILE]
//! [--status "CODE REASON"] [--reply N]`: prints `LISTENING <addr>`, then one line per tunnel
//! request, `<kind> <target> <outcome>` (and the Digest algorithm a request authenticated
//! with); serves until killed. `--auth` (HTTP): `basic` (the default), `digest` (challenges
//! for SHA-256 and MD5; a 407 keeps the connection), `digest-md5` (MD5 only; a 407 closes
//! it), `ntlm` (every CONNECT gets 407 with only NTLM and Negotiate). With a certificate and
//! key the HTTP proxy speaks TLS (an `https://` proxy). See `net_websocket_tools::proxy`.
use net_websocket_tools::cli;
use net_websocket_tools::proxy::{
    self, Config, Credentials, DigestAlgorithm, HttpAuth, Mode, TunnelLog,
};
use net_websocket_tools::tls::{self, TlsFiles};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

const PROGRAM: &str = "ws-test-proxy";
const USAGE: &str = "ws-test-proxy --protocol http|socks5 [--addr 127.0.0.1:0] \
    [--user U --password P] [--auth basic|digest|digest-md5|ntlm] \
    [--tls-cert FILE --tls-key FILE] [--status \"CODE REASON\"] [--reply N]";

struct Options {
    addr: String,
    config: Config,
    tls: Option<TlsFiles>,
}

fn parse_auth(name: &str) -> Result<HttpAuth, String> {
    Ok(match name {
        "basic" => HttpAuth::Basic,
        "digest" => HttpAuth::Digest {
            algorithms: vec![DigestAlgorithm::Sha256, DigestAlgorithm::Md5],
            keep_alive: true,
        },
        "digest-md5" => HttpAuth::Digest {
            algorithms: vec![DigestAlgorithm::Md5],
            keep_alive: false,
        },
        "ntlm" => HttpAuth::Ntlm,
        other => return Err(format!("unknown --auth {other:?}")),
    })
}

fn options() -> Result<Options, String> {
    let mut addr = "127.0.0.1:0".to_string();
    let (mut protocol, mut user, mut password, mut status, mut reply) =
        (None, None, None, None, None);
    let (mut auth, mut cert, mut key) = (HttpAuth::Basic, None, None);
    for (flag, value) in cli::flag_pairs(std::env::args().skip(1))? {
        match flag.as_str() {
            "--protocol" => protocol = Some(value),
            "--addr" => addr = value,
            "--user" => user = Some(value),
            "--password" => password = Some(value),
            "--auth" => auth = parse_auth(&value)?,
            "--tls-cert" => cert = Some(PathBuf::from(value)),
            "--tls-key" => key = Some(PathBuf::from(value)),
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
    let http = matches!(mode, Mode::Http { .. });
    if !http && auth != HttpAuth::Basic {
        return Err("--auth is for --protocol http".into());
    }
    let tls = match (cert, key) {
        (None, None) => None,
        (Some(cert), Some(key)) if http => Some(TlsFiles {
            cert,
            key,
            client_ca: None,
        }),
        (Some(_), Some(_)) => return Err("TLS is for --protocol http".into()),
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    Ok(Options {
        addr,
        config: Config {
            mode,
            credentials,
            auth,
        },
        tls,
    })
}

/// One line per request on stdout, flushed at once: tests read it while we run.
fn print_line(line: &TunnelLog) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() {
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
        let log = Arc::new(print_line);
        match acceptor {
            Some(acceptor) => proxy::serve_tls(listener, acceptor, options.config, log).await,
            None => proxy::serve(listener, options.config, log).await,
        }
    });
}
