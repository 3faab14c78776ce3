//! The netws binary against servers in this process on 127.0.0.1: what reaches stdout, what
//! stderr says, and the exit status, for each way a session can go.
// Each test file uses part of the shared support.
#[allow(dead_code)]
mod support;

use net_websocket_tools::proxy::Mode;
use support::{closed_port, Netws, Servers};

fn ws(addr: std::net::SocketAddr, path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", addr.port())
}

// 1. Text round trips and --count.

#[test]
fn text_lines_come_back_as_lines_and_end_of_input_closes_with_1000() {
    let servers = Servers::new();
    let url = ws(servers.echo(), "/");
    // A last line without its newline is sent too; an empty line is an empty message.
    let out = Netws::new(&[&url])
        .stdin("hello\nwörld\n\nlast".as_bytes())
        .run();
    assert_eq!(out.stdout_text(), "hello\nwörld\n\nlast\n");
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn count_ends_the_session_after_n_messages() {
    let servers = Servers::new();
    let echo = servers.echo();
    // Stdin stays open: only the count can end these sessions.
    let out = Netws::new(&["--count", "2", &ws(echo, "/messages/5")])
        .keep_stdin_open()
        .run();
    assert_eq!(out.stdout_text(), "message 0\nmessage 1\n");
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));

    let out = Netws::new(&["--once", &ws(echo, "/")])
        .stdin(b"first\nsecond\n")
        .keep_stdin_open()
        .run();
    assert_eq!(out.stdout_text(), "first\n");
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn with_count_the_end_of_input_does_not_close() {
    let servers = Servers::new();
    // Stdin is empty and closed at once; the server's message comes later, and only to a
    // client that has not closed.
    let out = Netws::new(&["--count", "1", &ws(servers.late(), "/")]).run();
    assert_eq!(out.stdout_text(), "late\n");
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    // Without --count the end of input closes at once: no message.
    let out = Netws::new(&[&ws(servers.late(), "/")]).run();
    assert_eq!((out.stdout_text().as_str(), out.code), ("", 0));
}

// 2. Binary messages.

#[test]
fn binary_hex_round_trip() {
    let servers = Servers::new();
    let out = Netws::new(&["--binary", &ws(servers.echo(), "/")])
        .stdin(b"00 01 fe ff\nDEADbeef\n\n")
        .run();
    assert_eq!(out.stdout_text(), "0001feff\ndeadbeef\n\n");
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn binary_raw_round_trip_adds_nothing_while_text_stays_a_line() {
    let servers = Servers::new();
    // /messages/1 sends the text "message 0" first, then echoes.
    let url = ws(servers.echo(), "/messages/1");
    let out = Netws::new(&["--binary", "--binary-format", "raw", &url])
        .stdin(b"ab\n\xff\x00cd\n")
        .run();
    assert_eq!(out.stdout, b"message 0\nab\xff\x00cd");
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn a_line_that_is_not_hex_is_a_usage_error() {
    let servers = Servers::new();
    let out = Netws::new(&["--binary", &ws(servers.echo(), "/")])
        .stdin(b"0a0b\n0z\n")
        .keep_stdin_open()
        .run();
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "netws: stdin line 2 is not hex: 'z' at column 2 is not a hex digit\n"
    );
}

#[test]
fn a_text_line_that_is_not_utf8_is_a_usage_error() {
    let servers = Servers::new();
    let out = Netws::new(&[&ws(servers.echo(), "/")])
        .stdin(b"\xff\xfe\n")
        .keep_stdin_open()
        .run();
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "netws: stdin line 1 is not UTF-8 (send it with --binary --binary-format raw)\n"
    );
}

// 3. wss:// and certificates.

#[test]
fn wss_with_the_test_ca() {
    let servers = Servers::with_pki("wss-ca");
    let url = format!("wss://localhost:{}/", servers.tls_echo(false).port());
    let out = Netws::new(&["--cacert", &servers.file("ca.pem"), &url])
        .stdin(b"over tls\n")
        .run();
    assert_eq!(out.stdout_text(), "over tls\n");
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn wss_without_the_ca_fails_naming_the_certificate_problem() {
    let servers = Servers::with_pki("wss-no-ca");
    let port = servers.tls_echo(false).port();
    // The default trust store, made the same on every machine: a CA that signed nothing here.
    let out = Netws::new(&[&format!("wss://localhost:{port}/")])
        .env("SSL_CERT_FILE", &servers.file("other-ca.pem"))
        .keep_stdin_open()
        .run();
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "netws: wss://localhost:{port}: TLS certificate verify failed: certificate signed \
             by unknown authority\n"
        )
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn insecure_skips_verification_with_a_warning() {
    let servers = Servers::with_pki("insecure");
    let url = format!("wss://localhost:{}/", servers.tls_echo(false).port());
    let out = Netws::new(&["-k", &url])
        .env("SSL_CERT_FILE", &servers.file("other-ca.pem"))
        .stdin(b"unverified\n")
        .run();
    assert_eq!(out.stdout_text(), "unverified\n");
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.starts_with("netws: warning: --insecure: ") && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
}

#[test]
fn client_certificates_with_an_encrypted_key() {
    let servers = Servers::with_pki("client-cert");
    let url = format!("wss://localhost:{}/", servers.tls_echo(true).port());
    let ca = servers.file("ca.pem");
    let out = Netws::new(&[
        "--cacert",
        &ca,
        "--cert",
        &servers.file("client.pem"),
        "--key",
        &servers.file("client-key-encrypted.pem"),
        "--key-password",
        net_websocket_tools::pki::ENCRYPTED_KEY_PASSWORD,
        &url,
    ])
    .stdin(b"authenticated\n")
    .run();
    assert_eq!(out.stdout_text(), "authenticated\n");
    assert_eq!(out.code, 0, "{}", out.stderr);

    let out = Netws::new(&["--cacert", &ca, &url]).keep_stdin_open().run();
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("the server requires a client certificate and none is set"),
        "{}",
        out.stderr
    );

    // A key file netws cannot use is refused before connecting, naming the file.
    let key = servers.file("client-key-encrypted.pem");
    let out = Netws::new(&["--cert", &servers.file("client.pem"), "--key", &key, &url]).run();
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!("netws: {key}: the key is encrypted: a password is needed\n")
    );
}

// 4. Proxies.

#[test]
fn through_an_http_connect_proxy() {
    let servers = Servers::new();
    let echo = servers.echo();
    let (proxy, log) = servers.proxy(Mode::Http { deny: None });
    let proxy_url = format!("http://127.0.0.1:{}", proxy.port());
    let url = ws(echo, "/");
    let out = Netws::new(&["-v", "--proxy", &proxy_url, &url])
        .stdin(b"tunnelled\n")
        .run();
    assert_eq!(out.stdout_text(), "tunnelled\n");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.lines().next(),
        Some(format!("* connecting to {url} through {proxy_url}").as_str())
    );
    assert_eq!(
        *log.lock().unwrap(),
        [format!("http 127.0.0.1:{} ok", echo.port())]
    );
}

#[test]
fn through_a_socks5_proxy() {
    let servers = Servers::new();
    let echo = servers.echo();
    let (proxy, log) = servers.proxy(Mode::Socks5 { deny: None });
    let proxy_url = format!("socks5://127.0.0.1:{}", proxy.port());
    let out = Netws::new(&["--proxy", &proxy_url, &ws(echo, "/")])
        .stdin(b"socks\n")
        .run();
    assert_eq!(out.stdout_text(), "socks\n");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        *log.lock().unwrap(),
        [format!("socks5-ipv4 127.0.0.1:{} ok", echo.port())]
    );
}

#[test]
fn the_environment_proxy_is_used_unless_no_proxy() {
    let servers = Servers::new();
    let echo = servers.echo();
    let (proxy, log) = servers.proxy(Mode::Http { deny: None });
    let from_env = format!("http://127.0.0.1:{}", proxy.port());
    let out = Netws::new(&[&ws(echo, "/")])
        .env("http_proxy", &from_env)
        .stdin(b"via env\n")
        .run();
    assert_eq!((out.stdout_text().as_str(), out.code), ("via env\n", 0));
    assert_eq!(log.lock().unwrap().len(), 1);

    // An environment proxy that is down: only --no-proxy gets through.
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let out = Netws::new(&["--no-proxy", &ws(echo, "/")])
        .env("http_proxy", &dead)
        .stdin(b"direct\n")
        .run();
    assert_eq!((out.stdout_text().as_str(), out.code), ("direct\n", 0));
    assert_eq!(log.lock().unwrap().len(), 1, "no second tunnel");
}

// 5. Failures and their exit statuses.

#[test]
fn connect_refused_exits_1_with_the_clients_message() {
    let port = closed_port();
    let out = Netws::new(&[&format!("ws://127.0.0.1:{port}/")]).run();
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "netws: ws://127.0.0.1:{port}: TCP connect failed: 127.0.0.1:{port}: connection \
             refused\n"
        )
    );
}

#[test]
fn the_connect_timeout_bounds_a_silent_server() {
    let servers = Servers::new();
    let echo = servers.echo();
    let out = Netws::new(&["--connect-timeout", "0.3", &ws(echo, "/silent")]).run();
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "netws: ws://127.0.0.1:{}: timed out after 0.3 s in the WebSocket handshake\n",
            echo.port()
        )
    );
}

#[test]
fn reconnect_says_what_it_does_then_gives_up() {
    let port = closed_port();
    let out = Netws::new(&[
        "--reconnect",
        "--reconnect-attempts",
        "1",
        &format!("ws://127.0.0.1:{port}/"),
    ])
    .run();
    assert_eq!(out.code, 1);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(lines[0].contains("; reconnecting in "), "{}", lines[0]);
    assert!(lines[0].ends_with(" (attempt 1 of 1)"), "{}", lines[0]);
    assert!(lines[1].ends_with("connection refused"), "{}", lines[1]);
}

#[test]
fn a_server_close_other_than_1000_exits_4_with_code_and_reason() {
    let servers = Servers::new();
    let echo = servers.echo();
    let out = Netws::new(&[&ws(echo, "/close/4000")])
        .keep_stdin_open()
        .run();
    assert_eq!(out.code, 4);
    assert_eq!(
        out.stderr,
        format!(
            "netws: ws://127.0.0.1:{}: the server closed the connection with code 4000: server \
             closing\n",
            echo.port()
        )
    );
    // Also when it crosses our own close (stdin ends at once).
    assert_eq!(Netws::new(&[&ws(echo, "/close/4000")]).run().code, 4);

    let out = Netws::new(&[&ws(echo, "/close/1000")])
        .keep_stdin_open()
        .run();
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn a_loss_or_protocol_failure_after_open_exits_3() {
    let servers = Servers::new();
    let echo = servers.echo();
    let port = echo.port();
    let out = Netws::new(&[&ws(echo, "/drop")]).keep_stdin_open().run();
    assert_eq!(out.code, 3);
    assert_eq!(
        out.stderr,
        format!(
            "netws: ws://127.0.0.1:{port}: connection closed by the server without a close frame\n"
        )
    );
    let out = Netws::new(&[&ws(echo, "/violate")]).keep_stdin_open().run();
    assert_eq!(out.code, 3);
    assert_eq!(
        out.stderr,
        format!("netws: ws://127.0.0.1:{port}: protocol: reserved opcode 0x3\n")
    );
}

#[test]
fn keepalive_and_the_close_timeout_bound_a_server_that_stops_answering() {
    let servers = Servers::new();
    let echo = servers.echo();
    let port = echo.port();
    // /mute opens, then never sends a byte: no pong, no close reply.
    let out = Netws::new(&["--ping-interval", "0.2", &ws(echo, "/mute")])
        .keep_stdin_open()
        .run();
    assert_eq!(out.code, 3);
    assert_eq!(
        out.stderr,
        format!(
            "netws: ws://127.0.0.1:{port}: keepalive: no answer to ping within 0.2 s (nothing \
             received for 0.4 s)\n"
        )
    );
    // The end of stdin closes; the reply never comes, and the close timeout (5 s) ends it.
    let started = std::time::Instant::now();
    let out = Netws::new(&["--ping-interval", "0", &ws(echo, "/mute")]).run();
    assert_eq!(out.code, 3);
    assert_eq!(
        out.stderr,
        format!("netws: ws://127.0.0.1:{port}: close handshake timed out\n")
    );
    assert!(started.elapsed() >= std::time::Duration::from_secs(5));
}

#[test]
fn a_reader_that_goes_away_is_a_normal_end() {
    let servers = Servers::new();
    // Far more than a pipe holds; the reader stops after the first line, as `head -n 1`.
    let out = Netws::new(&[&ws(servers.echo(), "/messages/60000")])
        .keep_stdin_open()
        .close_stdout_after(10)
        .run();
    assert_eq!(out.stdout_text(), "message 0\n");
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn a_refused_handshake_is_a_connect_failure() {
    let servers = Servers::new();
    let echo = servers.echo();
    let out = Netws::new(&[&ws(echo, "/status/404")]).run();
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "netws: ws://127.0.0.1:{}: handshake: unexpected HTTP status 404 Not Found\n",
            echo.port()
        )
    );
}

// Handshake options and -v.

#[test]
fn headers_reach_the_server() {
    let servers = Servers::new();
    let out = Netws::new(&[
        "-H",
        "X-Token: abc 123",
        "--once",
        &ws(servers.echo(), "/headers"),
    ])
    .keep_stdin_open()
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout_text()
            .lines()
            .any(|line| line == "X-Token: abc 123"),
        "{}",
        out.stdout_text()
    );
}

#[test]
fn verbose_prints_the_handshake_the_choice_and_the_close() {
    let servers = Servers::new();
    let echo = servers.echo();
    let url = ws(echo, "/subprotocol/first");
    let out = Netws::new(&["-v", "-z", "--protocol", "chat.v2,chat", &url])
        .stdin(b"hi\n")
        .run();
    assert_eq!((out.stdout_text().as_str(), out.code), ("hi\n", 0));
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines[0], format!("* connecting to {url}"));
    assert_eq!(lines[1], "< HTTP/1.1 101 Switching Protocols");
    assert!(
        lines.contains(&"< Sec-WebSocket-Protocol: chat.v2"),
        "{lines:?}"
    );
    assert!(
        lines.contains(
            &"* open: subprotocol chat.v2, permessage-deflate (client_max_window_bits=15, \
               server_max_window_bits=15)"
        ),
        "{lines:?}"
    );
    assert_eq!(
        lines[lines.len() - 3..lines.len() - 1],
        ["* closing with 1000", "* closed: 1000"]
    );
    // Then the statistics: "hi" both ways, in one frame of 2 + 4 (mask) + 2 bytes, compressed.
    let stats = lines[lines.len() - 1];
    assert!(
        stats.starts_with("* stats: sent 1 messages (2 payload bytes, 1 frames, "),
        "{stats}"
    );
    assert!(
        stats.contains("received 1 messages (2 payload bytes, 1 frames, "),
        "{stats}"
    );
}

/// `--stats`: one JSON object on stderr at exit whose counters are those of the session:
/// three messages each way (11 payload bytes), frames of 2-byte headers (and 4-byte masks on
/// ours), and the close frames (ours 1000 with a mask, the server's echo of it).
#[test]
fn stats_prints_json_whose_counters_match_the_messages() {
    let servers = Servers::new();
    let url = ws(servers.echo(), "/");
    let out = Netws::new(&["--stats", &url])
        .stdin(b"hello\nworld!\n\n")
        .run();
    assert_eq!(
        (out.stdout_text().as_str(), out.code),
        ("hello\nworld!\n\n", 0)
    );
    let stats: serde_json::Value = serde_json::from_str(out.stderr.trim_end())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stderr));
    let count = |name: &str| {
        stats[name]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: {stats}"))
    };
    assert_eq!((count("messages_sent"), count("messages_received")), (3, 3));
    assert_eq!((count("frames_sent"), count("frames_received")), (3, 3));
    assert_eq!(count("payload_bytes_sent"), 11);
    assert_eq!(count("payload_bytes_received"), 11);
    assert_eq!(count("bytes_sent"), 3 * 6 + 11 + (6 + 2));
    assert_eq!(count("bytes_received"), 3 * 2 + 11 + (2 + 2));
    assert_eq!((count("pings_sent"), count("reconnects")), (0, 0));
    assert_eq!(count("open_ms"), 0, "closed at exit");
    assert!(count("handshake_us") > 0);
    assert_eq!(stats["tls_version"], "");
}

#[test]
fn a_header_the_handshake_sets_itself_is_a_usage_error() {
    let servers = Servers::new();
    let out = Netws::new(&["-H", "Sec-WebSocket-Key: x", &ws(servers.echo(), "/")]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("netws: handshake: "),
        "{}",
        out.stderr
    );
}

// 6. --help.

#[test]
fn help_matches_the_reviewed_text_and_lists_every_exit_status() {
    let out = Netws::new(&["--help"]).run();
    assert_eq!(out.code, 0);
    let expected = include_str!("help.txt");
    assert!(
        out.stdout_text() == expected,
        "--help changed; if that is intended, run `target/release/netws --help > \
         crates/netws/tests/help.txt` and review the diff. It now reads:\n{}",
        out.stdout_text()
    );
    let exits = expected
        .split_once("Exit status:\n")
        .expect("an exit status section")
        .1;
    for code in 0..=4 {
        assert!(
            exits
                .lines()
                .any(|line| line.starts_with(&format!("  {code}  "))),
            "exit status {code} is not listed"
        );
    }
}

#[test]
fn bad_arguments_exit_2() {
    let out = Netws::new(&["--no-such-flag", "ws://127.0.0.1:1/"]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: unexpected argument '--no-such-flag'"),
        "{}",
        out.stderr
    );
    let out = Netws::new(&["ftp://example.com/"]).run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("invalid URL"), "{}", out.stderr);
}
