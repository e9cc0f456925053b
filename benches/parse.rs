//! Parse + normalise throughput (`parse_feed` does both): the shipped demo and evaluation
//! feeds, a synthetic 1,000-item RSS feed, and the same feed with bare `&`s, which takes the
//! repair path. Each is measured twice, in bytes and in items per second. Kept short (20
//! samples, 3 s) because the machines have 2 cores.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use briefbot::ingest::parse::parse_feed;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const FEED_URL: &str = "https://bench.example/feed.xml";

/// Every file in the fixture folders that parses as a feed (labels, scripts and READMEs do not).
fn fixture_feeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut feeds = Vec::new();
    for dir in ["config/demo", "tests/fixtures/eval"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            if parse_feed(&bytes, FEED_URL).is_ok_and(|feed| !feed.items.is_empty()) {
                feeds.push(bytes);
            }
        }
    }
    feeds
}

/// A realistic RSS 2.0 item mix: escaped HTML descriptions, CDATA content, tracking links.
fn synthetic_rss(items: usize, ampersand: &str) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Synthetic Wire</title><link>https://bench.example/</link><language>en-us</language>
"#,
    );
    for i in 0..items {
        xml.push_str(&format!(
            r#"<item>
  <title>Chipmaker {i} raises guidance {ampersand} expands HBM capacity</title>
  <link>https://bench.example/news/2026/03/{i}/story?utm_source=rss{ampersand}amp;utm_medium=feed{ampersand}amp;id={i}#top</link>
  <guid isPermaLink="false">bench-{i}</guid>
  <pubDate>Mon, 02 Mar 2026 06:{m:02}:00 +0000</pubDate>
  <dc:creator>Staff Writer</dc:creator>
  <description>&lt;p&gt;The company said on Monday that demand for accelerators &amp;amp; memory remained strong, lifting its outlook for the quarter.&lt;/p&gt;&lt;p&gt;Analysts expect item {i} to matter.&lt;/p&gt;</description>
  <content:encoded><![CDATA[<p>The company said on Monday that demand for accelerators &amp; memory remained strong.</p><ul><li>Capacity up 30%</li><li>Prices &ldquo;firm&rdquo;</li></ul><script>track({i})</script>]]></content:encoded>
</item>
"#,
            m = i % 60
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

fn bench_parse(c: &mut Criterion) {
    let fixtures = fixture_feeds();
    let fixture_bytes: usize = fixtures.iter().map(Vec::len).sum();
    let fixture_items: usize = fixtures
        .iter()
        .filter_map(|f| parse_feed(f, FEED_URL).ok())
        .map(|f| f.items.len())
        .sum();
    let clean = synthetic_rss(1_000, "&");
    // A bare `&` in every title and link: feed-rs refuses it, the repair pass takes over.
    let broken = synthetic_rss(1_000, "& ").replace("& amp;", "&");
    assert!(parse_feed(broken.as_bytes(), FEED_URL).is_ok_and(|f| f.items.len() == 1_000));

    let parse_all = |feeds: &[Vec<u8>]| {
        for feed in feeds {
            let _ = black_box(parse_feed(black_box(feed), FEED_URL));
        }
    };

    let mut bytes = c.benchmark_group("parse_bytes");
    bytes
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    if !fixtures.is_empty() {
        bytes.throughput(Throughput::Bytes(fixture_bytes as u64));
        bytes.bench_function("fixtures", |b| b.iter(|| parse_all(&fixtures)));
    }
    bytes.throughput(Throughput::Bytes(clean.len() as u64));
    bytes.bench_function("synthetic_1000_items", |b| {
        b.iter(|| parse_feed(black_box(clean.as_bytes()), FEED_URL))
    });
    bytes.throughput(Throughput::Bytes(broken.len() as u64));
    bytes.bench_function("synthetic_1000_items_repaired", |b| {
        b.iter(|| parse_feed(black_box(broken.as_bytes()), FEED_URL))
    });
    bytes.finish();

    let mut items = c.benchmark_group("parse_items");
    items
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    if !fixtures.is_empty() {
        items.throughput(Throughput::Elements(fixture_items as u64));
        items.bench_function("fixtures", |b| b.iter(|| parse_all(&fixtures)));
    }
    items.throughput(Throughput::Elements(1_000));
    items.bench_function("synthetic_1000_items", |b| {
        b.iter(|| parse_feed(black_box(clean.as_bytes()), FEED_URL))
    });
    items.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
