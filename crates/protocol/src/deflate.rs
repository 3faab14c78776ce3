//! permessage-deflate (RFC 7692): negotiation and per-message compression.
//!
//! Negotiation (§7.1) lives here; the compressor and decompressor live in the private
//! `codec` module.
use crate::error::HandshakeError;
use crate::fields::Extension;
use std::fmt::Write as _;

mod codec;
pub(crate) use codec::{Compressor, Decompressor, Effort};

/// Whether a message may be compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compress {
    /// Compressed when permessage-deflate was negotiated and the message reaches
    /// [`DeflateConfig::min_compress_size`].
    #[default]
    Auto,
    /// Sent uncompressed (RSV1 clear), for secrets next to attacker-controlled data (the
    /// CRIME/BREACH advice). It never enters the compressor's window, so later compressed
    /// messages refer only to what the peer inflated (RFC 7692 §6.1).
    Never,
}

/// The extension name (RFC 7692 §7).
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// What the client offers (all optional parameters of RFC 7692 §7.1).
///
/// Window bits must be in 8..=15; [`crate::handshake::ClientHandshake::new`] refuses other
/// values with [`HandshakeError::BadExtension`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Offer `client_max_window_bits` (without a value: the server may pick 8..=15).
    ///
    /// `None`: not offered, so the server cannot limit our window (we use 15). `Some(15)`:
    /// offered without a value (`client_max_window_bits`): we support any window the server
    /// picks, 15 when it picks none. `Some(n)` with n < 15: offered as
    /// `client_max_window_bits=n`, a promise to use at most 2^n bytes of window.
    pub client_max_window_bits: Option<u8>,
    /// Offer `server_max_window_bits=N`.
    pub server_max_window_bits: Option<u8>,
    /// Offer `client_no_context_takeover`: we reset our compressor after each message.
    pub client_no_context_takeover: bool,
    /// Offer `server_no_context_takeover`: ask the server to reset its compressor after each
    /// message.
    pub server_no_context_takeover: bool,
    /// Messages shorter than this are sent uncompressed (RSV1 clear) and stay out of the
    /// compressor's window (default [`DEFAULT_MIN_COMPRESS_SIZE`]; 0 compresses every message).
    pub min_compress_size: usize,
    /// zlib's compression level, 0 (stored blocks, still flagged RSV1) to 9 (default
    /// [`DEFAULT_LEVEL`]).
    pub level: u8,
    /// zlib's memLevel, 1 to 9 (default 8, zlib's): the compressor's hash table and symbol
    /// buffer, so its memory and, a little, its ratio.
    pub mem_level: u8,
    /// When `client_no_context_takeover` is not set, also send a second, fallback offer that
    /// has it (RFC 7692 §5 allows several offers, in order of preference). Some servers,
    /// Autobahn's fuzzing server among them, only ask a client for no context takeover when
    /// its offer hints that it accepts it; with the fallback they still negotiate deflate
    /// instead of declining it, while servers that accept the first offer keep our context.
    pub fallback_no_context_takeover: bool,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            client_max_window_bits: Some(15),
            server_max_window_bits: None,
            client_no_context_takeover: false,
            server_no_context_takeover: false,
            min_compress_size: DEFAULT_MIN_COMPRESS_SIZE,
            level: DEFAULT_LEVEL,
            mem_level: DEFAULT_MEM_LEVEL,
            fallback_no_context_takeover: true,
        }
    }
}

/// Below this many bytes a message goes out uncompressed by default: what Node ws
/// (`threshold`) and okhttp (`minimumDeflateSize`) chose; README "Compression" shows the
/// measurement (small messages save a few bytes for a fixed cost per message).
pub const DEFAULT_MIN_COMPRESS_SIZE: usize = 1024;
/// The default compression level, chosen by the measurement in README "Compression".
pub const DEFAULT_LEVEL: u8 = 2;
/// zlib's default memLevel.
pub const DEFAULT_MEM_LEVEL: u8 = 8;

/// The parameters both sides agreed on (from the server's response, or the server's choice).
///
/// Window bits outside 8..=15 are treated as 15 (above) or "send uncompressed" (below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateParams {
    /// The client compresses with a window of at most 2^n bytes.
    pub client_max_window_bits: u8,
    /// The server compresses with a window of at most 2^n bytes.
    pub server_max_window_bits: u8,
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// Not negotiated: our own sending policy, copied from
    /// [`DeflateConfig::min_compress_size`] by the client handshake (0 on the server side).
    /// Messages shorter than this are sent uncompressed (RSV1 clear).
    pub min_compress_size: usize,
    /// Not negotiated: our compression level, from [`DeflateConfig::level`].
    pub level: u8,
    /// Not negotiated: our memLevel, from [`DeflateConfig::mem_level`].
    pub mem_level: u8,
}

const WINDOW_BITS: std::ops::RangeInclusive<u8> = 8..=15;

/// §7.1.2: window bits are "a decimal integer value 8, 9, 10, 11, 12, 13, 14, or 15" written
/// without leading zeros.
fn parse_window_bits(value: &str) -> Option<u8> {
    if value.starts_with('0') {
        return None;
    }
    value.parse().ok().filter(|b| WINDOW_BITS.contains(b))
}

fn check_range(
    name: &str,
    value: u8,
    range: std::ops::RangeInclusive<u8>,
) -> Result<(), HandshakeError> {
    if range.contains(&value) {
        return Ok(());
    }
    Err(HandshakeError::BadExtension(format!(
        "{name}={value} is outside {}..={}",
        range.start(),
        range.end()
    )))
}

fn check_window_bits(name: &str, bits: Option<u8>) -> Result<(), HandshakeError> {
    match bits {
        Some(b) if !WINDOW_BITS.contains(&b) => Err(HandshakeError::BadExtension(format!(
            "{name}={b} is outside 8..=15"
        ))),
        _ => Ok(()),
    }
}

/// Parameters of one permessage-deflate element, each at most once (§7.1: "A server MUST
/// decline an extension negotiation offer ... if [it] has multiple parameters with the same
/// name"; §7.1 for the response likewise).
#[derive(Default)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// Present, with its value if it had one.
    client_max_window_bits: Option<Option<u8>>,
}

impl Params {
    fn parse(ext: &Extension) -> Result<Params, String> {
        let mut p = Params::default();
        for (name, value) in &ext.params {
            let name = name.to_ascii_lowercase();
            let duplicate = || format!("duplicate parameter {name}");
            let flag = |set: bool| match (set, value) {
                (true, _) => Err(duplicate()),
                (false, Some(_)) => Err(format!("{name} takes no value")),
                (false, None) => Ok(true),
            };
            let bits = || match value.as_deref().map(parse_window_bits) {
                Some(Some(b)) => Ok(b),
                _ => Err(format!("{name} needs a value in 8..=15")),
            };
            match name.as_str() {
                "server_no_context_takeover" => {
                    p.server_no_context_takeover = flag(p.server_no_context_takeover)?
                }
                "client_no_context_takeover" => {
                    p.client_no_context_takeover = flag(p.client_no_context_takeover)?
                }
                "server_max_window_bits" => {
                    if p.server_max_window_bits.is_some() {
                        return Err(duplicate());
                    }
                    p.server_max_window_bits = Some(bits()?);
                }
                "client_max_window_bits" => {
                    if p.client_max_window_bits.is_some() {
                        return Err(duplicate());
                    }
                    // §7.1.2.2: in an offer the value is optional.
                    let v = if value.is_some() { Some(bits()?) } else { None };
                    p.client_max_window_bits = Some(v);
                }
                _ => return Err(format!("unknown parameter {name}")),
            }
        }
        Ok(p)
    }
}

impl DeflateConfig {
    /// Checks the ranges: window bits 8..=15, level 0..=9, memLevel 1..=9.
    pub fn validate(&self) -> Result<(), HandshakeError> {
        check_window_bits("client_max_window_bits", self.client_max_window_bits)?;
        check_window_bits("server_max_window_bits", self.server_max_window_bits)?;
        check_range("level", self.level, 0..=9)?;
        check_range("mem_level", self.mem_level, 1..=9)
    }

    /// The `Sec-WebSocket-Extensions` value of the offer, e.g. the default
    /// `permessage-deflate; client_max_window_bits`.
    pub fn offer(&self) -> Result<String, HandshakeError> {
        self.validate()?;
        let mut s = String::from(EXTENSION_NAME);
        if self.client_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if self.server_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        match self.client_max_window_bits {
            None => {}
            Some(15) => s.push_str("; client_max_window_bits"),
            Some(n) => {
                let _ = write!(s, "; client_max_window_bits={n}");
            }
        }
        if let Some(n) = self.server_max_window_bits {
            let _ = write!(s, "; server_max_window_bits={n}");
        }
        if self.fallback_no_context_takeover && !self.client_no_context_takeover {
            // The two offers differ only in a hint that a response may carry anyway
            // (§7.1.1.1), so `accept_response` validates a response to either of them.
            let fallback = DeflateConfig {
                client_no_context_takeover: true,
                ..self.clone()
            };
            let _ = write!(s, ", {}", fallback.offer()?);
        }
        Ok(s)
    }

    /// Client side: validates the server's accepted element against this offer (RFC 7692
    /// §7.1) and returns the agreed parameters.
    pub(crate) fn accept_response(&self, ext: &Extension) -> Result<DeflateParams, String> {
        let p = Params::parse(ext)?;
        // §7.1.1.1: the server accepts server_no_context_takeover by echoing it (declining
        // means declining the whole offer). §7.1.2.1 likewise for server_max_window_bits.
        if self.server_no_context_takeover && !p.server_no_context_takeover {
            return Err("server_no_context_takeover was offered but not accepted".to_string());
        }
        if let Some(offered) = self.server_max_window_bits {
            match p.server_max_window_bits {
                None => return Err("server_max_window_bits was offered but not accepted".into()),
                Some(b) if b > offered => {
                    return Err(format!(
                        "server_max_window_bits={b} over the offered {offered}"
                    ))
                }
                Some(_) => {}
            }
        }
        // §7.1.2.2: "the server MUST NOT include [client_max_window_bits] in the response if
        // the offer does not have it"; in a response it has a value, at most the offered one.
        let client_bits = match (p.client_max_window_bits, self.client_max_window_bits) {
            (None, offered) => offered.unwrap_or(15),
            (Some(_), None) => return Err("client_max_window_bits was not offered".into()),
            (Some(None), Some(_)) => return Err("client_max_window_bits needs a value".into()),
            (Some(Some(b)), Some(offered)) if b > offered => {
                return Err(format!(
                    "client_max_window_bits={b} over the offered {offered}"
                ))
            }
            (Some(Some(b)), Some(_)) => b,
        };
        Ok(DeflateParams {
            client_max_window_bits: client_bits,
            server_max_window_bits: p.server_max_window_bits.unwrap_or(15),
            // §7.1.1.2: the server may ask the client not to take over context, offered or not.
            client_no_context_takeover: p.client_no_context_takeover,
            server_no_context_takeover: p.server_no_context_takeover,
            min_compress_size: self.min_compress_size,
            level: self.level,
            mem_level: self.mem_level,
        })
    }
}

impl DeflateParams {
    /// Server side: accepts one client offer element if we can honour it, returning the
    /// agreed parameters and the response element. We can honour every valid offer: our
    /// decompressor always uses a 32 KiB window, and with `server_max_window_bits=8` (which
    /// zlib cannot produce) we send uncompressed messages (§7.2.1 allows it).
    pub(crate) fn accept_offer(ext: &Extension) -> Option<(DeflateParams, String)> {
        let p = Params::parse(ext).ok()?;
        let mut response = String::from(EXTENSION_NAME);
        if p.server_no_context_takeover {
            response.push_str("; server_no_context_takeover");
        }
        if p.client_no_context_takeover {
            response.push_str("; client_no_context_takeover");
        }
        if let Some(b) = p.server_max_window_bits {
            let _ = write!(response, "; server_max_window_bits={b}");
        }
        let client_bits = p.client_max_window_bits.flatten();
        if let Some(b) = client_bits {
            let _ = write!(response, "; client_max_window_bits={b}");
        }
        let params = DeflateParams {
            client_max_window_bits: client_bits.unwrap_or(15),
            server_max_window_bits: p.server_max_window_bits.unwrap_or(15),
            client_no_context_takeover: p.client_no_context_takeover,
            server_no_context_takeover: p.server_no_context_takeover,
            min_compress_size: 0,
            level: DEFAULT_LEVEL,
            mem_level: DEFAULT_MEM_LEVEL,
        };
        Some((params, response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::parse_extensions;

    fn element(value: &str) -> Extension {
        parse_extensions(value).unwrap().remove(0)
    }

    /// What the server's choice gives (its own threshold is 0).
    fn params(cb: u8, sb: u8, cn: bool, sn: bool) -> DeflateParams {
        DeflateParams {
            client_max_window_bits: cb,
            server_max_window_bits: sb,
            client_no_context_takeover: cn,
            server_no_context_takeover: sn,
            min_compress_size: 0,
            level: DEFAULT_LEVEL,
            mem_level: DEFAULT_MEM_LEVEL,
        }
    }

    #[test]
    fn offers() {
        assert_eq!(
            DeflateConfig::default().offer().unwrap(),
            "permessage-deflate; client_max_window_bits, \
             permessage-deflate; client_no_context_takeover; client_max_window_bits"
        );
        let single = DeflateConfig {
            fallback_no_context_takeover: false,
            ..DeflateConfig::default()
        };
        assert_eq!(
            single.offer().unwrap(),
            "permessage-deflate; client_max_window_bits"
        );
        let all = DeflateConfig {
            client_max_window_bits: Some(10),
            server_max_window_bits: Some(12),
            client_no_context_takeover: true,
            server_no_context_takeover: true,
            fallback_no_context_takeover: true,
            ..DeflateConfig::default()
        };
        assert_eq!(
            all.offer().unwrap(),
            "permessage-deflate; client_no_context_takeover; server_no_context_takeover; \
             client_max_window_bits=10; server_max_window_bits=12"
        );
        let none = DeflateConfig {
            client_max_window_bits: None,
            fallback_no_context_takeover: false,
            ..DeflateConfig::default()
        };
        assert_eq!(none.offer().unwrap(), "permessage-deflate");
        for bad in [0, 7, 16] {
            let c = DeflateConfig {
                server_max_window_bits: Some(bad),
                ..DeflateConfig::default()
            };
            assert!(matches!(c.offer(), Err(HandshakeError::BadExtension(_))));
            let c = DeflateConfig {
                client_max_window_bits: Some(bad),
                ..DeflateConfig::default()
            };
            assert!(matches!(c.offer(), Err(HandshakeError::BadExtension(_))));
        }
        for (level, mem_level) in [(10, 8), (6, 0), (6, 10)] {
            let c = DeflateConfig {
                level,
                mem_level,
                ..DeflateConfig::default()
            };
            assert!(matches!(c.offer(), Err(HandshakeError::BadExtension(_))));
        }
    }

    // RFC 7692 §7.1: the client's checks of the response.
    #[test]
    fn response_validation() {
        let default = DeflateConfig::default();
        // The client's threshold is its own, not negotiated: compare without it.
        let ok = |c: &DeflateConfig, r: &str| {
            c.accept_response(&element(r)).map(|p| DeflateParams {
                min_compress_size: 0,
                ..p
            })
        };
        assert_eq!(
            ok(&default, "permessage-deflate"),
            Ok(params(15, 15, false, false))
        );
        assert_eq!(
            ok(
                &default,
                "permessage-deflate; client_max_window_bits=9; server_max_window_bits=8; \
                 client_no_context_takeover; server_no_context_takeover"
            ),
            Ok(params(9, 8, true, true))
        );
        assert_eq!(
            ok(
                &default,
                "permessage-deflate; client_max_window_bits=\"10\""
            ),
            Ok(params(10, 15, false, false))
        );
        for bad in [
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=010",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=x",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_max_window_bits=9; server_max_window_bits=9",
            "permessage-deflate; unknown",
        ] {
            assert!(ok(&default, bad).is_err(), "{bad}");
        }

        let not_offered = DeflateConfig {
            client_max_window_bits: None,
            ..DeflateConfig::default()
        };
        assert!(ok(
            &not_offered,
            "permessage-deflate; client_max_window_bits=15"
        )
        .is_err());
        assert_eq!(
            ok(&not_offered, "permessage-deflate"),
            Ok(params(15, 15, false, false))
        );

        let limited = DeflateConfig {
            client_max_window_bits: Some(10),
            server_max_window_bits: Some(12),
            server_no_context_takeover: true,
            ..DeflateConfig::default()
        };
        assert_eq!(
            ok(
                &limited,
                "permessage-deflate; server_max_window_bits=12; server_no_context_takeover"
            ),
            Ok(params(10, 12, false, true))
        );
        assert_eq!(
            ok(
                &limited,
                "permessage-deflate; server_max_window_bits=8; server_no_context_takeover; \
                 client_max_window_bits=9"
            ),
            Ok(params(9, 8, false, true))
        );
        for bad in [
            // server_max_window_bits offered, not answered.
            "permessage-deflate; server_no_context_takeover",
            // server_no_context_takeover offered, not answered.
            "permessage-deflate; server_max_window_bits=12",
            "permessage-deflate; server_max_window_bits=13; server_no_context_takeover",
            "permessage-deflate; server_max_window_bits=12; server_no_context_takeover; \
             client_max_window_bits=11",
        ] {
            assert!(ok(&limited, bad).is_err(), "{bad}");
        }

        let with_min = DeflateConfig {
            min_compress_size: 64,
            ..DeflateConfig::default()
        };
        assert_eq!(
            with_min
                .accept_response(&element("permessage-deflate"))
                .map(|p| p.min_compress_size),
            Ok(64)
        );
    }

    // RFC 7692 §7.1: the server's choice.
    #[test]
    fn server_accepts_offers() {
        let accept = |offer: &str| DeflateParams::accept_offer(&element(offer));
        assert_eq!(
            accept("permessage-deflate"),
            Some((
                params(15, 15, false, false),
                "permessage-deflate".to_string()
            ))
        );
        assert_eq!(
            accept("permessage-deflate; client_max_window_bits"),
            Some((
                params(15, 15, false, false),
                "permessage-deflate".to_string()
            ))
        );
        assert_eq!(
            accept(
                "permessage-deflate; client_max_window_bits=10; server_max_window_bits=8; \
                 client_no_context_takeover; server_no_context_takeover"
            ),
            Some((
                params(10, 8, true, true),
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
                 server_max_window_bits=8; client_max_window_bits=10"
                    .to_string()
            ))
        );
        assert_eq!(accept("permessage-deflate; server_max_window_bits"), None);
        assert_eq!(accept("permessage-deflate; foo=1"), None);
        assert_eq!(
            accept("permessage-deflate; client_max_window_bits; client_max_window_bits"),
            None
        );
    }
}
