//! Storage: one `Store` over SQLite (embedded, the default) or PostgreSQL (several replicas),
//! chosen by the URL's scheme.
//!
//! Both backends run the same SQL through sqlx's `Any` driver. That driver has no date or
//! boolean types, so times are Unix epoch seconds and flags are integers; in exchange every
//! query exists once and the two backends cannot drift apart. Each backend keeps its own
//! migrations folder for the few DDL differences (AUTOINCREMENT vs BIGSERIAL).

pub mod briefs;
mod deliveries;
mod items;
mod ledger_action;
mod platform_column;
mod replicas;
pub mod retention;
pub mod run_lock;
mod sources;
mod subscriptions;
mod summaries;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::redact::database_url;

pub use briefs::ArchivedBrief;
pub use deliveries::{
    ClaimedDelivery, DeliveryRecord, DeliveryStatus, DueRow, DueRows, SentRecord,
};
pub use items::NewItem;
pub use ledger_action::LedgerAction;
pub use sources::{SourceHealth, SourceRecord};
pub use subscriptions::{NEVER, NewSubscription, Subscription, SubscriptionCounts};
pub use summaries::Usage;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL is neither sqlite:// nor postgres(ql)://.
    #[error("unsupported database URL {url:?}: use sqlite://FILE or postgres://USER@HOST/DB")]
    UnsupportedUrl { url: String },
    /// Could not open or create the database.
    #[error("cannot open database {url}: {cause}")]
    Connect { url: String, cause: sqlx::Error },
    /// A migration failed; the database is left at the last good version.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    /// An archived brief could not be written as JSON, or its row no longer reads as one.
    #[error("archived brief is not valid JSON: {0}")]
    BriefJson(serde_json::Error),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database.
    pub async fn open(url: &str) -> Result<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens without migrating (for `briefbot migrate` and callers that migrate explicitly).
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url_to_open) = backend_of(url)?;
        let connect_error = |source| StorageError::Connect {
            url: database_url(url),
            cause: source,
        };
        let options = AnyConnectOptions::from_str(&url_to_open).map_err(connect_error)?;
        let pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let pool = match backend {
            // One writer at a time is SQLite's nature; WAL lets readers proceed meanwhile and
            // busy_timeout turns a momentary lock into a short wait instead of an error.
            Backend::Sqlite => pool_options
                .max_connections(4)
                .after_connect(|connection, _| {
                    Box::pin(async move {
                        connection.execute("PRAGMA journal_mode = WAL").await?;
                        connection.execute("PRAGMA busy_timeout = 10000").await?;
                        // In WAL mode NORMAL survives any process crash (kill -9 included) and
                        // only risks the last commits on power loss, at a fraction of FULL's
                        // fsyncs per write.
                        connection.execute("PRAGMA synchronous = NORMAL").await?;
                        connection.execute("PRAGMA foreign_keys = ON").await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .map_err(connect_error)?,
            Backend::Postgres => pool_options
                .max_connections(8)
                .connect_with(options)
                .await
                .map_err(connect_error)?,
        };
        Ok(Self { pool, backend })
    }

    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Answers when the database does: the readiness check.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Which backend a URL names, and the URL sqlx should open (SQLite files are created on first
/// use, which sqlx only does when asked with `mode=rwc`).
fn backend_of(url: &str) -> Result<(Backend, String)> {
    let trimmed = url.trim();
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        return Ok((Backend::Postgres, trimmed.to_string()));
    }
    if let Some(rest) = trimmed.strip_prefix("sqlite:") {
        if rest.contains(":memory:") || rest.contains("mode=") {
            return Ok((Backend::Sqlite, trimmed.to_string()));
        }
        let separator = if rest.contains('?') { '&' } else { '?' };
        return Ok((Backend::Sqlite, format!("{trimmed}{separator}mode=rwc")));
    }
    Err(StorageError::UnsupportedUrl {
        url: database_url(url),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(
            backend_of("sqlite://briefbot.db").ok(),
            Some((Backend::Sqlite, "sqlite://briefbot.db?mode=rwc".into()))
        );
        assert_eq!(
            backend_of("sqlite::memory:").ok().map(|b| b.0),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            backend_of("postgres://u@h/db").ok().map(|b| b.0),
            Some(Backend::Postgres)
        );
        assert!(matches!(
            backend_of("mysql://x"),
            Err(StorageError::UnsupportedUrl { .. })
        ));
        assert_eq!(
            database_url("postgres://user:secret@host/db"),
            "postgres://host/db"
        );
    }
}
