//! `netws`: a command-line WebSocket client on net_websocket, in the spirit of websocat:
//! stdin lines go out as messages, received messages come out on stdout (or, with `--stream`,
//! all of stdin as one message and messages as their pieces arrive); on a terminal, a
//! console; `--record` and `--replay` for sessions kept as tests. See `--help`.
mod args;
mod compare;
mod console;
mod exit;
mod format;
mod handler;
mod input;
mod json_pointer;
mod options;
mod outlet;
mod record;
mod redact;
mod replay;
mod session;
mod stats;
mod stream;
mod transcript;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Usage errors exit here, with 2 (clap's status, which is also ours).
    let args = args::Args::parse();
    if let Err(error) = args.check() {
        error.exit();
    }
    // NET_WEBSOCKET_LOG=debug shows the connection's steps on stderr.
    net_websocket_client::logging::init_from_env();
    session::run(args).into()
}
