//! Fan-out throughput against a destination that enforces a rate limit.
//!
//! A local webhook server allows `ALLOWED` requests per second (a token bucket, answering 429
//! with Retry-After beyond it); the real scheduler delivers one brief to `DESTINATIONS`
//! webhook subscriptions through the rate-limited webhook messenger. Reports the achieved rate
//! as a share of the allowed one, and how many 429s the server had to send (the goal is none).
//!
//! Run: `cargo bench --bench fanout` (env FANOUT_DESTINATIONS, FANOUT_ALLOWED to vary).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use chrono::Utc;
use tokio::sync::watch;

use briefbot::app::App;
use briefbot::config::Config;
use briefbot::delivery::Messengers;
use briefbot::delivery::limit::{Limited, Rate};
use briefbot::delivery::webhook::Webhook;
use briefbot::model::{Destination, Platform};
use briefbot::schedule::clock::SystemClock;
use briefbot::schedule::runner::Scheduler;
use briefbot::storage::{NewSubscription, Store};

struct Bucket {
    tokens: f64,
    last: Instant,
    rate: f64,
    accepted: usize,
    rejected: usize,
}

async fn receive(State(bucket): State<Arc<Mutex<Bucket>>>) -> impl IntoResponse {
    let mut bucket = bucket.lock().expect("lock");
    let now = Instant::now();
    let refill = now.duration_since(bucket.last).as_secs_f64() * bucket.rate;
    // One second of burst at most, like most platforms' buckets.
    bucket.tokens = (bucket.tokens + refill).min(bucket.rate);
    bucket.last = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        bucket.accepted += 1;
        (StatusCode::OK, [(header::RETRY_AFTER, "0")]).into_response()
    } else {
        bucket.rejected += 1;
        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]).into_response()
    }
}

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run quickly then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let destinations = env_number("FANOUT_DESTINATIONS", if quick { 50 } else { 2_000 });
    let allowed = env_number("FANOUT_ALLOWED", 200);

    let bucket = Arc::new(Mutex::new(Bucket {
        tokens: 0.0,
        last: Instant::now(),
        rate: f64::from(allowed),
        accepted: 0,
        rejected: 0,
    }));
    let server = Router::new()
        .route("/hook/{n}", post(receive))
        .with_state(bucket.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, server).await.expect("serve") });

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&format!(
        "sqlite://{}",
        dir.path().join("fanout.db").display()
    ))
    .await
    .expect("store");
    let now = Utc::now().timestamp();
    for n in 0..destinations {
        let subscription = NewSubscription {
            destination: Destination::new(Platform::Webhook, &format!("{base}/hook/{n}"), None),
            topic: "all".into(),
            schedule: "08:00".into(),
            timezone: "UTC".into(),
            skip_if_empty: false,
            max_window_secs: 48 * 3600,
            next_run_at: now - 1,
            created_by: None,
        };
        store
            .upsert_subscription(&subscription, now)
            .await
            .expect("subscribe");
    }
    let mut config = Config::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"),
    )
    .expect("config");
    config.schedule.concurrency = 16;
    config.schedule.tick = Duration::from_millis(50);
    let app = Arc::new(App::with_store(config, store));
    let webhook = Limited::new(
        Webhook::new(Duration::from_secs(10)).expect("client"),
        Some(Rate::per_second(allowed)),
        None,
    );
    let scheduler = Scheduler::new(
        app.clone(),
        Messengers::default().with(webhook.shared()),
        Arc::new(SystemClock),
    );

    let (stop, stopped) = watch::channel(false);
    let started = Instant::now();
    let run = tokio::spawn(async move { scheduler.run(stopped).await });
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if bucket.lock().expect("lock").accepted >= destinations as usize {
            break;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    let _ = run.await;
    let bucket = bucket.lock().expect("lock");
    let achieved = bucket.accepted as f64 / elapsed;
    println!(
        "fanout: {destinations} deliveries in {elapsed:.2} s; allowed {allowed}/s, achieved {achieved:.1}/s = {:.2} of allowed; 429s: {}",
        achieved / f64::from(allowed),
        bucket.rejected
    );
}
