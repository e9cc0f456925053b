//! Measurement harness (ignored by default; it measures, it does not judge): `briefbot ingest`
//! of 100 local feeds × 200 items (about 19 MB of RSS 2.0 with HTML summaries) as a whole
//! process — start-up, parse, normalise (HTML to text, link canonicalisation), store in a
//! fresh SQLite file; topics are decided when a brief is built, not here — against Python
//! feedparser parsing the same files and nothing more, in the same run.
//!
//! Run: `cargo test --release --test it ingest_scale -- --ignored --nocapture`
//! (`INGEST_SCALE_FEEDS` changes the 100 feeds). Skips the reference, saying so, when python3
//! or feedparser is missing.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

const ITEMS_PER_FEED: usize = 200;

const SUBJECTS: [&str; 8] = [
    "Nvidia ships a new AI accelerator for data centres",
    "TSMC expands advanced packaging capacity for AI chips",
    "A lab releases an open-weights reasoning model",
    "EU regulators open a consultation on general-purpose AI",
    "AI start-up raises funding at a higher valuation",
    "Samsung starts HBM4 production for accelerator makers",
    "City council approves new bike lanes downtown",
    "Local bakery wins a regional award for its sourdough",
];

fn feeds() -> usize {
    std::env::var("INGEST_SCALE_FEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(100)
}

/// One RSS 2.0 feed of `ITEMS_PER_FEED` items with HTML summaries of about 1 KB.
fn feed_xml(feed: usize) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Outlet {feed}</title><link>https://outlet{feed}.example/</link>\
         <description>News</description>\n"
    );
    for index in 0..ITEMS_PER_FEED {
        let subject = SUBJECTS[(feed + index) % SUBJECTS.len()];
        let minute = (feed * 7 + index * 13) % 60;
        let hour = index % 24;
        let _ = writeln!(
            xml,
            "<item><title>{subject} ({feed}-{index})</title>\
             <link>https://outlet{feed}.example/2026/03/01/story-{index}?utm_source=rss</link>\
             <guid isPermaLink=\"false\">outlet{feed}-{index}</guid>\
             <pubDate>Sun, 01 Mar 2026 {hour:02}:{minute:02}:00 +0000</pubDate>\
             <description><![CDATA[<p>{subject}, the company said on Sunday, in a statement that \
             gave few details. <a href=\"https://outlet{feed}.example/related/{index}\">Earlier \
             coverage</a> described the plan &amp; its costs.</p><p>Analysts said the move \
             would take years to pay off, and that rivals were likely to follow with their own \
             announcements before the end of the quarter. Shares were little changed in early \
             trading, while suppliers rose.</p><p>The company declined to comment further. \
             Figures: revenue of $1.2 billion, up 14% from a year earlier, on volumes of \
             {index} thousand units; guidance for the next quarter was unchanged.</p>]]>\
             </description></item>"
        );
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// Seconds feedparser takes to parse every file, parsing only; `None` when it is missing.
fn feedparser_seconds(dir: &Path, files: &[String]) -> Option<f64> {
    let script = "import sys, time, feedparser\n\
                  paths = sys.argv[1:]\n\
                  blobs = [open(p, 'rb').read() for p in paths]\n\
                  start = time.perf_counter()\n\
                  n = sum(len(feedparser.parse(b).entries) for b in blobs)\n\
                  print(time.perf_counter() - start, n)\n";
    let output = std::process::Command::new("python3")
        .current_dir(dir)
        .arg("-c")
        .arg(script)
        .args(files)
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "skipped the feedparser reference: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let seconds: f64 = fields.next()?.parse().ok()?;
    let entries: usize = fields.next()?.parse().ok()?;
    assert_eq!(
        entries,
        files.len() * ITEMS_PER_FEED,
        "feedparser read every item"
    );
    Some(seconds)
}

#[test]
#[ignore = "measurement harness; run with --release --ignored --nocapture"]
fn ingest_of_local_feeds_against_feedparser_parsing_them() {
    let dir = tempfile::tempdir().expect("dir");
    let count = feeds();
    let mut files = Vec::new();
    let mut bytes = 0;
    let mut config = String::from("[database]\nurl = \"sqlite://ingest.db\"\n\n");
    for feed in 0..count {
        let name = format!("feed-{feed:03}.xml");
        let xml = feed_xml(feed);
        bytes += xml.len();
        std::fs::write(dir.path().join(&name), xml).expect("write feed");
        let _ = write!(
            config,
            "[[sources]]\nurl = \"{name}\"\nname = \"Outlet {feed}\"\n\n"
        );
        files.push(name);
    }
    std::fs::write(dir.path().join("ingest.toml"), config).expect("config");
    let items = count * ITEMS_PER_FEED;

    let started = Instant::now();
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("briefbot"))
        .current_dir(dir.path())
        .env_remove("BRIEFBOT_DATABASE_URL")
        .args(["--config", "ingest.toml", "ingest"])
        .output()
        .expect("run briefbot ingest");
    let ours = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{items} new items")),
        "every item stored: {stdout}"
    );
    let rate = |seconds: f64| items as f64 / seconds.max(f64::EPSILON);
    println!(
        "briefbot ingest of {count} feeds × {ITEMS_PER_FEED} items ({:.1} MB): {:.2} s, {:.0} items/s \
         (parse, normalise, store)",
        bytes as f64 / 1e6,
        ours.as_secs_f64(),
        rate(ours.as_secs_f64())
    );
    match feedparser_seconds(dir.path(), &files) {
        Some(reference) => println!(
            "Python feedparser, parsing only: {reference:.2} s, {:.0} items/s; ratio {:.1}×",
            rate(reference),
            reference / ours.as_secs_f64()
        ),
        None => println!("no feedparser reference: python3 with feedparser is not installed"),
    }
}
