//! Which misbehaviour (or report) a request path asks the echo server for.
use super::generate::Generated;
use std::time::Duration;

/// What the request path asks for. Borrows from the request target (a redirect's location).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Script<'a> {
    Echo,
    Status(u16, &'static str),
    /// Refuse the handshake with a redirect; `location` None sends no Location field.
    Redirect {
        code: u16,
        reason: &'static str,
        location: Option<&'a str>,
    },
    /// Wait this many milliseconds, then redirect (302) to the location.
    SlowRedirect {
        delay_ms: u16,
        location: &'a str,
    },
    Close(u16),
    Drop,
    Raw(&'static [u8]),
    Silent,
    /// Write the 101 response one byte per second.
    Trickle,
    /// Complete the handshake, then read and discard everything.
    Mute,
    Messages(usize),
    /// Echo, sending this many ticks on the way.
    Ticks(usize),
    /// Send `count` binary messages of `size` bytes as fast as TCP takes them, then echo.
    Push {
        count: usize,
        size: usize,
    },
    Extensions,
    /// Echo each message in pieces as they arrive (fragment mode): constant memory whatever
    /// the message's size.
    Stream,
    BadExtension,
    Headers,
    /// Send the client's address as the server sees it.
    Peer,
    /// Answer each message with whether it arrived compressed (RSV1) and its length.
    Rsv1,
    Subprotocol(Subprotocol<'a>),
    /// Send a generated message and its report, then echo.
    Generate(Generated),
    /// Receive in pieces and report each message's length and CRC-32, pinging meanwhile
    /// at this interval if there is one.
    Checksum(Option<Duration>),
}

/// What a request that asks for something it cannot have gets.
const BAD_REQUEST: Script<'static> = Script::Status(400, "Bad Request");

/// Which Sec-WebSocket-Protocol the server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subprotocol<'a> {
    /// The first one the client offered (none if it offered none).
    FirstOffered,
    /// This one, whatever was offered.
    Named(&'a str),
}

/// The standard reason phrase of the redirect codes a client may follow (RFC 9110 §15.4).
fn redirect_reason(code: u16) -> Option<&'static str> {
    Some(match code {
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        _ => return None,
    })
}

/// The largest `/push/COUNT/SIZE`: 2^20 messages of 64 MiB at most.
const MAX_PUSH_COUNT: usize = 1 << 20;
const MAX_PUSH_SIZE: usize = 64 << 20;

/// `COUNT/SIZE` of `/push/COUNT/SIZE`, within the bounds; SIZE holds the 8-byte index.
fn push(spec: &str) -> Option<Script<'static>> {
    let (count, size) = spec.split_once('/')?;
    let count = count.parse().ok().filter(|&c| c <= MAX_PUSH_COUNT)?;
    let size = size
        .parse()
        .ok()
        .filter(|&s| (8..=MAX_PUSH_SIZE).contains(&s))?;
    Some(Script::Push { count, size })
}

pub(super) fn script(resource: &str) -> Script<'_> {
    // The location of a redirect is everything after the first `?`, verbatim, so a location
    // may itself carry a query: that is how redirect chains nest.
    let (path, query) = match resource.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (resource, None),
    };
    let number = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|n| n.parse::<u16>().ok())
    };
    if let Some(what) = path.strip_prefix("/generate/") {
        return generated(what).map_or(BAD_REQUEST, Script::Generate);
    }
    if path == "/checksum" {
        return match query.map(|q| q.strip_prefix("ping=").and_then(size)) {
            None => Script::Checksum(None),
            Some(Some(ms)) if ms > 0 => Script::Checksum(Some(Duration::from_millis(ms))),
            Some(_) => BAD_REQUEST,
        };
    }
    match path {
        "/status/404" => Script::Status(404, "Not Found"),
        "/drop" => Script::Drop,
        // FIN + reserved opcode 3, empty payload (RFC 6455 §5.2).
        "/violate" => Script::Raw(&[0x83, 0x00]),
        // FIN + text, 2 bytes that are not UTF-8.
        "/invalid-utf8" => Script::Raw(&[0x81, 0x02, 0xff, 0xfe]),
        // FIN + pong, the 11 bytes "unsolicited" (§5.5.3: a pong may be sent unsolicited).
        "/pong" => Script::Raw(b"\x8a\x0bunsolicited"),
        "/silent" => Script::Silent,
        "/trickle" => Script::Trickle,
        "/mute" => Script::Mute,
        "/extensions" => Script::Extensions,
        "/stream" => Script::Stream,
        "/bad-extension" => Script::BadExtension,
        "/headers" => Script::Headers,
        "/peer" => Script::Peer,
        "/rsv1" => Script::Rsv1,
        "/redirect-loop" => Script::Redirect {
            code: 302,
            reason: "Found",
            location: Some("/redirect-loop"),
        },
        "/subprotocol/first" => Script::Subprotocol(Subprotocol::FirstOffered),
        _ => {
            if let Some(code) = number("/close/") {
                Script::Close(code)
            } else if let Some(n) = number("/messages/") {
                Script::Messages(usize::from(n))
            } else if let Some(n) = number("/ticks/") {
                Script::Ticks(usize::from(n))
            } else if let Some(push) = path.strip_prefix("/push/").and_then(push) {
                push
            } else if let Some((code, reason)) =
                number("/redirect/").and_then(|code| Some((code, redirect_reason(code)?)))
            {
                Script::Redirect {
                    code,
                    reason,
                    location: query,
                }
            } else if let Some(delay_ms) = number("/slow-redirect/") {
                Script::SlowRedirect {
                    delay_ms,
                    location: query.unwrap_or("/"),
                }
            } else if let Some(name) = path.strip_prefix("/subprotocol/").filter(|n| !n.is_empty())
            {
                Script::Subprotocol(Subprotocol::Named(name))
            } else {
                Script::Echo
            }
        }
    }
}

/// A size or a count: decimal digits only (no sign, no spaces), within u64.
fn size(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `KIND/TOTAL[/FRAME]` after `/generate/`: None for anything else.
fn generated(what: &str) -> Option<Generated> {
    let mut parts = what.split('/');
    let kind = parts.next()?;
    let total = size(parts.next()?)?;
    let mut frame = || parts.next().and_then(size);
    let generated = match kind {
        "binary" => Generated::Binary {
            total,
            frame: frame()?,
        },
        "bad-text" => Generated::BadText {
            total,
            frame: frame()?,
        },
        "text" => Generated::Text { total },
        "compressed" => Generated::Compressed { total },
        _ => return None,
    };
    // Nothing more after the sizes.
    parts.next().is_none().then_some(generated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect<'a>(code: u16, reason: &'static str, location: Option<&'a str>) -> Script<'a> {
        Script::Redirect {
            code,
            reason,
            location,
        }
    }

    #[test]
    fn existing_paths_keep_their_meaning_and_ignore_the_query() {
        assert_eq!(script("/"), Script::Echo);
        assert_eq!(script("/anything?x=1"), Script::Echo);
        assert_eq!(script("/status/404?x"), Script::Status(404, "Not Found"));
        assert_eq!(script("/close/1001"), Script::Close(1001));
        assert_eq!(script("/messages/3"), Script::Messages(3));
        assert_eq!(script("/silent"), Script::Silent);
        assert_eq!(script("/headers?q"), Script::Headers);
        assert_eq!(script("/stream"), Script::Stream);
        assert_eq!(script("/peer"), Script::Peer);
        assert_eq!(script("/rsv1"), Script::Rsv1);
        assert_eq!(script("/close/x"), Script::Echo);
    }

    #[test]
    fn generate_takes_a_kind_and_sizes() {
        let mib512 = 512 << 20;
        assert_eq!(
            script("/generate/binary/536870912/131072"),
            Script::Generate(Generated::Binary {
                total: mib512,
                frame: 128 << 10
            })
        );
        assert_eq!(
            script("/generate/binary/536870912/0"),
            Script::Generate(Generated::Binary {
                total: mib512,
                frame: 0
            })
        );
        assert_eq!(
            script("/generate/text/67108864"),
            Script::Generate(Generated::Text { total: 64 << 20 })
        );
        assert_eq!(
            script("/generate/compressed/0?ignored"),
            Script::Generate(Generated::Compressed { total: 0 })
        );
        assert_eq!(
            script("/generate/bad-text/1000/100"),
            Script::Generate(Generated::BadText {
                total: 1000,
                frame: 100
            })
        );
        // Sizes beyond 4 GiB are u64.
        assert_eq!(
            script("/generate/text/18446744073709551615"),
            Script::Generate(Generated::Text { total: u64::MAX })
        );
    }

    #[test]
    fn generate_refuses_what_it_cannot_make() {
        for path in [
            "/generate/",
            "/generate/binary",
            "/generate/binary/10",
            "/generate/binary/10/",
            "/generate/binary/x/1",
            "/generate/binary/+10/1",
            "/generate/binary/-1/1",
            "/generate/binary/10/1/2",
            "/generate/text/",
            "/generate/text/10/5",
            "/generate/text/ 10",
            "/generate/text/18446744073709551616",
            "/generate/compressed/1e6",
            "/generate/bad-text/10",
            "/generate/video/10",
        ] {
            assert_eq!(script(path), Script::Status(400, "Bad Request"), "{path}");
        }
    }

    #[test]
    fn checksum_pings_at_the_interval_asked() {
        assert_eq!(script("/checksum"), Script::Checksum(None));
        assert_eq!(
            script("/checksum?ping=20"),
            Script::Checksum(Some(Duration::from_millis(20)))
        );
        for path in [
            "/checksum?",
            "/checksum?ping=",
            "/checksum?ping=0",
            "/checksum?ping=x",
            "/checksum?ping=-5",
            "/checksum?pong=5",
            "/checksum?ping=5&x",
        ] {
            assert_eq!(script(path), Script::Status(400, "Bad Request"), "{path}");
        }
        assert_eq!(script("/checksum/more"), Script::Echo);
    }

    #[test]
    fn ticks_take_a_count() {
        assert_eq!(script("/ticks/50"), Script::Ticks(50));
        assert_eq!(script("/ticks/x"), Script::Echo);
    }

    #[test]
    fn push_takes_a_count_and_a_size_within_bounds() {
        assert_eq!(
            script("/push/1024/1048576"),
            Script::Push {
                count: 1024,
                size: 1 << 20
            }
        );
        assert_eq!(script("/push/0/8"), Script::Push { count: 0, size: 8 });
        for echo in [
            "/push/3/7",
            "/push/3",
            "/push/x/8",
            "/push/3/67108865",
            "/push/-1/8",
        ] {
            assert_eq!(script(echo), Script::Echo, "{echo}");
        }
    }

    #[test]
    fn trickle_mute_and_pong() {
        assert_eq!(script("/trickle"), Script::Trickle);
        assert_eq!(script("/mute"), Script::Mute);
        assert_eq!(script("/pong"), Script::Raw(b"\x8a\x0bunsolicited"));
        assert_eq!(script("/mute/more"), Script::Echo);
    }

    #[test]
    fn slow_redirects_wait_then_redirect() {
        assert_eq!(
            script("/slow-redirect/400?/slow-redirect/400?/"),
            Script::SlowRedirect {
                delay_ms: 400,
                location: "/slow-redirect/400?/"
            }
        );
    }

    #[test]
    fn redirect_location_is_everything_after_the_first_question_mark() {
        assert_eq!(script("/redirect/302?/"), redirect(302, "Found", Some("/")));
        assert_eq!(
            script("/redirect/302?/redirect/302?/"),
            redirect(302, "Found", Some("/redirect/302?/"))
        );
        assert_eq!(
            script("/redirect/301?ws://127.0.0.1:9/headers?a=b"),
            redirect(
                301,
                "Moved Permanently",
                Some("ws://127.0.0.1:9/headers?a=b")
            )
        );
        assert_eq!(
            script("/redirect/307?"),
            redirect(307, "Temporary Redirect", Some(""))
        );
        assert_eq!(
            script("/redirect/308"),
            redirect(308, "Permanent Redirect", None)
        );
        assert_eq!(
            script("/redirect/303?/x"),
            redirect(303, "See Other", Some("/x"))
        );
    }

    #[test]
    fn only_redirect_codes_redirect() {
        assert_eq!(script("/redirect/200?/"), Script::Echo);
        assert_eq!(script("/redirect/304?/"), Script::Echo);
        assert_eq!(script("/redirect/x?/"), Script::Echo);
        assert_eq!(script("/redirect/?/"), Script::Echo);
    }

    #[test]
    fn redirect_loop_points_at_itself() {
        assert_eq!(
            script("/redirect-loop"),
            redirect(302, "Found", Some("/redirect-loop"))
        );
    }

    #[test]
    fn subprotocol_first_or_named() {
        assert_eq!(
            script("/subprotocol/first"),
            Script::Subprotocol(Subprotocol::FirstOffered)
        );
        assert_eq!(
            script("/subprotocol/chat.v2?x"),
            Script::Subprotocol(Subprotocol::Named("chat.v2"))
        );
        assert_eq!(script("/subprotocol/"), Script::Echo);
    }
}
