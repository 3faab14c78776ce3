//! `--record` and `--replay`, driving the binary against servers in this process on 127.0.0.1:
//! the transcript as documented and without credentials, a replay that matches (exit 0), one
//! that does not (exit 5, each difference named with the messages' contents), `--ignore`.
// Each test file uses part of the shared support.
#[path = "support/scripted.rs"]
mod scripted;
#[allow(dead_code)]
mod support;

use net_websocket_tools::proxy::Mode;
use scripted::{Answer, Scripted};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use support::{Netws, Servers};

fn ws(addr: SocketAddr, path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", addr.port())
}

/// A fresh file path for this test.
fn transcript(test: &str) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("netws-{test}.jsonl"));
    let _ = std::fs::remove_file(&path);
    path.to_str().unwrap().to_string()
}

fn lines(path: &str) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

const REQUESTS: &[u8] = b"{\"id\":1,\"op\":\"a\",\"ts\":100}\n\
    {\"id\":2,\"op\":\"b\",\"ts\":200}\n\
    {\"id\":3,\"op\":\"c\",\"ts\":300}\n";

/// Records REQUESTS sent to the echo server at `url`.
fn record(path: &str, url: &str) {
    let out = Netws::new(&["--record", path, url]).stdin(REQUESTS).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

fn restamp_the_second(n: usize) -> Answer {
    match n {
        2 => Answer::Restamp,
        _ => Answer::Echo,
    }
}

#[test]
fn the_transcript_has_the_header_then_each_event_in_order() {
    let servers = Servers::new();
    let url = ws(servers.echo(), "/chat?room=7");
    let path = transcript("format");
    record(&path, &url);
    let lines = lines(&path);

    let header = &lines[0];
    assert_eq!(header["type"], "header");
    assert_eq!(header["version"], 1);
    assert_eq!(header["url"], url.as_str());
    assert_eq!(header["response"]["status"], 101);
    assert_eq!(header["subprotocol"], Value::Null);
    assert_eq!(header["compression_offered"], false);

    let events = &lines[1..];
    let texts = |dir: &str| -> Vec<&str> {
        events
            .iter()
            .filter(|e| e["type"] == "text" && e["dir"] == dir)
            .map(|e| e["text"].as_str().unwrap())
            .collect()
    };
    let sent: Vec<&str> = std::str::from_utf8(REQUESTS).unwrap().lines().collect();
    assert_eq!(texts("out"), sent);
    assert_eq!(texts("in"), sent);
    let close = events.iter().find(|e| e["type"] == "close").unwrap();
    assert_eq!(
        (&close["dir"], &close["code"]),
        (&"out".into(), &1000.into())
    );
    let end = events.last().unwrap();
    assert_eq!((&end["type"], &end["code"]), (&"end".into(), &1000.into()));
    let times: Vec<f64> = events.iter().map(|e| e["t"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "{times:?}");
}

#[test]
fn binary_messages_and_compression_are_recorded() {
    let servers = Servers::new();
    let path = transcript("binary");
    let out = Netws::new(&[
        "--record",
        &path,
        "--binary",
        "-z",
        &ws(servers.echo(), "/"),
    ])
    .stdin(b"00 01 fe ff\n")
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = lines(&path);
    assert_eq!(lines[0]["compression_offered"], true);
    assert!(
        lines[0]["extensions"]
            .as_str()
            .unwrap()
            .starts_with("permessage-deflate"),
        "{}",
        lines[0]
    );
    let binaries: Vec<(&str, &str)> = lines[1..]
        .iter()
        .filter(|e| e["type"] == "binary")
        .map(|e| (e["dir"].as_str().unwrap(), e["base64"].as_str().unwrap()))
        .collect();
    assert_eq!(binaries, [("out", "AAH+/w=="), ("in", "AAH+/w==")]);
}

#[test]
fn credentials_and_cookies_stay_out_of_the_transcript() {
    let servers = Servers::new();
    let (proxy, _log) = servers.proxy(Mode::Http { deny: None });
    let server = Scripted::start(|_| Answer::Echo);
    let path = transcript("secrets");
    let proxy_url = format!("http://alice:SECRET-PROXY@127.0.0.1:{}", proxy.port());
    let url = ws(server.addr, "/feed?access_token=SECRET-QUERY&room=7");
    let out = Netws::new(&[
        "--record",
        &path,
        "--proxy",
        &proxy_url,
        "-H",
        "Authorization: Bearer SECRET-TOKEN",
        "-H",
        "Cookie: sid=SECRET-COOKIE",
        "-H",
        "X-Request-Id: 42",
        &url,
    ])
    .stdin(b"{\"id\":1}\n")
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);

    let text = std::fs::read_to_string(&path).unwrap();
    for secret in ["SECRET", "alice"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let header = &lines(&path)[0];
    assert_eq!(
        header["url"],
        ws(server.addr, "/feed?access_token=[redacted]&room=7").as_str()
    );
    assert_eq!(
        header["request_headers"],
        serde_json::json!([
            ["Authorization", "[redacted]"],
            ["Cookie", "[redacted]"],
            ["X-Request-Id", "42"]
        ])
    );
    let response_headers = header["response"]["headers"].as_array().unwrap();
    assert!(
        response_headers.contains(&serde_json::json!(["Set-Cookie", "[redacted]"])),
        "{response_headers:?}"
    );
    // The cookie really was there to leave out.
    assert!(scripted::SET_COOKIE.contains("SECRET"));
}

#[test]
fn a_recorded_session_replays_as_recorded_at_any_pace() {
    let servers = Servers::new();
    let path = transcript("replay");
    record(&path, &ws(servers.echo(), "/"));
    for speed in ["1", "0", "3.5"] {
        // No URL: the recorded one.
        let out = Netws::new(&["--replay", &path, "--speed", speed]).run();
        assert_eq!(out.code, 0, "--speed {speed}: {}", out.stderr);
        assert_eq!(out.stdout, REQUESTS, "--speed {speed}");
        assert_eq!(
            out.stderr,
            "netws: replay: as recorded: 3 messages and the close\n"
        );
    }
}

#[test]
fn a_server_that_answers_one_message_differently_fails_the_replay_with_5() {
    let servers = Servers::new();
    let path = transcript("differs");
    record(&path, &ws(servers.echo(), "/"));
    let server = Scripted::start(restamp_the_second);
    let out = Netws::new(&["--replay", &path, &ws(server.addr, "/")]).run();
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "netws: replay: message 2 differs at /ts:\n\
         \x20 recorded: {\"id\":2,\"op\":\"b\",\"ts\":200}\n\
         \x20 received: {\"id\":2,\"op\":\"b\",\"ts\":0}\n\
         netws: replay: 1 of 3 messages differ\n"
    );
}

#[test]
fn ignoring_the_differing_member_makes_the_replay_pass() {
    let servers = Servers::new();
    let path = transcript("ignore");
    record(&path, &ws(servers.echo(), "/"));
    let server = Scripted::start(restamp_the_second);
    let url = ws(server.addr, "/");
    let out = Netws::new(&["--replay", &path, "--ignore", "/ts", &url]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Another member still counts.
    let out = Netws::new(&["--replay", &path, "--ignore", "/id", &url]).run();
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("netws: replay: message 2 differs at /ts:\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_missing_or_an_extra_message_counts() {
    let servers = Servers::new();
    let path = transcript("missing");
    record(&path, &ws(servers.echo(), "/"));
    let server = Scripted::start(|n| match n {
        3 => Answer::Drop,
        _ => Answer::Echo,
    });
    let out = Netws::new(&[
        "--replay",
        &path,
        "--reply-timeout",
        "0.5",
        &ws(server.addr, "/"),
    ])
    .run();
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "netws: replay: message 3 is missing:\n\
         \x20 recorded: {\"id\":3,\"op\":\"c\",\"ts\":300}\n\
         netws: replay: 1 of 3 messages differ\n"
    );

    // /messages/1 greets with "message 0": everything after it is off by one.
    let echo = servers.echo();
    let out = Netws::new(&["--replay", &path, &ws(echo, "/messages/1")]).run();
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "netws: replay: message 1 differs:\n\
             \x20 recorded: {\"id\":1,\"op\":\"a\",\"ts\":100}\n\
             \x20 received: message 0\n"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("netws: replay: message 4 is extra:\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .ends_with("netws: replay: 4 of 4 messages differ\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_close_the_server_chose_is_replayed_and_compared() {
    let servers = Servers::new();
    let echo = servers.echo();
    let path = transcript("server-close");
    let out = Netws::new(&["--record", &path, &ws(echo, "/close/4001")])
        .keep_stdin_open()
        .run();
    assert_eq!(out.code, 4, "{}", out.stderr);

    // The same server closes the same way: that is the recorded session, exit 0.
    let out = Netws::new(&["--replay", &path]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "netws: replay: as recorded: 0 messages and the close\n"
    );

    // A server that does not close: the replay waits for the reply timeout, closes with 1000.
    let url = ws(echo, "/");
    let out = Netws::new(&["--replay", &path, "--reply-timeout", "0.3", &url]).run();
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "netws: replay: the connection ended differently:\n\
         \x20 recorded: close 4001 server closing\n\
         \x20 received: close 1000\n\
         netws: replay: 0 messages as recorded, but not the close\n"
    );
}

#[test]
fn a_replay_can_record_itself() {
    let servers = Servers::new();
    let first = transcript("first");
    let second = transcript("second");
    record(&first, &ws(servers.echo(), "/"));
    let out = Netws::new(&["--replay", &first, "--speed", "0", "--record", &second]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The same messages both ways, and the same end.
    let texts = |path: &str| -> Vec<(String, String)> {
        let mut events: Vec<(String, String)> = lines(path)[1..]
            .iter()
            .filter(|e| e["type"] == "text")
            .map(|e| (e["dir"].to_string(), e["text"].to_string()))
            .collect();
        // Sent and received interleave differently at another pace.
        events.sort();
        events
    };
    assert_eq!(texts(&first), texts(&second));
    assert_eq!(lines(&second).last().unwrap()["code"], 1000);
}

#[test]
fn a_recording_with_a_redacted_url_needs_the_url_given() {
    let servers = Servers::new();
    let echo = servers.echo();
    let path = transcript("redacted-url");
    record(&path, &ws(echo, "/?token=SECRET"));
    let out = Netws::new(&["--replay", &path]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("had a credential redacted: give the URL"),
        "{}",
        out.stderr
    );
    let out = Netws::new(&["--replay", &path, &ws(echo, "/?token=SECRET")]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn transcripts_that_cannot_be_used_are_usage_errors() {
    let out = Netws::new(&["--replay", "/nonexistent/netws.jsonl"]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("netws: /nonexistent/netws.jsonl: "),
        "{}",
        out.stderr
    );

    let path = transcript("broken");
    std::fs::write(&path, "{\"type\":\"header\",\"version\":1}\n").unwrap();
    let out = Netws::new(&["--replay", &path]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(": line 1: missing field"),
        "{}",
        out.stderr
    );

    let out = Netws::new(&["--record", "/nonexistent/dir/t.jsonl", "ws://127.0.0.1:1/"]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("netws: /nonexistent/dir/t.jsonl: "),
        "{}",
        out.stderr
    );
}
