//! Pruning what no brief will read again, so the database stops growing with every fetch and
//! every delivery, and the brief archive keeps only its configured age. Rows still in play
//! (pending or claimed deliveries) are never touched.

use super::{Result, Store};

/// Everything older than these instants (epoch seconds) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    pub deliveries: i64,
    pub items: i64,
    pub summaries: i64,
    /// Archived briefs, by when they were archived.
    pub briefs: i64,
}

impl Cutoffs {
    /// The cut-offs `now` under the configured retention.
    pub fn at(now: i64, retention: &crate::config::RetentionConfig) -> Self {
        let before = |age: std::time::Duration| now.saturating_sub(age.as_secs() as i64);
        Self {
            deliveries: before(retention.deliveries),
            items: before(retention.items),
            summaries: before(retention.summaries),
            briefs: before(retention.briefs),
        }
    }
}

/// Rows removed by one prune.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub deliveries: u64,
    pub delivered_items: u64,
    pub items: u64,
    pub summaries: u64,
    pub briefs: u64,
}

impl Pruned {
    pub fn total(&self) -> u64 {
        self.deliveries + self.delivered_items + self.items + self.summaries + self.briefs
    }
}

impl Store {
    pub async fn prune(&self, cutoffs: &Cutoffs) -> Result<Pruned> {
        let deliveries = sqlx::query(
            "DELETE FROM deliveries WHERE status IN ('sent', 'skipped', 'failed') AND updated_at < $1",
        )
        .bind(cutoffs.deliveries)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let delivered_items = sqlx::query("DELETE FROM delivered_items WHERE delivered_at < $1")
            .bind(cutoffs.deliveries)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let items = sqlx::query("DELETE FROM items WHERE published_at < $1 AND first_seen_at < $1")
            .bind(cutoffs.items)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let summaries = sqlx::query("DELETE FROM summaries WHERE created_at < $1")
            .bind(cutoffs.summaries)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let briefs = sqlx::query("DELETE FROM briefs WHERE created_at < $1")
            .bind(cutoffs.briefs)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(Pruned {
            deliveries,
            delivered_items,
            items,
            summaries,
            briefs,
        })
    }
}
