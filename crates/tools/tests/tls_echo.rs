//! The echo server over TLS, in-process: a tokio-rustls client that trusts the test PKI's CA
//! opens a WebSocket with the protocol crate's client side and gets its message back; client
//! certificates are required when the server has a client CA; the close handshake ends with
//! close_notify.
use net_websocket_protocol::handshake::ClientHandshake;
use net_websocket_protocol::{Config, Event, MessageKind, Protocol, Role};
use net_websocket_tools::echo;
use net_websocket_tools::pki::TestPki;
use net_websocket_tools::tls::{self, TlsFiles};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, SupportedProtocolVersion};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// A fresh PKI in its own directory under the system temp dir, removed on drop.
struct PkiDir(PathBuf);

impl PkiDir {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ws-tls-echo-{}-{test}", std::process::id()));
        TestPki::generate().unwrap().write_to(&dir).unwrap();
        PkiDir(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for PkiDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts `echo::serve_tls` with `server.pem`, optionally requiring a client certificate.
async fn tls_echo_server(pki: &PkiDir, client_ca: Option<&str>) -> SocketAddr {
    let files = TlsFiles {
        cert: pki.file("server.pem"),
        key: pki.file("server-key.pem"),
        client_ca: client_ca.map(|name| pki.file(name)),
    };
    let acceptor = tls::acceptor(&files).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(echo::serve_tls(listener, acceptor));
    addr
}

/// What the client side presents and accepts.
struct ClientSide<'a> {
    versions: &'a [&'static SupportedProtocolVersion],
    /// (certificate file, key file)
    identity: Option<(&'a str, &'a str)>,
}

const ANY_VERSION: &[&SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

fn client_config(pki: &PkiDir, side: &ClientSide<'_>) -> ClientConfig {
    let roots = tls::root_store(&pki.file("ca.pem")).unwrap();
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(side.versions)
            .unwrap()
            .with_root_certificates(roots);
    match side.identity {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => builder
            .with_client_auth_cert(
                tls::certificates(&pki.file(cert)).unwrap(),
                PrivateKeyDer::from_pem_file(pki.file(key)).unwrap(),
            )
            .unwrap(),
    }
}

async fn tls_connect(
    pki: &PkiDir,
    addr: SocketAddr,
    side: &ClientSide<'_>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let connector = TlsConnector::from(Arc::new(client_config(pki, side)));
    let tcp = TcpStream::connect(addr).await?;
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// The protocol crate's client side over a TLS stream.
struct WsClient {
    stream: TlsStream<TcpStream>,
    connection: Protocol,
}

fn zero_entropy() -> net_websocket_protocol::Entropy {
    Box::new(|buf: &mut [u8]| buf.fill(0x5a))
}

impl WsClient {
    /// The opening handshake for `resource`; the error is what went wrong, as text.
    async fn open(mut stream: TlsStream<TcpStream>, resource: &str) -> Result<Self, String> {
        let handshake = ClientHandshake::new([7; 16], "localhost", resource, &[], None)
            .map_err(|e| e.to_string())?;
        stream
            .write_all(handshake.request())
            .await
            .map_err(|e| e.to_string())?;
        stream.flush().await.map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        loop {
            if stream.read_buf(&mut buf).await.map_err(|e| e.to_string())? == 0 {
                return Err("EOF before the response".into());
            }
            if let Some(accepted) = handshake.parse_response(&buf).map_err(|e| e.to_string())? {
                let mut connection = Protocol::new(
                    Role::Client,
                    Config::default(),
                    accepted.deflate,
                    zero_entropy(),
                );
                connection.receive_data(&buf[accepted.consumed..]);
                return Ok(WsClient { stream, connection });
            }
        }
    }

    async fn flush_output(&mut self) {
        let out = self.connection.pending_output();
        let n = out.len();
        self.stream.write_all(out).await.unwrap();
        self.stream.flush().await.unwrap();
        self.connection.consume_output(n);
    }

    async fn send_text(&mut self, text: &str) {
        self.connection.send_text(text).unwrap();
        self.flush_output().await;
    }

    /// The next message, or the close code the server sent.
    async fn next(&mut self) -> Result<(MessageKind, Vec<u8>), Option<u16>> {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match self.connection.poll_event() {
                Some(Event::Message { kind, data }) => return Ok((kind, data.to_vec())),
                Some(Event::Close { code, .. }) => return Err(code),
                Some(other) => panic!("unexpected event {other:?}"),
                None => {}
            }
            let n = self.stream.read(&mut buf).await.expect("read");
            assert_ne!(n, 0, "EOF while waiting for a message");
            self.connection.receive_data(&buf[..n]);
        }
    }
}

#[tokio::test]
async fn a_message_round_trips_over_tls_1_3_and_1_2() {
    let pki = PkiDir::new("round-trip");
    let addr = tls_echo_server(&pki, None).await;
    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let side = ClientSide {
            versions: &[version],
            identity: None,
        };
        let stream = tls_connect(&pki, addr, &side).await.unwrap();
        let negotiated = stream.get_ref().1.protocol_version();
        assert_eq!(negotiated, Some(version.version));
        let mut client = WsClient::open(stream, "/").await.unwrap();
        client.send_text("hello over TLS").await;
        assert_eq!(
            client.next().await,
            Ok((MessageKind::Text, b"hello over TLS".to_vec()))
        );
    }
}

#[tokio::test]
async fn headers_path_reports_the_request_fields_over_tls() {
    let pki = PkiDir::new("headers");
    let addr = tls_echo_server(&pki, None).await;
    let side = ClientSide {
        versions: ANY_VERSION,
        identity: None,
    };
    let stream = tls_connect(&pki, addr, &side).await.unwrap();
    let mut client = WsClient::open(stream, "/headers").await.unwrap();
    let (kind, data) = client.next().await.unwrap();
    assert_eq!(kind, MessageKind::Text);
    assert_eq!(
        String::from_utf8(data).unwrap(),
        "Host: localhost\nUpgrade: websocket\nConnection: Upgrade\n\
         Sec-WebSocket-Key: BwcHBwcHBwcHBwcHBwcHBw==\nSec-WebSocket-Version: 13"
    );
}

#[tokio::test]
async fn server_close_ends_with_close_notify() {
    let pki = PkiDir::new("close-notify");
    let addr = tls_echo_server(&pki, None).await;
    let side = ClientSide {
        versions: ANY_VERSION,
        identity: None,
    };
    let stream = tls_connect(&pki, addr, &side).await.unwrap();
    let mut client = WsClient::open(stream, "/close/4001").await.unwrap();
    assert_eq!(client.next().await, Err(Some(4001)));
    client.flush_output().await;
    // A TLS stream that ends without close_notify reads as an UnexpectedEof error, not 0.
    let mut rest = Vec::new();
    assert_eq!(client.stream.read_to_end(&mut rest).await.unwrap(), 0);
}

#[tokio::test]
async fn client_ca_requires_a_client_certificate_that_chains_to_it() {
    let pki = PkiDir::new("client-ca");
    let addr = tls_echo_server(&pki, Some("ca.pem")).await;
    let with_cert = ClientSide {
        versions: ANY_VERSION,
        identity: Some(("client.pem", "client-key.pem")),
    };
    let stream = tls_connect(&pki, addr, &with_cert).await.unwrap();
    let mut client = WsClient::open(stream, "/").await.unwrap();
    client.send_text("with a certificate").await;
    assert_eq!(
        client.next().await,
        Ok((MessageKind::Text, b"with a certificate".to_vec()))
    );

    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let without_cert = ClientSide {
            versions: &[version],
            identity: None,
        };
        // A TLS 1.3 client finishes its handshake before the server checks its certificate,
        // so the refusal may only show when the client reads.
        let refused = match tls_connect(&pki, addr, &without_cert).await {
            Err(e) => e.to_string(),
            Ok(stream) => WsClient::open(stream, "/")
                .await
                .err()
                .expect("a 101 without a cert"),
        };
        assert!(
            refused.contains("CertificateRequired"),
            "{version:?}: {refused}"
        );
    }
}

#[tokio::test]
async fn client_certificate_from_another_ca_is_refused() {
    let pki = PkiDir::new("other-client-ca");
    let addr = tls_echo_server(&pki, Some("other-ca.pem")).await;
    let side = ClientSide {
        versions: ANY_VERSION,
        identity: Some(("client.pem", "client-key.pem")),
    };
    let refused = match tls_connect(&pki, addr, &side).await {
        Err(e) => e.to_string(),
        Ok(stream) => WsClient::open(stream, "/")
            .await
            .err()
            .expect("a 101 with a foreign cert"),
    };
    assert!(refused.contains("UnknownCA"), "{refused}");
}

/// What the server sends for `resource` when the client sends its request and a close frame
/// in one write, read until the server ends the stream. `/bad-extension` and `/mute` wait for
/// the client to give up, so there the client ends its side once the response head is in.
async fn transcript<S: echo::Stream>(mut stream: S, resource: &str) -> Vec<u8> {
    let handshake = ClientHandshake::new([7; 16], "localhost", resource, &[], None).unwrap();
    let mut closing = Protocol::new(Role::Client, Config::default(), None, zero_entropy());
    closing.send_close(Some(1000), "bye").unwrap();
    let mut request = handshake.request().to_vec();
    request.extend_from_slice(closing.pending_output());
    stream.write_all(&request).await.unwrap();
    stream.flush().await.unwrap();
    let mut received = Vec::new();
    if resource == "/bad-extension" || resource == "/mute" {
        while !received.ends_with(b"\r\n\r\n") {
            assert_ne!(stream.read_buf(&mut received).await.unwrap(), 0);
        }
        stream.shutdown().await.unwrap();
    }
    // Over TLS, an end without close_notify is an error here, not Ok.
    stream.read_to_end(&mut received).await.unwrap();
    received
}

#[tokio::test]
async fn every_test_path_sends_the_same_bytes_over_tls_as_over_tcp() {
    let pki = PkiDir::new("same-bytes");
    let tls_addr = tls_echo_server(&pki, None).await;
    let tcp_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tcp_addr = tcp_listener.local_addr().unwrap();
    tokio::spawn(echo::serve(tcp_listener));
    let side = ClientSide {
        versions: ANY_VERSION,
        identity: None,
    };
    for resource in [
        "/",
        "/status/404",
        "/close/4000",
        "/drop",
        "/violate",
        "/invalid-utf8",
        "/messages/3",
        "/bad-extension",
        "/extensions",
        "/headers",
        "/mute",
        "/redirect/302?/redirect/302?/",
        "/redirect-loop",
        "/subprotocol/first",
        "/subprotocol/chat",
        "/pong",
    ] {
        let over_tcp = transcript(TcpStream::connect(tcp_addr).await.unwrap(), resource).await;
        let tls = tls_connect(&pki, tls_addr, &side).await.unwrap();
        let over_tls = transcript(tls, resource).await;
        assert!(!over_tcp.is_empty(), "{resource}");
        assert_eq!(
            String::from_utf8_lossy(&over_tls),
            String::from_utf8_lossy(&over_tcp),
            "{resource}"
        );
    }
}

#[test]
fn missing_files_are_named_in_the_error() {
    let files = TlsFiles {
        cert: Path::new("/nonexistent/server.pem").to_path_buf(),
        key: Path::new("/nonexistent/server-key.pem").to_path_buf(),
        client_ca: None,
    };
    let error = tls::acceptor(&files).err().unwrap().to_string();
    assert!(error.starts_with("/nonexistent/server.pem: "), "{error}");
}

#[test]
fn certificates_reads_a_chain_in_order() {
    let pki = PkiDir::new("chain");
    let chain = pki.file("chain-for-test.pem");
    let server = std::fs::read_to_string(pki.file("server.pem")).unwrap();
    let ca = std::fs::read_to_string(pki.file("ca.pem")).unwrap();
    std::fs::write(&chain, format!("{server}{ca}")).unwrap();
    let certs = tls::certificates(&chain).unwrap();
    assert_eq!(
        certs,
        [
            CertificateDer::from_pem_slice(server.as_bytes()).unwrap(),
            CertificateDer::from_pem_slice(ca.as_bytes()).unwrap()
        ]
    );
}
