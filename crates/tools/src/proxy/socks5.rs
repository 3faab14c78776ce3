//! SOCKS5 (RFC 1928), CONNECT only, with username/password authentication (RFC 1929).
use super::{
    close_with, local_addr, receive, relay, target, Credentials, LogFn, Outcome, Parsed, Received,
    RequestKind, TunnelLog,
};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// §3: the protocol version in every message.
const VERSION: u8 = 5;
/// §3 METHOD values.
const NO_AUTHENTICATION: u8 = 0x00;
const USERNAME_PASSWORD: u8 = 0x02;
const NO_ACCEPTABLE_METHODS: u8 = 0xFF;
/// RFC 1929 §2: the sub-negotiation's own version.
const AUTH_VERSION: u8 = 1;
/// §4 CMD: CONNECT.
const CONNECT: u8 = 1;
/// §6 REP values we send ourselves (the others come from the connect failure).
const SUCCEEDED: u8 = 0;
const COMMAND_NOT_SUPPORTED: u8 = 7;
const ADDRESS_TYPE_NOT_SUPPORTED: u8 = 8;

/// Longer than any SOCKS5 message (the longest, RFC 1929's, is 513 bytes).
const MAX_MESSAGE: usize = 1024;

/// Bytes that are not the SOCKS5 message expected.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Socks5Error {
    /// The first byte is not the version the message must start with.
    BadVersion(u8),
    /// A request with an ATYP other than 1, 3 or 4 (its length is unknowable).
    UnknownAddressType(u8),
}

/// RFC 1929 §2: what the client authenticates with.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct UserPassword {
    pub user: Vec<u8>,
    pub password: Vec<u8>,
}

/// §5 DST.ADDR.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Address {
    Ipv4(Ipv4Addr),
    /// The name as sent (lossily decoded): the proxy resolves it.
    Domain(String),
    Ipv6(Ipv6Addr),
}

/// §4: a request.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Request {
    pub command: u8,
    pub address: Address,
    pub port: u16,
}

impl Request {
    fn kind(&self) -> RequestKind {
        match self.address {
            Address::Ipv4(_) => RequestKind::Socks5Ipv4,
            Address::Domain(_) => RequestKind::Socks5Domain,
            Address::Ipv6(_) => RequestKind::Socks5Ipv6,
        }
    }

    /// The host to resolve or connect to: a name or an IP literal without brackets.
    fn host(&self) -> String {
        match &self.address {
            Address::Ipv4(ip) => ip.to_string(),
            Address::Domain(name) => name.clone(),
            Address::Ipv6(ip) => ip.to_string(),
        }
    }

    /// `host:port` as the client asked, `[v6]:port` for IPv6.
    fn target(&self) -> String {
        match &self.address {
            Address::Ipv6(ip) => format!("[{ip}]:{}", self.port),
            _ => format!("{}:{}", self.host(), self.port),
        }
    }
}

/// `Err` if `buf` has started with something other than `version`.
fn check_version(buf: &[u8], version: u8) -> Result<(), Socks5Error> {
    match buf.first() {
        Some(&first) if first != version => Err(Socks5Error::BadVersion(first)),
        _ => Ok(()),
    }
}

/// §3: VER NMETHODS METHODS → the methods offered.
pub(super) fn parse_greeting(buf: &[u8]) -> Parsed<Vec<u8>, Socks5Error> {
    check_version(buf, VERSION)?;
    let Some(&count) = buf.get(1) else {
        return Ok(None);
    };
    let end = 2 + usize::from(count);
    Ok(buf.get(2..end).map(|methods| (methods.to_vec(), end)))
}

/// §3: the method we pick: username/password only, when credentials are required; else no
/// authentication, if offered.
pub(super) fn choose_method(offered: &[u8], credentials_required: bool) -> u8 {
    let wanted = if credentials_required {
        USERNAME_PASSWORD
    } else {
        NO_AUTHENTICATION
    };
    if offered.contains(&wanted) {
        wanted
    } else {
        NO_ACCEPTABLE_METHODS
    }
}

/// RFC 1929 §2: VER ULEN UNAME PLEN PASSWD.
pub(super) fn parse_auth(buf: &[u8]) -> Parsed<UserPassword, Socks5Error> {
    check_version(buf, AUTH_VERSION)?;
    let Some(&user_len) = buf.get(1) else {
        return Ok(None);
    };
    let user_end = 2 + usize::from(user_len);
    let Some(&password_len) = buf.get(user_end) else {
        return Ok(None);
    };
    let end = user_end + 1 + usize::from(password_len);
    if buf.len() < end {
        return Ok(None);
    }
    let credentials = UserPassword {
        user: buf[2..user_end].to_vec(),
        password: buf[user_end + 1..end].to_vec(),
    };
    Ok(Some((credentials, end)))
}

/// §4: VER CMD RSV ATYP DST.ADDR DST.PORT (the port in network order).
pub(super) fn parse_request(buf: &[u8]) -> Parsed<Request, Socks5Error> {
    check_version(buf, VERSION)?;
    let (Some(&command), Some(&address_type)) = (buf.get(1), buf.get(3)) else {
        return Ok(None);
    };
    let (address_start, address_len) = match address_type {
        1 => (4, 4),
        3 => match buf.get(4) {
            Some(&len) => (5, usize::from(len)),
            None => return Ok(None),
        },
        4 => (4, 16),
        other => return Err(Socks5Error::UnknownAddressType(other)),
    };
    let port_start = address_start + address_len;
    let Some(port) = buf.get(port_start..port_start + 2) else {
        return Ok(None);
    };
    let raw = &buf[address_start..port_start];
    let address = match address_type {
        1 => Address::Ipv4(Ipv4Addr::from(<[u8; 4]>::try_from(raw).expect("4 bytes"))),
        4 => Address::Ipv6(Ipv6Addr::from(<[u8; 16]>::try_from(raw).expect("16 bytes"))),
        _ => Address::Domain(String::from_utf8_lossy(raw).into_owned()),
    };
    let request = Request {
        command,
        address,
        port: u16::from_be_bytes([port[0], port[1]]),
    };
    Ok(Some((request, port_start + 2)))
}

/// §6: VER REP RSV ATYP BND.ADDR BND.PORT.
pub(super) fn reply(code: u8, bound: SocketAddr) -> Vec<u8> {
    let mut out = vec![VERSION, code, 0];
    match bound {
        SocketAddr::V4(v4) => {
            out.push(1);
            out.extend_from_slice(&v4.ip().octets());
        }
        SocketAddr::V6(v6) => {
            out.push(4);
            out.extend_from_slice(&v6.ip().octets());
        }
    }
    out.extend_from_slice(&bound.port().to_be_bytes());
    out
}

/// A reply that comes with no tunnel: BND.ADDR 0.0.0.0:0.
fn refusal(code: u8) -> Vec<u8> {
    reply(code, SocketAddr::from(([0, 0, 0, 0], 0)))
}

/// One client: greeting, authentication, request, the scripted or real reply, the tunnel.
pub(super) async fn handle(
    mut client: TcpStream,
    credentials: Option<&Credentials>,
    deny: Option<u8>,
    log: &LogFn,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(512);
    // A wrong version or an early close gets no reply: RFC 1928 defines none.
    let Received::Message(offered) =
        receive(&mut client, &mut buf, MAX_MESSAGE, parse_greeting).await?
    else {
        return Ok(());
    };
    let report_unnamed = |outcome| {
        log(&TunnelLog {
            kind: RequestKind::Socks5,
            target: "-".to_string(),
            outcome,
            auth: None,
        })
    };
    let method = choose_method(&offered, credentials.is_some());
    if method == NO_ACCEPTABLE_METHODS {
        report_unnamed(Outcome::AuthRequired);
        return close_with(client, &[VERSION, NO_ACCEPTABLE_METHODS]).await;
    }
    client.write_all(&[VERSION, method]).await?;
    if let Some(expected) = credentials {
        let Received::Message(given) =
            receive(&mut client, &mut buf, MAX_MESSAGE, parse_auth).await?
        else {
            return Ok(());
        };
        // RFC 1929 §2: STATUS 0 is success; anything else, and the server closes.
        if given.user != expected.user.as_bytes() || given.password != expected.password.as_bytes()
        {
            report_unnamed(Outcome::AuthFailed);
            return close_with(client, &[AUTH_VERSION, 1]).await;
        }
        client.write_all(&[AUTH_VERSION, 0]).await?;
    }
    let request = match receive(&mut client, &mut buf, MAX_MESSAGE, parse_request).await? {
        Received::Message(request) => request,
        Received::Invalid(Socks5Error::UnknownAddressType(_)) => {
            report_unnamed(Outcome::Denied(ADDRESS_TYPE_NOT_SUPPORTED.into()));
            return close_with(client, &refusal(ADDRESS_TYPE_NOT_SUPPORTED)).await;
        }
        _ => return Ok(()),
    };
    let report = |outcome| {
        log(&TunnelLog {
            kind: request.kind(),
            target: request.target(),
            outcome,
            auth: None,
        })
    };
    if request.command != CONNECT {
        report(Outcome::Denied(COMMAND_NOT_SUPPORTED.into()));
        return close_with(client, &refusal(COMMAND_NOT_SUPPORTED)).await;
    }
    if let Some(code) = deny {
        report(Outcome::Denied(code.into()));
        return close_with(client, &refusal(code)).await;
    }
    match target::connect(&request.host(), request.port).await {
        Err(failure) => {
            report(Outcome::Failed(failure));
            close_with(client, &refusal(target::socks5_reply(failure))).await
        }
        Ok(target) => {
            report(Outcome::Ok);
            client
                .write_all(&reply(SUCCEEDED, local_addr(&target)))
                .await?;
            relay(client, target, &buf).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every proper prefix of `message` is incomplete, and the whole parses to `expected`
    /// using all of it.
    fn assert_parses_in_pieces<T: std::fmt::Debug + PartialEq>(
        parse: fn(&[u8]) -> Parsed<T, Socks5Error>,
        message: &[u8],
        expected: T,
    ) {
        for cut in 0..message.len() {
            assert_eq!(parse(&message[..cut]), Ok(None), "cut at {cut}");
        }
        let mut with_more = message.to_vec();
        with_more.extend_from_slice(b"after");
        assert_eq!(parse(&with_more), Ok(Some((expected, message.len()))));
    }

    #[test]
    fn greeting_lists_the_methods() {
        assert_parses_in_pieces(parse_greeting, &[5, 2, 0, 2], vec![0, 2]);
        assert_parses_in_pieces(parse_greeting, &[5, 0], vec![]);
        assert_eq!(parse_greeting(&[4, 1, 0]), Err(Socks5Error::BadVersion(4)));
        assert_eq!(
            parse_greeting(b"CONNECT"),
            Err(Socks5Error::BadVersion(b'C'))
        );
    }

    #[test]
    fn method_choice_follows_the_credentials_setting() {
        assert_eq!(choose_method(&[0], false), NO_AUTHENTICATION);
        assert_eq!(choose_method(&[2, 0], false), NO_AUTHENTICATION);
        assert_eq!(choose_method(&[2], false), NO_ACCEPTABLE_METHODS);
        assert_eq!(choose_method(&[0, 2], true), USERNAME_PASSWORD);
        assert_eq!(choose_method(&[0], true), NO_ACCEPTABLE_METHODS);
        assert_eq!(choose_method(&[], false), NO_ACCEPTABLE_METHODS);
    }

    #[test]
    fn auth_carries_user_and_password() {
        let message = [1, 4, b'u', b's', b'e', b'r', 2, b'p', b'w'];
        let expected = UserPassword {
            user: b"user".to_vec(),
            password: b"pw".to_vec(),
        };
        assert_parses_in_pieces(parse_auth, &message, expected);
        let empty = UserPassword {
            user: vec![],
            password: vec![],
        };
        assert_parses_in_pieces(parse_auth, &[1, 0, 0], empty);
        assert_eq!(parse_auth(&[5, 1, 0]), Err(Socks5Error::BadVersion(5)));
    }

    #[test]
    fn request_with_an_ipv4_address() {
        let message = [5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90];
        let expected = Request {
            command: 1,
            address: Address::Ipv4(Ipv4Addr::LOCALHOST),
            port: 8080,
        };
        assert_eq!(expected.target(), "127.0.0.1:8080");
        assert_eq!(expected.kind(), RequestKind::Socks5Ipv4);
        assert_parses_in_pieces(parse_request, &message, expected);
    }

    #[test]
    fn request_with_a_domain_name() {
        let mut message = vec![5, 1, 0, 3, 9];
        message.extend_from_slice(b"localhost");
        message.extend_from_slice(&[0, 80]);
        let expected = Request {
            command: 1,
            address: Address::Domain("localhost".into()),
            port: 80,
        };
        assert_eq!(expected.target(), "localhost:80");
        assert_eq!(expected.kind(), RequestKind::Socks5Domain);
        assert_parses_in_pieces(parse_request, &message, expected);
    }

    #[test]
    fn request_with_an_ipv6_address() {
        let mut message = vec![5, 1, 0, 4];
        message.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        message.extend_from_slice(&[1, 0]);
        let expected = Request {
            command: 1,
            address: Address::Ipv6(Ipv6Addr::LOCALHOST),
            port: 256,
        };
        assert_eq!(expected.target(), "[::1]:256");
        assert_eq!(expected.host(), "::1");
        assert_eq!(expected.kind(), RequestKind::Socks5Ipv6);
        assert_parses_in_pieces(parse_request, &message, expected);
    }

    #[test]
    fn request_keeps_other_commands_for_the_reply() {
        let message = [5, 2, 0, 1, 127, 0, 0, 1, 0, 1];
        let (request, _) = parse_request(&message).unwrap().unwrap();
        assert_eq!(request.command, 2);
    }

    #[test]
    fn request_with_a_bad_version_or_address_type_is_refused() {
        assert_eq!(
            parse_request(&[4, 1, 0, 1, 127, 0, 0, 1, 0, 80]),
            Err(Socks5Error::BadVersion(4))
        );
        assert_eq!(
            parse_request(&[5, 1, 0, 2, 0, 0]),
            Err(Socks5Error::UnknownAddressType(2))
        );
        // Truncated just before the address type: not yet known to be bad.
        assert_eq!(parse_request(&[5, 1, 0]), Ok(None));
    }

    #[test]
    fn replies_carry_the_bound_address() {
        let v4 = SocketAddr::from(([127, 0, 0, 1], 0x1234));
        assert_eq!(reply(0, v4), [5, 0, 0, 1, 127, 0, 0, 1, 0x12, 0x34]);
        let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 1));
        let mut expected = vec![5, 0, 0, 4];
        expected.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        expected.extend_from_slice(&[0, 1]);
        assert_eq!(reply(0, v6), expected);
        assert_eq!(refusal(5), [5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
    }
}
