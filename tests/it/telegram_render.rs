//! Telegram HTML rendering: a golden file, and hostile feeds from the feedparser sanitize
//! corpus rendered into messages that contain only allowed tags and http(s) links.
//!
//! After an intended change to the output: `UPDATE_GOLDEN=1 cargo test --test telegram_render`.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::support::fake_telegram::{MESSAGE_LIMIT, validate_html};
use briefbot::ingest::parse::parse_feed;
use briefbot::model::{Brief, Link, Section, Story};
use briefbot::platforms::telegram::render;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0)
        .single()
        .expect("fixed date")
}

fn story(entity: &str, headline: &str, summary: &str, links: Vec<(&str, &str)>) -> Story {
    Story {
        headline: headline.into(),
        summary: summary.into(),
        key_entity: entity.into(),
        published: at(5),
        topics: vec!["models".into()],
        links: links
            .into_iter()
            .map(|(url, source)| Link {
                url: url.into(),
                source: source.into(),
                title: String::new(),
            })
            .collect(),
        score: 1.0,
        item_ids: vec![],
        why: None,
    }
}

fn brief(sections: Vec<(&str, &str, Vec<Story>)>) -> Brief {
    Brief {
        title: "AI Morning Brief".into(),
        topic: None,
        as_of: at(7),
        window_start: at(7) - Duration::hours(24),
        sections: sections
            .into_iter()
            .map(|(topic, title, stories)| Section {
                topic: topic.into(),
                title: title.into(),
                stories,
            })
            .collect(),
        source_count: 4,
        editorial: None,
        permalink: None,
    }
}

fn sample() -> Brief {
    brief(vec![
        (
            "models",
            "Models & Releases",
            vec![
                story(
                    "OpenAI",
                    "OpenAI releases GPT-5.5 with a 2M-token context window",
                    "The model is available today in the API.",
                    vec![
                        ("https://frontier.example/gpt-5-5", "Frontier AI Wire"),
                        (
                            "https://dispatch.example/gpt?x=1&y=\"2\"",
                            "Silicon Dispatch",
                        ),
                    ],
                ),
                story(
                    "",
                    "Startup claims <b>record</b> benchmark <a href=\"javascript:alert(1)\">x</a> & more",
                    "First line\nsecond line with <script>alert(1)</script>",
                    vec![
                        ("javascript:alert(1)", "Totally Legit <News>"),
                        (
                            "https://wiki.example/Benchmark_(computing) results",
                            "Wiki \"Mirror\"",
                        ),
                    ],
                ),
            ],
        ),
        (
            "chips",
            "Chips & Hardware",
            vec![story(
                "Nvidia",
                "Blackwell Ultra shipments begin",
                "TSMC ramps CoWoS packaging.",
                vec![("https://ledger.example/blackwell", "Circuit Ledger")],
            )],
        ),
    ])
}

fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\ncreate it with: UPDATE_GOLDEN=1 cargo test --test telegram_render",
            path.display()
        )
    });
    assert_eq!(
        actual, expected,
        "{name} changed; if intended, UPDATE_GOLDEN=1"
    );
}

#[test]
fn brief_matches_golden_and_is_valid_telegram_html() {
    let messages = render::render(&sample());
    assert_eq!(messages.len(), 1);
    check_golden("telegram_brief.html", &format!("{}\n", messages[0]));
    let length = validate_html(&messages[0]).expect("valid");
    assert!(length <= MESSAGE_LIMIT);
    assert!(!messages[0].contains("href=\"javascript"));
    assert!(!messages[0].contains("<script"));
}

#[test]
fn empty_topic_brief_matches_golden() {
    let mut empty = brief(vec![("chips", "Chips & Hardware", vec![])]);
    empty.topic = Some("chips".into());
    let messages = render::render(&empty);
    check_golden(
        "telegram_empty_topic.html",
        &format!("{}\n", messages.join("\n---\n")),
    );
}

#[test]
fn split_brief_matches_golden() {
    // A small limit shows where splits fall: between stories, with the section named again.
    let messages = render::render_with_limit(&sample(), 260);
    assert!(messages.len() > 1);
    for message in &messages {
        assert!(validate_html(message).expect("valid") <= 260, "{message}");
    }
    check_golden(
        "telegram_split.html",
        &format!("{}\n", messages.join("\n---\n")),
    );
}

/// Every feed in the sanitize corpus, its items as stories (with a hostile link added), each
/// rendered message valid: allowed tags only, http(s) links only, within the limit.
#[test]
fn sanitize_corpus_renders_to_safe_messages() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feedparser/wellformed/sanitize");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(files.len() > 700, "{} files", files.len());
    let mut rendered = 0;
    let mut unparsed = 0;
    let mut failures = Vec::new();
    for path in &files {
        let Ok(bytes) = fs::read(path) else { continue };
        // A file that does not parse (or has no items) is rendered raw, markup and all: the
        // renderer must neutralise that too.
        let raw = String::from_utf8_lossy(&bytes).to_string();
        let mut stories: Vec<Story> = Vec::new();
        match parse_feed(&bytes, "https://feed.example/") {
            Ok(feed) => stories.extend(feed.items.iter().map(|item| {
                let mut links = vec![("javascript:alert(document.domain)", "Evil")];
                if let Some(link) = &item.link {
                    links.insert(0, (link.as_str(), feed.title.as_deref().unwrap_or("Feed")));
                }
                story("", &item.title, &item.summary, links)
            })),
            Err(_) => unparsed += 1,
        }
        if stories.is_empty() {
            stories.push(story("", &raw, &raw, vec![("javascript:alert(1)", "Raw")]));
        }
        for message in render::render(&brief(vec![("models", "Models", stories)])) {
            rendered += 1;
            match validate_html(&message) {
                Ok(len) if len <= MESSAGE_LIMIT => {}
                Ok(len) => failures.push(format!("{}: {len} characters", path.display())),
                Err(problem) => failures.push(format!("{}: {problem}\n{message}", path.display())),
            }
            if message.to_ascii_lowercase().contains("href=\"javascript") {
                failures.push(format!("{}: javascript link", path.display()));
            }
        }
    }
    eprintln!(
        "{rendered} messages from {} files ({unparsed} unparsed)",
        files.len()
    );
    assert!(rendered >= files.len(), "only {rendered} messages rendered");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
