//! Deliveries claimed and completed per second by 1, 2 and 3 replicas sharing PostgreSQL,
//! against one process on SQLite. Each "replica" is a scheduler with its own connection pool,
//! as separate processes would have; the destination answers instantly, so the figure is the
//! ledger's (claim, build the brief, record) throughput.
//!
//! Run: `cargo bench --bench claims` (PostgreSQL at BRIEFBOT_TEST_POSTGRES or
//! postgres://postgres@127.0.0.1:5432/postgres; skipped, saying so, when unreachable).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use futures::future::BoxFuture;
use sqlx::Connection;

use briefbot::app::App;
use briefbot::config::Config;
use briefbot::delivery::{MessageIds, Messenger, Messengers, Outgoing, SendError};
use briefbot::model::{Destination, Platform};
use briefbot::schedule::clock::SystemClock;
use briefbot::schedule::runner::Scheduler;
use briefbot::storage::{NewSubscription, Store};

struct Instant200;

impl Messenger for Instant200 {
    fn platform(&self) -> Platform {
        Platform::Webhook
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move { Ok(vec![outgoing.delivery_id.to_string()]) })
    }
}

fn config() -> Config {
    Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"))
        .expect("config")
}

async fn replica(url: &str) -> Scheduler {
    let config = config();
    let store = Store::open(url).await.expect("store");
    Scheduler::new(
        Arc::new(App::with_store(config, store)),
        Messengers::default().with(Arc::new(Instant200)),
        Arc::new(SystemClock),
    )
}

async fn measure(url: &str, replicas: usize, deliveries: usize) -> f64 {
    let store = Store::open(url).await.expect("store");
    let now = Utc::now().timestamp();
    for n in 0..deliveries {
        let subscription = NewSubscription {
            destination: Destination::new(
                Platform::Webhook,
                &format!("https://sink.example/{n}"),
                None,
            ),
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
    let mut schedulers = Vec::new();
    for _ in 0..replicas {
        schedulers.push(replica(url).await);
    }
    schedulers[0].tick().await.expect("tick");
    let started = Instant::now();
    let sent: usize = futures::future::join_all(schedulers.iter().map(|scheduler| async move {
        let mut sent = 0;
        loop {
            let report = scheduler.work().await.expect("work");
            if report.total() == 0 {
                return sent;
            }
            sent += report.sent;
        }
    }))
    .await
    .into_iter()
    .sum();
    assert_eq!(sent, deliveries, "every delivery sent exactly once");
    deliveries as f64 / started.elapsed().as_secs_f64()
}

async fn fresh_postgres(admin: &str, name: &str) -> Option<String> {
    let mut connection = sqlx::PgConnection::connect(admin).await.ok()?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut connection)
    .await
    .ok()?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut connection)
        .await
        .ok()?;
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string())?;
    Some(format!("{base}/{name}"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let deliveries = if quick { 100 } else { 2_000 };
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("claims.db").display());
    let rate = measure(&sqlite, 1, deliveries).await;
    println!("claims: sqlite, 1 process: {rate:.0} deliveries/s ({deliveries} deliveries)");
    let admin = std::env::var("BRIEFBOT_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    for replicas in 1..=3 {
        let Some(url) = fresh_postgres(&admin, &format!("briefbot_bench_claims_{replicas}")).await
        else {
            println!("claims: postgres skipped: no server reachable at {admin}");
            return;
        };
        let rate = measure(&url, replicas, deliveries).await;
        println!(
            "claims: postgres, {replicas} replica(s): {rate:.0} deliveries/s ({deliveries} deliveries)"
        );
    }
}
