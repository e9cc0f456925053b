//! What the Discord tests share: an app on a throwaway SQLite file, client settings pointing at
//! the fake Discord, and news to brief.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use briefbot::app::App;
use briefbot::config::Config;
use briefbot::platforms::discord::Settings;
use briefbot::storage::{NewItem, Store};

use super::fake_discord::FakeDiscord;

pub const APP_ID: u64 = 4242;

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

pub fn settings(fake: &FakeDiscord) -> Settings {
    Settings {
        token: "test-token".to_string().into(),
        application_id: APP_ID,
        api_url: Some(fake.url.clone()),
        public_key: None,
        interactions_listen: Some("127.0.0.1:0".into()),
    }
}

pub async fn app() -> (Arc<App>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("store");
    let mut config =
        Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"))
            .expect("config");
    config.schedule.retry_backoff = Duration::from_secs(60);
    (Arc::new(App::with_store(config, store)), dir)
}

/// Chip news and model news, published shortly before `published`.
pub async fn add_news(store: &Store, published: DateTime<Utc>, chips: &[&str], extra_title: &str) {
    let source = store
        .upsert_source("https://wire.example/feed", Some("Chip Wire"), 1.0)
        .await
        .expect("source");
    let mut items: Vec<NewItem> = chips
        .iter()
        .enumerate()
        .map(|(index, key)| NewItem {
            key: format!("chip-{key}"),
            title: format!("Nvidia ships new {key} GPU for AI data centers {extra_title}"),
            summary: format!("The {key} accelerator doubles memory bandwidth. {extra_title}"),
            link: format!("https://wire.example/chips/{key}"),
            language: None,
            published_at: published.timestamp() - 60 * (index as i64 + 1),
        })
        .collect();
    items.push(NewItem {
        key: "model-1".into(),
        title: "OpenAI releases a new large language model with longer context".into(),
        summary: "The LLM is available in the API today.".into(),
        link: "https://wire.example/models/1".into(),
        language: None,
        published_at: published.timestamp() - 30,
    });
    store
        .insert_items(source.id, &items, published.timestamp())
        .await
        .expect("items");
}
