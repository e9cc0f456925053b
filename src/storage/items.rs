//! Stored news items. An item is unique per (source, key), so ingesting a feed again adds
//! nothing; the key is the feed's guid, else its link, else a hash of its text.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Result, Store};
use crate::model::Item;

/// An item as ingestion hands it to storage.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub key: String,
    pub title: String,
    pub summary: String,
    pub link: String,
    pub language: Option<String>,
    pub published_at: i64,
}

#[derive(FromRow)]
struct ItemRow {
    id: i64,
    source_name: String,
    source_weight: f64,
    title: String,
    summary: String,
    link: String,
    language: Option<String>,
    published_at: i64,
    first_seen_at: i64,
}

impl Store {
    /// Stores a feed's items in one transaction and returns how many were new.
    pub async fn insert_items(&self, source_id: i64, items: &[NewItem], now: i64) -> Result<usize> {
        let mut transaction = self.pool.begin().await?;
        let mut added = 0;
        for item in items {
            let result = sqlx::query(
                "INSERT INTO items (source_id, item_key, title, summary, link, language, published_at, first_seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source_id, item_key) DO NOTHING",
            )
            .bind(source_id)
            .bind(&item.key)
            .bind(&item.title)
            .bind(&item.summary)
            .bind(&item.link)
            .bind(item.language.as_deref())
            .bind(item.published_at)
            .bind(now)
            .execute(&mut *transaction)
            .await?;
            added += result.rows_affected() as usize;
        }
        transaction.commit().await?;
        Ok(added)
    }

    /// Items published in `(start, end]`, with their outlet's name and weight.
    pub async fn items_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Item>> {
        self.items_for_brief(start, end, None).await
    }

    /// Items published in `(start, end]`, plus, with `late = Some((since, published_after))`,
    /// items first seen in `(since, end]` that were published in `(published_after, end]`.
    pub async fn items_for_brief(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        late: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Vec<Item>> {
        // Without late arrivals the second condition can never hold.
        let (late_since, published_after) = late
            .map(|(since, after)| (since.timestamp(), after.timestamp()))
            .unwrap_or((i64::MAX, i64::MAX));
        let rows = sqlx::query_as::<_, ItemRow>(
            "SELECT i.id, s.name AS source_name, s.weight AS source_weight, i.title, i.summary, i.link, \
             i.language, i.published_at, i.first_seen_at FROM items i JOIN sources s ON s.id = i.source_id \
             WHERE (i.published_at > $1 AND i.published_at <= $2) \
             OR (i.first_seen_at > $3 AND i.first_seen_at <= $2 AND i.published_at > $4 AND i.published_at <= $2) \
             ORDER BY i.published_at, i.id",
        )
        .bind(start.timestamp())
        .bind(end.timestamp())
        .bind(late_since)
        .bind(published_after)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| Item {
                id: row.id,
                source_name: row.source_name,
                source_weight: row.source_weight,
                title: row.title,
                summary: row.summary,
                link: row.link,
                published: DateTime::from_timestamp(row.published_at, 0).unwrap_or_default(),
                first_seen: DateTime::from_timestamp(row.first_seen_at, 0).unwrap_or_default(),
                language: row.language,
            })
            .collect())
    }

    pub async fn item_count(&self) -> Result<i64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }
}
