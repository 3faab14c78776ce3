//! Names to addresses and addresses to TCP connections, as every attempt makes them (to the
//! server, or to the proxy): resolve overrides before DNS (curl's `--resolve`), Happy
//! Eyeballs (RFC 8305), the source address and network interface to connect from, TCP
//! keepalive, and TCP_NODELAY on every connection.
use crate::error::{io_reason, Cause};
use crate::options::Options;
use crate::trace::{trace, TraceEvent, TraceKind, Tracer};
use socket2::SockRef;
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

/// Addresses to use for one `host:port` instead of asking DNS (curl's `--resolve`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    host: String,
    port: u16,
    addrs: Vec<IpAddr>,
}

impl ResolveOverride {
    /// `host:port:addr[,addr...]`, IPv6 addresses (and an IPv6 host) in brackets, as curl's
    /// `--resolve` takes it.
    pub fn parse(entry: &str) -> Result<ResolveOverride, String> {
        let bad = |why: &str| {
            Err(format!(
                "{entry:?} is not HOST:PORT:ADDRESS[,ADDRESS...]: {why}"
            ))
        };
        let (host, rest) = match entry.strip_prefix('[') {
            Some(bracketed) => match bracketed.split_once("]:") {
                Some(parts) => parts,
                None => return bad("an unclosed [ in the host"),
            },
            None => match entry.split_once(':') {
                Some(parts) => parts,
                None => return bad("no port"),
            },
        };
        let Some((port, list)) = rest.split_once(':') else {
            return bad("no address");
        };
        if host.is_empty() {
            return bad("no host");
        }
        let port = match port.parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => return bad("the port is not 1 to 65535"),
        };
        let mut addrs = Vec::new();
        for addr in list.split(',').map(str::trim) {
            let bare = addr
                .strip_prefix('[')
                .and_then(|a| a.strip_suffix(']'))
                .unwrap_or(addr);
            match bare.parse::<IpAddr>() {
                Ok(ip) => addrs.push(ip),
                Err(_) => return bad(&format!("{addr:?} is not an IP address")),
            }
        }
        Ok(ResolveOverride {
            host: host.to_ascii_lowercase(),
            port,
            addrs,
        })
    }

    /// The host name (lower case, without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The addresses, in the order given.
    pub fn addrs(&self) -> &[IpAddr] {
        &self.addrs
    }

    fn matches(&self, host: &str, port: u16) -> bool {
        self.port == port && self.host.eq_ignore_ascii_case(host)
    }
}

/// TCP keepalive (SO_KEEPALIVE): probes after `idle` without traffic, every `interval`,
/// the connection lost after `count` unanswered ones. For links where WebSocket pings are
/// off; whole seconds, as the kernel counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpKeepalive {
    idle: Duration,
    interval: Duration,
    count: u32,
}

/// Linux's bounds: TCP_KEEPIDLE and TCP_KEEPINTVL up to 32767 s, TCP_KEEPCNT up to 127.
const MAX_KEEPALIVE_SECS: u64 = 32_767;
const MAX_KEEPALIVE_COUNT: u32 = 127;

impl TcpKeepalive {
    /// The setting, each time rounded up to whole seconds; each value above 0 and within
    /// the kernel's bounds.
    pub fn new(idle: Duration, interval: Duration, count: u32) -> Result<TcpKeepalive, String> {
        let seconds = |d: Duration| d.as_secs() + u64::from(d.subsec_nanos() > 0);
        let (idle_s, interval_s) = (seconds(idle), seconds(interval));
        if idle_s == 0 || interval_s == 0 || count == 0 {
            return Err(
                "the idle time, the interval and the count must each be above 0 (or all 0 for off)"
                    .into(),
            );
        }
        if idle_s > MAX_KEEPALIVE_SECS || interval_s > MAX_KEEPALIVE_SECS {
            return Err(format!(
                "the idle time and the interval are at most {MAX_KEEPALIVE_SECS} s"
            ));
        }
        if count > MAX_KEEPALIVE_COUNT {
            return Err(format!("the count is at most {MAX_KEEPALIVE_COUNT}"));
        }
        Ok(TcpKeepalive {
            idle: Duration::from_secs(idle_s),
            interval: Duration::from_secs(interval_s),
            count,
        })
    }

    /// The idle time before the first probe.
    pub fn idle(&self) -> Duration {
        self.idle
    }

    /// The time between probes.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Unanswered probes before the connection counts as lost.
    pub fn count(&self) -> u32 {
        self.count
    }
}

/// Whether `name` is a network interface of this machine: refused with the reason when not
/// (what the C setter checks before the name is used at connect).
pub fn check_interface(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an empty interface name".into());
    }
    let Ok(c_name) = std::ffi::CString::new(name) else {
        return Err("an interface name with a NUL byte".into());
    };
    // SAFETY: a NUL-terminated string, read during the call.
    if unsafe { libc::if_nametoindex(c_name.as_ptr()) } == 0 {
        return Err(format!("no network interface named {name:?}"));
    }
    Ok(())
}

/// How one attempt makes its TCP connections, from the options.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Route<'a> {
    local_address: Option<IpAddr>,
    interface: Option<&'a str>,
    resolve: &'a [ResolveOverride],
    keepalive: Option<TcpKeepalive>,
    /// Where trace events go, if anywhere.
    pub(crate) tracer: Option<&'a Tracer>,
}

impl<'a> Route<'a> {
    pub(crate) fn new(options: &'a Options) -> Route<'a> {
        Route {
            local_address: options.local_address,
            interface: options.interface.as_deref(),
            resolve: &options.resolve,
            keepalive: options.tcp_keepalive,
            tracer: options.trace.as_ref(),
        }
    }

    /// The addresses a connection from the local address can reach: those of its family.
    fn reachable(&self, addrs: &[SocketAddr]) -> Result<Vec<SocketAddr>, Cause> {
        let Some(local) = self.local_address else {
            return Ok(addrs.to_vec());
        };
        let (usable, skipped): (Vec<SocketAddr>, Vec<SocketAddr>) = addrs
            .iter()
            .partition(|addr| addr.is_ipv4() == local.is_ipv4());
        if usable.is_empty() {
            return Err(Cause::NoAddressInFamily { local, skipped });
        }
        if !skipped.is_empty() {
            log::debug!("skipping {} (not the family of {local})", list(&skipped));
        }
        Ok(usable)
    }

    /// A socket for connecting to `addr`, bound as the route says.
    fn socket_for(&self, addr: SocketAddr) -> Result<TcpSocket, Cause> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(|source| Cause::Connect {
            attempts: vec![(addr, source)],
        })?;
        if let Some(name) = self.interface {
            socket
                .bind_device(Some(name.as_bytes()))
                .map_err(|source| Cause::Interface {
                    name: name.to_string(),
                    source,
                })?;
        }
        if let Some(local) = self.local_address {
            socket
                .bind(SocketAddr::new(local, 0))
                .map_err(|source| Cause::Bind { local, source })?;
        }
        if let Some(keepalive) = self.keepalive {
            let params = socket2::TcpKeepalive::new()
                .with_time(keepalive.idle)
                .with_interval(keepalive.interval)
                .with_retries(keepalive.count);
            SockRef::from(&socket)
                .set_tcp_keepalive(&params)
                .map_err(|source| Cause::Connect {
                    attempts: vec![(addr, source)],
                })?;
        }
        // Small frames (pings, short messages) must not wait for Nagle.
        socket.set_nodelay(true).map_err(|source| Cause::Connect {
            attempts: vec![(addr, source)],
        })?;
        Ok(socket)
    }
}

impl fmt::Display for Route<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.local_address, self.interface) {
            (Some(local), Some(name)) => write!(f, " from {local} on {name}"),
            (Some(local), None) => write!(f, " from {local}"),
            (None, Some(name)) => write!(f, " on {name}"),
            (None, None) => Ok(()),
        }
    }
}

/// Every address of `host`: those of a resolve override for `host:port`, else DNS's in the
/// resolver's order (getaddrinfo sorts them by RFC 6724).
pub(crate) async fn resolve(
    host: &str,
    port: u16,
    route: &Route<'_>,
) -> Result<Vec<SocketAddr>, Cause> {
    if let Some(entry) = route.resolve.iter().find(|e| e.matches(host, port)) {
        let addrs: Vec<SocketAddr> = entry
            .addrs
            .iter()
            .map(|ip| SocketAddr::new(*ip, port))
            .collect();
        log::debug!(
            "{host}:{port} resolved to {} (resolve override)",
            list(&addrs)
        );
        return Ok(addrs);
    }
    log::debug!("resolving {host}");
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|source| Cause::Dns {
            host: host.to_owned(),
            source,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Cause::NoAddress {
            host: host.to_owned(),
        });
    }
    log::debug!("{host} resolved to {}", list(&addrs));
    Ok(addrs)
}

/// Addresses as a person reads them: `127.0.0.1:80, [::1]:80`.
fn list(addrs: &[SocketAddr]) -> String {
    let text: Vec<String> = addrs.iter().map(SocketAddr::to_string).collect();
    text.join(", ")
}

/// RFC 8305 §5: the "Connection Attempt Delay" before the next address is tried while the
/// previous attempts are still under way.
const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// RFC 8305 §4: the addresses in the resolver's order (getaddrinfo sorts by RFC 6724), the
/// two families interleaved, starting with the family of the first.
fn interleave(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return Vec::new();
    };
    let (mut same, mut other): (VecDeque<SocketAddr>, VecDeque<SocketAddr>) =
        addrs.iter().partition(|a| a.is_ipv6() == first.is_ipv6());
    let mut order = Vec::with_capacity(addrs.len());
    while !same.is_empty() || !other.is_empty() {
        order.extend(same.pop_front());
        order.extend(other.pop_front());
    }
    order
}

/// Happy Eyeballs (RFC 8305): starts an attempt per address (of the local address's family,
/// if one is set), the next one 250 ms after the previous or as soon as it fails, and keeps
/// the first that connects (the others are dropped). The error names every address with its
/// failure; binding the source address or interface fails at once. One address (an IP
/// literal, most names) is connected to on the caller's task: no task, no timer.
pub(crate) async fn connect_first(
    addrs: &[SocketAddr],
    route: &Route<'_>,
) -> Result<TcpStream, Cause> {
    let addrs = interleave(&route.reachable(addrs)?);
    if let [addr] = addrs[..] {
        let socket = route.socket_for(addr)?;
        note_connecting(addr, route);
        return match socket.connect(addr).await {
            Ok(stream) => Ok(note_connected(addr, stream, route)),
            Err(e) => Err(Cause::Connect {
                attempts: vec![note_failed(addr, e, route)],
            }),
        };
    }
    let mut queue = addrs.into_iter();
    let mut running = JoinSet::new();
    let mut attempts = Vec::new();
    loop {
        if let Some(addr) = queue.next() {
            let socket = route.socket_for(addr)?;
            note_connecting(addr, route);
            running.spawn(async move { (addr, socket.connect(addr).await) });
        }
        let delay = tokio::time::sleep(ATTEMPT_DELAY);
        tokio::pin!(delay);
        loop {
            tokio::select! {
                done = running.join_next() => match done {
                    Some(Ok((addr, Ok(stream)))) => return Ok(note_connected(addr, stream, route)),
                    Some(Ok((addr, Err(e)))) => {
                        attempts.push(note_failed(addr, e, route));
                        if running.is_empty() {
                            break; // nothing under way: the next address now
                        }
                    }
                    // An attempt's task panicked or was cancelled: like a failure without a cause.
                    Some(Err(_)) => {}
                    None if queue.len() == 0 => return Err(Cause::Connect { attempts }),
                    None => break,
                },
                _ = &mut delay, if queue.len() > 0 => break,
            }
        }
    }
}

fn note_connecting(addr: SocketAddr, route: &Route<'_>) {
    log::debug!("connecting to {addr}{route}");
    trace(route.tracer, || {
        TraceEvent::new(TraceKind::TcpConnecting, addr.to_string())
    });
}

fn note_connected(addr: SocketAddr, stream: TcpStream, route: &Route<'_>) -> TcpStream {
    log::debug!("TCP connected to {addr}");
    trace(route.tracer, || {
        TraceEvent::new(TraceKind::TcpConnected, addr.to_string())
    });
    stream
}

fn note_failed(addr: SocketAddr, e: io::Error, route: &Route<'_>) -> (SocketAddr, io::Error) {
    log::debug!("TCP connect to {addr} failed: {}", io_reason(&e));
    trace(route.tracer, || {
        let detail = format!("{addr}: {}", io_reason(&e));
        TraceEvent::new(TraceKind::TcpFailed, detail)
    });
    (addr, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// A port that refuses connections: bound, then released.
    fn refused_addr() -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    }

    #[test]
    fn the_next_address_is_tried_after_a_refusal() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let good = listener.local_addr().unwrap();
        let bad = refused_addr();
        let stream = block_on(connect_first(&[bad, good], &Route::default())).unwrap();
        assert_eq!(stream.peer_addr().unwrap(), good);
    }

    #[test]
    fn families_are_interleaved_starting_with_the_first() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let (v6a, v6b, v4a, v4b, v4c) = (
            a("[::1]:1"),
            a("[::2]:1"),
            a("1.0.0.1:1"),
            a("1.0.0.2:1"),
            a("1.0.0.3:1"),
        );
        assert_eq!(
            interleave(&[v6a, v6b, v4a, v4b, v4c]),
            [v6a, v4a, v6b, v4b, v4c]
        );
        assert_eq!(interleave(&[v4a, v4b, v6a]), [v4a, v6a, v4b]);
        assert_eq!(interleave(&[]), Vec::<SocketAddr>::new());
    }

    /// A listener whose accept queue is full and never drained: further SYNs are dropped, so
    /// a connect to it hangs (it stands for a blackholed address).
    fn blackhole() -> (SocketAddr, Vec<std::net::TcpStream>) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        let listener = socket.listen(0).unwrap();
        let mut fillers = Vec::new();
        for _ in 0..8 {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
                Ok(stream) => fillers.push(stream),
                Err(_) => {
                    // Keep the listener (and its full queue) alive as long as the fillers.
                    std::mem::forget(listener);
                    return (addr, fillers);
                }
            }
        }
        panic!("the accept queue of {addr} never filled up");
    }

    #[test]
    fn a_blackholed_first_address_costs_one_attempt_delay() {
        block_on(async {
            let (hole, _fillers) = blackhole();
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let good = listener.local_addr().unwrap();
            let started = std::time::Instant::now();
            let stream = connect_first(&[hole, good], &Route::default())
                .await
                .unwrap();
            assert_eq!(stream.peer_addr().unwrap(), good);
            let took = started.elapsed();
            assert!(
                took >= ATTEMPT_DELAY && took < Duration::from_secs(1),
                "took {took:?}"
            );
        });
    }

    #[test]
    fn every_failure_is_named() {
        let (a, b) = (refused_addr(), refused_addr());
        let Err(Cause::Connect { attempts }) = block_on(connect_first(&[a, b], &Route::default()))
        else {
            panic!("expected a connect failure");
        };
        let addrs: Vec<SocketAddr> = attempts.iter().map(|(addr, _)| *addr).collect();
        assert_eq!(addrs, [a, b]);
    }

    fn options() -> Options {
        Options::default()
    }

    #[test]
    fn resolve_entries_in_curls_form() {
        let entry = ResolveOverride::parse("Example.test:8080:127.0.0.1, [::1]").unwrap();
        assert_eq!((entry.host(), entry.port()), ("example.test", 8080));
        assert_eq!(
            entry.addrs(),
            [
                "127.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        let v6 = ResolveOverride::parse("[::1]:443:::2").unwrap();
        assert_eq!(
            (v6.host(), v6.addrs()),
            ("::1", &["::2".parse::<IpAddr>().unwrap()][..])
        );
        for bad in [
            "",
            "h",
            "h:80",
            "h:80:",
            "h:0:1.2.3.4",
            "h:x:1.2.3.4",
            ":80:1.2.3.4",
            "h:80:1.2.3.4,nope",
            "[::1:80:1.2.3.4",
        ] {
            assert!(
                ResolveOverride::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert!(ResolveOverride::parse("h:80:nope")
            .unwrap_err()
            .contains("\"nope\" is not an IP address"));
    }

    #[test]
    fn overrides_come_before_dns_for_their_host_and_port_only() {
        let mut options = options();
        options.resolve =
            vec![ResolveOverride::parse("example.test:80:127.0.0.2,127.0.0.3").unwrap()];
        let route = Route::new(&options);
        let addrs = block_on(resolve("EXAMPLE.test", 80, &route)).unwrap();
        assert_eq!(
            addrs,
            [
                "127.0.0.2:80".parse::<SocketAddr>().unwrap(),
                "127.0.0.3:80".parse().unwrap()
            ]
        );
        // Another port asks DNS, which knows no .test name (RFC 6761).
        assert!(block_on(resolve("example.test", 81, &route)).is_err());
    }

    #[test]
    fn keepalive_rounds_up_to_seconds_and_checks_the_kernels_bounds() {
        let k =
            TcpKeepalive::new(Duration::from_millis(1500), Duration::from_millis(1), 3).unwrap();
        assert_eq!(
            (k.idle(), k.interval(), k.count()),
            (Duration::from_secs(2), Duration::from_secs(1), 3)
        );
        assert!(TcpKeepalive::new(Duration::ZERO, Duration::from_secs(1), 1).is_err());
        assert!(TcpKeepalive::new(Duration::from_secs(1), Duration::from_secs(1), 0).is_err());
        assert!(TcpKeepalive::new(Duration::from_secs(32_768), Duration::from_secs(1), 1).is_err());
        assert!(TcpKeepalive::new(Duration::from_secs(1), Duration::from_secs(1), 128).is_err());
    }

    #[test]
    fn sockets_carry_the_source_address_and_keepalive() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let mut options = options();
        options.local_address = Some("127.0.0.2".parse().unwrap());
        options.tcp_keepalive =
            Some(TcpKeepalive::new(Duration::from_secs(7), Duration::from_secs(3), 4).unwrap());
        let stream = block_on(connect_first(&[server], &Route::new(&options))).unwrap();
        let (_, peer) = listener.accept().unwrap();
        assert_eq!(peer.ip(), options.local_address.unwrap());
        let socket = SockRef::from(&stream);
        assert!(socket.keepalive().unwrap() && stream.nodelay().unwrap());
        assert_eq!(socket.tcp_keepalive_time().unwrap(), Duration::from_secs(7));
        assert_eq!(
            socket.tcp_keepalive_interval().unwrap(),
            Duration::from_secs(3)
        );
        assert_eq!(socket.tcp_keepalive_retries().unwrap(), 4);
    }

    #[test]
    fn addresses_of_the_other_family_are_skipped_and_named() {
        let mut options = options();
        options.local_address = Some("127.0.0.1".parse().unwrap());
        let v6: SocketAddr = "[::1]:9".parse().unwrap();
        let error = block_on(connect_first(&[v6], &Route::new(&options))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no IPv4 address to connect to from local address 127.0.0.1 (skipped [::1]:9)"
        );
        // An address that is not the machine's cannot be bound.
        options.local_address = Some("192.0.2.1".parse().unwrap());
        let error = block_on(connect_first(&[refused_addr()], &Route::new(&options))).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("binding to local address 192.0.2.1 failed: "),
            "{error}"
        );
    }

    #[test]
    fn interfaces_are_checked_by_name() {
        assert_eq!(check_interface("lo"), Ok(()));
        assert_eq!(check_interface(""), Err("an empty interface name".into()));
        assert_eq!(
            check_interface("nws-none0"),
            Err("no network interface named \"nws-none0\"".into())
        );
        assert!(check_interface("a\0b").is_err());
    }
}
