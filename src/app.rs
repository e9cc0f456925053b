//! The application context handed to every runner: configuration, storage and the engine.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::engine::{BriefRequest, Engine};
use crate::ingest::SourceSpec;
use crate::model::Brief;
use crate::storage::{Result, Store};

pub struct App {
    pub config: Config,
    pub store: Store,
    pub engine: Engine,
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
        let engine = Engine::new(&config);
        Ok(Self {
            config,
            store,
            engine,
        })
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

    /// Builds a brief from the stored items in the request's window.
    pub async fn brief(&self, request: &BriefRequest) -> Result<Brief> {
        let window = chrono::Duration::from_std(request.window).unwrap_or(chrono::Duration::MAX);
        let start = request
            .as_of
            .checked_sub_signed(window)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let items = self.store.items_between(start, request.as_of).await?;
        Ok(self.engine.build_brief(&items, request))
    }
}
