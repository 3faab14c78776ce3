//! The command line: every flag, its group in `--help`, and the parsers that refuse bad values
//! up front (clap then exits with 2 and names the flag).
use crate::exit::Exit;
use crate::format::BinaryFormat;
use crate::json_pointer::JsonPointer;
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use net_websocket_client::tcp::check_interface;
use net_websocket_client::{Proxy, ResolveOverride, Target, TcpKeepalive, TlsVersion};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

const ABOUT: &str = "A command-line WebSocket client. netws connects to URL, sends each line \
    of standard input as a message and prints each message it receives on standard output: text \
    as a line, binary as hex (or as raw bytes). At the end of the input it closes the connection \
    with 1000 and exits once the server has answered the close. Failures, and with -v the \
    handshake, go to standard error. When standard input and output are a terminal, netws is a \
    console instead: line editing, a history, messages printed above the prompt, and commands \
    (/help lists them). --record writes the session to a file that --replay plays back as a \
    test. --stream sends all of standard input as one message instead, in constant memory.";

const FORMATS: &str = "\
Binary formats (--binary-format):
  hex  lowercase hex digits, a line per message; on stdin, spaces between the bytes are allowed
  raw  the bytes as they are: nothing is added on stdout; on stdin, a line without its newline";

const EXAMPLES: &str = "\
Examples:
  # Type messages to an echo server; each answer is printed as it comes
  netws ws://127.0.0.1:8080/

  # Send one request and print the first answer, trusting a private CA
  echo '{\"op\":\"status\"}' | netws --once --cacert ca.pem wss://api.example/ws

  # Binary messages as hex, both ways (prints 0001feff)
  echo '00 01 fe ff' | netws --binary ws://127.0.0.1:8080/

  # Send a file of any size as one message and write the echo as it arrives
  netws --stream ws://127.0.0.1:8080/stream < big.bin > echo.bin

  # Record a session, then check that the server still answers the same (exit 0 or 5)
  netws --record session.jsonl ws://127.0.0.1:8080/api < requests.txt
  netws --replay session.jsonl --ignore /id --ignore /data/ts";

const STREAMING: &str = "\
Streaming (--stream):
  All of stdin goes out as one message, in pieces as it is read, so any size passes in constant
  memory. It is a text message when the first piece read is UTF-8 (a character cut at its end is
  completed by the next piece), else binary; --binary makes it binary; -v says which. Should a
  text message meet a byte that is not UTF-8 later, netws closes (the message left unfinished)
  and exits with 2, naming the byte's offset: send it with --binary. Received messages are
  written to stdout as their pieces arrive, raw, one after another, nothing added (no newline
  after text either). At the end of stdin netws closes with 1000 once all of it was handed to
  the connection, and exits when the server has answered the close: an echo of the pieces as
  they arrive (such as the echo server's /stream) comes back whole, but a server that answers
  only once it has the whole message has just the close timeout (5 s) to send its answer; with
  --once (or --count N) netws waits for the answer (N messages) instead, however long it takes.
  Empty stdin sends an empty text message.";

/// After the options: the formats, streaming, the exit statuses (from [`Exit`], so they
/// cannot drift), the environment and examples.
fn after_help() -> String {
    let mut text = format!("{FORMATS}\n\n{STREAMING}\n\nExit status:\n");
    for exit in Exit::ALL {
        text.push_str(&format!("  {}  {}\n", exit as u8, exit.meaning()));
    }
    text.push('\n');
    text.push_str(ENVIRONMENT);
    text.push_str("\n\n");
    text.push_str(EXAMPLES);
    text
}

const ENVIRONMENT: &str = "\
Environment:
  wss_proxy, https_proxy, ws_proxy, http_proxy,  the proxy, as curl chooses it (unless --proxy)
  all_proxy, no_proxy
  SSL_CERT_FILE, SSL_CERT_DIR                    the trust store (unless --cacert)
  SSLKEYLOGFILE                                  append TLS secrets there (NSS key log, for
                                                 Wireshark)
  NET_WEBSOCKET_LOG=debug                        the connection's steps on stderr (or info, warn)";

/// The help is wrapped at a fixed width, so it reads the same on every terminal (and
/// `tests/help.txt` can pin it).
#[derive(Parser, Debug)]
#[command(
    name = "netws",
    version,
    about = ABOUT,
    after_help = after_help(),
    term_width = 100,
    max_term_width = 100
)]
pub struct Args {
    /// ws://HOST[:PORT][/PATH] or wss://... (with --replay: instead of the recorded one)
    #[arg(value_name = "URL", value_parser = parse_url, required_unless_present = "replay")]
    pub url: Option<ServerUrl>,

    /// Send binary messages, from stdin lines or --stream (default: text)
    #[arg(long, help_heading = "Messages")]
    pub binary: bool,

    /// hex or raw, on stdout and with --binary on stdin [default: hex; raw with --stream]
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        hide_possible_values = true,
        help_heading = "Messages"
    )]
    binary_format: Option<BinaryFormat>,

    /// Send all of stdin as one message, in pieces as it is read; write received messages
    /// raw, as their pieces arrive (see Streaming below)
    #[arg(
        long,
        conflicts_with_all = ["interactive", "record", "replay", "reconnect"],
        help_heading = "Messages"
    )]
    pub stream: bool,

    /// Exit after N messages; the end of stdin then does not close
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..),
        conflicts_with = "once",
        help_heading = "Messages"
    )]
    pub count: Option<u64>,

    /// Exit after the first message received (--count 1)
    #[arg(long, help_heading = "Messages")]
    pub once: bool,

    /// Add this header to the handshake request (repeatable)
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME: VALUE",
        value_parser = parse_header,
        help_heading = "Handshake"
    )]
    pub headers: Vec<(String, String)>,

    /// Offer subprotocols, preferred first (repeatable, or a comma list)
    #[arg(
        long = "protocol",
        value_name = "NAME",
        value_delimiter = ',',
        value_parser = parse_protocol,
        help_heading = "Handshake"
    )]
    pub protocols: Vec<String>,

    /// Offer permessage-deflate compression
    #[arg(short = 'z', long, help_heading = "Handshake")]
    pub compress: bool,

    /// Give up connecting (DNS to handshake) after SECS
    #[arg(
        long,
        value_name = "SECS",
        default_value = "30",
        value_parser = parse_timeout,
        help_heading = "Connection"
    )]
    pub connect_timeout: Duration,

    /// Ping after SECS idle; lost after twice that (0: off)
    #[arg(
        long,
        value_name = "SECS",
        default_value = "30",
        value_parser = parse_seconds,
        help_heading = "Connection"
    )]
    pub ping_interval: Duration,

    /// Retry failed or lost connections, with backoff up to 30 s
    #[arg(long, help_heading = "Connection")]
    pub reconnect: bool,

    /// Attempts in a row before --reconnect gives up
    #[arg(
        long,
        value_name = "N",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..),
        requires = "reconnect",
        help_heading = "Connection"
    )]
    pub reconnect_attempts: u32,

    /// Connect through this proxy (http://, https://, socks5://, socks5h://)
    #[arg(long, value_name = "URL", value_parser = parse_proxy, help_heading = "Connection")]
    pub proxy: Option<Proxy>,

    /// Use no proxy, whatever http_proxy, https_proxy and all_proxy say
    #[arg(long, conflicts_with = "proxy", help_heading = "Connection")]
    pub no_proxy: bool,

    /// Connect through the Unix domain socket at PATH (the URL still names the server: Host,
    /// SNI, certificate); a ws+unix:///PATH:/resource URL does the same
    #[arg(long, value_name = "PATH", help_heading = "Connection")]
    pub unix_socket: Option<PathBuf>,

    /// Connect from this source address (IPv4 or IPv6, no port)
    #[arg(long, value_name = "ADDR", help_heading = "Connection")]
    pub local_address: Option<IpAddr>,

    /// Connect through this network interface only (SO_BINDTODEVICE)
    #[arg(long, value_name = "NAME", value_parser = parse_interface, help_heading = "Connection")]
    pub interface: Option<String>,

    /// ADDR (or ADDR,ADDR...) instead of DNS for HOST:PORT, as curl's (repeatable)
    #[arg(
        long,
        value_name = "HOST:PORT:ADDR",
        value_parser = parse_resolve,
        help_heading = "Connection"
    )]
    pub resolve: Vec<ResolveOverride>,

    /// TCP keepalive: probe after IDLE s, every INT s, lost after N unanswered
    #[arg(
        long,
        value_name = "IDLE,INT,N",
        value_parser = parse_tcp_keepalive,
        help_heading = "Connection"
    )]
    pub tcp_keepalive: Option<TcpKeepalive>,

    /// Trust the CA certificates in FILE (PEM) instead of the system store
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub cacert: Option<PathBuf>,

    /// Do not verify the server's certificate (anyone could pose as it)
    #[arg(short = 'k', long, help_heading = "TLS")]
    pub insecure: bool,

    /// Present this client certificate (PEM chain) when asked for one
    #[arg(long, value_name = "FILE", requires = "key", help_heading = "TLS")]
    pub cert: Option<PathBuf>,

    /// Its private key (PEM: PKCS#8, PKCS#1, SEC1 or encrypted PKCS#8)
    #[arg(long, value_name = "FILE", requires = "cert", help_heading = "TLS")]
    pub key: Option<PathBuf>,

    /// The password of an encrypted --key (others can see it in ps)
    #[arg(long, value_name = "PASSWORD", requires = "key", help_heading = "TLS")]
    pub key_password: Option<String>,

    /// Verify an https:// proxy against the CAs in FILE (PEM)
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub proxy_cacert: Option<PathBuf>,

    /// The server's key must match: sha256//BASE64[;sha256//...] or a public-key file
    #[arg(long = "pinnedpubkey", value_name = "PINS", help_heading = "TLS")]
    pub pinned_public_key: Option<String>,

    /// The oldest TLS version to use with the server: 1.2 or 1.3
    #[arg(long, value_name = "VERSION", value_parser = parse_tls_version, help_heading = "TLS")]
    pub tls_min: Option<TlsVersion>,

    /// The newest TLS version to use with the server: 1.2 or 1.3
    #[arg(long, value_name = "VERSION", value_parser = parse_tls_version, help_heading = "TLS")]
    pub tls_max: Option<TlsVersion>,

    /// The console even when stdin or stdout is not a terminal (no line editing then)
    #[arg(short, long, conflicts_with = "replay", help_heading = "Console")]
    pub interactive: bool,

    /// Neither read nor write the console's history file
    #[arg(long, help_heading = "Console")]
    pub no_history: bool,

    /// Write the session to FILE as JSON Lines, credentials redacted
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "reconnect",
        help_heading = "Record and replay"
    )]
    pub record: Option<PathBuf>,

    /// Replay FILE's session and compare what comes back (exit 5: it differs)
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["count", "once", "reconnect"],
        help_heading = "Record and replay"
    )]
    pub replay: Option<PathBuf>,

    /// F times the recorded pace; 0: as fast as the replies come
    #[arg(
        long,
        value_name = "F",
        default_value = "1",
        value_parser = parse_speed,
        requires = "replay",
        help_heading = "Record and replay"
    )]
    pub speed: f64,

    /// How long a replay waits for each recorded reply
    #[arg(
        long,
        value_name = "SECS",
        default_value = "5",
        value_parser = parse_timeout,
        requires = "replay",
        help_heading = "Record and replay"
    )]
    pub reply_timeout: Duration,

    /// Compare JSON replies without this member (RFC 6901: /id; repeatable)
    #[arg(
        long,
        value_name = "POINTER",
        value_parser = parse_pointer,
        requires = "replay",
        help_heading = "Record and replay"
    )]
    pub ignore: Vec<JsonPointer>,

    /// Print the handshake response, subprotocol, extension, close codes and, at the end,
    /// the connection's statistics on stderr
    #[arg(short, long)]
    pub verbose: bool,

    /// At exit, print the connection's statistics as one JSON object on stderr (counters,
    /// round trip, stage durations, TLS)
    #[arg(long)]
    pub stats: bool,
}

impl Args {
    /// The checks clap cannot express: exits with 2 and clap's usage, as clap does.
    pub fn check(&self) -> Result<(), clap::Error> {
        if self.stream && self.binary_format == Some(BinaryFormat::Hex) {
            return Err(Args::command().error(
                ErrorKind::ArgumentConflict,
                "--stream moves raw bytes both ways: --binary-format hex cannot be used with it",
            ));
        }
        Ok(())
    }

    /// How binary messages look on stdout (and with `--binary` on stdin): `--stream` is raw.
    pub fn binary_format(&self) -> BinaryFormat {
        match (self.binary_format, self.stream) {
            (Some(format), _) => format,
            (None, true) => BinaryFormat::Raw,
            (None, false) => BinaryFormat::Hex,
        }
    }

    /// How many messages to print before closing, if not all of them.
    pub fn count(&self) -> Option<u64> {
        if self.once {
            Some(1)
        } else {
            self.count
        }
    }
}

/// The URL as given (what is connected to) and as parsed (the endpoint messages name).
#[derive(Debug, Clone)]
pub struct ServerUrl {
    pub text: String,
    pub target: Target,
}

impl ServerUrl {
    pub fn parse(text: &str) -> Result<ServerUrl, String> {
        let target = Target::parse(text).map_err(|e| e.to_string())?;
        Ok(ServerUrl {
            text: text.to_string(),
            target,
        })
    }
}

fn parse_url(text: &str) -> Result<ServerUrl, String> {
    ServerUrl::parse(text)
}

/// `Name: value`, as curl and websocat take it; the client refuses the fields the handshake
/// sets itself (Host, Upgrade, Sec-WebSocket-Key, ...).
fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or("expected NAME: VALUE, with a colon")?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(format!("{name:?} is not a header name"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

fn parse_protocol(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Err("an empty subprotocol name".into());
    }
    Ok(name.to_string())
}

/// A replay's pace: a finite factor, 0 or more.
fn parse_speed(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed >= 0.0 => Ok(speed),
        _ => Err(format!("{text:?} is not a speed (a number, 0 or more)")),
    }
}

fn parse_pointer(text: &str) -> Result<JsonPointer, String> {
    text.parse()
}

fn parse_proxy(text: &str) -> Result<Proxy, String> {
    Proxy::parse(text).map_err(|e| e.to_string())
}

fn parse_interface(text: &str) -> Result<String, String> {
    check_interface(text)?;
    Ok(text.to_string())
}

fn parse_resolve(text: &str) -> Result<ResolveOverride, String> {
    ResolveOverride::parse(text)
}

fn parse_tls_version(text: &str) -> Result<TlsVersion, String> {
    match text.trim() {
        "1.2" => Ok(TlsVersion::Tls12),
        "1.3" => Ok(TlsVersion::Tls13),
        _ => Err(format!("{text:?} is not a TLS version (1.2 or 1.3)")),
    }
}

/// `IDLE,INT,N`: seconds (a fraction rounds up, as the kernel counts), seconds and a number of
/// probes.
fn parse_tcp_keepalive(text: &str) -> Result<TcpKeepalive, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [idle, interval, count] = parts[..] else {
        return Err(format!(
            "{text:?} is not IDLE,INT,N (seconds, seconds, probes)"
        ));
    };
    let count = count
        .parse()
        .map_err(|_| format!("{count:?} is not a number of probes"))?;
    TcpKeepalive::new(parse_seconds(idle)?, parse_seconds(interval)?, count)
}

/// Seconds, with a fraction if wanted (`0.5`).
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text:?} is not a usable duration"))
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    match parse_seconds(text)? {
        Duration::ZERO => Err("a timeout must be longer than 0".into()),
        duration => Ok(duration),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn headers_need_a_name_and_a_colon() {
        assert_eq!(
            parse_header("X-Token:  abc "),
            Ok(("X-Token".to_string(), "abc".to_string()))
        );
        assert_eq!(
            parse_header("Cookie: a=1; b=2"),
            Ok(("Cookie".to_string(), "a=1; b=2".to_string()))
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header(": value").is_err());
        assert!(parse_header("two words: value").is_err());
    }

    #[test]
    fn seconds_may_have_a_fraction_and_timeouts_are_positive() {
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("soon").is_err());
        assert!(parse_timeout("0").is_err());
        assert_eq!(parse_timeout("2"), Ok(Duration::from_secs(2)));
    }

    #[test]
    fn subprotocols_repeat_or_come_as_a_list() {
        let args = Args::try_parse_from([
            "netws",
            "--protocol",
            "chat.v2, chat",
            "--protocol=json",
            "ws://127.0.0.1:1/",
        ])
        .unwrap();
        assert_eq!(args.protocols, ["chat.v2", "chat", "json"]);
    }

    #[test]
    fn once_is_count_one_and_they_conflict() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["netws"];
            argv.extend_from_slice(extra);
            argv.push("ws://127.0.0.1:1/");
            Args::try_parse_from(argv)
        };
        assert_eq!(parse(&["--once"]).unwrap().count(), Some(1));
        assert_eq!(parse(&["--count", "3"]).unwrap().count(), Some(3));
        assert_eq!(parse(&[]).unwrap().count(), None);
        assert!(parse(&["--once", "--count", "3"]).is_err());
        assert!(parse(&["--count", "0"]).is_err());
        assert!(parse(&["--reconnect-attempts", "3"]).is_err());
        assert!(parse(&["--cert", "c.pem"]).is_err());
        assert!(parse(&["--proxy", "http://p:1", "--no-proxy"]).is_err());
    }

    #[test]
    fn replay_takes_its_url_from_the_file_unless_given() {
        let args = Args::try_parse_from(["netws", "--replay", "s.jsonl"]).unwrap();
        assert!(args.url.is_none());
        assert_eq!(args.speed, 1.0);
        assert_eq!(args.reply_timeout, Duration::from_secs(5));
        let args = Args::try_parse_from([
            "netws",
            "--replay",
            "s.jsonl",
            "--speed",
            "0",
            "--ignore",
            "/id",
            "--ignore=/data/ts",
            "ws://127.0.0.1:1/",
        ])
        .unwrap();
        assert!(args.url.is_some());
        assert_eq!(args.speed, 0.0);
        let ignored: Vec<String> = args.ignore.iter().map(ToString::to_string).collect();
        assert_eq!(ignored, ["/id", "/data/ts"]);
    }

    #[test]
    fn replay_options_need_a_replay_and_a_url_is_needed_without_one() {
        let parse = |argv: &[&str]| Args::try_parse_from(argv).map(|_| ());
        assert!(parse(&["netws"]).is_err());
        assert!(parse(&["netws", "--speed", "2", "ws://127.0.0.1:1/"]).is_err());
        assert!(parse(&["netws", "--ignore", "/id", "ws://127.0.0.1:1/"]).is_err());
        assert!(parse(&["netws", "--replay", "s", "--speed", "-1"]).is_err());
        assert!(parse(&["netws", "--replay", "s", "--speed", "inf"]).is_err());
        assert!(parse(&["netws", "--replay", "s", "--ignore", "id"]).is_err());
        assert!(parse(&["netws", "--replay", "s", "--once"]).is_err());
        assert!(parse(&["netws", "--replay", "s", "--interactive"]).is_err());
        assert!(parse(&["netws", "--record", "f", "--reconnect", "ws://127.0.0.1:1/"]).is_err());
    }

    #[test]
    fn stream_is_raw_and_refuses_what_cannot_stream() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["netws"];
            argv.extend_from_slice(extra);
            argv.push("ws://127.0.0.1:1/");
            Args::try_parse_from(argv)
        };
        let raw = |extra: &[&str]| parse(extra).unwrap().binary_format() == BinaryFormat::Raw;
        assert!(!raw(&[]) && raw(&["--stream"]) && raw(&["--binary-format", "raw"]));
        assert!(raw(&["--stream", "--binary-format", "raw"]));
        let hex = parse(&["--stream", "--binary-format", "hex"]).unwrap();
        assert_eq!(hex.check().unwrap_err().exit_code(), Exit::Usage as i32);
        assert!(parse(&["--binary-format", "hex"]).unwrap().check().is_ok());
        for other in ["--interactive", "--reconnect", "--record=f", "--replay=f"] {
            assert!(parse(&["--stream", other]).is_err(), "{other}");
        }
        let args = parse(&["--stream", "--binary", "--once", "-z"]).unwrap();
        assert!(args.stream && args.binary && args.count() == Some(1));
    }

    #[test]
    fn urls_are_checked_up_front() {
        let error = Args::try_parse_from(["netws", "ftp://example.com/"]).unwrap_err();
        assert_eq!(error.exit_code(), Exit::Usage as i32);
    }

    #[test]
    fn network_values_are_checked_up_front() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["netws"];
            argv.extend_from_slice(extra);
            argv.push("ws://127.0.0.1:1/");
            Args::try_parse_from(argv)
        };
        let args = parse(&[
            "--resolve",
            "a.test:80:127.0.0.1",
            "--resolve=b.test:443:[::1]",
            "--tcp-keepalive",
            "1.5,1,3",
            "--tls-min",
            "1.3",
            "--local-address",
            "::1",
            "--interface",
            "lo",
        ])
        .unwrap();
        assert_eq!(args.resolve.len(), 2);
        assert_eq!(args.tcp_keepalive.unwrap().idle(), Duration::from_secs(2));
        assert_eq!(args.tls_min, Some(TlsVersion::Tls13));
        assert_eq!(args.local_address, Some("::1".parse().unwrap()));
        for bad in [
            &["--resolve", "a.test:80"][..],
            &["--tcp-keepalive", "1,1"],
            &["--tcp-keepalive", "0,1,1"],
            &["--tls-max", "1.1"],
            &["--local-address", "localhost"],
            &["--interface", "nws-none0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
