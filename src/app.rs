//! The application context handed to every runner: configuration, storage, the engine and
//! the summarizer.

use crate::config::Config;
use crate::delivery::share::ReplicaShare;
use crate::engine::{BriefRequest, Engine};
use crate::ingest::SourceSpec;
use crate::model::Brief;
use crate::schedule::heartbeat::Heartbeat;
use crate::storage::{Result, Store};
use crate::summarizer::{Summarizer, Wait, Written};

pub struct App {
    pub config: Config,
    pub store: Store,
    pub engine: Engine,
    pub summarizer: Summarizer,
    /// Beaten by the scheduler after each round; read by `/readyz`.
    pub heartbeat: Heartbeat,
    /// Live replicas sharing the platforms' rate limits, counted by the scheduler.
    pub replicas: ReplicaShare,
}

impl App {
    /// Opens (and migrates) the configured database.
    pub async fn open(config: Config) -> Result<Self> {
        Self::open_with(config, true).await
    }

    /// Opens the configured database, migrating it only when asked (replicas of a fleet whose
    /// operator runs `briefbot migrate` once leave it to that).
    pub async fn open_with(config: Config, migrate: bool) -> Result<Self> {
        let store = Store::connect(&config.database.url).await?;
        if migrate {
            store.migrate().await?;
        }
        Ok(Self::with_store(config, store))
    }

    /// An app over an already open (and migrated) store.
    pub fn with_store(config: Config, store: Store) -> Self {
        let engine = Engine::new(&config);
        let summarizer = Summarizer::new(&config.summarizer);
        Self {
            config,
            store,
            engine,
            summarizer,
            heartbeat: Heartbeat::default(),
            replicas: ReplicaShare::default(),
        }
    }

    /// The configured sources as ingestion wants them.
    pub fn configured_sources(&self) -> Vec<SourceSpec> {
        self.config
            .sources
            .iter()
            .map(|source| SourceSpec {
                url: source.url.clone(),
                name: source.name.clone(),
                weight: source.weight,
            })
            .collect()
    }

    /// Builds a brief from the stored items in the request's window, with model-written
    /// summaries as far as `wait` allows (none with the extractive summarizer).
    pub async fn brief(&self, request: &BriefRequest, wait: Wait) -> Result<Brief> {
        Ok(self.brief_and_report(request, wait).await?.0)
    }

    /// `brief`, and how many of its summaries the model wrote.
    pub async fn brief_and_report(
        &self,
        request: &BriefRequest,
        wait: Wait,
    ) -> Result<(Brief, Written)> {
        let start = request.window_start();
        let late = request
            .late_since
            .map(|since| (since, start - crate::engine::LATE_ITEM_LIMIT));
        let items = self
            .store
            .items_for_brief(start, request.as_of, late)
            .await?;
        let mut brief = self.engine.build_brief(&items, request);
        let written = self
            .summarizer
            .write(&self.store, &mut brief, &items, wait)
            .await?;
        tracing::debug!(?written, topic = ?request.topic, "brief built");
        Ok((brief, written))
    }
}
