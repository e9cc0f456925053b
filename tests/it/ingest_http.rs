//! Ingestion against a local HTTP server on 127.0.0.1 that misbehaves in every way feeds do:
//! one bad source is reported and never stops the others.

use std::cell::Cell;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;

use briefbot::config::IngestConfig;
use briefbot::ingest::{Backoff, Ingestor, Outcome, SourceSpec};

const LIMIT: u64 = 64 * 1024;

fn rss(items: usize) -> String {
    let mut body = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Good Feed</title><link>https://good.example/</link>",
    );
    for i in 0..items {
        body.push_str(&format!(
            "<item><title>Nvidia ships GPU batch {i}</title><link>https://good.example/{i}?utm_source=rss</link><guid>g{i}</guid><pubDate>Sun, 01 Mar 2026 0{}:00:00 GMT</pubDate><description>Batch {i} of data-center GPUs.</description></item>",
            i % 9
        ));
    }
    body.push_str("</channel></rss>");
    body
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip finish")
}

async fn serve(hits: Arc<AtomicUsize>) -> String {
    let bomb = gzip(&vec![b' '; 50 * 1024 * 1024]);
    let counter = hits.clone();
    let app = Router::new()
        .route(
            "/good",
            get(move |headers: HeaderMap| {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    if headers
                        .get(header::IF_NONE_MATCH)
                        .and_then(|v| v.to_str().ok())
                        == Some("\"v1\"")
                    {
                        return StatusCode::NOT_MODIFIED.into_response();
                    }
                    (
                        [
                            (header::ETAG, "\"v1\""),
                            (header::CONTENT_TYPE, "application/rss+xml"),
                        ],
                        rss(3),
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/also-good",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/rss+xml")],
                    rss(2).replace("good.example", "other.example"),
                )
            }),
        )
        .route(
            "/error",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                rss(1)
            }),
        )
        .route("/huge", get(|| async { "x".repeat(LIMIT as usize * 2) }))
        .route(
            "/bomb",
            get(move || {
                let bomb = bomb.clone();
                async move {
                    Response::builder()
                        .header(header::CONTENT_ENCODING, "gzip")
                        .header(header::CONTENT_TYPE, "application/rss+xml")
                        .body(axum::body::Body::from(bomb))
                        .expect("response")
                }
            }),
        )
        .route(
            "/garbage",
            get(|| async { "\u{0}\u{1}this is not a feed <<<>>>" }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{address}")
}

fn spec(url: String) -> SourceSpec {
    SourceSpec {
        url,
        name: None,
        weight: 1.0,
    }
}

#[tokio::test]
async fn bad_sources_are_reported_and_good_ones_still_ingested() {
    let hits = Arc::new(AtomicUsize::new(0));
    let base = serve(hits.clone()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = briefbot::storage::Store::open(&format!(
        "sqlite://{}",
        dir.path().join("db.sqlite").display()
    ))
    .await
    .expect("store");
    let settings = IngestConfig {
        timeout: Duration::from_millis(800),
        connect_timeout: Duration::from_millis(500),
        max_body_bytes: LIMIT,
        per_host_delay: Duration::ZERO,
        ..IngestConfig::default()
    };
    let ingestor = Ingestor::new(&store, &settings).expect("ingestor");
    let sources: Vec<SourceSpec> = [
        "good",
        "error",
        "slow",
        "huge",
        "bomb",
        "garbage",
        "also-good",
    ]
    .iter()
    .map(|path| spec(format!("{base}/{path}")))
    .chain([spec(format!("{}/missing-file.xml", dir.path().display()))])
    .collect();

    let reports = ingestor
        .ingest(&sources, Utc::now(), Backoff::Respect, &|_| {})
        .await
        .expect("ingest");
    let outcome = |path: &str| {
        reports
            .iter()
            .find(|r| r.url.ends_with(path))
            .map(|r| r.outcome.clone())
            .unwrap_or_else(|| panic!("no report for {path}"))
    };
    assert_eq!(outcome("/good"), Outcome::Fetched { new: 3, total: 3 });
    assert_eq!(outcome("/also-good"), Outcome::Fetched { new: 2, total: 2 });
    let error_text = |path: &str| match outcome(path) {
        Outcome::Failed { error } => error,
        other => panic!("{path}: expected a failure, got {other:?}"),
    };
    assert!(error_text("/error").contains("HTTP 500"));
    assert!(error_text("/slow").contains("timed out"));
    assert!(error_text("/huge").contains("limit"));
    assert!(
        error_text("/bomb").contains("limit"),
        "a gzip bomb stops at the decompressed cap"
    );
    assert!(!error_text("/garbage").is_empty());
    assert!(error_text("missing-file.xml").contains("cannot read"));
    let named = reports
        .iter()
        .find(|r| r.url.ends_with("/good"))
        .map(|r| r.name.clone());
    assert_eq!(
        named.as_deref(),
        Some("Good Feed"),
        "an unnamed source takes the feed's title"
    );

    // The second pass: the good feed answers 304 to our validator, the failed ones rest.
    let second = ingestor
        .ingest(&sources, Utc::now(), Backoff::Respect, &|_| {})
        .await
        .expect("ingest again");
    let again = |path: &str| {
        second
            .iter()
            .find(|r| r.url.ends_with(path))
            .map(|r| r.outcome.clone())
    };
    assert_eq!(again("/good"), Some(Outcome::Unchanged));
    assert_eq!(
        again("/also-good"),
        Some(Outcome::Fetched { new: 0, total: 2 }),
        "re-ingesting stores nothing new"
    );
    assert!(
        matches!(again("/error"), Some(Outcome::Skipped { .. })),
        "a failing source backs off"
    );
    assert_eq!(store.item_count().await.expect("count"), 5);
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    let health = store.sources().await.expect("sources");
    let error_source = health
        .iter()
        .find(|s| s.url.ends_with("/error"))
        .expect("error source");
    assert_eq!(error_source.consecutive_failures, 1);
    assert!(
        error_source
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("500"))
    );

    let stored = store
        .items_between(
            chrono::DateTime::from_timestamp(0, 0).expect("epoch"),
            Utc::now(),
        )
        .await
        .expect("items");
    assert!(
        stored.iter().all(|item| !item.link.contains("utm_")),
        "tracking parameters are dropped"
    );
}

/// A feed that takes a while to parse (4 MB of empty items after a bare `&`, so all of it is
/// repaired) holds up no other task: on a single-threaded runtime a task ticking every 5 ms
/// keeps ticking while it is ingested. Parsed on the runtime, the ticks stopped for as long
/// as the parse took.
#[tokio::test]
async fn parsing_runs_off_the_async_runtime() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut feed = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Slow &amp; bare & feed</title>",
    );
    feed.push_str(&"<item></item>".repeat(4_000_000 / 13));
    feed.push_str("</channel></rss>");
    let path = dir.path().join("slow.xml");
    std::fs::write(&path, &feed).expect("write feed");
    let started = Instant::now();
    briefbot::ingest::parse::parse_feed(feed.as_bytes(), "https://slow.example/").expect("parses");
    let parse_time = started.elapsed();

    let store = briefbot::storage::Store::open(&format!(
        "sqlite://{}",
        dir.path().join("db.sqlite").display()
    ))
    .await
    .expect("store");
    let ingestor = Ingestor::new(&store, &IngestConfig::default()).expect("ingestor");
    let sources = [spec(path.display().to_string())];
    let ingest = ingestor.ingest(&sources, Utc::now(), Backoff::Ignore, &|_| {});
    // The gaps between ticks, and the one since the last tick when the ingest ends: the
    // ingest may finish without yielding again after a parse that blocked the runtime.
    let last_tick = Cell::new(Instant::now());
    let longest_gap = Cell::new(Duration::ZERO);
    let ticker = async {
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            longest_gap.set(longest_gap.get().max(last_tick.get().elapsed()));
            last_tick.set(Instant::now());
        }
    };
    let reports = tokio::select! {
        reports = ingest => reports.expect("ingest"),
        () = ticker => unreachable!("the ticker never ends"),
    };
    let longest_gap = longest_gap.get().max(last_tick.get().elapsed());
    eprintln!(
        "parse alone {parse_time:?}; longest gap between ticks while ingesting {longest_gap:?}"
    );
    assert!(
        matches!(reports[0].outcome, Outcome::Fetched { .. }),
        "{:?}",
        reports[0].outcome
    );
    assert!(
        longest_gap < parse_time / 2,
        "the runtime stalled for {longest_gap:?} while a feed that parses in {parse_time:?} was ingested"
    );
}
