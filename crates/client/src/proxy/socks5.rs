//! The SOCKS5 tunnel: method negotiation and CONNECT (RFC 1928), username/password
//! authentication (RFC 1929), and the async exchange over TCP.
use super::{Credentials, ProxyError};
use std::net::{IpAddr, SocketAddr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const VERSION: u8 = 5;
const NO_AUTH: u8 = 0x00;
const USER_PASSWORD: u8 = 0x02;
const NO_ACCEPTABLE_METHOD: u8 = 0xFF;
/// RFC 1929 §2: the sub-negotiation's own version.
const AUTH_VERSION: u8 = 1;
const CONNECT: u8 = 1;
const ATYP_IPV4: u8 = 1;
const ATYP_DOMAIN: u8 = 3;
const ATYP_IPV6: u8 = 4;

/// What the proxy is asked to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Socks5Target {
    /// An address resolved by us (`socks5://`, or an IP literal in the URL).
    Addr(SocketAddr),
    /// A name the proxy resolves (`socks5h://`).
    Domain(String, u16),
}

/// The CONNECT request (RFC 1928 §4).
fn connect_request(target: &Socks5Target) -> Result<Vec<u8>, ProxyError> {
    let mut request = vec![VERSION, CONNECT, 0];
    let port = match target {
        Socks5Target::Addr(addr) => {
            match addr.ip() {
                IpAddr::V4(ip) => {
                    request.push(ATYP_IPV4);
                    request.extend_from_slice(&ip.octets());
                }
                IpAddr::V6(ip) => {
                    request.push(ATYP_IPV6);
                    request.extend_from_slice(&ip.octets());
                }
            }
            addr.port()
        }
        Socks5Target::Domain(name, port) => {
            let length = u8::try_from(name.len()).map_err(|_| ProxyError::HostTooLong)?;
            request.extend_from_slice(&[ATYP_DOMAIN, length]);
            request.extend_from_slice(name.as_bytes());
            *port
        }
    };
    request.extend_from_slice(&port.to_be_bytes());
    Ok(request)
}

/// The method the proxy chose (RFC 1928 §3), checked against what we offered.
fn parse_method_choice(answer: [u8; 2], offered_credentials: bool) -> Result<u8, ProxyError> {
    match answer {
        [VERSION, NO_ACCEPTABLE_METHOD] => Err(ProxyError::NoAcceptableAuth {
            offered_credentials,
        }),
        [VERSION, NO_AUTH] => Ok(NO_AUTH),
        [VERSION, USER_PASSWORD] if offered_credentials => Ok(USER_PASSWORD),
        [VERSION, method] => Err(ProxyError::Malformed(format!(
            "chose authentication method {method:#04x}, which we did not offer"
        ))),
        [version, _] => Err(not_socks5(version)),
    }
}

fn not_socks5(version: u8) -> ProxyError {
    ProxyError::Malformed(format!("not a SOCKS5 proxy (version byte {version:#04x})"))
}

/// The first 4 bytes of the CONNECT reply (RFC 1928 §6): version, reply code, reserved and
/// address type. Returns the address type, or the refusal.
pub fn parse_reply_head(head: [u8; 4]) -> Result<u8, ProxyError> {
    match head {
        [VERSION, 0, _, atyp] => Ok(atyp),
        [VERSION, reply, _, _] => Err(ProxyError::Refused { reply }),
        [version, ..] => Err(not_socks5(version)),
    }
}

/// How many bytes follow the reply head for this address type: the bound address and port
/// (for a domain, `first` is its length byte, already read).
pub fn parse_reply_length(atyp: u8, first: u8) -> Result<usize, ProxyError> {
    match atyp {
        ATYP_IPV4 => Ok(4 - 1 + 2),
        ATYP_IPV6 => Ok(16 - 1 + 2),
        ATYP_DOMAIN => Ok(usize::from(first) + 2),
        other => Err(ProxyError::Malformed(format!(
            "reply with unknown address type {other}"
        ))),
    }
}

/// Negotiates, authenticates and asks the proxy on `stream` for a tunnel to `target`. Reads
/// exactly the proxy's messages, so no byte of the tunnel is consumed here.
pub(crate) async fn tunnel(
    stream: &mut TcpStream,
    target: &Socks5Target,
    credentials: Option<&Credentials>,
) -> Result<(), ProxyError> {
    let request = connect_request(target)?;
    let greeting: &[u8] = match credentials {
        Some(_) => &[VERSION, 2, NO_AUTH, USER_PASSWORD],
        None => &[VERSION, 1, NO_AUTH],
    };
    stream.write_all(greeting).await?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice).await?;
    if parse_method_choice(choice, credentials.is_some())? == USER_PASSWORD {
        let credentials = credentials.expect("USER_PASSWORD is accepted only when offered");
        stream
            .write_all(&user_password_request(credentials)?)
            .await?;
        let mut status = [0u8; 2];
        stream.read_exact(&mut status).await?;
        if status[1] != 0 {
            return Err(ProxyError::AuthFailed);
        }
    }
    stream.write_all(&request).await?;
    let mut head = [0u8; 4];
    stream.read_exact(&mut head).await?;
    let atyp = parse_reply_head(head)?;
    let first = stream.read_u8().await?;
    let mut rest = vec![0u8; parse_reply_length(atyp, first)?];
    stream.read_exact(&mut rest).await?;
    Ok(())
}

/// RFC 1929 §2: version 1, then user and password, each after its length byte.
fn user_password_request(credentials: &Credentials) -> Result<Vec<u8>, ProxyError> {
    let length = |field: &[u8]| u8::try_from(field.len()).map_err(|_| ProxyError::AuthFailed);
    let mut request = vec![AUTH_VERSION, length(&credentials.user)?];
    request.extend_from_slice(&credentials.user);
    request.push(length(&credentials.password)?);
    request.extend_from_slice(&credentials.password);
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_each_address_type() {
        let v4 = Socks5Target::Addr("127.0.0.1:443".parse().unwrap());
        assert_eq!(
            connect_request(&v4).unwrap(),
            [5, 1, 0, 1, 127, 0, 0, 1, 1, 187]
        );
        let v6 = Socks5Target::Addr("[::1]:80".parse().unwrap());
        let mut expected = vec![5, 1, 0, 4];
        expected.extend_from_slice(&[0; 15]);
        expected.extend_from_slice(&[1, 0, 80]);
        assert_eq!(connect_request(&v6).unwrap(), expected);
        let name = Socks5Target::Domain("ab.c".into(), 8080);
        assert_eq!(
            connect_request(&name).unwrap(),
            [5, 1, 0, 3, 4, b'a', b'b', b'.', b'c', 0x1f, 0x90]
        );
        let long = Socks5Target::Domain("a".repeat(256), 1);
        assert!(matches!(
            connect_request(&long),
            Err(ProxyError::HostTooLong)
        ));
    }

    #[test]
    fn method_choices() {
        assert_eq!(parse_method_choice([5, 0], false).unwrap(), NO_AUTH);
        assert_eq!(parse_method_choice([5, 2], true).unwrap(), USER_PASSWORD);
        assert!(matches!(
            parse_method_choice([5, 2], false),
            Err(ProxyError::Malformed(_))
        ));
        assert!(matches!(
            parse_method_choice([5, 0xff], true),
            Err(ProxyError::NoAcceptableAuth {
                offered_credentials: true
            })
        ));
        assert!(matches!(
            parse_method_choice([4, 0], false),
            Err(ProxyError::Malformed(_))
        ));
    }

    #[test]
    fn replies() {
        assert_eq!(parse_reply_head([5, 0, 0, 1]).unwrap(), ATYP_IPV4);
        let refused = parse_reply_head([5, 5, 0, 1]).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "refused the connection: connection refused by the destination (SOCKS5 reply 5)"
        );
        assert_eq!(parse_reply_length(ATYP_IPV4, 0).unwrap(), 5);
        assert_eq!(parse_reply_length(ATYP_IPV6, 0).unwrap(), 17);
        assert_eq!(parse_reply_length(ATYP_DOMAIN, 9).unwrap(), 11);
        assert!(parse_reply_length(7, 0).is_err());
    }

    #[test]
    fn user_password_request_layout() {
        let credentials = Credentials {
            user: b"u".to_vec(),
            password: b"pw".to_vec(),
        };
        assert_eq!(
            user_password_request(&credentials).unwrap(),
            [1, 1, b'u', 2, b'p', b'w']
        );
    }
}
