//! Feed sources and their fetch health: validators for conditional GET, the last error, and
//! when a failing source may be tried again.

use sqlx::FromRow;

use super::{Result, Store};

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct SourceRecord {
    pub id: i64,
    pub url: String,
    pub name: String,
    pub weight: f64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_fetch_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub consecutive_failures: i64,
    pub next_attempt_at: i64,
    pub item_count: i64,
}

/// A source's health as the operator's notices tell it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct SourceHealth {
    pub id: i64,
    pub url: String,
    pub name: String,
    pub last_error: Option<String>,
    /// When the current run of failures began; `None` once it works again.
    pub failing_since: Option<i64>,
    pub last_success_at: Option<i64>,
}

const SELECT_SOURCES: &str = "SELECT s.id, s.url, s.name, s.weight, s.etag, s.last_modified, s.last_fetch_at, \
     s.last_success_at, s.last_error, s.consecutive_failures, s.next_attempt_at, \
     (SELECT COUNT(*) FROM items i WHERE i.source_id = s.id) AS item_count FROM sources s";

impl Store {
    /// Registers a source (or refreshes its configured name and weight) and returns it.
    /// `name` None keeps whatever name the source already has (often the feed's own title).
    pub async fn upsert_source(
        &self,
        url: &str,
        name: Option<&str>,
        weight: f64,
    ) -> Result<SourceRecord> {
        sqlx::query(
            "INSERT INTO sources (url, name, weight) VALUES ($1, $2, $3) \
             ON CONFLICT (url) DO UPDATE SET name = CASE WHEN $4 = 1 THEN excluded.name ELSE sources.name END, \
             weight = excluded.weight",
        )
        .bind(url)
        .bind(name.unwrap_or(url))
        .bind(weight)
        .bind(i64::from(name.is_some()))
        .execute(&self.pool)
        .await?;
        let record = sqlx::query_as::<_, SourceRecord>(sqlx::AssertSqlSafe(format!(
            "{SELECT_SOURCES} WHERE s.url = $1"
        )))
        .bind(url)
        .fetch_one(&self.pool)
        .await?;
        Ok(record)
    }

    pub async fn sources(&self) -> Result<Vec<SourceRecord>> {
        let records = sqlx::query_as::<_, SourceRecord>(sqlx::AssertSqlSafe(format!(
            "{SELECT_SOURCES} ORDER BY s.name, s.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(records)
    }

    /// A fetch that returned a feed: new validators, the error and backoff cleared, and the
    /// feed's own title adopted when the operator gave the source no name.
    pub async fn record_fetch_success(
        &self,
        source_id: i64,
        etag: Option<&str>,
        last_modified: Option<&str>,
        feed_title: Option<&str>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE sources SET etag = $1, last_modified = $2, last_fetch_at = $3, last_success_at = $3, \
             last_error = NULL, consecutive_failures = 0, next_attempt_at = 0, failing_since = NULL, \
             name = CASE WHEN name = url AND $4 <> '' THEN $4 ELSE name END WHERE id = $5",
        )
        .bind(etag)
        .bind(last_modified)
        .bind(now)
        .bind(feed_title.unwrap_or(""))
        .bind(source_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// 304 Not Modified: healthy, nothing new.
    pub async fn record_not_modified(&self, source_id: i64, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE sources SET last_fetch_at = $1, last_success_at = $1, last_error = NULL, \
             consecutive_failures = 0, next_attempt_at = 0, failing_since = NULL WHERE id = $2",
        )
        .bind(now)
        .bind(source_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A failed fetch: the error kept for `briefbot sources`, and a time before which the
    /// source is not tried again.
    pub async fn record_fetch_failure(
        &self,
        source_id: i64,
        error: &str,
        now: i64,
        next_attempt_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE sources SET last_fetch_at = $1, last_error = $2, \
             consecutive_failures = consecutive_failures + 1, next_attempt_at = $3, \
             failing_since = COALESCE(failing_since, $1) WHERE id = $4",
        )
        .bind(now)
        .bind(error)
        .bind(next_attempt_at)
        .bind(source_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the right to fetch a source now: only when no other replica holds it and the
    /// source was not fetched within `min_interval_secs`. Returns false when another replica
    /// has it or fetched it recently.
    pub async fn claim_source(
        &self,
        source_id: i64,
        worker: &str,
        now: i64,
        lease_secs: i64,
        min_interval_secs: i64,
    ) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE sources SET leased_by = $1, lease_until = $2 WHERE id = $3 \
             AND (lease_until IS NULL OR lease_until < $4 OR leased_by = $1) \
             AND (last_fetch_at IS NULL OR last_fetch_at <= $5)",
        )
        .bind(worker)
        .bind(now + lease_secs)
        .bind(source_id)
        .bind(now)
        .bind(now - min_interval_secs)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Sources failing since `failing_before` or earlier whose operator has not been told.
    pub async fn unreported_failing_sources(
        &self,
        failing_before: i64,
    ) -> Result<Vec<SourceHealth>> {
        Ok(sqlx::query_as::<_, SourceHealth>(
            "SELECT id, url, name, last_error, failing_since, last_success_at FROM sources \
             WHERE failing_since IS NOT NULL AND failing_since <= $1 AND alerted_at IS NULL ORDER BY id",
        )
        .bind(failing_before)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Sources reported failing that work again.
    pub async fn unreported_recovered_sources(&self) -> Result<Vec<SourceHealth>> {
        Ok(sqlx::query_as::<_, SourceHealth>(
            "SELECT id, url, name, last_error, failing_since, last_success_at FROM sources \
             WHERE failing_since IS NULL AND alerted_at IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Takes the "failing" notice of a source: true for exactly one caller among replicas.
    pub async fn claim_failing_notice(&self, source_id: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE sources SET alerted_at = $1 WHERE id = $2 AND alerted_at IS NULL AND failing_since IS NOT NULL",
        )
        .bind(now)
        .bind(source_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes the "recovered" notice of a source: true for exactly one caller among replicas.
    pub async fn claim_recovered_notice(&self, source_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE sources SET alerted_at = NULL WHERE id = $1 AND alerted_at IS NOT NULL AND failing_since IS NULL",
        )
        .bind(source_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a notice back after it could not be sent, so the next round tries again:
    /// `alerted_at` as it was before the claim (`None` for a failing notice).
    pub async fn release_notice(&self, source_id: i64, alerted_at: Option<i64>) -> Result<()> {
        sqlx::query("UPDATE sources SET alerted_at = $1 WHERE id = $2")
            .bind(alerted_at)
            .bind(source_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
