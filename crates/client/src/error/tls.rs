//! Why TLS failed, in the terms a person can act on.
use crate::tls::{PinMismatch, VersionRange};
use std::fmt;

/// Why TLS failed, in the terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsError {
    /// The server's certificate did not verify.
    Certificate(CertificateProblem),
    /// The server asked for a client certificate and we had none.
    ClientCertificateRequired,
    /// The server refused our client certificate (the alert it sent).
    ClientCertificateRejected(String),
    /// The server ended the handshake with this alert.
    Alert(String),
    /// The server and we have no TLS version in common.
    NoCommonVersion {
        /// The versions we offered, e.g. `TLS 1.3 only` (empty when not known).
        offered: String,
        /// How it showed: the server's alert, or what rustls saw in its answer.
        detail: String,
    },
    /// The URL's host cannot be checked against a certificate.
    InvalidServerName(String),
    /// The trust store or settings could not be used.
    Setup(String),
    /// Any other TLS failure.
    Other(String),
}

/// How the server's certificate failed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// Not signed by a trusted CA.
    UnknownIssuer,
    /// Not valid for the host we connected to; `presented` are the names it is valid for.
    NameMismatch {
        /// The host name we connected to.
        expected: String,
        /// The names in the certificate.
        presented: Vec<String>,
    },
    /// Expired.
    Expired {
        /// Its notAfter, in seconds since the Unix epoch, when known.
        not_after: Option<u64>,
    },
    /// Not valid yet.
    NotYetValid {
        /// Its notBefore, in seconds since the Unix epoch, when known.
        not_before: Option<u64>,
    },
    /// Revoked by its issuer.
    Revoked,
    /// Its signature does not verify.
    BadSignature,
    /// Not issued for TLS server authentication.
    WrongPurpose,
    /// Its public key is not one of the pinned keys.
    PinMismatch(PinMismatch),
    /// Another problem, as rustls describes it.
    Other(String),
}

impl TlsError {
    /// The error, saying which versions we offered when it is about versions.
    pub(crate) fn offering(self, versions: VersionRange) -> TlsError {
        match self {
            TlsError::NoCommonVersion { detail, .. } => TlsError::NoCommonVersion {
                offered: versions.to_string(),
                detail,
            },
            other => other,
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Certificate(p) => write!(f, "TLS certificate verify failed: {p}"),
            TlsError::ClientCertificateRequired => f.write_str(
                "TLS handshake failed: the server requires a client certificate and none is set",
            ),
            TlsError::ClientCertificateRejected(alert) => write!(
                f,
                "TLS handshake failed: the server rejected our client certificate ({alert})"
            ),
            TlsError::Alert(alert) => write!(f, "TLS handshake failed: the server sent {alert}"),
            TlsError::NoCommonVersion { offered, detail } => {
                f.write_str("TLS handshake failed: no TLS version in common with the server")?;
                if !offered.is_empty() {
                    write!(f, ": we offer {offered}")?;
                }
                write!(f, " ({detail})")
            }
            TlsError::InvalidServerName(host) => {
                write!(f, "TLS: {host:?} is not a valid server name")
            }
            TlsError::Setup(why) => write!(f, "TLS setup failed: {why}"),
            TlsError::Other(why) => write!(f, "TLS handshake failed: {why}"),
        }
    }
}
impl std::error::Error for TlsError {}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateProblem::UnknownIssuer => {
                f.write_str("certificate signed by unknown authority")
            }
            CertificateProblem::NameMismatch {
                expected,
                presented,
            } => {
                write!(f, "certificate is not valid for name {expected:?}")?;
                if !presented.is_empty() {
                    write!(f, " (it is valid for {})", presented.join(", "))?;
                }
                Ok(())
            }
            CertificateProblem::Expired { not_after } => match not_after {
                Some(t) => write!(f, "certificate expired on {}", utc(*t)),
                None => f.write_str("certificate expired"),
            },
            CertificateProblem::NotYetValid { not_before } => match not_before {
                Some(t) => write!(f, "certificate is not valid before {}", utc(*t)),
                None => f.write_str("certificate is not valid yet"),
            },
            CertificateProblem::Revoked => f.write_str("certificate revoked"),
            CertificateProblem::BadSignature => f.write_str("bad certificate signature"),
            CertificateProblem::WrongPurpose => {
                f.write_str("certificate is not for TLS server authentication")
            }
            CertificateProblem::PinMismatch(mismatch) => mismatch.fmt(f),
            CertificateProblem::Other(why) => f.write_str(why),
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` for seconds since the Unix epoch (civil-from-days, proleptic
/// Gregorian calendar).
fn utc(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_577_923_200), "2020-01-02 00:00:00 UTC");
        assert_eq!(utc(951_782_400 + 3661), "2000-02-29 01:01:01 UTC");
    }
}
