//! The brief archive behind the web pages and the brief feeds: each brief kept whole, as the
//! model's JSON, under a key that makes archiving it twice (a retry, a second replica) a no-op.
//!
//! Rows are read back newest first by the brief's own time (`as_of`), not by when they were
//! written, so a scheduled brief delivered late still files under its morning.

use chrono::{DateTime, Utc};

use super::{Result, StorageError, Store};
use crate::model::Brief;

/// One archived brief.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchivedBrief {
    /// Stable for the row's lifetime: the permalink `/briefs/<id>`.
    pub id: i64,
    /// When it was archived (the brief's own time is `brief.as_of`).
    pub created_at: DateTime<Utc>,
    pub brief: Brief,
}

const COLUMNS: &str = "SELECT id, created_at, body FROM briefs";

type Row = (i64, i64, String);

impl Store {
    /// Keeps `brief` under `key` and returns its id; a key archived before returns the id it
    /// got then and leaves that brief as it was. An empty brief is not kept (`None`): there is
    /// nothing to read on its page.
    pub async fn archive_brief(&self, key: &str, brief: &Brief, now: i64) -> Result<Option<i64>> {
        if brief.is_empty() {
            return Ok(None);
        }
        let mut kept = brief.clone();
        // The reasons behind each story are for an operator tuning topics, not for readers.
        for story in kept.sections.iter_mut().flat_map(|s| &mut s.stories) {
            story.why = None;
        }
        let body = serde_json::to_string(&kept).map_err(StorageError::BriefJson)?;
        sqlx::query(
            "INSERT INTO briefs (dedupe_key, topic, as_of, created_at, body) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(key)
        .bind(brief.topic.as_deref())
        .bind(brief.as_of.timestamp())
        .bind(now)
        .bind(body)
        .execute(&self.pool)
        .await?;
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM briefs WHERE dedupe_key = $1")
            .bind(key)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(id))
    }

    /// The archived brief with this id.
    pub async fn archived_brief(&self, id: i64) -> Result<Option<ArchivedBrief>> {
        let row: Option<Row> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(decode).transpose()
    }

    /// The newest archived brief of `topic` (`None`: the full brief).
    pub async fn latest_brief(&self, topic: Option<&str>) -> Result<Option<ArchivedBrief>> {
        Ok(self.brief_history(topic, 1, 0).await?.into_iter().next())
    }

    /// Archived briefs of `topic` (`None`: the full brief), newest first: at most `limit`,
    /// after skipping the `offset` newest. A row that no longer reads as a brief is left out
    /// (and logged) rather than hiding every other one.
    pub async fn brief_history(
        &self,
        topic: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ArchivedBrief>> {
        let rows: Vec<Row> =
            match topic {
                Some(topic) => {
                    sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "{COLUMNS} WHERE topic = $1 ORDER BY as_of DESC, id DESC LIMIT $2 OFFSET $3"
                    )))
                    .bind(topic)
                    .bind(i64::from(limit))
                    .bind(i64::from(offset))
                    .fetch_all(&self.pool)
                    .await?
                }
                None => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{COLUMNS} WHERE topic IS NULL ORDER BY as_of DESC, id DESC LIMIT $1 OFFSET $2"
                )))
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .fetch_all(&self.pool)
                .await?,
            };
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let id = row.0;
                decode(row)
                    .inspect_err(
                        |error| tracing::warn!(brief = id, %error, "archived brief skipped"),
                    )
                    .ok()
            })
            .collect())
    }

    /// Number of archived briefs, every topic.
    pub async fn archived_brief_count(&self) -> Result<u64> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM briefs")
            .fetch_one(&self.pool)
            .await?;
        Ok(count.max(0) as u64)
    }
}

fn decode((id, created_at, body): Row) -> Result<ArchivedBrief> {
    let brief: Brief = serde_json::from_str(&body).map_err(StorageError::BriefJson)?;
    Ok(ArchivedBrief {
        id,
        created_at: DateTime::from_timestamp(created_at, 0).unwrap_or(brief.as_of),
        brief,
    })
}
