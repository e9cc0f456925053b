//! Runs the ingest layer (parse + normalise) over feedparser's test corpus: ~2,100 small feeds,
//! many deliberately broken, mis-encoded or hostile. Nothing may panic or hang, and no tag,
//! script or non-http(s) link may come out the other end. The corpus is vendored under
//! `tests/fixtures/feedparser/` (BSD, its LICENSE beside it), so a bare clone runs it all.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use briefbot::ingest::normalise::{canonical_link, html_to_text};
use briefbot::ingest::parse::{ParsedFeed, parse_feed};

const FEED_URL: &str = "http://feedparser.example/tests/feed.xml";
/// Far above the few seconds a run takes, even unoptimised on 2 cores: hitting it means a hang.
const TIME_LIMIT: Duration = Duration::from_secs(300);

fn corpus(sub: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feedparser")
        .join(sub);
    assert!(
        dir.is_dir(),
        "vendored feed corpus {} is missing",
        dir.display()
    );
    dir
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n != "LICENSE") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[derive(Default)]
struct Tally {
    files: usize,
    feeds: usize,
    items: usize,
    errors: BTreeMap<String, usize>,
    failures: Vec<String>,
}

/// Everything wrong with one parsed feed, as messages naming the file.
type Check = fn(&Path, &ParsedFeed, &mut Vec<String>);

/// Ingests every file on a worker thread, so that a hang fails the test instead of stalling it.
fn ingest_all(files: Vec<PathBuf>, check: Check) -> Tally {
    let current = Arc::new(Mutex::new(PathBuf::new()));
    let (done, finished) = mpsc::channel();
    let worker_current = Arc::clone(&current);
    std::thread::spawn(move || {
        let mut tally = Tally::default();
        for path in files {
            if let Ok(mut slot) = worker_current.lock() {
                slot.clone_from(&path);
            }
            ingest_one(&path, check, &mut tally);
        }
        let _ = done.send(tally);
    });
    match finished.recv_timeout(TIME_LIMIT) {
        Ok(tally) => tally,
        Err(_) => {
            let stuck = current
                .lock()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            panic!("the corpus run did not finish within {TIME_LIMIT:?}; stuck on {stuck}");
        }
    }
}

fn ingest_one(path: &Path, check: Check, tally: &mut Tally) {
    tally.files += 1;
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            tally
                .failures
                .push(format!("{}: unreadable: {error}", path.display()));
            return;
        }
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // The normalisers on raw, unparsed input too: they must take anything.
        let _ = html_to_text(&String::from_utf8_lossy(&bytes));
        parse_feed(&bytes, FEED_URL)
    }));
    match outcome {
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            tally
                .failures
                .push(format!("{}: panicked: {message}", path.display()));
        }
        Ok(Err(error)) => {
            let message = error.to_string();
            if std::env::var_os("FEED_CORPUS_VERBOSE").is_some() {
                eprintln!("{}: {message}", path.display());
            }
            let kind = message.split(" at byte").next().unwrap_or_default();
            let kind = kind.split(':').take(2).collect::<Vec<_>>().join(":");
            *tally.errors.entry(kind).or_default() += 1;
        }
        Ok(Ok(feed)) => {
            tally.feeds += 1;
            tally.items += feed.items.len();
            check(path, &feed, &mut tally.failures);
        }
    }
}

fn text_problem(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    if lower.contains("<script") {
        return Some("contains <script");
    }
    if lower.contains("javascript:") {
        return Some("contains javascript:");
    }
    let bytes = text.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'<' && w[1].is_ascii_alphabetic())
        .then_some("contains a tag")
}

fn check_feed(path: &Path, feed: &ParsedFeed, failures: &mut Vec<String>) {
    let mut fail =
        |what: &str, value: &str| failures.push(format!("{}: {what}: {value:?}", path.display()));
    if let Some(title) = &feed.title
        && let Some(problem) = text_problem(title)
    {
        fail(&format!("feed title {problem}"), title);
    }
    for item in &feed.items {
        if item.title.is_empty() {
            fail("empty item title", &item.key);
        }
        for (field, text) in [("title", &item.title), ("summary", &item.summary)] {
            if let Some(problem) = text_problem(text) {
                fail(&format!("item {field} {problem}"), text);
            }
        }
        if let Some(link) = &item.link {
            if !(link.starts_with("http://") || link.starts_with("https://")) {
                fail("link is not http(s)", link);
            } else if canonical_link(link, None).as_deref() != Some(link.as_str()) {
                fail("link is not canonical", link);
            }
        }
    }
}

fn check_sanitized(path: &Path, feed: &ParsedFeed, failures: &mut Vec<String>) {
    check_feed(path, feed, failures);
    for item in &feed.items {
        let link = item
            .link
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if ["javascript:", "vbscript:", "data:"]
            .iter()
            .any(|scheme| link.contains(scheme))
        {
            failures.push(format!("{}: dangerous link {link:?}", path.display()));
        }
        for text in [&item.title, &item.summary] {
            let lower = text.to_lowercase();
            if [
                "<iframe",
                "<object",
                "<embed",
                "<style",
                "<img",
                "<a ",
                "onerror=",
                "vbscript:",
            ]
            .iter()
            .any(|t| lower.contains(t))
            {
                failures.push(format!("{}: markup survived: {text:?}", path.display()));
            }
        }
    }
}

fn report(name: &str, tally: &Tally, elapsed: Duration) {
    let errors: usize = tally.errors.values().sum();
    eprintln!(
        "{name}: {} files, {} feeds parsed, {} items, {errors} parse errors, {} failures ({elapsed:.1?})",
        tally.files,
        tally.feeds,
        tally.items,
        tally.failures.len()
    );
    for (kind, count) in &tally.errors {
        eprintln!("  {count:>4} × {kind}");
    }
    assert!(
        tally.failures.is_empty(),
        "{} failures:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
}

#[test]
fn whole_feedparser_corpus_ingests_cleanly() {
    let dir = corpus("");
    let started = Instant::now();
    let tally = ingest_all(files_under(&dir), check_feed);
    report("feedparser corpus", &tally, started.elapsed());
    assert!(
        tally.files > 1_000,
        "only {} files found in {}",
        tally.files,
        dir.display()
    );
}

#[test]
fn sanitize_cases_leave_no_markup_or_script_links() {
    let dir = corpus("wellformed/sanitize");
    let started = Instant::now();
    let tally = ingest_all(files_under(&dir), check_sanitized);
    report("feedparser sanitize cases", &tally, started.elapsed());
    assert_eq!(
        tally.feeds, tally.files,
        "every sanitize case is a well-formed feed"
    );
}
