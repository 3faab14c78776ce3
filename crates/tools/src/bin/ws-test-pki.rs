//! `ws-test-pki DIR`: writes a fresh test PKI (see `net_websocket_tools::pki` for the files)
//! into DIR, creating it if needed, and prints `PKI DIR`.
use net_websocket_tools::pki::TestPki;
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = match (args.next(), args.next()) {
        (Some(dir), None) if !dir.starts_with("--") => PathBuf::from(dir),
        _ => {
            eprintln!("usage: ws-test-pki DIR");
            std::process::exit(2);
        }
    };
    if let Err(e) = TestPki::generate().and_then(|pki| pki.write_to(&dir)) {
        eprintln!("ws-test-pki: {e}");
        std::process::exit(1);
    }
    println!("PKI {}", dir.display());
}
