//! Measurement harness (ignored by default; it measures, it does not judge): `briefbot brief
//! chips` as a whole process over a year of history — 500 feeds × 200 items, 100,000 items, a
//! few hundred of them in the 24-hour window — against the same process over a database of
//! one item, the floor a brief cannot go under (start-up, config, classifier, database open).
//! (An empty database would make `brief` ingest the configured feeds first.)
//!
//! Run: `cargo test --release --test it brief_history -- --ignored --nocapture`
//! (`BRIEF_HISTORY_RUNS` changes the 30 runs; `BRIEF_HISTORY_KEEP=FILE` keeps the year's
//! database for a profiler).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use briefbot::storage::{NewItem, Store};

const FEEDS: usize = 500;
const ITEMS_PER_FEED: usize = 200;
const AS_OF: &str = "2026-03-02T07:00:00Z";

const SUBJECTS: [&str; 12] = [
    "Nvidia ships new AI accelerator for data centers",
    "TSMC expands advanced chip packaging capacity",
    "OpenAI releases a new reasoning model",
    "EU regulators open AI Act consultation",
    "AI start-up raises funding at higher valuation",
    "Samsung starts HBM4 memory production",
    "Anthropic publishes model safety evaluation",
    "US export controls on AI chips tightened",
    "Google DeepMind unveils multimodal model",
    "Microsoft signs data-centre power deal",
    "Local bakery wins regional award",
    "City council approves new bike lanes",
];

fn runs() -> usize {
    std::env::var("BRIEF_HISTORY_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 1)
        .unwrap_or(30)
}

/// `feeds` × `per_feed` items, evenly spread over the year ending at `AS_OF`.
async fn fill(url: &str, as_of: DateTime<Utc>, feeds: usize, per_feed: usize) {
    let store = Store::open(url).await.expect("store");
    let year = 365 * 24 * 3600_i64;
    let step = year / per_feed as i64;
    for feed in 0..feeds {
        let source = store
            .upsert_source(
                &format!("https://outlet{feed}.example/feed"),
                Some(&format!("Outlet {feed}")),
                1.0,
            )
            .await
            .expect("source");
        let items: Vec<NewItem> = (0..per_feed)
            .map(|index| {
                let published = as_of.timestamp() - index as i64 * step - feed as i64 * 37;
                let subject = SUBJECTS[(feed + index) % SUBJECTS.len()];
                NewItem {
                    key: format!("{feed}-{index}"),
                    title: format!("{subject} ({feed}-{index})"),
                    summary: format!("{subject}, the company said. Details {feed} {index}."),
                    link: format!("https://outlet{feed}.example/{index}"),
                    language: None,
                    published_at: published,
                }
            })
            .collect();
        store
            .insert_items(source.id, &items, as_of.timestamp())
            .await
            .expect("items");
    }
    store.close().await;
}

/// Wall times of `runs` whole `briefbot brief chips` processes, sorted.
fn time_briefs(database: &str, runs: usize) -> Vec<Duration> {
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml");
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("briefbot"))
                .env_remove("BRIEFBOT_DATABASE_URL")
                .arg("--config")
                .arg(&config)
                .arg("--database")
                .arg(database)
                .args(["brief", "chips", "--at", AS_OF])
                .output()
                .expect("run briefbot");
            let elapsed = started.elapsed();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            elapsed
        })
        .collect();
    times.sort();
    times
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let index = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement harness; run with --release --ignored --nocapture"]
async fn a_brief_over_a_year_of_history_costs_about_what_one_over_one_item_does() {
    let dir = tempfile::tempdir().expect("dir");
    let full = format!("sqlite://{}", dir.path().join("year.db").display());
    let one = format!("sqlite://{}", dir.path().join("one.db").display());
    let as_of = DateTime::parse_from_rfc3339(AS_OF)
        .expect("time")
        .with_timezone(&Utc);
    let filling = Instant::now();
    fill(&full, as_of, FEEDS, ITEMS_PER_FEED).await;
    let filled_in = filling.elapsed();
    fill(&one, as_of, 1, 1).await;

    // For a profiler: BRIEF_HISTORY_KEEP=FILE keeps a copy of the year's database.
    if let Ok(keep) = std::env::var("BRIEF_HISTORY_KEEP") {
        std::fs::copy(dir.path().join("year.db"), &keep).expect("keep the database");
        println!("kept the year's database at {keep}");
    }
    let runs = runs();
    let (full, one) =
        tokio::task::spawn_blocking(move || (time_briefs(&full, runs), time_briefs(&one, runs)))
            .await
            .expect("timing");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "brief chips as a whole process, {runs} runs; {} items stored in {:.1} s ({:.0} items/s)",
        FEEDS * ITEMS_PER_FEED,
        filled_in.as_secs_f64(),
        (FEEDS * ITEMS_PER_FEED) as f64 / filled_in.as_secs_f64()
    );
    for (name, share) in [("p50", 0.5), ("p99", 0.99)] {
        let (with, without) = (percentile(&full, share), percentile(&one, share));
        println!(
            "  {name}: {:.1} ms over a year, {:.1} ms over one item: ratio {:.2}",
            ms(with),
            ms(without),
            with.as_secs_f64() / without.as_secs_f64()
        );
    }
}
