//! Choosing the proxy of a connection, as curl does from its environment variables.
use super::{NoProxy, Proxy, ProxyError, ProxySetting};
use crate::error::Cause;
use crate::target::Target;

/// The environment variables proxy selection reads, as they were when captured: Connect
/// captures them on the caller's thread, where the caller's own `setenv` cannot race with the
/// read, and every attempt of that connection (redirects, reconnections) uses the same values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnvironment {
    vars: Vec<(&'static str, String)>,
}

const VARIABLES: [&str; 13] = [
    "ws_proxy",
    "WS_PROXY",
    "wss_proxy",
    "WSS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "REQUEST_METHOD",
];

impl ProxyEnvironment {
    /// Reads the process environment now.
    pub fn capture() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (tests pass a table).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let vars = VARIABLES
            .iter()
            .filter_map(|&name| lookup(name).map(|value| (name, value)))
            .collect();
        ProxyEnvironment { vars }
    }

    /// A variable's value; empty values count as unset.
    fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, v)| *n == name && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// The proxy `target` goes through, if any.
///
/// With [`ProxySetting::Environment`]: `wss_proxy` then `https_proxy` for wss://, `ws_proxy`
/// then `http_proxy` for ws:// (curl 8 and python-websockets read the WebSocket names
/// first), then `all_proxy`, each lower case first, then upper case; `no_proxy` (then
/// `NO_PROXY`) lists the hosts reached directly. `HTTP_PROXY` is ignored in a CGI program (when
/// `REQUEST_METHOD` is set), where a client's `Proxy:` header could set it ("httpoxy").
/// An explicit [`ProxySetting::Url`] ignores the environment, `no_proxy` included.
pub fn select(
    setting: &ProxySetting,
    target: &Target,
    env: &ProxyEnvironment,
) -> Result<Option<Proxy>, Cause> {
    let read = |name: &str| env.get(name);
    match setting {
        ProxySetting::Off => Ok(None),
        ProxySetting::Url(proxy) => Ok(Some(proxy.clone())),
        ProxySetting::Environment => {
            let cgi = read("REQUEST_METHOD").is_some();
            let names: &[&str] = match (target.secure, cgi) {
                (true, _) => &[
                    "wss_proxy",
                    "WSS_PROXY",
                    "https_proxy",
                    "HTTPS_PROXY",
                    "all_proxy",
                    "ALL_PROXY",
                ],
                (false, false) => &[
                    "ws_proxy",
                    "WS_PROXY",
                    "http_proxy",
                    "HTTP_PROXY",
                    "all_proxy",
                    "ALL_PROXY",
                ],
                (false, true) => &[
                    "ws_proxy",
                    "WS_PROXY",
                    "http_proxy",
                    "all_proxy",
                    "ALL_PROXY",
                ],
            };
            let Some((name, value)) = names.iter().find_map(|n| read(n).map(|v| (*n, v))) else {
                return Ok(None);
            };
            let exceptions = read("no_proxy").or_else(|| read("NO_PROXY"));
            if let Some(list) = exceptions {
                if NoProxy::parse(list).matches(&target.host, target.port) {
                    return Ok(None);
                }
            }
            Proxy::parse(value).map(Some).map_err(|e| Cause::Proxy {
                proxy: format!("${name}"),
                error: ProxyError::InvalidUrl(e),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(url: &str, vars: &[(&str, &str)]) -> Option<String> {
        let target = Target::parse(url).unwrap();
        let env = ProxyEnvironment::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        });
        select(&ProxySetting::Environment, &target, &env)
            .unwrap()
            .map(|p| p.to_string())
    }

    #[test]
    fn the_variable_follows_the_scheme_and_lower_case_wins() {
        let vars = [
            ("http_proxy", "http://plain:1"),
            ("https_proxy", "http://secure:2"),
            ("HTTPS_PROXY", "http://upper:3"),
            ("all_proxy", "socks5://all:4"),
        ];
        assert_eq!(choose("ws://h/", &vars).as_deref(), Some("http://plain:1"));
        assert_eq!(
            choose("wss://h/", &vars).as_deref(),
            Some("http://secure:2")
        );
        assert_eq!(
            choose("wss://h/", &vars[2..]).as_deref(),
            Some("http://upper:3")
        );
        assert_eq!(
            choose("ws://h/", &vars[3..]).as_deref(),
            Some("socks5://all:4")
        );
        assert_eq!(
            choose("ws://h/", &[("ALL_PROXY", "socks5h://x:5")]).as_deref(),
            Some("socks5h://x:5")
        );
        assert_eq!(choose("ws://h/", &[("https_proxy", "http://s:1")]), None);
        assert_eq!(choose("ws://h/", &[("http_proxy", "  ")]), None);
    }

    #[test]
    fn websocket_names_come_first() {
        let vars = [
            ("wss_proxy", "https://wss:1"),
            ("WSS_PROXY", "http://upper-wss:2"),
            ("https_proxy", "http://secure:3"),
            ("ws_proxy", "socks5://ws:4"),
            ("http_proxy", "http://plain:5"),
        ];
        assert_eq!(choose("wss://h/", &vars).as_deref(), Some("https://wss:1"));
        assert_eq!(
            choose("wss://h/", &vars[1..]).as_deref(),
            Some("http://upper-wss:2")
        );
        assert_eq!(
            choose("wss://h/", &vars[2..]).as_deref(),
            Some("http://secure:3")
        );
        assert_eq!(choose("ws://h/", &vars).as_deref(), Some("socks5://ws:4"));
        assert_eq!(
            choose("ws://h/", &vars[4..]).as_deref(),
            Some("http://plain:5")
        );
        assert_eq!(
            choose(
                "ws://h/",
                &[("WS_PROXY", "http://u:6"), ("REQUEST_METHOD", "GET")]
            )
            .as_deref(),
            Some("http://u:6")
        );
        // no_proxy applies to them too.
        assert_eq!(choose("wss://h/", &[vars[0], ("no_proxy", "h")]), None);
    }

    #[test]
    fn upper_case_http_proxy_is_ignored_under_cgi() {
        let vars = [
            ("HTTP_PROXY", "http://injected:1"),
            ("REQUEST_METHOD", "GET"),
        ];
        assert_eq!(choose("ws://h/", &vars), None);
        assert_eq!(
            choose("ws://h/", &vars[..1]).as_deref(),
            Some("http://injected:1")
        );
    }

    #[test]
    fn no_proxy_bypasses_and_lower_case_wins() {
        let vars = [
            ("http_proxy", "http://p:1"),
            ("no_proxy", "example.com"),
            ("NO_PROXY", "*"),
        ];
        assert_eq!(choose("ws://www.example.com/", &vars), None);
        assert_eq!(
            choose("ws://other.org/", &vars).as_deref(),
            Some("http://p:1")
        );
        assert_eq!(choose("ws://other.org/", &[vars[0], vars[2]]), None);
    }

    #[test]
    fn explicit_settings_ignore_the_environment() {
        let target = Target::parse("ws://www.example.com/").unwrap();
        let env = ProxyEnvironment::from_lookup(|name| match name {
            "http_proxy" => Some("http://env:1".to_string()),
            "no_proxy" => Some("*".to_string()),
            _ => None,
        });
        assert_eq!(select(&ProxySetting::Off, &target, &env).unwrap(), None);
        let explicit = Proxy::parse("socks5://mine:2").unwrap();
        let chosen = select(&ProxySetting::Url(explicit.clone()), &target, &env).unwrap();
        assert_eq!(chosen, Some(explicit));
    }

    #[test]
    fn a_bad_proxy_variable_is_an_error_that_names_it() {
        let target = Target::parse("wss://h/").unwrap();
        let env = ProxyEnvironment::from_lookup(|name| {
            (name == "https_proxy").then(|| "ftp://x".to_string())
        });
        let error = select(&ProxySetting::Environment, &target, &env).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("proxy $https_proxy is not usable"),
            "{error}"
        );
    }
}
