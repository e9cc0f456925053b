//! The delivery ledger. A row per (subscription, scheduled time) — the unique key is what makes
//! two ticks, or two replicas, unable to schedule a brief twice. Workers claim rows with a
//! lease; a worker that dies leaves its lease to expire and another worker takes the row over.

use std::collections::HashSet;
use std::fmt;

use sqlx::FromRow;

use super::{Backend, Result, Store};
use crate::model::{Destination, Platform};

/// One subscription's share of a tick: the ledger rows its due occurrences become, and the
/// move of its next run from what the tick read to the next occurrence.
#[derive(Debug, Clone, PartialEq)]
pub struct DueRows {
    pub subscription_id: i64,
    pub rows: Vec<DueRow>,
    pub advance_from: i64,
    pub advance_to: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DueRow {
    pub scheduled_at: i64,
    /// `Pending`, or `Skipped` for an occurrence missed by more than the grace period.
    pub status: DeliveryStatus,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its time (`not_before`).
    Pending,
    /// A worker holds it until its lease runs out.
    Claimed,
    Sent,
    /// Deliberately not sent; the reason says why (nothing new, missed by too long, paused).
    Skipped,
    /// Given up; the reason says why.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Claimed => "claimed",
            Self::Sent => "sent",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "claimed" => Self::Claimed,
            "sent" => Self::Sent,
            "skipped" => Self::Skipped,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A row a worker now holds.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub subscription_id: i64,
    pub scheduled_at: i64,
    pub attempts: i64,
    pub rate_limited: i64,
    /// The worker holding it: every later write is conditional on it still being the holder.
    pub claimed_by: String,
    /// Message ids of the parts an earlier attempt delivered, comma-separated.
    pub message_ids: Option<String>,
}

impl ClaimedDelivery {
    /// Message ids of the parts already delivered, in order.
    pub fn delivered_parts(&self) -> Vec<String> {
        self.message_ids
            .as_deref()
            .filter(|ids| !ids.is_empty())
            .map(|ids| ids.split(',').map(str::to_string).collect())
            .unwrap_or_default()
    }
}

/// The condition every write about a claimed row carries, with the worker bound as parameter
/// `$n`: a worker whose lease ran out (and whose row another worker took over) changes nothing.
fn still_held(n: usize) -> String {
    format!("claimed_by = ${n} AND status = 'claimed'")
}

/// What went out for one delivery.
#[derive(Debug, Clone, Copy)]
pub struct SentRecord<'a> {
    /// `Destination`'s text form, the key of what a destination already has.
    pub destination_key: &'a str,
    pub message_ids: &'a [String],
    pub item_ids: &'a [i64],
    pub story_count: usize,
}

/// A ledger row with its subscription, for `briefbot deliveries`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub destination: String,
    pub topic: String,
    pub scheduled_at: i64,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub message_ids: Option<String>,
    pub story_count: Option<i64>,
    pub reason: Option<String>,
    pub updated_at: i64,
}

#[derive(FromRow)]
struct DeliveryRow {
    id: i64,
    platform: Platform,
    chat_id: String,
    thread_id: String,
    topic: String,
    scheduled_at: i64,
    status: String,
    attempts: i64,
    message_ids: Option<String>,
    story_count: Option<i64>,
    reason: Option<String>,
    updated_at: i64,
}

impl Store {
    /// Writes one tick's ledger rows and advances those subscriptions in a single transaction:
    /// one commit per batch instead of two per subscription. A row that exists already (another
    /// tick, another replica) is left alone, and a subscription is advanced only from the next
    /// run this tick read, so racing tickers stay harmless. Returns, per entry, how many
    /// pending rows it created.
    pub async fn record_due(&self, batch: &[DueRows], now: i64) -> Result<Vec<usize>> {
        let mut transaction = self.pool.begin().await?;
        let mut created = Vec::with_capacity(batch.len());
        for due in batch {
            let mut pending = 0;
            for row in &due.rows {
                let result = sqlx::query(
                    "INSERT INTO deliveries (subscription_id, scheduled_at, status, not_before, reason, updated_at) \
                     VALUES ($1, $2, $3, $2, $4, $5) ON CONFLICT (subscription_id, scheduled_at) DO NOTHING",
                )
                .bind(due.subscription_id)
                .bind(row.scheduled_at)
                .bind(row.status.as_str())
                .bind(row.reason.as_deref())
                .bind(now)
                .execute(&mut *transaction)
                .await?;
                if result.rows_affected() == 1 && row.status == DeliveryStatus::Pending {
                    pending += 1;
                }
            }
            sqlx::query(
                "UPDATE subscriptions SET next_run_at = $1 WHERE id = $2 AND next_run_at = $3",
            )
            .bind(due.advance_to)
            .bind(due.subscription_id)
            .bind(due.advance_from)
            .execute(&mut *transaction)
            .await?;
            created.push(pending);
        }
        transaction.commit().await?;
        Ok(created)
    }

    /// Claims up to `limit` rows that are due, or whose holder's lease ran out. On PostgreSQL
    /// `FOR UPDATE SKIP LOCKED` lets concurrent replicas take disjoint rows; SQLite has one
    /// writer, which makes the same statement atomic.
    pub async fn claim_deliveries(
        &self,
        worker: &str,
        now: i64,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE deliveries SET status = 'claimed', claimed_by = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
             WHERE id IN (SELECT id FROM deliveries WHERE (status = 'pending' AND not_before <= $3) \
             OR (status = 'claimed' AND lease_until < $3) ORDER BY not_before, id LIMIT $4{lock}) \
             RETURNING id, subscription_id, scheduled_at, attempts, rate_limited, claimed_by, message_ids"
        );
        let mut claimed = sqlx::query_as::<_, ClaimedDelivery>(sqlx::AssertSqlSafe(sql))
            .bind(worker)
            .bind(now + lease_secs)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        claimed.sort_by_key(|d| (d.scheduled_at, d.id));
        Ok(claimed)
    }

    /// Extends a lease while a slow send is still going. False when the row is no longer
    /// this worker's.
    pub async fn renew_lease(&self, delivery: &ClaimedDelivery, lease_until: i64) -> Result<bool> {
        let sql = format!(
            "UPDATE deliveries SET lease_until = $1 WHERE id = $2 AND {}",
            still_held(3)
        );
        let result = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(lease_until)
            .bind(delivery.id)
            .bind(&delivery.claimed_by)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Records the message ids of the parts delivered so far, as each goes out: a retry
    /// resumes after them. False when the row is no longer this worker's.
    pub async fn record_parts(
        &self,
        delivery: &ClaimedDelivery,
        message_ids: &[String],
    ) -> Result<bool> {
        let sql = format!(
            "UPDATE deliveries SET message_ids = $1 WHERE id = $2 AND {}",
            still_held(3)
        );
        let result = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(message_ids.join(","))
            .bind(delivery.id)
            .bind(&delivery.claimed_by)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Sent: the platform's message ids and the items delivered are recorded together, so the
    /// next brief to this destination knows what it already has. False (and nothing written)
    /// when the row is no longer this worker's.
    pub async fn mark_sent(
        &self,
        delivery: &ClaimedDelivery,
        sent: &SentRecord<'_>,
        now: i64,
    ) -> Result<bool> {
        let mut transaction = self.pool.begin().await?;
        let sql = format!(
            "UPDATE deliveries SET status = 'sent', message_ids = $1, story_count = $2, reason = NULL, \
             claimed_by = NULL, lease_until = NULL, updated_at = $3 WHERE id = $4 AND {}",
            still_held(5)
        );
        let updated = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(sent.message_ids.join(","))
            .bind(sent.story_count as i64)
            .bind(now)
            .bind(delivery.id)
            .bind(&delivery.claimed_by)
            .execute(&mut *transaction)
            .await?;
        if updated.rows_affected() != 1 {
            transaction.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "UPDATE subscriptions SET last_delivered_at = $1 WHERE id = $2 AND (last_delivered_at IS NULL OR last_delivered_at < $1)",
        )
        .bind(delivery.scheduled_at)
        .bind(delivery.subscription_id)
        .execute(&mut *transaction)
        .await?;
        for item_id in sent.item_ids {
            sqlx::query("INSERT INTO delivered_items (destination, item_id, delivered_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(sent.destination_key)
                .bind(item_id)
                .bind(now)
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        Ok(true)
    }

    /// Back to pending, to be tried at `not_before` (rate limit, transient error, moved chat).
    /// A rate limit is not the delivery's fault: with `rate_limited` the attempt is not
    /// counted, and the row is marked so the grace period never drops it.
    pub(super) async fn retry_delivery(
        &self,
        delivery: &ClaimedDelivery,
        not_before: i64,
        reason: &str,
        rate_limited: bool,
        now: i64,
    ) -> Result<bool> {
        let sql = format!(
            "UPDATE deliveries SET status = 'pending', not_before = $1, reason = $2, claimed_by = NULL, \
             lease_until = NULL, updated_at = $3, attempts = attempts - $5, rate_limited = rate_limited + $6 \
             WHERE id = $4 AND {}",
            still_held(7)
        );
        let uncounted = i64::from(rate_limited && delivery.attempts > 0);
        let result = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(not_before)
            .bind(reason)
            .bind(now)
            .bind(delivery.id)
            .bind(uncounted)
            .bind(i64::from(rate_limited))
            .bind(&delivery.claimed_by)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Skipped or failed for good, with the reason `briefbot deliveries` shows.
    pub(super) async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        status: DeliveryStatus,
        reason: &str,
        now: i64,
    ) -> Result<bool> {
        let sql = format!(
            "UPDATE deliveries SET status = $1, reason = $2, claimed_by = NULL, lease_until = NULL, updated_at = $3 \
             WHERE id = $4 AND {}",
            still_held(5)
        );
        let result = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(status.as_str())
            .bind(reason)
            .bind(now)
            .bind(delivery.id)
            .bind(&delivery.claimed_by)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Hands back rows a worker holds (graceful shutdown, or a SQLite process restarting,
    /// which is the only process that could have held them).
    pub async fn release_claims(&self, worker: Option<&str>, now: i64) -> Result<u64> {
        let result = sqlx::query(
            "UPDATE deliveries SET status = 'pending', claimed_by = NULL, lease_until = NULL, attempts = attempts - 1, updated_at = $1 \
             WHERE status = 'claimed' AND ($2 = '' OR claimed_by = $2)",
        )
        .bind(now)
        .bind(worker.unwrap_or(""))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Which of these items a destination already received.
    pub async fn delivered_item_ids(
        &self,
        destination_key: &str,
        since: i64,
    ) -> Result<HashSet<i64>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT item_id FROM delivered_items WHERE destination = $1 AND delivered_at >= $2",
        )
        .bind(destination_key)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().collect())
    }

    /// Recent ledger rows, newest first; for one destination when given (without a thread, the
    /// whole chat, threads included).
    pub async fn deliveries(
        &self,
        destination: Option<&Destination>,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>> {
        let rows = sqlx::query_as::<_, DeliveryRow>(
            "SELECT d.id, s.platform, s.chat_id, s.thread_id, s.topic, d.scheduled_at, d.status, d.attempts, \
             d.message_ids, d.story_count, d.reason, d.updated_at FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id \
             WHERE ($1 = '' OR (s.platform = $1 AND s.chat_id = $2 AND ($3 = '*' OR s.thread_id = $3))) \
             ORDER BY d.scheduled_at DESC, d.id DESC LIMIT $4",
        )
        .bind(destination.map(|d| d.platform.as_str()).unwrap_or(""))
        .bind(destination.map(|d| d.chat_id.as_str()).unwrap_or(""))
        .bind(destination.and_then(|d| d.thread_id.as_deref()).unwrap_or("*"))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let thread = (!row.thread_id.is_empty()).then_some(row.thread_id.as_str());
                DeliveryRecord {
                    id: row.id,
                    destination: Destination::new(row.platform, &row.chat_id, thread).to_string(),
                    topic: row.topic,
                    scheduled_at: row.scheduled_at,
                    status: DeliveryStatus::parse(&row.status),
                    attempts: row.attempts,
                    message_ids: row.message_ids,
                    story_count: row.story_count,
                    reason: row.reason,
                    updated_at: row.updated_at,
                }
            })
            .collect())
    }

    /// The scheduled time of the oldest brief that is due at `now` and not yet out (waiting,
    /// retrying, rate limited or being sent): how late the latest brief is running.
    pub async fn oldest_due_scheduled_at(&self, now: i64) -> Result<Option<i64>> {
        let oldest: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(scheduled_at) FROM deliveries WHERE status IN ('pending', 'claimed') AND scheduled_at <= $1",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(oldest)
    }
}
