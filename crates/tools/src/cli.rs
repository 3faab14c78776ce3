//! What the tool binaries share: `--flag value` arguments, usage errors (exit 2), the
//! `LISTENING` line tests wait for, and a small runtime.
use std::io::Write;
use std::net::SocketAddr;

/// `--name value` pairs in order; anything else (a lone word, a flag without its value) is an
/// error naming it.
pub fn flag_pairs(args: impl IntoIterator<Item = String>) -> Result<Vec<(String, String)>, String> {
    let mut args = args.into_iter();
    let mut pairs = Vec::new();
    while let Some(arg) = args.next() {
        if !arg.starts_with("--") {
            return Err(format!("unexpected argument {arg:?}"));
        }
        match args.next() {
            Some(value) => pairs.push((arg, value)),
            None => return Err(format!("{arg} needs a value")),
        }
    }
    Ok(pairs)
}

/// Prints `problem` and the usage line on stderr, then exits with status 2.
pub fn exit_usage(program: &str, usage: &str, problem: &str) -> ! {
    eprintln!("{program}: {problem}");
    eprintln!("usage: {usage}");
    std::process::exit(2)
}

/// The first stdout line of every server tool: `LISTENING 127.0.0.1:PORT`, flushed so a test
/// reading the pipe sees it at once.
pub fn announce_listening(addr: SocketAddr) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "LISTENING {addr}");
    let _ = out.flush();
}

/// A two-thread runtime: the tools serve a handful of test connections at a time.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Binds `addr` or exits with status 1 saying why.
pub async fn bind_or_exit(program: &str, addr: &str) -> tokio::net::TcpListener {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("{program}: cannot bind {addr}: {e}");
            std::process::exit(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flag_pairs_keep_order_and_name_what_is_wrong() {
        assert_eq!(
            flag_pairs(args(&["--a", "1", "--b", "two words"])),
            Ok(vec![
                ("--a".to_string(), "1".to_string()),
                ("--b".to_string(), "two words".to_string())
            ])
        );
        assert_eq!(
            flag_pairs(args(&["--a"])),
            Err("--a needs a value".to_string())
        );
        assert_eq!(
            flag_pairs(args(&["stray"])),
            Err("unexpected argument \"stray\"".to_string())
        );
    }
}
