//! Replays the committed corpus through the targets' bodies without libFuzzer:
//! `cargo test --manifest-path fuzz/Cargo.toml` (a plain build: no sanitizer flags, no C++).
use std::path::Path;

/// One target at a time: the targets measure live heap bytes, which are process-wide.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn replay(target: &str, run: fn(&[u8])) {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| run(&data));
        assert!(result.is_ok(), "{} fails", path.display());
        count += 1;
    }
    assert!(count > 0, "no corpus for {target}");
}

#[test]
fn frame_decoder() {
    replay("frame_decoder", net_websocket_fuzz::decoder::frame_decoder);
}

#[test]
fn frame_decoder_deflate() {
    replay(
        "frame_decoder_deflate",
        net_websocket_fuzz::decoder::frame_decoder_deflate,
    );
}

#[test]
fn frame_decoder_pieces() {
    replay(
        "frame_decoder_pieces",
        net_websocket_fuzz::pieces::frame_decoder_pieces,
    );
}

#[test]
fn handshake_response() {
    replay(
        "handshake_response",
        net_websocket_fuzz::handshake::handshake_response,
    );
}

#[test]
fn url() {
    replay("url", net_websocket_fuzz::url::url);
}

#[test]
fn proxy_replies() {
    replay("proxy_replies", net_websocket_fuzz::proxy::proxy_replies);
}
