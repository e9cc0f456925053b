//! What written briefs cost: model calls and tokens for a day of the bundled demo with the
//! summary cache, against a naive one-call-per-item summarizer, and the time to build a
//! scheduled brief once its summaries are cached, against an extractive build.
//!
//! The model is the tests' fake OpenAI-compatible server on 127.0.0.1 (tokens counted as it
//! reports them: prompt and answer characters ÷ 4, the usual estimate), so the figures are
//! about briefbot's requests, not a provider's speed.
//!
//! Run: `cargo bench --bench summarizer`.

#[path = "../tests/it/support/fake_openai.rs"]
#[allow(dead_code)]
mod fake_openai;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use briefbot::app::App;
use briefbot::config::{Config, SummarizerKind};
use briefbot::engine::BriefRequest;
use briefbot::ingest::{Backoff, Ingestor};
use briefbot::storage::Store;
use briefbot::summarizer::prompt::{Report, StoryData};
use briefbot::summarizer::{ChatClient, Wait};

/// Channels each brief goes to in the simulated day.
const CHANNELS: usize = 10;
const TIMING_RUNS: usize = 40;

fn as_of() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T07:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

/// The day's scheduled briefs: the full brief and one per topic.
fn requests(config: &Config) -> Vec<BriefRequest> {
    std::iter::once(None)
        .chain(config.topics.iter().map(|t| Some(t.id.clone())))
        .map(|topic| BriefRequest {
            topic,
            as_of: as_of(),
            window: Duration::from_secs(24 * 3600),
            max_stories: config.brief.stories_per_section,
            late_since: None,
            explain: false,
        })
        .collect()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() {
    let fake = fake_openai::FakeOpenAi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ))
    .await
    .expect("store");
    let mut config = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo.toml"))
        .expect("demo config");
    config.summarizer.kind = SummarizerKind::Openai;
    config.summarizer.base_url = fake.base_url.clone();
    config.summarizer.model = "bench-model".into();
    config.summarizer.daily_calls = 0;
    config.summarizer.daily_tokens = 0;
    let app = App::with_store(config.clone(), store.clone());
    Ingestor::new(&app.store, &app.config.ingest)
        .expect("ingestor")
        .ingest(&app.configured_sources(), as_of(), Backoff::Ignore, &|_| {})
        .await
        .expect("ingest");
    let requests = requests(&config);

    // With the cache: every brief to every channel.
    let mut briefs = Vec::new();
    for _channel in 0..CHANNELS {
        for request in &requests {
            briefs.push(app.brief(request, Wait::Finish).await.expect("brief"));
        }
    }
    let cached = app.summarizer.stats();
    let brief_count = briefs.len();
    let first_round = &briefs[..requests.len()];
    let stories: usize = first_round.iter().map(|b| b.story_count()).sum();
    let items: usize = first_round
        .iter()
        .flat_map(|b| &b.sections)
        .flat_map(|s| &s.stories)
        .map(|s| s.item_ids.len())
        .sum();

    // Naive: one call per item of every brief sent, no cache, same prompt shape.
    let client = ChatClient::new(&config.summarizer, None);
    let all_items = store
        .items_between(as_of() - chrono::Duration::hours(24), as_of())
        .await
        .expect("items");
    let (mut naive_calls, mut naive_tokens) = (0u64, 0u64);
    for brief in &briefs {
        for story in brief.sections.iter().flat_map(|s| &s.stories) {
            for id in &story.item_ids {
                let Some(item) = all_items.iter().find(|i| i.id == *id) else {
                    continue;
                };
                let data = [StoryData {
                    reports: vec![Report {
                        source: item.source_name.clone(),
                        title: item.title.clone(),
                        summary: item.summary.clone(),
                    }],
                }];
                let (system, user) = briefbot::summarizer::prompt::stories(&data, 320);
                let completion = client
                    .complete(&system, &user, None)
                    .await
                    .expect("naive call");
                naive_calls += 1;
                naive_tokens += completion.tokens;
            }
        }
    }

    println!(
        "A day of the demo: {} scheduled briefs ({} kinds × {CHANNELS} channels); the first round holds {stories} stories from {items} items.",
        brief_count,
        requests.len()
    );
    println!("| summarizer | model calls | tokens | calls per brief | tokens per brief |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, calls, tokens) in [
        ("cached, batched (briefbot)", cached.calls, cached.tokens),
        ("naive, one call per item", naive_calls, naive_tokens),
    ] {
        println!(
            "| {name} | {calls} | {tokens} | {:.2} | {:.0} |",
            calls as f64 / brief_count as f64,
            tokens as f64 / brief_count as f64
        );
    }
    println!(
        "naive ÷ cached over the day: {:.1}× the calls, {:.1}× the tokens",
        naive_calls as f64 / cached.calls.max(1) as f64,
        naive_tokens as f64 / cached.tokens.max(1) as f64
    );
    // Without the fan-out (one channel per brief), the cache only shares stories between the
    // full brief and the topic briefs; batching does the rest.
    println!(
        "one channel per brief: naive {} calls, {} tokens; cached, batched {} calls, {} tokens",
        naive_calls / CHANNELS as u64,
        naive_tokens / CHANNELS as u64,
        cached.calls,
        cached.tokens
    );

    // Building a scheduled brief at delivery: cache reads vs extractive only.
    let full = &requests[0];
    let mut extractive_config = config.clone();
    extractive_config.summarizer.kind = SummarizerKind::Extractive;
    let extractive = App::with_store(extractive_config, store.clone());
    let timings = |label: &str, samples: Vec<Duration>| {
        let median = median(samples);
        println!(
            "{label}: median {:.2} ms over {TIMING_RUNS} runs",
            median.as_secs_f64() * 1e3
        );
        median
    };
    let mut samples = Vec::new();
    for _ in 0..TIMING_RUNS {
        let started = Instant::now();
        extractive
            .brief(full, Wait::CacheOnly)
            .await
            .expect("brief");
        samples.push(started.elapsed());
    }
    let plain = timings("extractive build", samples);
    let mut samples = Vec::new();
    for _ in 0..TIMING_RUNS {
        let started = Instant::now();
        let brief = app.brief(full, Wait::CacheOnly).await.expect("brief");
        assert!(brief.editorial.is_some(), "the cache is warm");
        samples.push(started.elapsed());
    }
    let written = timings("build with cached model summaries", samples);
    println!(
        "cached written brief ÷ extractive brief: {:.2}× the build time",
        written.as_secs_f64() / plain.as_secs_f64()
    );
}
