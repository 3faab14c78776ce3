//! The round trip times of `/ping`: when each ping left, found again by its payload when its
//! pong comes back (RFC 6455 §5.5.3: a pong carries the ping's payload). Pongs to the client's
//! own keepalive pings match nothing and are not timed.
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Unanswered pings remembered; older ones are forgotten (the server never answered them).
const REMEMBERED: usize = 32;

#[derive(Default)]
pub struct Pings {
    unanswered: Mutex<VecDeque<(Vec<u8>, Instant)>>,
}

impl Pings {
    pub fn sent(&self, payload: &[u8]) {
        let mut unanswered = self.unanswered.lock().unwrap();
        if unanswered.len() == REMEMBERED {
            unanswered.pop_front();
        }
        unanswered.push_back((payload.to_vec(), Instant::now()));
    }

    /// The time since the oldest unanswered ping with this payload left, if there is one.
    pub fn answered(&self, payload: &[u8]) -> Option<Duration> {
        let mut unanswered = self.unanswered.lock().unwrap();
        let index = unanswered.iter().position(|(sent, _)| sent == payload)?;
        let (_, at) = unanswered.remove(index)?;
        Some(at.elapsed())
    }
}

/// How `/ping` reports its pong.
pub fn describe(payload: &[u8], rtt: Duration) -> String {
    let ms = rtt.as_secs_f64() * 1000.0;
    match payload.is_empty() {
        true => format!("* pong after {ms:.3} ms"),
        false => format!(
            "* pong {:?} after {ms:.3} ms",
            String::from_utf8_lossy(payload)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pongs_are_matched_by_payload_oldest_first() {
        let pings = Pings::default();
        pings.sent(b"a");
        pings.sent(b"b");
        pings.sent(b"a");
        assert!(pings.answered(b"keepalive").is_none());
        assert!(pings.answered(b"b").is_some());
        assert!(pings.answered(b"b").is_none());
        assert!(pings.answered(b"a").is_some());
        assert!(pings.answered(b"a").is_some());
        assert!(pings.answered(b"a").is_none());
    }

    #[test]
    fn only_the_latest_unanswered_pings_are_kept() {
        let pings = Pings::default();
        pings.sent(b"first");
        for _ in 0..REMEMBERED {
            pings.sent(b"x");
        }
        assert!(pings.answered(b"first").is_none());
    }

    #[test]
    fn the_report_names_the_payload_and_the_time() {
        let rtt = Duration::from_micros(1234);
        assert_eq!(describe(b"", rtt), "* pong after 1.234 ms");
        assert_eq!(describe(b"hi", rtt), "* pong \"hi\" after 1.234 ms");
    }
}
