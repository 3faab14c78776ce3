//! The console's commands through `--interactive` without a terminal (plain lines from stdin,
//! everything it shows on stdout), against the echo server on 127.0.0.1. The console on a real
//! terminal (line editing, history, printing above the prompt) is scripts/netws-console-test.sh.
// Each test file uses part of the shared support.
#[allow(dead_code)]
mod support;

use support::{Netws, Servers};

fn ws(addr: std::net::SocketAddr, path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", addr.port())
}

/// The lines shown, without the first (the "connecting" banner, which names the port).
fn shown(stdout: &str) -> Vec<&str> {
    stdout.lines().skip(1).collect()
}

#[test]
fn messages_ping_binary_and_close_with_a_code() {
    let servers = Servers::new();
    let input = "hello\n/ping hi\n/binary 00ff\n/binary\n0a 0b\n/text\n/text /not a command\n\
                 /close 4000 bye\n";
    let out = Netws::new(&["-i", &ws(servers.echo(), "/")])
        .stdin(input.as_bytes())
        .run();
    let stdout = out.stdout_text();
    let lines = shown(&stdout);
    // In the order they were sent (the switches' notices come when typed, before the open).
    let received: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("< "))
        .collect();
    assert_eq!(
        received,
        [
            "< hello",
            "< [binary] 00ff",
            "< [binary] 0a0b",
            "< /not a command"
        ],
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("* pong \"hi\" after ") && l.ends_with(" ms")),
        "{stdout}"
    );
    assert_eq!(lines.last(), Some(&"* closed: 4000 bye"), "{stdout}");
    // /close ends with the statuses of any close: 4000 is not 1000.
    assert_eq!(out.code, 4);
    assert!(
        out.stderr
            .ends_with(": closed with code 4000: bye, as netws asked\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn quit_and_the_end_of_input_close_with_1000() {
    let servers = Servers::new();
    let echo = servers.echo();
    for input in ["one\n/quit\n", "one\n"] {
        let out = Netws::new(&["-i", &ws(echo, "/")])
            .stdin(input.as_bytes())
            .run();
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{input:?}");
        let stdout = out.stdout_text();
        assert!(
            stdout.starts_with(&format!(
                "* connecting to ws://127.0.0.1:{} (/help lists the commands, Ctrl-D closes)\n",
                echo.port()
            )),
            "{stdout}"
        );
        assert!(stdout.contains("\n< one\n"), "{stdout}");
        assert!(stdout.ends_with("* closed: 1000\n"), "{stdout}");
    }
}

#[test]
fn a_bad_line_is_explained_and_the_console_goes_on() {
    let servers = Servers::new();
    let input = "/nope\n/close 1005\n/quit now\n/binary\nzz\n/text\nstill here\n";
    let out = Netws::new(&["-i", &ws(servers.echo(), "/")])
        .stdin(input.as_bytes())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stdout = out.stdout_text();
    for expected in [
        "netws: no command /nope (/help lists them)",
        "netws: close code 1005 may not be sent (1000-1003, 1007-1014 or 3000-4999)",
        "netws: /quit takes nothing after it",
        "netws: not hex: 'z' at column 1 is not a hex digit (/text switches to text)",
        "< still here",
    ] {
        assert!(
            stdout.lines().any(|l| l == expected),
            "{expected:?} in {stdout}"
        );
    }
}

#[test]
fn help_lists_the_commands() {
    let servers = Servers::new();
    let out = Netws::new(&["-i", &ws(servers.echo(), "/")])
        .stdin(b"/help\n")
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stdout = out.stdout_text();
    for command in ["/ping", "/close", "/binary", "/text", "/help", "/quit"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(command)),
            "{command} in {stdout}"
        );
    }
}

#[test]
fn the_console_records_its_pings() {
    let servers = Servers::new();
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("netws-console.jsonl");
    let path = path.to_str().unwrap();
    let out = Netws::new(&["-i", "--record", path, &ws(servers.echo(), "/")])
        .stdin(b"/ping p\n")
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(path).unwrap();
    // "p" in base64.
    assert!(
        text.contains(r#""type":"ping","dir":"out","base64":"cA==""#),
        "{text}"
    );
    assert!(
        text.contains(r#""type":"pong","dir":"in","base64":"cA==""#),
        "{text}"
    );
}
