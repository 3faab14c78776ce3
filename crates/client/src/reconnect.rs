//! Automatic reconnection (opt-in): which ends are retried, and how long to wait before each
//! attempt (exponential backoff with full jitter).
use rand::RngExt;
use std::time::Duration;

/// When and how often to try again after a connection failed or was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    /// Attempts in a row before giving up; the count starts again after each open.
    pub max_attempts: u32,
    /// The longest wait before the first attempt; it doubles for each attempt that follows.
    pub base_delay: Duration,
    /// No wait is longer than this.
    pub max_delay: Duration,
    /// Also reconnect after a close handshake the server started.
    pub after_server_close: bool,
}

impl Reconnect {
    /// The longest wait before attempt `attempt` (1 for the first retry):
    /// min(max_delay, base_delay · 2^(attempt - 1)).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The wait before attempt `attempt`: uniform between zero and its ceiling ("full
    /// jitter"), so clients that lost the same server do not come back in step.
    pub fn delay(&self, attempt: u32, rng: &mut impl RngExt) -> Duration {
        let ceiling = u64::try_from(self.ceiling(attempt).as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rng.random_range(0..=ceiling))
    }
}

/// How a connection (or an attempt) ended, as far as reconnecting goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndKind {
    /// The attempt failed, or the connection was lost or failed by a protocol violation.
    Failed,
    /// The server started the close handshake.
    ServerClosed,
    /// The caller asked for the close (Close, or Close while connecting).
    Closed,
}

impl Reconnect {
    /// Whether an end of this kind is retried.
    pub(crate) fn retries(&self, kind: EndKind) -> bool {
        match kind {
            EndKind::Failed => true,
            EndKind::ServerClosed => self.after_server_close,
            EndKind::Closed => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn policy() -> Reconnect {
        Reconnect {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(800),
            after_server_close: false,
        }
    }

    #[test]
    fn ceilings_double_up_to_the_maximum() {
        let ms: Vec<u128> = (1..=6).map(|n| policy().ceiling(n).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800, 800, 800]);
        assert_eq!(policy().ceiling(u32::MAX), Duration::from_millis(800));
    }

    #[test]
    fn delays_stay_under_their_ceiling_and_spread_out() {
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=6 {
            let delays: Vec<Duration> = (0..200)
                .map(|_| policy().delay(attempt, &mut rng))
                .collect();
            let ceiling = policy().ceiling(attempt);
            assert!(delays.iter().all(|d| *d <= ceiling), "attempt {attempt}");
            let distinct = delays
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len();
            assert!(
                distinct > 20,
                "attempt {attempt}: only {distinct} distinct delays"
            );
        }
    }

    #[test]
    fn which_ends_are_retried() {
        let mut p = policy();
        assert!(p.retries(EndKind::Failed));
        assert!(!p.retries(EndKind::ServerClosed));
        assert!(!p.retries(EndKind::Closed));
        p.after_server_close = true;
        assert!(p.retries(EndKind::ServerClosed));
        assert!(!p.retries(EndKind::Closed));
    }
}
