//! The TLS versions a connection may use: TLS 1.2 and 1.3 by default, bounded from below or
//! above (OpenHarmony's ArkTS `minSupportTlsProtocol`, curl's `--tlsv1.3` and `--tls-max`).
use std::fmt;

/// A TLS version rustls speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246), wire value 0x0303.
    Tls12,
    /// TLS 1.3 (RFC 8446), wire value 0x0304.
    Tls13,
}

impl TlsVersion {
    /// The version with this wire value (0x0303, 0x0304), if we speak it.
    pub fn from_wire(value: u16) -> Option<TlsVersion> {
        match value {
            0x0303 => Some(TlsVersion::Tls12),
            0x0304 => Some(TlsVersion::Tls13),
            _ => None,
        }
    }

    fn rustls(self) -> &'static rustls::SupportedProtocolVersion {
        match self {
            TlsVersion::Tls12 => &rustls::version::TLS12,
            TlsVersion::Tls13 => &rustls::version::TLS13,
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        })
    }
}

/// The versions allowed: at least `min`, at most `max` (None: no bound); `min <= max`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VersionRange {
    min: Option<TlsVersion>,
    max: Option<TlsVersion>,
}

impl VersionRange {
    /// The range, or why it is empty.
    pub fn new(min: Option<TlsVersion>, max: Option<TlsVersion>) -> Result<VersionRange, String> {
        match (min, max) {
            (Some(low), Some(high)) if low > high => Err(format!(
                "the minimum TLS version ({low}) is above the maximum ({high})"
            )),
            _ => Ok(VersionRange { min, max }),
        }
    }

    /// The versions in the range, newest first.
    pub(crate) fn allowed(&self) -> Vec<TlsVersion> {
        [TlsVersion::Tls13, TlsVersion::Tls12]
            .into_iter()
            .filter(|v| {
                self.min.is_none_or(|min| *v >= min) && self.max.is_none_or(|max| *v <= max)
            })
            .collect()
    }

    pub(crate) fn rustls(&self) -> Vec<&'static rustls::SupportedProtocolVersion> {
        self.allowed().into_iter().map(TlsVersion::rustls).collect()
    }
}

/// `TLS 1.3 only`, `TLS 1.2 and TLS 1.3`: what we offer, for messages.
impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.allowed()[..] {
            [only] => write!(f, "{only} only"),
            [newest, oldest] => write!(f, "{oldest} and {newest}"),
            _ => f.write_str("no TLS version"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TlsVersion::*;

    #[test]
    fn ranges() {
        let all = VersionRange::default();
        assert_eq!(all.allowed(), [Tls13, Tls12]);
        assert_eq!(all.to_string(), "TLS 1.2 and TLS 1.3");
        let modern = VersionRange::new(Some(Tls13), None).unwrap();
        assert_eq!(
            (modern.allowed(), modern.to_string()),
            (vec![Tls13], "TLS 1.3 only".into())
        );
        assert_eq!(
            VersionRange::new(None, Some(Tls12)).unwrap().allowed(),
            [Tls12]
        );
        assert_eq!(
            VersionRange::new(Some(Tls12), Some(Tls12))
                .unwrap()
                .allowed(),
            [Tls12]
        );
        assert_eq!(
            VersionRange::new(Some(Tls13), Some(Tls12)).unwrap_err(),
            "the minimum TLS version (TLS 1.3) is above the maximum (TLS 1.2)"
        );
        assert_eq!(TlsVersion::from_wire(0x0304), Some(Tls13));
        assert_eq!(TlsVersion::from_wire(0x0302), None);
    }
}
