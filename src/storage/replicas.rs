//! Which `run` processes are alive on this database, so they split the platforms' rate
//! limits between them (`delivery::share`).

use super::{Result, Store};

/// A replica not seen for this long has surely stopped; its row goes.
const FORGET_AFTER_SECS: i64 = 24 * 3600;

impl Store {
    /// Records that `worker` is alive at `now` and returns how many replicas (itself
    /// included) have been seen since `live_since`.
    pub async fn replica_heartbeat(&self, worker: &str, now: i64, live_since: i64) -> Result<u32> {
        sqlx::query(
            "INSERT INTO replicas (worker, seen_at) VALUES ($1, $2) \
             ON CONFLICT (worker) DO UPDATE SET seen_at = excluded.seen_at",
        )
        .bind(worker)
        .bind(now)
        .execute(&self.pool)
        .await?;
        sqlx::query("DELETE FROM replicas WHERE seen_at < $1")
            .bind(now - FORGET_AFTER_SECS)
            .execute(&self.pool)
            .await?;
        let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM replicas WHERE seen_at >= $1")
            .bind(live_since)
            .fetch_one(&self.pool)
            .await?;
        Ok(u32::try_from(live).unwrap_or(u32::MAX).max(1))
    }

    /// Takes `worker` out of the count at a clean shutdown, so the others speed up at once.
    pub async fn leave_replicas(&self, worker: &str) -> Result<()> {
        sqlx::query("DELETE FROM replicas WHERE worker = $1")
            .bind(worker)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
