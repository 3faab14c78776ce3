//! `netws --stream` against the echo server: all of stdin as one message, text or binary, the
//! echo written as its pieces arrive; 1 GiB each way with netws' peak RSS measured; stdin that
//! stops being UTF-8 midway; the flags it cannot go with.
// Each test file uses part of the shared support.
#[allow(dead_code)]
mod support;

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use support::{Netws, Servers};

fn ws(addr: std::net::SocketAddr, path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", addr.port())
}

/// The `-v` line that says which type the message got.
fn sent_as(kind: &str) -> String {
    format!("* sending stdin as one {kind} message\n")
}

// 1. Small streams, whole stdin at once.

#[test]
fn binary_stdin_comes_back_byte_for_byte_in_several_pieces() {
    let servers = Servers::new();
    // Larger than a piece (256 KiB), not UTF-8 from its first byte.
    let input: Vec<u8> = (0..=255u8).rev().cycle().take(700_000).collect();
    let out = Netws::new(&["-v", "--stream", &ws(servers.echo(), "/stream")])
        .stdin(&input)
        .run();
    assert!(out.stdout == input, "{} bytes came back", out.stdout.len());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains(&sent_as("binary")), "{}", out.stderr);
}

#[test]
fn binary_makes_utf8_binary_and_a_whole_message_echo_works_too() {
    let servers = Servers::new();
    // `/` echoes the message once it is whole; netws still writes it as its pieces arrive.
    let out = Netws::new(&["-v", "--stream", "--binary", &ws(servers.echo(), "/")])
        .stdin("wörld\n".as_bytes())
        .run();
    assert_eq!(out.stdout_text(), "wörld\n");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains(&sent_as("binary")), "{}", out.stderr);
}

#[test]
fn messages_received_are_written_one_after_another_with_nothing_added() {
    let servers = Servers::new();
    // /messages/2 sends "message 0" and "message 1" (text), then echoes.
    let out = Netws::new(&["--stream", &ws(servers.echo(), "/messages/2")])
        .stdin(b"abc")
        .run();
    assert_eq!(out.stdout_text(), "message 0message 1abc");
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn once_waits_for_the_first_message_whole() {
    let servers = Servers::new();
    let out = Netws::new(&["--stream", "--once", &ws(servers.echo(), "/messages/1")])
        .stdin(b"abc")
        .keep_stdin_open()
        .run();
    assert_eq!(out.stdout_text(), "message 0");
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn once_takes_an_answer_that_comes_after_the_whole_message() {
    let servers = Servers::new();
    // `/` echoes the message once it has all of it: the answer to an upload.
    let input = "ünïcödé text, ".repeat(200_000);
    let out = Netws::new(&["--stream", "--once", &ws(servers.echo(), "/")])
        .stdin(input.as_bytes())
        .run();
    assert!(out.stdout == input.as_bytes(), "{} bytes", out.stdout.len());
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn empty_stdin_sends_an_empty_text_message() {
    let servers = Servers::new();
    let out = Netws::new(&["-v", "--stream", &ws(servers.echo(), "/stream")]).run();
    assert_eq!((out.stdout_text().as_str(), out.code), ("", 0));
    assert!(out.stderr.contains(&sent_as("text")), "{}", out.stderr);
}

#[test]
fn flags_that_cannot_go_with_stream_are_refused_up_front() {
    let url = "ws://127.0.0.1:1/";
    for extra in [
        &["--interactive"][..],
        &["--record", "session.jsonl"],
        &["--replay", "session.jsonl"],
        &["--reconnect"],
    ] {
        let mut argv = vec!["--stream"];
        argv.extend_from_slice(extra);
        argv.push(url);
        let out = Netws::new(&argv).run();
        assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
        assert!(
            out.stderr
                .starts_with("error: the argument '--stream' cannot be used with")
                || out.stderr.contains("cannot be used with '--stream'"),
            "{extra:?}: {}",
            out.stderr
        );
    }
    let out = Netws::new(&["--stream", "--binary-format", "hex", url]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with(
            "error: --stream moves raw bytes both ways: --binary-format hex cannot be used with it"
        ),
        "{}",
        out.stderr
    );
}

// 2. Stdin written in small steps, so that reads cut characters.

/// netws with its three pipes, fed and read by the test as it goes; stderr is read to its
/// end on a thread.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Option<ChildStdout>,
    stderr: JoinHandle<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Netws::new(args)
            .into_command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("netws starts");
        let mut stderr = child.stderr.take().unwrap();
        Running {
            stdin: child.stdin.take(),
            stdout: child.stdout.take(),
            stderr: std::thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                text
            }),
            child,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Reads exactly `n` bytes of stdout (bounded by the test's limit: netws ends, and its
    /// stdout with it, within its own timeouts).
    fn read(&mut self, n: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; n];
        let stdout = self.stdout.as_mut().expect("stdout not taken");
        stdout.read_exact(&mut bytes).unwrap();
        bytes
    }

    /// Closes stdin, reads what is left of stdout (unless it was taken) and waits for the
    /// exit: (status, the rest of stdout, stderr, peak RSS in KiB).
    fn finish(mut self, limit: Duration) -> (i32, Vec<u8>, String, u64) {
        drop(self.stdin.take());
        let stdout = self.stdout.take();
        let rest = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut stdout) = stdout {
                let _ = stdout.read_to_end(&mut bytes);
            }
            bytes
        });
        let (code, peak_rss) = wait_with_peak_rss(&mut self.child, limit);
        (
            code,
            rest.join().unwrap(),
            self.stderr.join().unwrap(),
            peak_rss,
        )
    }
}

/// Waits for the child (killing it and failing after `limit`) and returns its exit status
/// and peak RSS in KiB, from wait4's rusage: exact, and this child's alone.
fn wait_with_peak_rss(child: &mut Child, limit: Duration) -> (i32, u64) {
    let pid = child.id() as libc::pid_t;
    let deadline = Instant::now() + limit;
    loop {
        let mut status = 0;
        // SAFETY: plain out-parameters; the pid is our child's, not reaped yet (std's Child
        // is never waited for after this).
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
        if reaped == pid {
            assert!(
                libc::WIFEXITED(status),
                "netws died of a signal: {status:#x}"
            );
            // Linux reports ru_maxrss in KiB.
            return (libc::WEXITSTATUS(status), usage.ru_maxrss as u64);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("netws did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

const SMALL_RUN: Duration = Duration::from_secs(20);

#[test]
fn text_read_in_pieces_that_cut_characters_comes_back_whole() {
    let servers = Servers::new();
    let url = ws(servers.echo(), "/stream");
    let mut netws = Running::start(&["-v", "--stream", &url]);
    // 1, 2, 3 and 4 bytes a character, written 5 bytes at a time: most writes end inside a
    // character, and so do the reads that take them one by one.
    let input = "aé€😀".repeat(200);
    for chunk in input.as_bytes().chunks(5) {
        netws.write(chunk);
        std::thread::sleep(Duration::from_millis(1));
    }
    let (code, stdout, stderr, _) = netws.finish(SMALL_RUN);
    assert_eq!(String::from_utf8(stdout).unwrap(), input);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(&sent_as("text")), "{stderr}");
}

#[test]
fn text_that_stops_being_utf8_fails_naming_the_offset() {
    let servers = Servers::new();
    let url = ws(servers.echo(), "/stream");
    let mut netws = Running::start(&["--stream", &url]);
    // The first piece makes the message text; its echo shows that it was sent.
    let first = "héllo ".as_bytes();
    netws.write(first);
    assert_eq!(netws.read(first.len()), first);
    netws.write(b"w\xf6rld");
    let (code, rest, stderr, _) = netws.finish(SMALL_RUN);
    assert_eq!(
        stderr,
        "netws: stdin is not UTF-8 at byte offset 8, but the message began as text (send it \
         with --binary)\n"
    );
    assert_eq!(code, 2);
    // The part before the bad byte went out (and came back); nothing after it.
    assert!(rest.is_empty() || rest == b"w", "{rest:?}");
}

// 3. 1 GiB each way.

/// The size of the big stream, each way.
const GIB: u64 = 1 << 30;
/// The bound on netws' peak RSS while it streams.
const MAX_PEAK_RSS_KIB: u64 = 64 * 1024;
/// Far above what the stream takes here (a few seconds), to catch a hang.
const BIG_RUN: Duration = Duration::from_secs(300);

/// Pseudo-random bytes (xorshift64*), the same for the writer and the checker, 8 at a time.
struct Bytes(u64);

impl Bytes {
    fn fill(&mut self, buf: &mut [u8]) {
        for word in buf.chunks_exact_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            word.copy_from_slice(&self.0.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
        }
    }
}

const SEED: u64 = 0x9e37_79b9_7f4a_7c15;
/// What the writer and the checker handle at a time.
const BLOCK: usize = 1 << 20;

/// The block at `offset` of the stream; the first byte is 0xff, so the message is binary.
fn block(bytes: &mut Bytes, offset: u64, buf: &mut [u8]) {
    bytes.fill(buf);
    if offset == 0 {
        buf[0] = 0xff;
    }
}

#[test]
// Seconds in a release build, many minutes unoptimized.
#[cfg_attr(debug_assertions, ignore = "1 GiB each way: run with --release")]
fn a_gibibyte_each_way_through_the_stream_echo_under_64_mib_of_rss() {
    let servers = Servers::new();
    let url = ws(servers.echo(), "/stream");
    let started = Instant::now();
    let mut netws = Running::start(&["--stream", &url]);
    let mut stdin = netws.stdin.take().unwrap();
    // Generated while written, never held whole.
    let writer = std::thread::spawn(move || {
        let mut bytes = Bytes(SEED);
        let mut buf = vec![0u8; BLOCK];
        let mut offset = 0;
        while offset < GIB {
            block(&mut bytes, offset, &mut buf);
            if stdin.write_all(&buf).is_err() {
                break; // netws ended early: its status says why.
            }
            offset += BLOCK as u64;
        }
    });
    // Compared with the same bytes as they come back: the first difference, and the length.
    let mut stdout = netws.stdout.take().unwrap();
    let checker = std::thread::spawn(move || {
        let mut expected = Bytes(SEED);
        let mut want = vec![0u8; BLOCK];
        let mut got = vec![0u8; BLOCK];
        let mut offset = 0u64;
        loop {
            let n = read_full(&mut stdout, &mut got);
            if n == 0 {
                return Ok(offset);
            }
            block(&mut expected, offset, &mut want);
            if let Some(at) = (0..n).find(|&i| got[i] != want[i]) {
                return Err(format!("byte {} differs", offset + at as u64));
            }
            offset += n as u64;
        }
    });
    writer.join().unwrap();
    let (code, _, stderr, peak_rss) = netws.finish(BIG_RUN);
    let echoed = checker.join().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "netws --stream: 1024 MiB each way in {seconds:.1} s ({:.0} MiB/s each way), peak RSS \
         {:.1} MiB",
        1024.0 / seconds,
        peak_rss as f64 / 1024.0
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(echoed, Ok(GIB), "the echo");
    assert!(
        peak_rss < MAX_PEAK_RSS_KIB,
        "netws' peak RSS was {peak_rss} KiB"
    );
}

/// Reads until `buf` is full or the pipe ends; the bytes read.
fn read_full(pipe: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match pipe.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(read) => n += read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("reading netws' stdout: {e}"),
        }
    }
    n
}
