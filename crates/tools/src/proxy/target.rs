//! Connecting to the target a client asked for.
use super::ConnectFailure;
use std::io::ErrorKind;
use tokio::net::TcpStream;

/// Resolves `host` (a name or an IP literal, without brackets) and connects to its loopback
/// addresses in order; the error is the last one met.
pub(super) async fn connect(host: &str, port: u16) -> Result<TcpStream, ConnectFailure> {
    // An empty SOCKS5 domain: nothing to look up.
    if host.is_empty() {
        return Err(ConnectFailure::NotResolved);
    }
    let addresses: Vec<_> = match tokio::net::lookup_host((host, port)).await {
        Ok(addresses) => addresses.collect(),
        Err(_) => return Err(ConnectFailure::NotResolved),
    };
    if addresses.is_empty() {
        return Err(ConnectFailure::NotResolved);
    }
    let mut failure = ConnectFailure::NotLoopback;
    for address in addresses.into_iter().filter(|a| a.ip().is_loopback()) {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => failure = ConnectFailure::Io(e.kind()),
        }
    }
    Err(failure)
}

/// The SOCKS5 reply code for a failure (RFC 1928 §6): 5 refused, 4 unreachable or not
/// resolved, 2 not allowed (not loopback), 1 anything else.
pub(super) fn socks5_reply(failure: ConnectFailure) -> u8 {
    match failure {
        ConnectFailure::Io(ErrorKind::ConnectionRefused) => 5,
        ConnectFailure::NotResolved
        | ConnectFailure::Io(ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable) => 4,
        ConnectFailure::NotLoopback => 2,
        ConnectFailure::Io(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn addresses_off_the_machine_are_not_tried() {
        // TEST-NET-1 (RFC 5737): documentation only; refused before any packet is sent.
        let result = connect("192.0.2.1", 80).await;
        assert_eq!(result.err(), Some(ConnectFailure::NotLoopback));
    }

    #[tokio::test]
    async fn a_closed_port_is_refused() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let result = connect("127.0.0.1", port).await;
        assert_eq!(
            result.err(),
            Some(ConnectFailure::Io(ErrorKind::ConnectionRefused))
        );
    }

    #[test]
    fn socks5_reply_codes_follow_the_failure() {
        assert_eq!(
            socks5_reply(ConnectFailure::Io(ErrorKind::ConnectionRefused)),
            5
        );
        assert_eq!(
            socks5_reply(ConnectFailure::Io(ErrorKind::HostUnreachable)),
            4
        );
        assert_eq!(socks5_reply(ConnectFailure::NotResolved), 4);
        assert_eq!(socks5_reply(ConnectFailure::NotLoopback), 2);
        assert_eq!(socks5_reply(ConnectFailure::Io(ErrorKind::TimedOut)), 1);
    }
}
