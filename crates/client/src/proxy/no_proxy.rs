//! The `no_proxy` list: hosts reached without the proxy (curl's rules, plus ports).
use std::net::IpAddr;

/// A parsed `no_proxy` value: comma-separated entries, each one of
/// - `*`: every host;
/// - a domain, with or without a leading dot (`example.com`, `.example.com`): that host and
///   every host under it;
/// - an IP address (`10.1.2.3`, `::1` or `[::1]`): that address;
/// - a CIDR range (`10.0.0.0/8`, `fd00::/8`): every address in it;
/// - any of the above (but `*`) with `:port` (IPv6 in brackets): only that port.
///
/// Names are compared case-insensitively and never resolved: an IP entry matches only URLs
/// with that IP literal. Entries that parse as none of these are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    all: bool,
    entries: Vec<(Pattern, Option<u16>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Domain(String),
    Ip(IpAddr),
    Range(IpAddr, u8),
}

impl NoProxy {
    /// Parses a comma-separated NO_PROXY list (curl's rules); entries it cannot read are
    /// ignored.
    pub fn parse(list: &str) -> NoProxy {
        let mut no_proxy = NoProxy::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                no_proxy.all = true;
            } else if let Some(parsed) = parse_entry(entry) {
                no_proxy.entries.push(parsed);
            }
        }
        no_proxy
    }

    /// Whether `host` (a name or an IP literal without brackets) on `port` bypasses the proxy.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let ip: Option<IpAddr> = host.parse().ok();
        self.entries.iter().any(|(pattern, only_port)| {
            only_port.is_none_or(|p| p == port)
                && match (pattern, ip) {
                    (Pattern::Domain(domain), None) => {
                        host == *domain
                            || host
                                .strip_suffix(domain.as_str())
                                .is_some_and(|rest| rest.ends_with('.'))
                    }
                    (Pattern::Ip(entry), Some(ip)) => *entry == ip,
                    (Pattern::Range(network, bits), Some(ip)) => in_range(ip, *network, *bits),
                    _ => false,
                }
        })
    }
}

fn parse_entry(entry: &str) -> Option<(Pattern, Option<u16>)> {
    let (address, port) = split_port(entry)?;
    if let Some((network, bits)) = address.split_once('/') {
        let network: IpAddr = network.parse().ok()?;
        let bits: u8 = bits.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        return (bits <= max).then_some((Pattern::Range(network, bits), port));
    }
    // "10.0.0.1." names an address, as a host written so does (`matches` trims it too); a
    // leading dot (".1.2.3.4") makes a domain suffix on both sides.
    if let Ok(ip) = address.trim_end_matches('.').parse::<IpAddr>() {
        return Some((Pattern::Ip(ip), port));
    }
    let domain = address
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let valid = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
    valid.then_some((Pattern::Domain(domain), port))
}

/// `[v6]:port`, `[v6]`, `host:port`, or an entry without a port (a bare IPv6 address has
/// several colons). `None` when the port is not a number.
fn split_port(entry: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((address, Some(port.parse().ok()?))),
            None if after.is_empty() => Some((address, None)),
            None => None,
        };
    }
    match entry.split_once(':') {
        Some((host, port)) if !port.contains(':') => Some((host, Some(port.parse().ok()?))),
        _ => Some((entry, None)),
    }
}

fn in_range(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_themselves_and_their_subdomains() {
        for list in [
            "example.com",
            ".example.com",
            "*.example.com",
            "EXAMPLE.com.",
        ] {
            let no_proxy = NoProxy::parse(list);
            assert!(no_proxy.matches("example.com", 80), "{list}");
            assert!(no_proxy.matches("www.Example.COM", 443), "{list}");
            assert!(no_proxy.matches("a.b.example.com.", 443), "{list}");
            assert!(!no_proxy.matches("badexample.com", 80), "{list}");
            assert!(!no_proxy.matches("example.org", 80), "{list}");
        }
    }

    #[test]
    fn ips_ranges_and_ports() {
        let no_proxy = NoProxy::parse(" 10.0.0.0/8, 192.168.1.7 ,::1, fd00::/8, h:8080, [::2]:9 ");
        assert!(no_proxy.matches("10.200.3.4", 1));
        assert!(!no_proxy.matches("11.0.0.1", 1));
        assert!(no_proxy.matches("192.168.1.7", 1));
        assert!(!no_proxy.matches("192.168.1.8", 1));
        assert!(no_proxy.matches("::1", 1));
        assert!(no_proxy.matches("fd12::5", 1));
        assert!(!no_proxy.matches("fe80::1", 1));
        assert!(no_proxy.matches("h", 8080));
        assert!(!no_proxy.matches("h", 80));
        assert!(no_proxy.matches("::2", 9));
        assert!(!no_proxy.matches("::2", 10));
        // Names are not resolved: 10.0.0.0/8 says nothing about a name.
        assert!(!no_proxy.matches("ten.example", 1));
    }

    #[test]
    fn an_address_with_trailing_dots_is_an_address() {
        // Found by the url fuzz target: the host "0.3.4.4.." is the address 0.3.4.4 here,
        // so the entry written the same way must be one too.
        assert!(NoProxy::parse("0.3.4.4..").matches("0.3.4.4..", 80));
        assert!(NoProxy::parse("0.3.4.4.").matches("0.3.4.4", 80));
        assert!(NoProxy::parse("0.3.4.4").matches("0.3.4.4.", 80));
        // With a leading dot both are names, the entry a suffix of the host (found next).
        assert!(NoProxy::parse(".9.2.3.4..").matches(".9.2.3.4..", 80));
    }

    #[test]
    fn star_matches_everything_and_junk_is_ignored() {
        assert!(NoProxy::parse("x.org,*").matches("anything", 1));
        let junk = NoProxy::parse("10.0.0.0/33,h:port,[::1,,  ,a b");
        assert_eq!(junk, NoProxy::default());
        assert!(!junk.matches("10.0.0.1", 1));
        assert!(NoProxy::parse("0.0.0.0/0").matches("8.8.8.8", 53));
    }
}
