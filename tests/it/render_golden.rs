//! Golden tests of every render format: a small, realistic brief (with one hostile story) is
//! rendered and compared byte for byte with the files in `tests/golden/`.
//!
//! After an intended change to the output, regenerate them and review the diff:
//! `UPDATE_GOLDEN=1 cargo test --test render_golden`.

use std::fs;
use std::path::PathBuf;

use briefbot::model::{Brief, Link, Section, Story};
use briefbot::render::{self, Format};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, minute, 0)
        .single()
        .expect("valid fixed date")
}

fn link(url: &str, source: &str, title: &str) -> Link {
    Link {
        url: url.to_string(),
        source: source.to_string(),
        title: title.to_string(),
    }
}

fn story(entity: &str, headline: &str, summary: &str, topics: &[&str], links: Vec<Link>) -> Story {
    Story {
        headline: headline.to_string(),
        summary: summary.to_string(),
        key_entity: entity.to_string(),
        published: at(2, 5, 12),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        links,
        score: 0.0,
        item_ids: Vec::new(),
        why: None,
    }
}

const HOSTILE_HEADLINE: &str = "Startup claims **record** benchmark [x](javascript:alert(1)) @everyone <script>alert(1)</script>";

fn sample_brief() -> Brief {
    let models = vec![
        story(
            "OpenAI",
            "OpenAI releases GPT-5.5 with a 2M-token context window",
            "The model is available today in the API and in ChatGPT Pro. OpenAI says long-context \
             recall improved sharply over GPT-5, though prices rise for the largest tier.",
            &["models"],
            vec![
                link(
                    "https://frontier-ai-wire.example/2026/03/01/openai-gpt-5-5",
                    "Frontier AI Wire",
                    "OpenAI ships GPT-5.5",
                ),
                link(
                    "https://silicon-dispatch.example/news/gpt-5-5-launch",
                    "Silicon Dispatch",
                    "GPT-5.5 is here: what changes for developers",
                ),
                link(
                    "https://asia-tech-bulletin.example/en/openai-gpt55",
                    "Asia Tech Bulletin",
                    "OpenAI unveils GPT-5.5",
                ),
            ],
        ),
        story(
            "",
            HOSTILE_HEADLINE,
            "First line of the summary.\nSecond line | with pipes, `code` and $5M in funding.\r\n\n\
             # Not a heading\n- not a list",
            &["models", "policy"],
            vec![
                link(
                    "javascript:alert(1)",
                    "Totally Legit_News*",
                    "[click](javascript:alert(1))",
                ),
                link(
                    "https://wiki-mirror.example/wiki/Benchmark_(computing) results",
                    "Wiki <Mirror>",
                    "Benchmark (computing)",
                ),
            ],
        ),
    ];
    let chips = vec![
        story(
            "Nvidia",
            "Blackwell Ultra shipments begin as TSMC ramps CoWoS packaging capacity",
            "Nvidia confirmed that the first Blackwell Ultra systems left its partners' factories \
             this week, with hyperscalers taking most of the early volume. TSMC is adding advanced \
             packaging lines to keep up with demand through the second half of the year.",
            &["chips"],
            vec![
                link(
                    "https://circuit-ledger.example/2026/blackwell-ultra-shipping",
                    "Circuit Ledger",
                    "Blackwell Ultra starts shipping",
                ),
                link(
                    "https://capital-and-compute.example/p/nvidia-blackwell-ultra",
                    "Capital & Compute",
                    "Nvidia's next leg: Blackwell Ultra",
                ),
                link(
                    "https://circuit-ledger.example/2026/tsmc-cowos-expansion",
                    "Circuit Ledger",
                    "TSMC expands CoWoS again",
                ),
            ],
        ),
        story(
            "台积电",
            "台积电宣布在高雄新建2纳米工厂",
            "台积电表示，新工厂预计于2027年量产。",
            &["chips"],
            vec![link(
                "https://asia-tech-bulletin.example/zh/tsmc-kaohsiung-2nm",
                "Asia Tech Bulletin",
                "台积电宣布在高雄新建2纳米工厂",
            )],
        ),
    ];
    Brief {
        title: "AI Morning Brief".to_string(),
        topic: None,
        as_of: at(2, 7, 0),
        window_start: at(2, 7, 0) - Duration::hours(24),
        sections: vec![
            Section {
                topic: "models".to_string(),
                title: "Models".to_string(),
                stories: models,
            },
            Section {
                topic: "chips".to_string(),
                title: "Chips & Hardware".to_string(),
                stories: chips,
            },
        ],
        source_count: 7,
        editorial: None,
        permalink: None,
    }
}

fn empty_topic_brief() -> Brief {
    Brief {
        title: "AI Morning Brief".to_string(),
        topic: Some("policy".to_string()),
        as_of: at(2, 7, 0),
        window_start: at(2, 7, 0) - Duration::minutes(90),
        sections: vec![Section {
            topic: "policy".to_string(),
            title: "Policy & Security".to_string(),
            stories: Vec::new(),
        }],
        source_count: 0,
        editorial: None,
        permalink: None,
    }
}

/// Compares `actual` with `tests/golden/{name}`, or rewrites the file when `UPDATE_GOLDEN=1`.
fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        }
        fs::write(&path, actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let expected = match fs::read_to_string(&path) {
        // A checkout with CRLF line endings is not a rendering change.
        Ok(text) => text.replace("\r\n", "\n"),
        Err(e) => panic!(
            "cannot read golden file {}: {e}\ncreate it with: UPDATE_GOLDEN=1 cargo test --test render_golden",
            path.display()
        ),
    };
    if expected != actual {
        panic!(
            "{name} differs from {} (- golden, + rendered):\n{}\nif the change is intended: \
             UPDATE_GOLDEN=1 cargo test --test render_golden",
            path.display(),
            line_diff(&expected, actual)
        );
    }
}

/// Every differing line with its number, golden first; enough to see what changed without a
/// diff library.
fn line_diff(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.split('\n').collect();
    let actual: Vec<&str> = actual.split('\n').collect();
    let mut out = String::new();
    for index in 0..expected.len().max(actual.len()) {
        let (old, new) = (expected.get(index), actual.get(index));
        if old == new {
            continue;
        }
        let show = |line: Option<&&str>| line.map_or("<missing>".to_string(), |l| format!("{l:?}"));
        out.push_str(&format!(
            "line {}:\n  - {}\n  + {}\n",
            index + 1,
            show(old),
            show(new)
        ));
    }
    out
}

#[test]
fn text_matches_golden() {
    let text = render::render(&sample_brief(), Format::Text);
    check_golden("brief.txt", &text);
    assert!(
        text.lines()
            .all(|l| l.chars().count() <= render::text::WIDTH)
    );
}

#[test]
fn markdown_matches_golden() {
    let markdown = render::render(&sample_brief(), Format::Markdown);
    check_golden("brief.md", &markdown);
    // Belt and braces beside the golden file: the hostile story must stay inert. Escaped
    // characters are dropped first so only markup that would take effect is left to find.
    let live = without_escaped(&markdown);
    assert!(!live.contains("](javascript"), "{live}");
    assert!(!live.contains("<script>"), "{live}");
    assert!(!live.contains("**record**"), "{live}");
    assert!(!live.contains('@'), "{live}");
    assert!(!markdown.contains(" @everyone"));
    assert!(!markdown.contains("\n# Not"));
}

#[test]
fn json_matches_golden_and_has_the_public_shape() {
    let json = render::render(&sample_brief(), Format::Json);
    check_golden("brief.json", &json);

    let value: Value = serde_json::from_str(&json).expect("rendered JSON parses");
    assert_keys(
        &value,
        &[
            "title",
            "topic",
            "as_of",
            "window_start",
            "overview",
            "sections",
            "source_count",
        ],
    );
    assert_eq!(value["topic"], Value::Null);
    assert_eq!(value["as_of"], "2026-03-02T07:00:00Z");
    assert_eq!(value["window_start"], "2026-03-01T07:00:00Z");
    assert_eq!(value["source_count"], 7);
    let sections = value["sections"].as_array().expect("sections is an array");
    assert_eq!(sections.len(), 2);
    for section in sections {
        assert_keys(section, &["topic", "title", "stories"]);
        for story in section["stories"].as_array().expect("stories is an array") {
            assert_keys(
                story,
                &[
                    "headline",
                    "summary",
                    "key_entity",
                    "published",
                    "topics",
                    "links",
                ],
            );
            for link in story["links"].as_array().expect("links is an array") {
                assert_keys(link, &["url", "source", "title"]);
            }
        }
    }
    // JSON is data: feed text comes through exactly as written.
    assert_eq!(
        value["sections"][0]["stories"][1]["headline"],
        HOSTILE_HEADLINE
    );
    assert_eq!(
        value["sections"][0]["stories"][1]["published"],
        "2026-03-02T05:12:00Z"
    );
}

#[test]
fn empty_topic_brief_matches_golden() {
    let brief = empty_topic_brief();
    check_golden("empty_topic.txt", &render::render(&brief, Format::Text));
    check_golden("empty_topic.md", &render::render(&brief, Format::Markdown));
    let json = render::render(&brief, Format::Json);
    check_golden("empty_topic.json", &json);
    let value: Value = serde_json::from_str(&json).expect("rendered JSON parses");
    assert_eq!(value["topic"], "policy");
}

/// `markdown` with every backslash escape (the backslash and the character after it) removed.
fn without_escaped(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut chars = markdown.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

fn assert_keys(value: &Value, expected: &[&str]) {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_else(|| panic!("not an object: {value}"));
    keys.sort_unstable();
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected, "field names of {value}");
}
