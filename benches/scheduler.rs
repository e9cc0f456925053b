//! One scheduler tick when 10,000 subscriptions fall due at once (SQLite file in a temp dir):
//! every subscription read, its next occurrence computed in its time zone, one ledger row
//! written and the subscription advanced. Between samples the rows are reset outside the timing.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use sqlx::Connection;

use briefbot::app::App;
use briefbot::config::Config;
use briefbot::delivery::Messengers;
use briefbot::model::{Destination, Platform};
use briefbot::schedule::clock::SystemClock;
use briefbot::schedule::runner::Scheduler;
use briefbot::storage::{NewSubscription, Store};

const SUBSCRIPTIONS: usize = 10_000;
const ZONES: &[&str] = &[
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
];
const SCHEDULES: &[&str] = &[
    "08:00",
    "weekdays 07:30",
    "mon,wed,fri 09:00",
    "cron 0 0 */6 * * *",
];

fn bench_tick(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("tick.db");
    let url = format!("sqlite://{}", path.display());
    let due = Utc::now().timestamp() - 10;
    let scheduler = runtime.block_on(async {
        let store = Store::open(&url).await.expect("store");
        for n in 0..SUBSCRIPTIONS {
            let subscription = NewSubscription {
                destination: Destination::new(
                    Platform::Telegram,
                    &(1_000_000 + n).to_string(),
                    None,
                ),
                topic: "all".into(),
                schedule: SCHEDULES[n % SCHEDULES.len()].into(),
                timezone: ZONES[n % ZONES.len()].into(),
                skip_if_empty: true,
                max_window_secs: 48 * 3600,
                next_run_at: due,
                created_by: None,
            };
            store
                .upsert_subscription(&subscription, due)
                .await
                .expect("subscribe");
        }
        let config =
            Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"))
                .expect("config");
        Scheduler::new(
            Arc::new(App::with_store(config, store)),
            Messengers::default(),
            Arc::new(SystemClock),
        )
    });
    let reset_url = format!("sqlite://{}", path.display());

    let mut group = c.benchmark_group("scheduler");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("tick_10k_due_subscriptions", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let mut connection = sqlx::SqliteConnection::connect(&reset_url)
                        .await
                        .expect("connect");
                    sqlx::query("DELETE FROM deliveries")
                        .execute(&mut connection)
                        .await
                        .expect("reset");
                    sqlx::query("UPDATE subscriptions SET next_run_at = $1")
                        .bind(due)
                        .execute(&mut connection)
                        .await
                        .expect("reset");
                    connection.close().await.expect("close");
                    let started = Instant::now();
                    let report = scheduler.tick().await.expect("tick");
                    total += started.elapsed();
                    assert_eq!(report.scheduled, SUBSCRIPTIONS);
                }
                total
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench_tick);
criterion_main!(benches);
