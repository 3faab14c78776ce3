//! `url`: the Connect URL parser (`Target::parse`), redirects (`Target::redirect`), proxy URLs
//! (`Proxy::parse`) and `no_proxy` lists (`NoProxy::parse(..).matches(..)`).
//!
//! Input: the bytes as (lossy) UTF-8, split at the first two newlines into a URL, a redirect
//! location and a `no_proxy` list; the whole text is also tried as a URL and as a proxy URL.
//!
//! Asserted:
//! - a parsed Target: host not empty, port not 0, the resource starts with `/`, the input was
//!   at most `MAX_URL_LEN`; its canonical form (`ws[s]://host_header resource`) parses to the
//!   same Target but for the URL's credentials (which neither the canonical form, the
//!   endpoint nor `Debug` shows), and its `endpoint()` to the same host, port and security;
//!   the Host header is
//!   the host (bracketed when IPv6) with the port only when not the default; and the opening
//!   handshake accepts its Host header and resource (no URL that parses makes a request that
//!   `ClientHandshake::new` refuses);
//! - a redirect: the result is a Target that re-parses to itself, never wss:// to ws://,
//!   never with credentials, and redirecting to the Target's own canonical URL gives the same
//!   Target without its credentials;
//! - a parsed Proxy: host not empty, port not 0, SOCKS5 credentials at most 255 bytes; its
//!   Display form parses back to the same kind, host and port; Debug never shows the
//!   credentials;
//! - `no_proxy`: never panics on any list, host and port; `*` matches everything; a list
//!   naming a parsed Target's host (a plain name or IP) matches it, and with that host's port
//!   matches that port only.
use net_websocket_client::proxy::{NoProxy, ProxyKind};
use net_websocket_client::{Proxy, Target, MAX_URL_LEN};
use net_websocket_protocol::handshake::ClientHandshake;

pub fn url(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let first = parts.next().unwrap_or("");
    let location = parts.next();
    let list = parts.next();

    let target = check_target(first);
    check_target(&text);
    check_proxy(&text);
    check_proxy(first);
    if let (Some(base), Some(location)) = (&target, location) {
        check_redirect(base, location);
    }
    let port = data.first().map_or(80, |&b| u16::from(b) * 257);
    let list = list.unwrap_or(first);
    let no_proxy = NoProxy::parse(list);
    no_proxy.matches(first, port);
    if let Some(location) = location {
        no_proxy.matches(location, port);
    }
    assert!(NoProxy::parse(&format!("{list},*")).matches(first, port));
    if let Some(t) = &target {
        no_proxy.matches(&t.host, t.port);
        check_no_proxy_names(t);
    }
}

fn canonical(t: &Target) -> String {
    let scheme = if t.secure { "wss" } else { "ws" };
    format!("{scheme}://{}{}", t.host_header, t.resource)
}

fn check_target(input: &str) -> Option<Target> {
    let t = Target::parse(input).ok()?;
    assert!(input.len() <= MAX_URL_LEN);
    assert!(!t.host.is_empty() && t.port != 0);
    assert!(t.resource.starts_with('/'), "resource {:?}", t.resource);
    let bracketed = if t.host.contains(':') {
        format!("[{}]", t.host)
    } else {
        t.host.clone()
    };
    let default_port = if t.secure { 443 } else { 80 };
    let expected_header = if t.port == default_port {
        bracketed.clone()
    } else {
        format!("{bracketed}:{}", t.port)
    };
    assert_eq!(t.host_header, expected_header);
    assert_eq!(t.authority(), format!("{bracketed}:{}", t.port));
    let again = Target::parse(&canonical(&t));
    assert_eq!(
        again.as_ref(),
        Ok(&without_credentials(&t)),
        "{input:?} → {:?} does not re-parse",
        canonical(&t)
    );
    if t.credentials.is_some() {
        assert!(format!("{t:?}").contains("credentials: Some(Credentials(redacted))"));
        assert!(!t.endpoint().contains('@'));
    }
    let endpoint = Target::parse(&t.endpoint()).expect("endpoint parses");
    assert_eq!(
        (
            &endpoint.host,
            endpoint.port,
            endpoint.secure,
            endpoint.resource.as_str()
        ),
        (&t.host, t.port, t.secure, "/")
    );
    if let Err(e) = ClientHandshake::new([0; 16], &t.host_header, &t.resource, &[], None) {
        panic!("{input:?} parses to {t:?}, whose request is refused: {e}");
    }
    Some(t)
}

/// The Target without the URL's user and password.
fn without_credentials(t: &Target) -> Target {
    Target {
        credentials: None,
        ..t.clone()
    }
}

fn check_redirect(base: &Target, location: &str) {
    if let Ok(next) = base.redirect(location) {
        assert!(!(base.secure && !next.secure), "downgrade");
        assert!(next.credentials.is_none(), "credentials from a location");
        assert_eq!(Target::parse(&canonical(&next)).as_ref(), Ok(&next));
    }
    assert_eq!(
        base.redirect(&canonical(base)).as_ref(),
        Ok(&without_credentials(base))
    );
}

fn check_proxy(input: &str) {
    let Ok(p) = Proxy::parse(input) else {
        return;
    };
    assert!(!p.host.is_empty() && p.port != 0);
    if let (ProxyKind::Socks5 { .. }, Some(c)) = (p.kind, &p.credentials) {
        assert!(c.user.len() <= 255 && c.password.len() <= 255);
    }
    let shown = p.to_string();
    let again = Proxy::parse(&shown).unwrap_or_else(|e| panic!("{shown:?}: {e}"));
    assert_eq!(
        (again.kind, &again.host, again.port),
        (p.kind, &p.host, p.port)
    );
    assert!(again.credentials.is_none());
    let debug = format!("{p:?}");
    let expected = match p.credentials {
        Some(_) => format!("Proxy({shown}, with credentials)"),
        None => format!("Proxy({shown})"),
    };
    assert_eq!(debug, expected);
}

/// An entry naming the host itself matches it (for hosts an entry can name: ASCII names of
/// letters, digits, `-`, `.`, `_`, and IP addresses).
fn check_no_proxy_names(t: &Target) {
    let nameable = t
        .host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b));
    // A host of dots only ("ws://./") leaves no name to write in an entry.
    if !nameable || t.host.trim_matches('.').is_empty() {
        return;
    }
    let entry = if t.host.contains(':') {
        format!("[{}]", t.host)
    } else {
        t.host.clone()
    };
    assert!(
        NoProxy::parse(&entry).matches(&t.host, t.port),
        "{entry:?} vs {t:?}"
    );
    let with_port = NoProxy::parse(&format!("{entry}:{}", t.port));
    assert!(
        with_port.matches(&t.host, t.port),
        "{entry}:{} vs {t:?}",
        t.port
    );
    assert!(!with_port.matches(&t.host, t.port.wrapping_add(1).max(1)) || t.port == u16::MAX);
}
