//! Ingestion: fetch every source, parse it into normalised items, store what is new.
//!
//! One broken source never stops the others: each source ends in its own `SourceReport`
//! (new items, unchanged, skipped while backing off, or the error), and a failing source is
//! rested with a doubling backoff so a dead server is not hammered every cycle.

pub mod fetch;
pub mod normalise;
pub mod opml;
pub mod parse;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::Semaphore;

use crate::config::IngestConfig;
use crate::storage::{NewItem, SourceRecord, StorageError, Store};
use fetch::{FetchError, FetchOutcome, Fetcher};

/// A feed to ingest, from the config, `--feed` or an OPML file.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    pub url: String,
    pub name: Option<String>,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The feed was read; `new` of its `total` items were not stored before.
    Fetched {
        new: usize,
        total: usize,
    },
    /// The server said 304 Not Modified.
    Unchanged,
    /// Still backing off after earlier failures.
    Skipped {
        until: DateTime<Utc>,
    },
    /// Another replica holds the source's lease or fetched it within the interval.
    FetchedElsewhere,
    Failed {
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceReport {
    pub url: String,
    pub name: String,
    pub outcome: Outcome,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] FetchError),
}

/// Whether sources that failed recently are tried anyway (an operator's explicit `ingest`)
/// or left to rest (the background loop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    Respect,
    Ignore,
}

/// Sharing sources among replicas: a source is fetched only by the replica holding its lease,
/// and not again within `min_interval` of the last fetch (whoever made it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    pub worker: String,
    pub lease: Duration,
    pub min_interval: Duration,
}

pub struct Ingestor<'a> {
    store: &'a Store,
    fetcher: Fetcher,
    settings: IngestConfig,
    shared: Option<Shared>,
    /// One permit per core: parsing is CPU work (a second or more for a large feed) done on
    /// blocking threads, and `concurrency` sources may finish fetching at once.
    parsing: Arc<Semaphore>,
}

impl<'a> Ingestor<'a> {
    pub fn new(store: &'a Store, settings: &IngestConfig) -> Result<Self, IngestError> {
        Ok(Self {
            store,
            fetcher: Fetcher::new(settings)?,
            settings: settings.clone(),
            shared: None,
            parsing: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(1, |cores| cores.get()),
            )),
        })
    }

    /// Coordinates with other replicas through source leases (see `Shared`).
    pub fn shared_with_replicas(mut self, shared: Shared) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Ingests all sources, `concurrency` at a time; reports come back in the order given.
    /// `on_done` is called as each source finishes (for a progress bar).
    pub async fn ingest(
        &self,
        sources: &[SourceSpec],
        now: DateTime<Utc>,
        backoff: Backoff,
        on_done: &(dyn Fn(&SourceReport) + Sync),
    ) -> Result<Vec<SourceReport>, IngestError> {
        let mut records = Vec::with_capacity(sources.len());
        for spec in sources {
            records.push(
                self.store
                    .upsert_source(&spec.url, spec.name.as_deref(), spec.weight)
                    .await?,
            );
        }
        let mut reports: Vec<(usize, SourceReport)> =
            futures::stream::iter(records.into_iter().enumerate())
                .map(|(index, record)| async move {
                    let report = self.ingest_one(record, now, backoff).await;
                    crate::telemetry::ingested(&report.name, &report.outcome);
                    on_done(&report);
                    (index, report)
                })
                .buffer_unordered(self.settings.concurrency.max(1))
                .collect()
                .await;
        reports.sort_by_key(|(index, _)| *index);
        Ok(reports.into_iter().map(|(_, report)| report).collect())
    }

    async fn ingest_one(
        &self,
        source: SourceRecord,
        now: DateTime<Utc>,
        backoff: Backoff,
    ) -> SourceReport {
        let report = |name: &str, outcome| SourceReport {
            url: source.url.clone(),
            name: name.to_string(),
            outcome,
        };
        if backoff == Backoff::Respect && source.next_attempt_at > now.timestamp() {
            let until = DateTime::from_timestamp(source.next_attempt_at, 0).unwrap_or(now);
            return report(&source.name, Outcome::Skipped { until });
        }
        if let Some(shared) = &self.shared {
            let claimed = self
                .store
                .claim_source(
                    source.id,
                    &shared.worker,
                    now.timestamp(),
                    shared.lease.as_secs() as i64,
                    shared.min_interval.as_secs() as i64,
                )
                .await;
            match claimed {
                Ok(true) => {}
                Ok(false) => return report(&source.name, Outcome::FetchedElsewhere),
                Err(error) => {
                    return report(
                        &source.name,
                        Outcome::Failed {
                            error: error.to_string(),
                        },
                    );
                }
            }
        }
        match self.fetch_and_store(&source, now).await {
            Ok((outcome, name)) => report(&name, outcome),
            Err(error) => {
                let wait = self.backoff_after(source.consecutive_failures);
                let next = now.timestamp() + wait.as_secs() as i64;
                let message = error.to_string();
                tracing::warn!(source = %source.url, error = %message, "feed failed; resting {}s", wait.as_secs());
                if let Err(storage) = self
                    .store
                    .record_fetch_failure(source.id, &message, now.timestamp(), next)
                    .await
                {
                    tracing::error!(source = %source.url, error = %storage, "cannot record the failure");
                }
                report(&source.name, Outcome::Failed { error: message })
            }
        }
    }

    async fn fetch_and_store(
        &self,
        source: &SourceRecord,
        now: DateTime<Utc>,
    ) -> Result<(Outcome, String), SourceFailure> {
        let fetched = self
            .fetcher
            .fetch(
                &source.url,
                source.etag.as_deref(),
                source.last_modified.as_deref(),
            )
            .await?;
        let (bytes, etag, last_modified) = match fetched {
            FetchOutcome::NotModified => {
                self.store
                    .record_not_modified(source.id, now.timestamp())
                    .await?;
                return Ok((Outcome::Unchanged, source.name.clone()));
            }
            FetchOutcome::Body {
                bytes,
                etag,
                last_modified,
            } => (bytes, etag, last_modified),
        };
        let feed = self.parse(bytes, &source.url).await?;
        let fallback_link = (source.url.starts_with("http://")
            || source.url.starts_with("https://"))
        .then(|| source.url.clone());
        let items: Vec<NewItem> = feed
            .items
            .iter()
            .map(|item| NewItem {
                key: item.key.clone(),
                title: item.title.clone(),
                summary: item.summary.clone(),
                link: item
                    .link
                    .clone()
                    .or_else(|| fallback_link.clone())
                    .unwrap_or_default(),
                language: item.language.clone(),
                published_at: plausible_time(item.published, now),
            })
            .collect();
        let new = self
            .store
            .insert_items(source.id, &items, now.timestamp())
            .await?;
        let feed_title = feed
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        self.store
            .record_fetch_success(
                source.id,
                etag.as_deref(),
                last_modified.as_deref(),
                feed_title,
                now.timestamp(),
            )
            .await?;
        let name = if source.name == source.url {
            feed_title
                .map(str::to_string)
                .unwrap_or_else(|| source.name.clone())
        } else {
            source.name.clone()
        };
        Ok((
            Outcome::Fetched {
                new,
                total: items.len(),
            },
            name,
        ))
    }

    /// Parses off the async runtime, so that a slow parse holds up no other task (a feed once
    /// took minutes on a runtime thread). The permit goes with the parse: if this future is
    /// dropped, the parse still counts until it ends.
    async fn parse(&self, bytes: Vec<u8>, url: &str) -> Result<parse::ParsedFeed, SourceFailure> {
        let permit = Arc::clone(&self.parsing)
            .acquire_owned()
            .await
            .map_err(|error| SourceFailure::Parser(error.to_string()))?;
        let url = url.to_string();
        let parsed = tokio::task::spawn_blocking(move || {
            let parsed = parse::parse_feed(&bytes, &url);
            drop(permit);
            parsed
        })
        .await
        .map_err(|error| SourceFailure::Parser(error.to_string()))?;
        Ok(parsed?)
    }

    fn backoff_after(&self, previous_failures: i64) -> Duration {
        crate::backoff::doubling(
            self.settings.error_backoff,
            previous_failures.clamp(0, 16) as u32,
            self.settings.max_error_backoff,
        )
    }
}

/// Why one source failed; shown to the operator as is.
#[derive(Debug, thiserror::Error)]
enum SourceFailure {
    #[error("fetch failed: {0}")]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Parse(#[from] parse::ParseError),
    /// The parsing task did not finish (the runtime is shutting down).
    #[error("parser stopped: {0}")]
    Parser(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Publication time as a Unix timestamp: the feed's date, or now when it has none. A date more
/// than a day in the future is a broken clock or a typo; left alone it would pin the item to the
/// top of every brief until that day.
fn plausible_time(published: Option<DateTime<Utc>>, now: DateTime<Utc>) -> i64 {
    match published {
        Some(time) if time <= now + chrono::Duration::days(1) => time.timestamp(),
        _ => now.timestamp(),
    }
}
