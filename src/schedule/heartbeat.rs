//! When the scheduler last completed a round: `/readyz` refuses traffic from a replica whose
//! scheduler is stuck (a wedged database connection, a deadlock), so an orchestrator restarts it.

use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Default)]
pub struct Heartbeat {
    /// Unix seconds of the last beat; 0 before the first.
    last: AtomicI64,
}

impl Heartbeat {
    pub fn beat(&self, unix_seconds: i64) {
        self.last.store(unix_seconds, Ordering::Relaxed);
        crate::telemetry::scheduler_ticked(unix_seconds);
    }

    /// `None` until the scheduler has completed a round.
    pub fn last(&self) -> Option<i64> {
        Some(self.last.load(Ordering::Relaxed)).filter(|at| *at > 0)
    }
}
