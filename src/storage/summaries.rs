//! The summary cache and the summarizer's daily usage. Both are shared by every replica: a
//! story summarised by one is never paid for again by another, and the budget is one budget.

use super::{Result, Store};

/// Model calls and tokens spent on one UTC day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub calls: u64,
    pub tokens: u64,
}

impl Store {
    /// The cached bodies among `keys`, as (key, body) pairs in no particular order.
    pub async fn cached_summaries(&self, keys: &[String]) -> Result<Vec<(String, String)>> {
        let mut found = Vec::new();
        // Bounded IN lists: SQLite allows 32,766 parameters, but one brief never needs many.
        for chunk in keys.chunks(200) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT cache_key, body FROM summaries WHERE cache_key IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
            for key in chunk {
                query = query.bind(key);
            }
            found.extend(query.fetch_all(&self.pool).await?);
        }
        Ok(found)
    }

    /// Stores a summary; a key written twice (two replicas racing) keeps the first body.
    pub async fn cache_summary(
        &self,
        key: &str,
        kind: &str,
        model: &str,
        body: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO summaries (cache_key, kind, model, body, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (cache_key) DO NOTHING",
        )
        .bind(key)
        .bind(kind)
        .bind(model)
        .bind(body)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Number of cached summaries, rejected ones included.
    pub async fn summary_count(&self) -> Result<u64> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM summaries")
            .fetch_one(&self.pool)
            .await?;
        Ok(count.max(0) as u64)
    }

    /// What the summarizer spent on `day` (YYYY-MM-DD, UTC).
    pub async fn summarizer_usage(&self, day: &str) -> Result<Usage> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT calls, tokens FROM summarizer_usage WHERE day = $1")
                .bind(day)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row
            .map(|(calls, tokens)| Usage {
                calls: calls.max(0) as u64,
                tokens: tokens.max(0) as u64,
            })
            .unwrap_or_default())
    }

    /// Adds one call's spending to `day`.
    pub async fn add_summarizer_usage(&self, day: &str, calls: u64, tokens: u64) -> Result<()> {
        sqlx::query(
            "INSERT INTO summarizer_usage (day, calls, tokens) VALUES ($1, $2, $3) \
             ON CONFLICT (day) DO UPDATE SET calls = summarizer_usage.calls + excluded.calls, \
             tokens = summarizer_usage.tokens + excluded.tokens",
        )
        .bind(day)
        .bind(calls as i64)
        .bind(tokens as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
