//! The window of the tokio clients: the reader grants a credit per echo received, the writer
//! spends one per message sent. Both halves run as futures of one task (no locking).
use std::cell::Cell;
use tokio::sync::Notify;

/// Messages the writer may still send.
pub struct Credits {
    available: Cell<u64>,
    granted: Notify,
}

impl Credits {
    /// Starts with `window` credits: the first messages go out at once.
    pub fn new(window: u64) -> Credits {
        Credits {
            available: Cell::new(window),
            granted: Notify::new(),
        }
    }

    /// Called by the reader for `n` echoes received.
    pub fn grant(&self, n: u64) {
        if n > 0 {
            self.available.set(self.available.get() + n);
            self.granted.notify_one();
        }
    }

    /// Waits for at least one credit, then takes up to `max` of those available.
    pub async fn take(&self, max: u64) -> u64 {
        loop {
            let available = self.available.get();
            if available > 0 {
                let taken = available.min(max);
                self.available.set(available - taken);
                return taken;
            }
            self.granted.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_are_taken_up_to_max_and_wait_for_grants() {
        let rt = crate::clients::current_thread_runtime().unwrap();
        rt.block_on(async {
            let credits = Credits::new(3);
            assert_eq!(credits.take(2).await, 2);
            assert_eq!(credits.take(5).await, 1);
            let (taken, ()) = tokio::join!(credits.take(10), async { credits.grant(4) });
            assert_eq!(taken, 4);
        });
    }
}
