//! The Rust API over wss:// and through proxies, against the tools crate's TLS echo server,
//! test PKI and scripted proxies, all in-process on 127.0.0.1: the typed causes a caller can
//! match on (certificate problems, pins, TLS versions, proxy statuses, TLS to the proxy,
//! authentication and SOCKS5 replies), not only the message; HTTPS proxies (TLS in TLS),
//! Digest authentication and session resumption across clients.
mod support;

use net_websocket_client::tls::CertificateProblem;
use net_websocket_client::tls::{PinMismatch, TlsVersion};
use net_websocket_client::{
    connect, Accepted, Cause, End, Handler, MessageData, MessageKind, Options, Proxy, ProxySetting,
    TlsError,
};
use net_websocket_tools::pki::TestPki;
use net_websocket_tools::proxy::{
    self, Config, Credentials, DigestAlgorithm, HttpAuth, Mode, TunnelLog,
};
use net_websocket_tools::{echo, tls};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use support::next;

#[derive(Debug)]
enum Seen {
    Open,
    Message(Vec<u8>),
    Failed {
        message: String,
        tls: Option<TlsError>,
        proxy: Option<String>,
    },
    Closed(u16),
}

struct Recorder(mpsc::Sender<Seen>);

impl Handler for Recorder {
    fn on_open(&mut self, _: &Accepted) {
        let _ = self.0.send(Seen::Open);
    }
    fn on_message(&mut self, _: MessageKind, data: MessageData<'_>) {
        let _ = self.0.send(Seen::Message(data.to_vec()));
    }
    fn on_end(&mut self, end: End<'_>) {
        let seen = match (end.error, end.close) {
            (Some(error), None) => Seen::Failed {
                message: error.to_string(),
                tls: match error.cause() {
                    Cause::Tls(e) => Some(e.clone()),
                    _ => None,
                },
                proxy: match error.cause() {
                    Cause::Proxy { error, .. } => Some(format!("{error:?}")),
                    _ => None,
                },
            },
            (_, Some((code, _))) => Seen::Closed(code),
            (None, None) => unreachable!("an end is an error or a close"),
        };
        let _ = self.0.send(seen);
    }
}

/// The servers of one test: a PKI on disk, TLS echo servers, proxies with their logs.
struct Fixture {
    dir: PathBuf,
    runtime: tokio::runtime::Runtime,
}

impl Fixture {
    fn new(test: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("nws-tls-proxy-{}-{test}", std::process::id()));
        TestPki::generate().unwrap().write_to(&dir).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        Fixture { dir, runtime }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn tls_echo(&self, cert: &str, key: &str) -> SocketAddr {
        let files = tls::TlsFiles {
            cert: self.file(cert),
            key: self.file(key),
            client_ca: None,
        };
        let acceptor = tls::acceptor(&files).unwrap();
        self.runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(echo::serve_tls(listener, acceptor));
            addr
        })
    }

    fn proxy(
        &self,
        mode: Mode,
        credentials: Option<Credentials>,
    ) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        self.proxy_with(mode, credentials, HttpAuth::Basic, None)
    }

    /// A proxy asking for credentials as `auth` says, over TLS with `cert` when given.
    fn proxy_with(
        &self,
        mode: Mode,
        credentials: Option<Credentials>,
        auth: HttpAuth,
        cert: Option<(&str, &str)>,
    ) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let log = lines.clone();
        let record = Arc::new(move |entry: &TunnelLog| log.lock().unwrap().push(entry.to_string()));
        let config = Config {
            mode,
            credentials,
            auth,
        };
        let acceptor = cert.map(|(cert, key)| {
            tls::acceptor(&tls::TlsFiles {
                cert: self.file(cert),
                key: self.file(key),
                client_ca: None,
            })
            .unwrap()
        });
        let addr = self.runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            match acceptor {
                Some(acceptor) => {
                    tokio::spawn(proxy::serve_tls(listener, acceptor, config, record))
                }
                None => tokio::spawn(proxy::serve(listener, config, record)),
            };
            addr
        });
        (addr, lines)
    }

    /// A TLS echo server of `server.pem` in the TLS `versions`, reporting each handshake.
    fn logged_tls_echo(&self, versions: &str) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        let files = tls::TlsFiles {
            cert: self.file("server.pem"),
            key: self.file("server-key.pem"),
            client_ca: None,
        };
        let how = tls::ServerTls {
            versions: tls::ServerTls::parse_versions(versions).unwrap(),
            ..tls::ServerTls::default()
        };
        let acceptor = tls::acceptor_with(&files, &how).unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let log = lines.clone();
        let record: echo::HandshakeLog =
            Arc::new(move |line: &str| log.lock().unwrap().push(line.to_string()));
        let addr = self.runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(echo::serve_tls_logged(listener, acceptor, record));
            addr
        });
        (addr, lines)
    }

    /// Options that trust the test CA and use `proxy`.
    fn options(&self, proxy: ProxySetting) -> Options {
        let mut options = Options {
            proxy,
            ..Options::default()
        };
        options.tls.set_ca_file(Some(&self.file("ca.pem"))).unwrap();
        options
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Opens `url`, echoes one message, closes with 1000.
fn echo_once(url: &str, options: Options) {
    let (tx, rx) = mpsc::channel();
    let connection = connect(url, &[], options, Box::new(Recorder(tx))).unwrap();
    match next(&rx) {
        Seen::Open => {}
        other => panic!("{url}: expected open, got {other:?}"),
    }
    connection.send(MessageKind::Text, b"hello").unwrap();
    match next(&rx) {
        Seen::Message(data) => assert_eq!(data, b"hello"),
        other => panic!("{url}: expected the echo, got {other:?}"),
    }
    connection.close(1000, "done").unwrap();
    match next(&rx) {
        Seen::Closed(1000) => {}
        other => panic!("{url}: expected close 1000, got {other:?}"),
    }
}

/// Connects to `url` and returns the failure.
fn failure(url: &str, options: Options) -> (String, Option<TlsError>, Option<String>) {
    let (tx, rx) = mpsc::channel();
    let _connection = connect(url, &[], options, Box::new(Recorder(tx))).unwrap();
    match next(&rx) {
        Seen::Failed {
            message,
            tls,
            proxy,
        } => (message, tls, proxy),
        other => panic!("{url}: expected a failure, got {other:?}"),
    }
}

#[test]
fn certificates_are_verified_and_failures_are_typed() {
    let fixture = Fixture::new("verify");
    let good = fixture.tls_echo("server.pem", "server-key.pem");
    let wrong = fixture.tls_echo("wrong-name.pem", "wrong-name-key.pem");
    let expired = fixture.tls_echo("expired.pem", "expired-key.pem");
    let url = |addr: SocketAddr| format!("wss://localhost:{}/", addr.port());
    let direct = || fixture.options(ProxySetting::Off);

    echo_once(&url(good), direct());
    echo_once(&format!("wss://127.0.0.1:{}/", good.port()), direct());

    let mut untrusted = direct();
    untrusted
        .tls
        .set_ca_file(Some(&fixture.file("other-ca.pem")))
        .unwrap();
    let (message, tls, _) = failure(&url(good), untrusted);
    assert_eq!(
        tls,
        Some(TlsError::Certificate(CertificateProblem::UnknownIssuer)),
        "{message}"
    );
    assert_eq!(
        message,
        format!(
            "wss://localhost:{}: TLS certificate verify failed: certificate signed by unknown \
             authority",
            good.port()
        )
    );

    let (message, tls, _) = failure(&url(wrong), direct());
    assert!(
        matches!(
            tls,
            Some(TlsError::Certificate(CertificateProblem::NameMismatch { ref expected, ref presented }))
                if expected == "localhost" && presented.iter().any(|n| n.contains("other.example"))
        ),
        "{message}"
    );
    let (message, tls, _) = failure(&url(expired), direct());
    assert!(
        matches!(
            tls,
            Some(TlsError::Certificate(CertificateProblem::Expired {
                not_after: Some(_)
            }))
        ),
        "{message}"
    );

    let mut insecure = direct();
    insecure.tls.set_verify(false);
    echo_once(&url(wrong), insecure.clone());
    echo_once(&url(expired), insecure);
}

#[test]
fn tunnels_through_http_connect_and_socks5() {
    let fixture = Fixture::new("tunnels");
    let tls_echo = fixture.tls_echo("server.pem", "server-key.pem");
    let url = format!("wss://localhost:{}/", tls_echo.port());
    let (http, http_log) = fixture.proxy(Mode::Http { deny: None }, None);
    let (socks, socks_log) = fixture.proxy(Mode::Socks5 { deny: None }, None);
    let via = |proxy: String| fixture.options(ProxySetting::Url(Proxy::parse(&proxy).unwrap()));

    echo_once(&url, via(format!("http://{http}")));
    assert_eq!(
        *http_log.lock().unwrap(),
        [format!("http localhost:{} ok", tls_echo.port())]
    );
    echo_once(&url, via(format!("socks5h://{socks}")));
    echo_once(
        &format!("wss://127.0.0.1:{}/", tls_echo.port()),
        via(format!("socks5://{socks}")),
    );
    assert_eq!(
        *socks_log.lock().unwrap(),
        [
            format!("socks5-domain localhost:{} ok", tls_echo.port()),
            format!("socks5-ipv4 127.0.0.1:{} ok", tls_echo.port())
        ]
    );
}

#[test]
fn proxy_refusals_are_typed() {
    let fixture = Fixture::new("refusals");
    let tls_echo = fixture.tls_echo("server.pem", "server-key.pem");
    let url = format!("wss://localhost:{}/", tls_echo.port());
    let credentials = Credentials {
        user: "alice".into(),
        password: "s3cret:!".into(),
    };
    let (http, _) = fixture.proxy(Mode::Http { deny: None }, Some(credentials.clone()));
    let (socks, _) = fixture.proxy(Mode::Socks5 { deny: Some(5) }, None);
    let via = |proxy: String| fixture.options(ProxySetting::Url(Proxy::parse(&proxy).unwrap()));

    echo_once(&url, via(format!("http://alice:s3cret%3A%21@{http}")));
    let (message, _, proxy) = failure(&url, via(format!("http://alice:wrong@{http}")));
    let proxy = proxy.expect("a proxy failure");
    assert!(proxy.contains("Status { code: 407"), "{proxy}");
    assert!(proxy.contains("sent_credentials: true"), "{proxy}");
    assert!(
        !message.contains("wrong"),
        "the password leaked into {message}"
    );
    let (message, _, proxy) = failure(&url, via(format!("socks5://{socks}")));
    assert_eq!(proxy.as_deref(), Some("Refused { reply: 5 }"), "{message}");
}

#[test]
fn the_async_api_runs_over_wss_through_a_proxy_on_a_current_thread_runtime() {
    use futures_util::{SinkExt, StreamExt};
    use net_websocket_client::{connect_async, Message};
    let fixture = Fixture::new("async");
    let tls_echo = fixture.tls_echo("server.pem", "server-key.pem");
    let (http, http_log) = fixture.proxy(Mode::Http { deny: None }, None);
    let url = format!("wss://localhost:{}/", tls_echo.port());
    let proxied = fixture.options(ProxySetting::Url(
        Proxy::parse(&format!("http://{http}")).unwrap(),
    ));
    let untrusted = Options {
        proxy: ProxySetting::Off,
        ..Options::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut ws = connect_async(&url, proxied).await.unwrap();
        ws.send(Message::text("over TLS")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("over TLS"));
        ws.close().await.unwrap();
        assert!(matches!(ws.next().await, Some(Ok(Message::Close(_)))));
        assert!(ws.next().await.is_none());

        // Not trusting the test CA: the typed certificate problem.
        let refused = connect_async(&url, untrusted).await.unwrap_err();
        assert!(
            matches!(
                refused.cause(),
                Cause::Tls(TlsError::Certificate(CertificateProblem::UnknownIssuer))
            ),
            "{refused}"
        );
    });
    assert_eq!(
        *http_log.lock().unwrap(),
        [format!("http localhost:{} ok", tls_echo.port())]
    );
}

#[test]
fn https_proxies_carry_tls_inside_tls_and_their_own_failures_are_typed() {
    let fixture = Fixture::new("https-proxy");
    let tls_echo = fixture.tls_echo("server.pem", "server-key.pem");
    let url = format!("wss://localhost:{}/", tls_echo.port());
    let cert = Some(("server.pem", "server-key.pem"));
    let (https, log) = fixture.proxy_with(Mode::Http { deny: None }, None, HttpAuth::Basic, cert);
    let via = |proxy: String| fixture.options(ProxySetting::Url(Proxy::parse(&proxy).unwrap()));

    echo_once(&url, via(format!("https://{https}")));
    assert_eq!(
        *log.lock().unwrap(),
        [format!("http localhost:{} ok", tls_echo.port())]
    );

    let untrusted = Some(("other-server.pem", "other-server-key.pem"));
    let (other, _) =
        fixture.proxy_with(Mode::Http { deny: None }, None, HttpAuth::Basic, untrusted);
    let (message, tls, proxy) = failure(&url, via(format!("https://{other}")));
    assert_eq!(
        tls, None,
        "the server's TLS is not the one that failed: {message}"
    );
    assert_eq!(
        proxy.as_deref(),
        Some("Tls(Certificate(UnknownIssuer))"),
        "{message}"
    );
    assert_eq!(
        message,
        format!(
            "wss://localhost:{}: proxy https://{other} could not be used over TLS: TLS \
             certificate verify failed: certificate signed by unknown authority",
            tls_echo.port()
        )
    );
    let mut trusting = via(format!("https://{other}"));
    trusting
        .tls
        .set_proxy_ca_file(Some(&fixture.file("other-ca.pem")))
        .unwrap();
    echo_once(&url, trusting);
}

#[test]
fn digest_authentication_and_schemes_we_cannot_answer() {
    let fixture = Fixture::new("digest");
    let tls_echo = fixture.tls_echo("server.pem", "server-key.pem");
    let url = format!("wss://localhost:{}/", tls_echo.port());
    let credentials = Credentials {
        user: "alice".into(),
        password: "s3cret".into(),
    };
    let digest = HttpAuth::Digest {
        algorithms: vec![DigestAlgorithm::Md5, DigestAlgorithm::Sha256],
        keep_alive: false,
    };
    let (proxy, log) =
        fixture.proxy_with(Mode::Http { deny: None }, Some(credentials), digest, None);
    let (ntlm, _) = fixture.proxy_with(Mode::Http { deny: None }, None, HttpAuth::Ntlm, None);
    let via = |proxy: String| fixture.options(ProxySetting::Url(Proxy::parse(&proxy).unwrap()));

    // SHA-256 although MD5 comes first; the proxy closed after its 407: a new connection.
    echo_once(&url, via(format!("http://alice:s3cret@{proxy}")));
    let authority = format!("localhost:{}", tls_echo.port());
    assert_eq!(
        *log.lock().unwrap(),
        [
            format!("http {authority} auth-required"),
            format!("http {authority} ok digest-sha-256")
        ]
    );
    let (message, _, failure_) = failure(&url, via(format!("http://alice:nope@{proxy}")));
    assert!(
        failure_.unwrap().contains("Status { code: 407"),
        "{message}"
    );

    let (message, _, failure_) = failure(&url, via(format!("http://alice:s3cret@{ntlm}")));
    assert_eq!(
        failure_.as_deref(),
        Some(r#"UnsupportedAuth { offered: ["NTLM", "Negotiate"] }"#),
        "{message}"
    );
}

#[test]
fn pins_and_versions_fail_with_typed_causes() {
    let fixture = Fixture::new("pins");
    let (tls13, _) = fixture.logged_tls_echo("1.3");
    let (tls12, _) = fixture.logged_tls_echo("1.2");
    let url = |addr: SocketAddr| format!("wss://localhost:{}/", addr.port());
    let direct = || fixture.options(ProxySetting::Off);
    let pin = std::fs::read_to_string(fixture.file("server.pin")).unwrap();

    let mut pinned = direct();
    pinned.tls.set_pinned_public_key(Some(pin.trim())).unwrap();
    echo_once(&url(tls13), pinned);
    let wrong = format!("sha256//{}=", "A".repeat(43));
    let mut mispinned = direct();
    mispinned.tls.set_pinned_public_key(Some(&wrong)).unwrap();
    let (message, tls, _) = failure(&url(tls13), mispinned);
    assert_eq!(
        tls,
        Some(TlsError::Certificate(CertificateProblem::PinMismatch(
            PinMismatch {
                presented: pin.trim().to_string(),
                pinned: vec![wrong.clone()],
            }
        ))),
        "{message}"
    );

    let mut modern = direct();
    modern
        .tls
        .set_versions(Some(TlsVersion::Tls13), None)
        .unwrap();
    echo_once(&url(tls13), modern.clone());
    let (message, tls, _) = failure(&url(tls12), modern);
    assert!(
        matches!(tls, Some(TlsError::NoCommonVersion { ref offered, .. }) if offered == "TLS 1.3 only"),
        "{message}"
    );
    let mut old = direct();
    old.tls.set_versions(None, Some(TlsVersion::Tls12)).unwrap();
    echo_once(&url(tls12), old.clone());
    let (message, tls, _) = failure(&url(tls13), old);
    assert!(
        matches!(tls, Some(TlsError::NoCommonVersion { ref offered, .. }) if offered == "TLS 1.2 only"),
        "{message}"
    );
}

/// Two handler-API clients with separately made, equal options: the second resumes the
/// session of the first (the server's log tells), in TLS 1.3 and in TLS 1.2.
#[test]
fn equal_settings_share_sessions_across_clients() {
    let fixture = Fixture::new("resumption");
    // A name each: sessions are kept by server name, and a TLS 1.3 ticket, when there is
    // one, is offered before a TLS 1.2 session.
    for (versions, host) in [("1.3", "localhost"), ("1.2", "127.0.0.1")] {
        let (server, log) = fixture.logged_tls_echo(versions);
        let url = format!("wss://{host}:{}/", server.port());
        echo_once(&url, fixture.options(ProxySetting::Off));
        echo_once(&url, fixture.options(ProxySetting::Off));
        let kinds: Vec<String> = log.lock().unwrap().clone();
        let version = if versions == "1.3" {
            "TLSv1_3"
        } else {
            "TLSv1_2"
        };
        assert_eq!(
            kinds,
            [
                format!("TLS {version} full"),
                format!("TLS {version} resumed")
            ],
            "TLS {versions}"
        );
    }
}
