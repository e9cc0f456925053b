//! Stored news items. An item is unique per (source, key), so ingesting a feed again adds
//! nothing; the key is the feed's guid, else its link, else a hash of its text.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, Row};

use super::{Backend, Result, Store};
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

/// The statement `items_for_brief` runs: parameters `$1` start, `$2` end, and with late
/// arrivals `$3` first seen after, `$4` published after.
fn items_for_brief_sql(late: bool) -> String {
    const COLUMNS: &str = "SELECT i.id AS id, s.name AS source_name, s.weight AS source_weight, i.title, i.summary, \
         i.link, i.language, i.published_at AS published_at, i.first_seen_at FROM items i JOIN sources s ON s.id = i.source_id";
    let published = format!("{COLUMNS} WHERE i.published_at > $1 AND i.published_at <= $2");
    if late {
        format!(
            "{published} UNION {COLUMNS} WHERE i.first_seen_at > $3 AND i.first_seen_at <= $2 \
             AND i.published_at > $4 AND i.published_at <= $2 ORDER BY published_at, id"
        )
    } else {
        format!("{published} ORDER BY i.published_at, i.id")
    }
}

/// Items per INSERT: 8 parameters each stay far below SQLite's 32,766 and PostgreSQL's 65,535
/// parameters per statement.
const INSERT_BATCH: usize = 200;

/// The VALUES rows of a multi-row item INSERT, eight parameters a row bound in order.
/// PostgreSQL needs them numbered; SQLite gets anonymous `?`s because sqlx looks up every
/// numbered parameter's name, which SQLite finds by scanning the statement's list: 1,600
/// `$N`s cost about a million steps a statement and a fifth of an ingest's time.
fn insert_rows(backend: Backend, count: usize) -> String {
    let placeholder = |n: usize| match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    };
    let rows: Vec<String> = (0..count)
        .map(|row| {
            let columns: Vec<String> = (row * 8 + 1..=row * 8 + 8).map(placeholder).collect();
            format!("({})", columns.join(", "))
        })
        .collect();
    rows.join(", ")
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
    /// Stores a feed's items in one transaction and returns how many were new. Rows go in
    /// batches of [`INSERT_BATCH`] per statement: one round trip through sqlx's SQLite worker
    /// per batch instead of per item.
    pub async fn insert_items(&self, source_id: i64, items: &[NewItem], now: i64) -> Result<usize> {
        let mut transaction = self.pool.begin().await?;
        let mut added = 0;
        for batch in items.chunks(INSERT_BATCH) {
            let sql = format!(
                "INSERT INTO items (source_id, item_key, title, summary, link, language, published_at, first_seen_at) \
                 VALUES {} ON CONFLICT (source_id, item_key) DO NOTHING",
                insert_rows(self.backend, batch.len())
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for item in batch {
                query = query
                    .bind(source_id)
                    .bind(&item.key)
                    .bind(&item.title)
                    .bind(&item.summary)
                    .bind(&item.link)
                    .bind(item.language.as_deref())
                    .bind(item.published_at)
                    .bind(now);
            }
            added += query.execute(&mut *transaction).await?.rows_affected() as usize;
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
    ///
    /// Each condition is its own index range (`items_published_at`, `items_first_seen_at`),
    /// joined by `UNION`: with an `OR` SQLite can use only one bound of one index and reads
    /// every item older than `end`, which over a year of history is every item there is.
    pub async fn items_for_brief(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        late: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Vec<Item>> {
        let sql = items_for_brief_sql(late.is_some());
        let mut query = sqlx::query_as::<_, ItemRow>(sqlx::AssertSqlSafe(sql))
            .bind(start.timestamp())
            .bind(end.timestamp());
        if let Some((since, published_after)) = late {
            query = query
                .bind(since.timestamp())
                .bind(published_after.timestamp());
        }
        let rows = query.fetch_all(&self.pool).await?;
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

    /// How the database runs `items_for_brief` (its `EXPLAIN`), so a test can check that it
    /// reads index ranges and never the whole table. On PostgreSQL sequential scans are
    /// discouraged for the statement: on a small test table the planner would rightly prefer
    /// one, which says nothing about a year of history.
    pub async fn explain_items_for_brief(&self, late: bool) -> Result<String> {
        let sql = items_for_brief_sql(late);
        let parameters = if late { 4 } else { 2 };
        let mut transaction = self.pool.begin().await?;
        // SQLite's plan text is the fourth column of `EXPLAIN QUERY PLAN`; PostgreSQL's
        // `EXPLAIN` has only one.
        let (explain, plan_column) = match self.backend {
            Backend::Sqlite => ("EXPLAIN QUERY PLAN", 3),
            Backend::Postgres => {
                sqlx::query("SET LOCAL enable_seqscan = off")
                    .execute(&mut *transaction)
                    .await?;
                ("EXPLAIN", 0)
            }
        };
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!("{explain} {sql}")));
        for _ in 0..parameters {
            query = query.bind(0_i64);
        }
        let lines: Vec<String> = query
            .fetch_all(&mut *transaction)
            .await?
            .iter()
            .map(|row| row.try_get::<String, _>(plan_column))
            .collect::<std::result::Result<_, _>>()?;
        transaction.rollback().await?;
        Ok(lines.join("\n"))
    }

    pub async fn item_count(&self) -> Result<i64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }
}
