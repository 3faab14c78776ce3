//! The client's connection options from the command line. TLS files are read here, so a bad
//! one is refused before anything connects.
use crate::args::Args;
use net_websocket_client::tls::SetupError;
use net_websocket_client::{DeflateConfig, Options, ProxySetting, Reconnect};
use std::time::Duration;

/// The backoff of `--reconnect`: the defaults of the C API's WebSocketEx_SetReconnect.
const RECONNECT_BASE_DELAY: Duration = Duration::from_secs(1);
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(30);

/// The send queue of `--stream`: ample to keep any network busy between two looks at it (see
/// the outlet), and a quarter of the default, so that netws stays well under 64 MiB.
const STREAM_QUEUE_LIMIT: usize = 16 << 20;

pub fn client_options(args: &Args) -> Result<Options, SetupError> {
    let defaults = Options::default();
    // Keepalive gives up after twice the ping interval without traffic, the defaults' ratio
    // (30 s, 60 s).
    let ping_interval = Some(args.ping_interval).filter(|interval| !interval.is_zero());
    let dead_after = ping_interval.map_or(defaults.dead_after, |interval| interval * 2);
    let proxy = match (&args.proxy, args.no_proxy) {
        (Some(proxy), _) => ProxySetting::Url(proxy.clone()),
        (None, true) => ProxySetting::Off,
        (None, false) => ProxySetting::Environment,
    };
    let reconnect = args.reconnect.then_some(Reconnect {
        max_attempts: args.reconnect_attempts,
        base_delay: RECONNECT_BASE_DELAY,
        max_delay: RECONNECT_MAX_DELAY,
        // A close the server chose is an answer, not a failure.
        after_server_close: false,
    });
    let mut options = Options {
        connect_timeout: args.connect_timeout,
        ping_interval,
        dead_after,
        deflate: args.compress.then(DeflateConfig::default),
        proxy,
        reconnect,
        subprotocols: args.protocols.clone(),
        unix_socket: args.unix_socket.clone(),
        // `--stream` holds no message whole, neither way.
        receive_fragments: args.stream,
        send_queue_limit: match args.stream {
            true => STREAM_QUEUE_LIMIT,
            false => defaults.send_queue_limit,
        },
        local_address: args.local_address,
        interface: args.interface.clone(),
        resolve: args.resolve.clone(),
        tcp_keepalive: args.tcp_keepalive,
        ..defaults
    };
    let tls = &mut options.tls;
    if let Some(ca) = &args.cacert {
        tls.set_ca_file(Some(ca))?;
    }
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let password = args.key_password.as_deref().map(str::as_bytes);
        tls.set_client_certificate(cert, key, password)?;
    }
    tls.set_verify(!args.insecure);
    if let Some(ca) = &args.proxy_cacert {
        tls.set_proxy_ca_file(Some(ca))?;
    }
    tls.set_pinned_public_key(args.pinned_public_key.as_deref())?;
    tls.set_versions(args.tls_min, args.tls_max)?;
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn options(extra: &[&str]) -> Options {
        let mut argv = vec!["netws"];
        argv.extend_from_slice(extra);
        argv.push("ws://127.0.0.1:1/");
        client_options(&Args::try_parse_from(argv).unwrap()).unwrap()
    }

    #[test]
    fn defaults_are_the_clients() {
        let ours = options(&[]);
        let theirs = Options::default();
        assert_eq!(ours.connect_timeout, theirs.connect_timeout);
        assert_eq!(ours.ping_interval, theirs.ping_interval);
        assert_eq!(ours.dead_after, theirs.dead_after);
        assert_eq!(ours.proxy, ProxySetting::Environment);
        assert!(ours.deflate.is_none() && ours.reconnect.is_none());
    }

    #[test]
    fn keepalive_scales_and_zero_turns_it_off() {
        let o = options(&["--ping-interval", "2.5"]);
        assert_eq!(o.ping_interval, Some(Duration::from_millis(2500)));
        assert_eq!(o.dead_after, Duration::from_secs(5));
        assert_eq!(options(&["--ping-interval", "0"]).ping_interval, None);
    }

    #[test]
    fn flags_reach_the_options() {
        let o = options(&[
            "-z",
            "--no-proxy",
            "--reconnect",
            "--reconnect-attempts",
            "3",
            "--connect-timeout",
            "0.5",
            "--protocol",
            "a,b",
        ]);
        assert!(o.deflate.is_some());
        assert_eq!(o.proxy, ProxySetting::Off);
        assert_eq!(o.reconnect.map(|r| r.max_attempts), Some(3));
        assert_eq!(o.connect_timeout, Duration::from_millis(500));
        assert_eq!(o.subprotocols, ["a", "b"]);
    }

    #[test]
    fn network_and_tls_flags_reach_the_options() {
        let o = options(&[
            "--local-address",
            "127.0.0.2",
            "--resolve",
            "a.test:80:127.0.0.1",
            "--tcp-keepalive",
            "10,5,3",
            "--tls-max",
            "1.2",
        ]);
        assert_eq!(o.local_address, Some("127.0.0.2".parse().unwrap()));
        assert_eq!(o.resolve[0].host(), "a.test");
        assert_eq!(o.tcp_keepalive.unwrap().count(), 3);
        assert_eq!(o.tls.versions().to_string(), "TLS 1.2 only");
        let args =
            Args::try_parse_from(["netws", "--tls-min", "1.3", "--tls-max", "1.2", "wss://x/"]);
        let error = client_options(&args.unwrap()).unwrap_err();
        assert!(error.to_string().contains("above the maximum"), "{error}");
        let args = Args::try_parse_from(["netws", "--pinnedpubkey", "sha256//AAAA", "wss://x/"]);
        assert!(client_options(&args.unwrap()).is_err());
    }

    #[test]
    fn an_unusable_ca_file_is_refused_naming_it() {
        let args = Args::try_parse_from(["netws", "--cacert", "/nonexistent/ca.pem", "wss://x/"]);
        let error = client_options(&args.unwrap()).unwrap_err();
        assert!(
            error.to_string().starts_with("/nonexistent/ca.pem: "),
            "{error}"
        );
    }
}
