//! Shared test support: databases on both backends.
#![allow(dead_code)]

use briefbot::model::{Destination, Platform};
use briefbot::storage::{NewSubscription, Store};

/// Where the local PostgreSQL server is (trust auth); override with BRIEFBOT_TEST_POSTGRES.
fn postgres_admin_url() -> String {
    std::env::var("BRIEFBOT_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database on each reachable backend: a SQLite file in a fresh temp dir, and a fresh
/// PostgreSQL database when a server answers. A missing server is said out loud, not hidden.
pub async fn stores(test: &str) -> Vec<(String, Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_url = format!("sqlite://{}", dir.path().join("test.db").display());
    let sqlite = Store::open(&sqlite_url).await.expect("open sqlite");
    let mut stores = vec![("sqlite".to_string(), sqlite, Some(dir))];
    match fresh_postgres(test).await {
        Some(url) => stores.push((
            "postgres".to_string(),
            Store::open(&url).await.expect("open postgres"),
            None,
        )),
        None => eprintln!(
            "skipped PostgreSQL for {test}: no server reachable at {}",
            postgres_admin_url()
        ),
    }
    stores
}

/// Creates an empty database for one test and returns its URL, or None when no server answers.
pub async fn fresh_postgres(test: &str) -> Option<String> {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let mut connection = sqlx::PgConnection::connect(&admin).await.ok()?;
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // Databases left by earlier test processes (each test binary is its own process) are
    // dropped here, so a developer's server does not fill up with them.
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'briefbot\\_%' AND datname NOT LIKE $1",
    )
    .bind(format!("%\\_{}\\_%", std::process::id()))
    .fetch_all(&mut connection)
    .await
    .unwrap_or_default();
    for old in stale {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {old} WITH (FORCE)"
        )))
        .execute(&mut connection)
        .await;
    }
    let name = format!(
        "briefbot_{}_{}_{}",
        test.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        std::process::id(),
        unique % 1_000_000_000
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut connection)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin);
    Some(format!("{base}/{name}"))
}
/// Drops a database `fresh_postgres` made, cutting off whoever is connected to it.
pub async fn drop_postgres(name: &str) {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(&postgres_admin_url())
        .await
        .expect("connect as admin");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut connection)
    .await
    .expect("drop database");
}

pub mod discord_fixtures;
pub mod fake_discord;
pub mod fake_mattermost;
pub mod fake_openai;
pub mod fake_slack;
pub mod fake_telegram;

/// `count` webhook subscriptions (`{base}/hook/{n}`) whose daily brief fell due a few seconds
/// ago, posting even when there is no news: the load for the process-level delivery tests.
pub async fn due_webhook_subscriptions(store: &Store, base: &str, count: usize) {
    let destinations: Vec<Destination> = (0..count)
        .map(|number| Destination::new(Platform::Webhook, &format!("{base}/hook/{number}"), None))
        .collect();
    due_subscriptions(store, &destinations).await;
}

/// A subscription per destination whose daily brief fell due a few seconds ago, posting even
/// when there is no news.
pub async fn due_subscriptions(store: &Store, destinations: &[Destination]) {
    let now = chrono::Utc::now().timestamp();
    for destination in destinations {
        let subscription = NewSubscription {
            destination: destination.clone(),
            topic: "all".into(),
            schedule: "08:00".into(),
            timezone: "UTC".into(),
            skip_if_empty: false,
            max_window_secs: 48 * 3600,
            next_run_at: now - 5,
            created_by: None,
        };
        store
            .upsert_subscription(&subscription, now)
            .await
            .expect("subscribe");
    }
}
