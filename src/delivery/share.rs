//! Replicas share each platform's budget. A platform's limit (Telegram's 30 messages a
//! second, Discord's 50 requests, a webhook's 20 POSTs) is per bot, not per process: N replicas
//! each pacing to the full limit send N times too fast. Each live replica therefore spends N
//! units of its pacer's budget per send, so together they stay within one budget; the
//! scheduler counts live replicas from the database (`Store::replica_heartbeat`) every round.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// How many replicas share the budgets right now (at least 1). Cheap to clone; every clone
/// sees the same count.
#[derive(Debug, Clone)]
pub struct ReplicaShare {
    live: Arc<AtomicU32>,
}

impl Default for ReplicaShare {
    fn default() -> Self {
        Self {
            live: Arc::new(AtomicU32::new(1)),
        }
    }
}

impl ReplicaShare {
    pub fn replicas(&self) -> u32 {
        self.live.load(Ordering::Relaxed).max(1)
    }

    pub fn set_replicas(&self, live: u32) {
        let before = self.live.swap(live.max(1), Ordering::Relaxed);
        if before != live.max(1) {
            tracing::info!(
                replicas = live.max(1),
                "replicas sharing the platforms' rate limits changed"
            );
        }
    }

    /// Waits `wait` once per live replica: a pacer built for the whole budget then runs at
    /// its replica's share of it.
    pub async fn wait_share<F, Fut>(&self, mut wait: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        for _ in 0..self.replicas() {
            wait().await;
        }
    }
}
