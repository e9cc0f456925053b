//! Discord embeds: a golden file of a realistic brief with a hostile story, and every HTML
//! sanitizer attack of the feedparser corpus rendered without a non-web link or a broken limit.
//!
//! After an intended change to the output, regenerate and review the diff:
//! `UPDATE_GOLDEN=1 cargo test --test discord_render`.

use std::fs;
use std::path::{Path, PathBuf};

use briefbot::ingest::parse::parse_feed;
use briefbot::model::{Brief, Link, Section, Story};
use briefbot::platforms::discord::render::{Message, brief_messages, limit_violations};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0)
        .single()
        .expect("fixed date")
}

fn story(headline: &str, summary: &str, links: &[(&str, &str)]) -> Story {
    Story {
        headline: headline.into(),
        summary: summary.into(),
        key_entity: String::new(),
        published: at(5),
        topics: vec!["chips".into()],
        links: links
            .iter()
            .map(|(url, source)| Link {
                url: url.to_string(),
                source: source.to_string(),
                title: String::new(),
            })
            .collect(),
        score: 1.0,
        item_ids: vec![1],
        why: None,
    }
}

fn brief(sections: Vec<Section>) -> Brief {
    let sources = sections
        .iter()
        .flat_map(|s| &s.stories)
        .flat_map(|s| &s.links)
        .map(|l| l.source.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    Brief {
        title: "AI Morning Brief".into(),
        topic: None,
        as_of: at(7),
        window_start: at(7) - Duration::hours(24),
        sections,
        source_count: sources,
        editorial: None,
        permalink: None,
    }
}

fn sample() -> Brief {
    brief(vec![
        Section {
            topic: "chips".into(),
            title: "Chips & Hardware".into(),
            stories: vec![
                story(
                    "Nvidia ships B300 GPUs to the first cloud customers",
                    "Shipments began this week. Analysts expect supply to stay tight until Q3.",
                    &[
                        ("https://chip-wire.example/b300", "Chip Wire"),
                        (
                            "https://silicon.example/news/b300_(update)",
                            "Silicon Dispatch",
                        ),
                    ],
                ),
                story(
                    "Startup claims **record** benchmark [x](javascript:alert(1)) @everyone <@&123>",
                    "# Not a heading\n- not a list > quote `code` ||spoiler|| ~~strike~~ _it_ @here",
                    &[
                        ("javascript:alert(1)", "Totally Legit_News*"),
                        ("https://ok.example/a b", "Fine [Outlet]"),
                    ],
                ),
            ],
        },
        Section {
            topic: "policy".into(),
            title: "Policy & Security".into(),
            stories: vec![story(
                "EU AI Office publishes guidance for general-purpose models",
                "",
                &[("https://policy.example/eu", "Policy Daily")],
            )],
        },
    ])
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

#[test]
fn brief_embeds_match_the_golden_file() {
    let messages = brief_messages(&sample());
    let json = serde_json::to_string_pretty(&messages).expect("json") + "\n";
    let path = golden("discord_brief.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&path, &json).expect("write golden");
    }
    let expected = fs::read_to_string(&path).expect("golden file (UPDATE_GOLDEN=1 makes it)");
    assert_eq!(json, expected);
    for message in &messages {
        assert_eq!(limit_violations(message), Vec::<String>::new());
    }
}

/// Every masked link target in a message.
fn link_targets(message: &Message) -> Vec<String> {
    let texts = message.embeds.iter().flat_map(|e| {
        e.fields
            .iter()
            .flat_map(|f| [f.name.clone(), f.value.clone()])
            .chain(e.description.clone())
            .chain(e.title.clone())
    });
    let mut targets = Vec::new();
    for text in texts {
        // A masked link is an unescaped `](`; feed text has its brackets escaped.
        for (index, _) in text.match_indices("](") {
            if text[..index].ends_with('\\') {
                continue;
            }
            targets.push(
                text[index + 2..]
                    .split(')')
                    .next()
                    .unwrap_or("")
                    .to_string(),
            );
        }
    }
    targets
}

#[test]
fn hostile_text_shows_literally_and_links_only_to_the_web() {
    let messages = brief_messages(&sample());
    for message in &messages {
        for target in link_targets(message) {
            assert!(target.starts_with("https://"), "{target}");
            assert!(!target.contains(' ') && !target.contains('('), "{target}");
        }
    }
    let text = serde_json::to_string(&messages).expect("json");
    assert!(
        !text.contains("javascript:alert(1))"),
        "no live javascript link"
    );
    assert!(text.contains(r"\\@everyone") && text.contains(r"\\@here"));
}

#[test]
fn every_sanitizer_attack_renders_safely_within_limits() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feedparser/wellformed/sanitize");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("the sanitize corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(files.len() > 700, "{} files", files.len());
    let mut rendered = 0;
    for path in &files {
        let bytes = fs::read(path).expect("read");
        let Ok(feed) = parse_feed(&bytes, "https://feed.example/") else {
            continue;
        };
        let stories: Vec<Story> = feed
            .items
            .iter()
            .map(|item| {
                let link = item
                    .link
                    .clone()
                    .unwrap_or_else(|| "javascript:alert(1)".into());
                story(
                    &item.title,
                    &item.summary,
                    &[(link.as_str(), feed.title.as_deref().unwrap_or(""))],
                )
            })
            .collect();
        let brief = brief(vec![Section {
            topic: "chips".into(),
            title: feed.title.clone().unwrap_or_else(|| "Feed".into()),
            stories,
        }]);
        for message in brief_messages(&brief) {
            let name = path.display();
            assert_eq!(limit_violations(&message), Vec::<String>::new(), "{name}");
            for target in link_targets(&message) {
                assert!(
                    target.starts_with("http://") || target.starts_with("https://"),
                    "{name}: {target}"
                );
            }
        }
        rendered += 1;
    }
    assert!(rendered > 700, "rendered {rendered}");
}
