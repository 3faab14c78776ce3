//! Tunnels through both proxy modes, in-process, to a plain TCP echo listener: the exact
//! bytes each proxy answers, the bytes that come back through the tunnel, and the log line.
use net_websocket_tools::proxy::{self, Config, Credentials, HttpAuth, Mode, Status, TunnelLog};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Echoes every byte back on each connection.
async fn tcp_echo_listener(addr: &str) -> SocketAddr {
    let listener = TcpListener::bind(addr).await.unwrap();
    let local = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let (mut read, mut write) = stream.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
            });
        }
    });
    local
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

struct Proxy {
    addr: SocketAddr,
    lines: mpsc::UnboundedReceiver<String>,
}

impl Proxy {
    async fn start(mode: Mode, credentials: Option<(&str, &str)>) -> Proxy {
        let credentials = credentials.map(|(user, password)| Credentials {
            user: user.to_string(),
            password: password.to_string(),
        });
        let (tx, lines) = mpsc::unbounded_channel();
        let log: proxy::Log = Arc::new(move |line: &TunnelLog| {
            let _ = tx.send(line.to_string());
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(proxy::serve(
            listener,
            Config {
                mode,
                credentials,
                auth: HttpAuth::Basic,
            },
            log,
        ));
        Proxy { addr, lines }
    }

    async fn http(credentials: Option<(&str, &str)>) -> Proxy {
        Proxy::start(Mode::Http { deny: None }, credentials).await
    }

    async fn socks5(credentials: Option<(&str, &str)>) -> Proxy {
        Proxy::start(Mode::Socks5 { deny: None }, credentials).await
    }

    /// The proxy logs before it answers, so a line is there once the answer is.
    fn line(&mut self) -> String {
        self.lines.try_recv().expect("a log line before the answer")
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }
}

async fn read_exactly(stream: &mut TcpStream, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut buf))
        .await
        .expect("no answer within 10 s")
        .unwrap();
    buf
}

/// Everything until the proxy closes.
async fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf))
        .await
        .expect("no close within 10 s")
        .unwrap();
    buf
}

/// Sends `bytes` through an established tunnel and expects them back.
async fn assert_echoes(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).await.unwrap();
    assert_eq!(read_exactly(stream, bytes.len()).await, bytes);
}

const ESTABLISHED: &[u8] = b"HTTP/1.1 200 Connection established\r\n\r\n";

fn connect_request(target: &str, extra_fields: &str) -> Vec<u8> {
    format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{extra_fields}\r\n").into_bytes()
}

#[tokio::test]
async fn http_tunnel_to_an_ip_keeps_bytes_sent_with_the_request() {
    let echo = tcp_echo_listener("127.0.0.1:0").await;
    let mut proxy = Proxy::http(None).await;
    let mut client = proxy.connect().await;
    let mut request = connect_request(&echo.to_string(), "");
    request.extend_from_slice(b"sent early");
    client.write_all(&request).await.unwrap();
    assert_eq!(
        read_exactly(&mut client, ESTABLISHED.len()).await,
        ESTABLISHED
    );
    assert_eq!(proxy.line(), format!("http {echo} ok"));
    assert_eq!(read_exactly(&mut client, 10).await, b"sent early");
    assert_echoes(&mut client, b"then more").await;
}

#[tokio::test]
async fn http_tunnel_to_a_name_the_proxy_resolves() {
    let echo = tcp_echo_listener("127.0.0.1:0").await;
    let mut proxy = Proxy::http(None).await;
    let mut client = proxy.connect().await;
    let target = format!("localhost:{}", echo.port());
    client
        .write_all(&connect_request(&target, ""))
        .await
        .unwrap();
    assert_eq!(
        read_exactly(&mut client, ESTABLISHED.len()).await,
        ESTABLISHED
    );
    assert_eq!(proxy.line(), format!("http {target} ok"));
    assert_echoes(&mut client, b"by name").await;
}

#[tokio::test]
async fn http_proxy_authentication() {
    let echo = tcp_echo_listener("127.0.0.1:0").await;
    let mut proxy = Proxy::http(Some(("user", "secret"))).await;
    let refused = b"HTTP/1.1 407 Proxy Authentication Required\r\n\
        Proxy-Authenticate: Basic realm=\"ws-test-proxy\"\r\n\
        Content-Length: 0\r\nConnection: close\r\n\r\n";

    let mut client = proxy.connect().await;
    client
        .write_all(&connect_request(&echo.to_string(), ""))
        .await
        .unwrap();
    assert_eq!(read_to_end(&mut client).await, refused);
    assert_eq!(proxy.line(), format!("http {echo} auth-required"));

    // base64("user:wrong") and base64("user:secret")
    let mut client = proxy.connect().await;
    let wrong = "Proxy-Authorization: Basic dXNlcjp3cm9uZw==\r\n";
    client
        .write_all(&connect_request(&echo.to_string(), wrong))
        .await
        .unwrap();
    assert_eq!(read_to_end(&mut client).await, refused);
    assert_eq!(proxy.line(), format!("http {echo} auth-failed"));

    let mut client = proxy.connect().await;
    let right = "Proxy-Authorization: Basic dXNlcjpzZWNyZXQ=\r\n";
    client
        .write_all(&connect_request(&echo.to_string(), right))
        .await
        .unwrap();
    assert_eq!(
        read_exactly(&mut client, ESTABLISHED.len()).await,
        ESTABLISHED
    );
    assert_eq!(proxy.line(), format!("http {echo} ok"));
    assert_echoes(&mut client, b"authenticated").await;
}

#[tokio::test]
async fn http_scripted_status_refused_target_and_other_methods() {
    let echo = tcp_echo_listener("127.0.0.1:0").await;
    let deny = Some(Status {
        code: 403,
        reason: "Forbidden".into(),
    });
    let mut denying = Proxy::start(Mode::Http { deny }, None).await;
    let mut client = denying.connect().await;
    client
        .write_all(&connect_request(&echo.to_string(), ""))
        .await
        .unwrap();
    assert_eq!(
        read_to_end(&mut client).await,
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(denying.line(), format!("http {echo} denied 403"));

    let mut proxy = Proxy::http(None).await;
    let closed = format!("127.0.0.1:{}", closed_port());
    let mut client = proxy.connect().await;
    client
        .write_all(&connect_request(&closed, ""))
        .await
        .unwrap();
    assert_eq!(
        read_to_end(&mut client).await,
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(
        proxy.line(),
        format!("http {closed} failed connection-refused")
    );

    let mut client = proxy.connect().await;
    client
        .write_all(b"GET http://localhost/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        read_to_end(&mut client).await,
        b"HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\n\
          Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(proxy.line(), "http http://localhost/ denied 405");
}

fn socks5_connect(atyp: u8, address: &[u8], port: u16) -> Vec<u8> {
    let mut request = vec![5, 1, 0, atyp];
    if atyp == 3 {
        request.push(address.len() as u8);
    }
    request.extend_from_slice(address);
    request.extend_from_slice(&port.to_be_bytes());
    request
}

/// A success reply whose BND.ADDR is the proxy's loopback side of the outgoing connection.
fn assert_bound_reply(reply: &[u8]) {
    assert_eq!(reply[..8], [5, 0, 0, 1, 127, 0, 0, 1], "{reply:?}");
    assert_ne!(u16::from_be_bytes([reply[8], reply[9]]), 0);
}

#[tokio::test]
async fn socks5_tunnels_by_ipv4_by_name_and_by_ipv6() {
    let echo = tcp_echo_listener("127.0.0.1:0").await;
    let mut proxy = Proxy::socks5(None).await;

    let mut client = proxy.connect().await;
    client.write_all(&[5, 1, 0]).await.unwrap();
    assert_eq!(read_exactly(&mut client, 2).await, [5, 0]);
    client
        .write_all(&socks5_connect(1, &[127, 0, 0, 1], echo.port()))
        .await
        .unwrap();
    assert_bound_reply(&read_exactly(&mut client, 10).await);
    assert_eq!(proxy.line(), format!("socks5-ipv4 {echo} ok"));
    assert_echoes(&mut client, b"by address").await;

    // Greeting, request and data in one write: nothing sent early is lost.
    let mut client = proxy.connect().await;
    let mut all_at_once = vec![5, 2, 2, 0];
    all_at_once.extend(socks5_connect(3, b"localhost", echo.port()));
    all_at_once.extend_from_slice(b"early");
    client.write_all(&all_at_once).await.unwrap();
    assert_eq!(read_exactly(&mut client, 2).await, [5, 0]);
    assert_bound_reply(&read_exactly(&mut client, 10).await);
    assert_eq!(
        proxy.line(),
        format!("socks5-domain localhost:{} ok", echo.port())
    );
    assert_eq!(read_exactly(&mut client, 5).await, b"early");
    assert_echoes(&mut client, b"by name").await;

    let echo_v6 = tcp_echo_listener("[::1]:0").await;
    let mut client = proxy.connect().await;
    client.write_all(&[5, 1, 0]).await.unwrap();
    assert_eq!(read_exactly(&mut client, 2).await, [5, 0]);
    let loopback_v6 = std::net::Ipv6Addr::LOCALHOST.octets();
    client
        .write_all(&socks5_connect(4, &loopback_v6, echo_v6.port()))
        .await
        .unwrap();
    let reply = read_exactly(&mut client, 22).await;
    assert_eq!(reply[..4], [5, 0, 0, 4]);
    assert_eq!(reply[4..20], loopback_v6);
    assert_eq!(
        proxy.line(),
        format!("socks5-ipv6 [::1]:{} ok", echo_v6.port())
    );
    assert_echoes(&mut client, b"over IPv6").await;
}

#[tokio::test]
async fn socks5_username_password_authentication() {
    let echo = tcp_echo_listener("127.0.0.1:0").await;
    let mut proxy = Proxy::socks5(Some(("user", "secret"))).await;

    let mut client = proxy.connect().await;
    client.write_all(&[5, 1, 0]).await.unwrap();
    assert_eq!(read_to_end(&mut client).await, [5, 0xff]);
    assert_eq!(proxy.line(), "socks5 - auth-required");

    let mut client = proxy.connect().await;
    client.write_all(&[5, 2, 0, 2]).await.unwrap();
    assert_eq!(read_exactly(&mut client, 2).await, [5, 2]);
    client.write_all(b"\x01\x04user\x05wrong").await.unwrap();
    assert_eq!(read_to_end(&mut client).await, [1, 1]);
    assert_eq!(proxy.line(), "socks5 - auth-failed");

    let mut client = proxy.connect().await;
    client.write_all(&[5, 1, 2]).await.unwrap();
    assert_eq!(read_exactly(&mut client, 2).await, [5, 2]);
    client.write_all(b"\x01\x04user\x06secret").await.unwrap();
    assert_eq!(read_exactly(&mut client, 2).await, [1, 0]);
    client
        .write_all(&socks5_connect(1, &[127, 0, 0, 1], echo.port()))
        .await
        .unwrap();
    assert_bound_reply(&read_exactly(&mut client, 10).await);
    assert_eq!(proxy.line(), format!("socks5-ipv4 {echo} ok"));
    assert_echoes(&mut client, b"authenticated").await;
}

#[tokio::test]
async fn socks5_scripted_reply_refused_target_and_unsupported_requests() {
    let echo = tcp_echo_listener("127.0.0.1:0").await;
    let mut denying = Proxy::start(Mode::Socks5 { deny: Some(2) }, None).await;
    let mut client = denying.connect().await;
    let mut request = vec![5, 1, 0];
    request.extend(socks5_connect(3, b"localhost", echo.port()));
    client.write_all(&request).await.unwrap();
    assert_eq!(
        read_to_end(&mut client).await,
        [5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        denying.line(),
        format!("socks5-domain localhost:{} denied 2", echo.port())
    );

    let mut proxy = Proxy::socks5(None).await;
    let port = closed_port();
    let mut client = proxy.connect().await;
    let mut request = vec![5, 1, 0];
    request.extend(socks5_connect(1, &[127, 0, 0, 1], port));
    client.write_all(&request).await.unwrap();
    assert_eq!(
        read_to_end(&mut client).await,
        [5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        proxy.line(),
        format!("socks5-ipv4 127.0.0.1:{port} failed connection-refused")
    );

    // BIND (command 2) is not supported: reply 7.
    let mut client = proxy.connect().await;
    client
        .write_all(&[5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80])
        .await
        .unwrap();
    assert_eq!(
        read_to_end(&mut client).await,
        [5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(proxy.line(), "socks5-ipv4 127.0.0.1:80 denied 7");

    // Address type 2 does not exist: reply 8.
    let mut client = proxy.connect().await;
    client
        .write_all(&[5, 1, 0, 5, 1, 0, 2, 0, 0])
        .await
        .unwrap();
    assert_eq!(
        read_to_end(&mut client).await,
        [5, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(proxy.line(), "socks5 - denied 8");
}
