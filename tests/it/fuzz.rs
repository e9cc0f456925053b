//! Fuzz-style property tests: generated hostile input for the feed parser, the schedule and
//! time zone parsers, the command parser and every renderer, checked against what each one
//! promises in its docs — no panic, output within the platform's limits, no markup, link or
//! mention that feed text did not earn.
//!
//! `cargo test` runs each property on a modest number of cases (64–256, a few seconds in all)
//! from a fixed seed, so a run is reproducible and CI cannot turn red on an input it never saw
//! before. The ignored `long_run` runs every property with BRIEFBOT_FUZZ_CASES cases each
//! (default 5000) from a fresh seed, which it prints:
//!
//! `cargo test --release --test it fuzz::long_run -- --ignored --nocapture`
//!
//! A failure names the property, the smallest input proptest shrank it to, and the command
//! that replays it: BRIEFBOT_FUZZ_SEED and BRIEFBOT_FUZZ_CASES set the seed and case count of
//! every property, e.g. `BRIEFBOT_FUZZ_SEED=7 cargo test --test it fuzz::` for other cases.

use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use serde_json::Value;

use crate::support::fake_telegram::{MESSAGE_LIMIT, validate_html};
use briefbot::commands::{self, COMMANDS, Command};
use briefbot::ingest::parse::{MAX_ITEMS, SUMMARY_CHARS, parse_feed};
use briefbot::model::{Brief, Editorial, Link, ReportWhy, Section, Story, TopicWhy, Why};
use briefbot::platforms::discord::render::{
    self as discord, MAX_CONTENT, MAX_DESCRIPTION, MAX_EMBEDS, MAX_FIELD_NAME, MAX_FIELD_VALUE,
    MAX_FIELDS, MAX_FOOTER, MAX_MESSAGE_CHARS, MAX_TITLE,
};
use briefbot::platforms::telegram::render as telegram;
use briefbot::render::{self, Format};
use briefbot::schedule::spec::{Schedule, parse_zone};

// ---- running properties ----

/// How many cases a property runs and from which seed.
#[derive(Debug, Clone, Copy)]
struct Run {
    cases: u32,
    seed: u64,
}

const DEFAULT_SEED: u64 = 0x00B1_EFB0_7F22;
const LONG_RUN_CASES: u32 = 5_000;

impl Run {
    /// `cases` from the fixed seed, unless BRIEFBOT_FUZZ_CASES and BRIEFBOT_FUZZ_SEED say
    /// otherwise (to replay a failure of the long run on its property alone).
    fn quick(cases: u32) -> Self {
        Self {
            cases: env_number("BRIEFBOT_FUZZ_CASES")
                .map_or(cases, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            seed: env_number("BRIEFBOT_FUZZ_SEED").unwrap_or(DEFAULT_SEED),
        }
    }

    fn long() -> Self {
        let cases = env_number("BRIEFBOT_FUZZ_CASES")
            .map_or(LONG_RUN_CASES, |n| u32::try_from(n).unwrap_or(u32::MAX));
        let seed = env_number("BRIEFBOT_FUZZ_SEED").unwrap_or_else(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default();
            nanos ^ u64::from(std::process::id()).rotate_left(32)
        });
        Self { cases, seed }
    }
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let number = text
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{name}={text:?} is not a whole number"));
    Some(number)
}

/// Runs `property` on `run.cases` values of `strategy`. Each property draws from its own
/// stream (the seed mixed with its name), so adding one does not change the others' cases.
fn check<S: Strategy>(
    run: Run,
    name: &str,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases: run.cases,
        failure_persistence: None,
        max_shrink_iters: 4_096,
        ..Config::default()
    };
    let mut stream = name.bytes().fold(run.seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut seed = [0u8; 32];
    for chunk in seed.chunks_mut(8) {
        stream = stream
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        chunk.copy_from_slice(&stream.to_le_bytes());
    }
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    match runner.run(&strategy, property) {
        Ok(()) => {}
        Err(TestError::Fail(reason, value)) => panic!(
            "property {name} failed: {reason}\n(replay: BRIEFBOT_FUZZ_SEED={} BRIEFBOT_FUZZ_CASES={} \
             cargo test --test it fuzz::{name})\nsmallest failing input: {value:#?}",
            run.seed, run.cases
        ),
        Err(TestError::Abort(reason)) => panic!("property {name} aborted: {reason}"),
    }
}

/// Fails unless at least `percent` % of a passing run's cases reached the branch a property
/// is about (a schedule that parses, a feed with items), so a generator that stops producing
/// such input fails loudly instead of passing vacuously.
fn reached(name: &str, what: &str, hits: &AtomicUsize, run: Run, percent: usize) {
    let hits = hits.load(Ordering::Relaxed);
    eprintln!("{name}: {hits} of {} cases {what}", run.cases);
    assert!(
        hits * 100 >= run.cases as usize * percent,
        "{name}: only {hits} of {} cases {what} (want {percent} %)",
        run.cases
    );
}

/// A `Result<(), String>` check as a proptest failure.
fn ok(result: Result<(), String>) -> Result<(), TestCaseError> {
    result.map_err(TestCaseError::fail)
}

// ---- hostile text ----

/// Pieces of text that each renderer has to neutralise: markup, entities, Markdown, mentions
/// on both platforms, URLs, controls, bidi and invisible characters, combining marks, emoji
/// and other astral characters, RTL and CJK script.
const TOKENS: &[&str] = &[
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    "</a>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<",
    ">",
    "<b",
    "</",
    "<!--",
    "&",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&#x1F600;",
    "&#0;",
    "&#xD800;",
    "&#",
    "&nbsp;",
    "&bogus;",
    "& ",
    "*",
    "**",
    "_",
    "__",
    "~",
    "~~",
    "`",
    "```",
    "|",
    "||",
    "#",
    "## ",
    "- ",
    "+ ",
    "1. ",
    "2026) ",
    "=",
    "===",
    "[",
    "]",
    "(",
    ")",
    "[x](javascript:alert(1))",
    "[y](https://ok.test/)",
    "![i](https://e.test/i.png)",
    "\\",
    "$",
    "$$",
    "!",
    ":",
    "@everyone",
    "@here",
    "@user",
    "@",
    "@@",
    "<@123>",
    "<@!123>",
    "<@&456>",
    "<#789>",
    "<t:0>",
    "<t:0:R>",
    "<:emoji:123>",
    ":smile:",
    "/brief",
    "https://evil.test/a b",
    "http://x.test/?a=1&b=2",
    "javascript:alert(1)",
    "www.example.test",
    "mail@example.test",
    "\"",
    "'",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\t",
    "\u{0}",
    "\u{7}",
    "\u{8}",
    "\u{1b}[31m",
    "\u{1b}]8;;https://evil.test\u{7}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{202E}",
    "\u{202D}",
    "\u{202A}",
    "\u{2066}",
    "\u{2069}",
    "\u{200E}",
    "\u{200F}",
    "\u{61C}",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{2060}",
    "\u{FEFF}",
    "\u{2028}",
    "\u{2029}",
    "\u{3000}",
    "\u{301}",
    "e\u{301}\u{302}\u{303}\u{304}",
    "👩\u{200D}👩\u{200D}👧\u{200D}👦",
    "😀",
    "🏳\u{FE0F}\u{200D}🌈",
    "𝕏",
    "𐍈",
    "مرحبا بالعالم",
    "שלום",
    "英伟达发布新芯片",
    "。",
    "Ｍｅｔａ",
    "…",
    "—",
    "·",
    "%",
    "%22",
    "%0A",
    "\u{FFFD}",
    "\u{10FFFF}",
    "\u{E000}",
    "\u{FFFF}",
    "Nvidia",
    "OpenAI",
    "word",
    "Chips & Hardware",
    "(continued)",
    "Bottom line:",
    "Sources: ",
];

/// Characters a very long word is made of.
const LONG_UNITS: &[&str] = &[
    "x",
    "@",
    "&",
    "<",
    "*",
    "\\",
    "😀",
    "e\u{301}",
    "英",
    "\u{200B}",
    "ab ",
    "@everyone ",
    "a_",
    "[",
    " ",
];

fn piece() -> BoxedStrategy<String> {
    prop_oneof![
        6 => select(TOKENS).prop_map(str::to_string),
        2 => "[A-Za-z0-9]{1,10}",
        2 => proptest::collection::vec(any::<char>(), 0..12)
            .prop_map(|chars| chars.into_iter().collect::<String>()),
        1 => (select(LONG_UNITS), 1..2_500usize).prop_map(|(unit, n)| unit.repeat(n)),
    ]
    .boxed()
}

/// Hostile text of up to `pieces` pieces.
fn text(pieces: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(piece(), 0..=pieces)
        .prop_map(|parts| parts.concat())
        .boxed()
}

/// Link targets: good, odd, dangerous and not URLs at all.
const URLS: &[&str] = &[
    "https://example.test/a",
    "http://example.test",
    "HTTPS://EXAMPLE.TEST/UP",
    " https://x.test/trim ",
    "https://x.test/a b",
    "https://x.test/\"><script>alert(1)</script>",
    "https://x.test/\" onmouseover=\"alert(1)",
    "https://x.test/wiki/Foo_(bar)",
    "https://x.test/?q=<b>&a=1",
    "https://x.test/@everyone",
    "https://x.test/<@&456>",
    "https://x.test/\\",
    "https://x.test/a\\)b",
    "https://x.test/`|[]*_~",
    "https://x.test/\n\r\t",
    "https://x.test/\u{202E}",
    "https://x.test/&amp;&lt;",
    "https://ü.test/ü",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:x",
    "file:///etc/passwd",
    "//evil.test/x",
    "https://",
    "http:/x",
    "http:",
    "",
    "   ",
    "mailto:a@b.test",
    "tg://user?id=1",
    "discord://x",
];

fn url() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(URLS).prop_map(str::to_string),
        3 => (select(&["https://x.test/", "http://x.test", "HTTP://"][..]), text(4))
            .prop_map(|(scheme, rest)| format!("{scheme}{rest}")),
        1 => text(3),
        1 => (0..1_500usize).prop_map(|n| format!("https://x.test/{}", "a".repeat(n))),
    ]
    .boxed()
}

// ---- briefs ----

fn instant() -> BoxedStrategy<DateTime<Utc>> {
    prop_oneof![
        3 => (1_600_000_000i64..2_000_000_000).prop_map(at),
        1 => (-62_135_596_800i64..253_402_300_799).prop_map(at),
    ]
    .boxed()
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).single().unwrap_or_default()
}

fn link() -> BoxedStrategy<Link> {
    (url(), text(4), text(3))
        .prop_map(|(url, source, title)| Link { url, source, title })
        .boxed()
}

fn why() -> BoxedStrategy<Why> {
    let report = (
        url(),
        proptest::collection::btree_map(text(2), any::<f64>(), 0..3),
        proptest::collection::vec(text(2), 0..3),
    )
        .prop_map(|(url, scores, terms)| ReportWhy {
            url,
            scores,
            model: terms.clone(),
            entities: terms.clone(),
            terms,
        });
    let topic = (text(2), any::<f64>(), any::<f64>(), any::<usize>()).prop_map(
        |(topic, score, threshold, reports_placed)| TopicWhy {
            topic,
            score,
            threshold,
            reports_placed,
        },
    );
    (
        proptest::collection::vec(topic, 0..3),
        proptest::collection::vec(report, 0..3),
        proptest::collection::vec(text(2), 0..3),
    )
        .prop_map(|(topics, reports, shared)| Why {
            topics,
            reports,
            shared,
        })
        .boxed()
}

/// A story from hostile text; `pieces` bounds its text (small for briefs with many stories).
fn story(pieces: usize) -> BoxedStrategy<Story> {
    (
        (text(pieces), text(pieces), text(2), 0..4u8),
        instant(),
        proptest::collection::vec(link(), 0..6),
        proptest::collection::vec(text(2), 0..3),
        any::<f64>(),
        proptest::option::weighted(0.1, why()),
    )
        .prop_map(
            |((headline, summary, other, entity_kind), published, links, topics, score, why)| {
                // The entity is often the headline's first word, as the engine picks it.
                let key_entity = match entity_kind {
                    0 => String::new(),
                    1 => other,
                    _ => headline
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                };
                Story {
                    headline,
                    summary,
                    key_entity,
                    published,
                    topics,
                    links,
                    score,
                    item_ids: vec![1],
                    why,
                }
            },
        )
        .boxed()
}

fn section(stories: BoxedStrategy<Vec<Story>>) -> BoxedStrategy<Section> {
    (text(3), text(4), stories)
        .prop_map(|(topic, title, stories)| Section {
            topic,
            title,
            stories,
        })
        .boxed()
}

fn brief() -> BoxedStrategy<Brief> {
    let sections = prop_oneof![
        // A few sections of a few stories, each of any size.
        4 => proptest::collection::vec(
            section(proptest::collection::vec(story(8), 0..6).boxed()),
            0..4,
        ),
        // Many small stories: field counts, embed counts, message splits.
        1 => proptest::collection::vec(
            section(proptest::collection::vec(story(2), 20..70).boxed()),
            1..3,
        ),
    ];
    (
        (
            prop_oneof![Just("AI Morning Brief".to_string()), text(4)],
            0..4u8,
            text(2),
        ),
        instant(),
        -3_600i64..40 * 86_400,
        sections,
        any::<usize>(),
        proptest::option::of((text(10), text(6))),
    )
        .prop_map(
            |((title, topic_kind, other_topic), as_of, window, sections, sources, editorial)| {
                let topic = match topic_kind {
                    0 | 1 => None,
                    2 => sections.first().map(|s| s.topic.clone()),
                    _ => Some(other_topic),
                };
                let window_start = as_of
                    .checked_sub_signed(Duration::seconds(window))
                    .unwrap_or(as_of);
                Brief {
                    title,
                    topic,
                    as_of,
                    window_start,
                    sections,
                    source_count: sources,
                    editorial: editorial.map(|(overview, bottom_line)| Editorial {
                        overview,
                        bottom_line,
                    }),
                    permalink: None,
                }
            },
        )
        .boxed()
}

// ---- output checks ----

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Only web links: http(s), nothing that ends or escapes a link destination early.
fn web_target(url: &str, forbidden: &[char]) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(format!("link to a non-web URL {url:?}"));
    }
    if let Some(c) = url.chars().find(|c| {
        c.is_whitespace() || c.is_control() || is_bidi_control(*c) || forbidden.contains(c)
    }) {
        return Err(format!("link target {url:?} holds {c:?}"));
    }
    Ok(())
}

/// Markdown (the `markdown` renderer): the only unescaped markup is the renderer's own —
/// heading and list markers, the italic date line, `**bold**`, `[outlet](http…)` — and no
/// line of feed text can start a block of its own.
fn check_markdown(markdown: &str) -> Result<(), String> {
    for line in markdown.lines() {
        let (body, block_allowed) = if let Some(rest) = line.strip_prefix("## ") {
            (rest, true)
        } else if let Some(rest) = line.strip_prefix("# ") {
            (rest, true)
        } else if let Some(rest) = line.strip_prefix("- ") {
            (rest, false)
        } else if line.len() >= 2 && line.starts_with('_') && line.ends_with('_') {
            (&line[1..line.len() - 1], true)
        } else if let Some(rest) = line.strip_prefix("**Bottom line:** ") {
            (rest, false)
        } else {
            (line, false)
        };
        if !block_allowed {
            starts_no_block(body).map_err(|e| format!("{e} in line {line:?}"))?;
        }
        scan_markdown(body).map_err(|e| format!("{e} in line {line:?}"))?;
    }
    Ok(())
}

fn starts_no_block(body: &str) -> Result<(), String> {
    let mut chars = body.chars();
    let first = chars.next();
    let second = chars.next();
    match first {
        Some('-' | '+' | '=' | '>' | '#') => Err(format!("a line starting with {first:?}")),
        Some('*') if second != Some('*') => Err("a line starting with *".into()),
        Some(' ' | '\t') => Err("an indented line".into()),
        Some(c) if c.is_ascii_digit() => {
            let rest = body.trim_start_matches(|c: char| c.is_ascii_digit());
            if rest.starts_with(['.', ')']) {
                Err("a line starting an ordered list".into())
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn scan_markdown(body: &str) -> Result<(), String> {
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    let mut bold = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if i + 1 == chars.len() {
                    return Err("a dangling backslash".into());
                }
                i += 2;
                continue;
            }
            '*' => {
                if chars.get(i + 1) != Some(&'*') || chars.get(i + 2) == Some(&'*') {
                    return Err("an unescaped * outside **bold**".into());
                }
                bold += 1;
                i += 2;
                continue;
            }
            '[' => {
                if i > 0 && chars[i - 1] == '!' {
                    return Err("an image".into());
                }
                i = masked_link(&chars, i, &MARKDOWN_LINK.0, &MARKDOWN_LINK.1)?;
                continue;
            }
            c @ ('`' | '_' | ']' | '<' | '>' | '|' | '~' | '$' | '@' | '#') => {
                return Err(format!("an unescaped {c:?}"));
            }
            '&' if chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#') =>
            {
                return Err("an unescaped entity".into());
            }
            _ => {}
        }
        i += 1;
    }
    if bold % 2 == 1 {
        return Err("unbalanced **".into());
    }
    Ok(())
}

/// Characters that must be escaped in a Markdown link label, and may not appear in its URL.
const MARKDOWN_LINK: ([char; 11], [char; 5]) = (
    ['*', '`', '_', '[', '<', '>', '|', '~', '$', '@', '#'],
    ['(', '<', '>', '"', '\\'],
);
/// The same for Discord's masked links.
const DISCORD_LINK: ([char; 11], [char; 8]) = (
    ['*', '_', '~', '`', '|', '>', '<', '#', '-', '[', '@'],
    ['(', '<', '>', '[', ']', '|', '`', '\\'],
);

/// `[label](url)` at `start`: the label is escaped text (none of `label_specials` bare), the
/// URL a web link without any of `url_forbidden`. Returns the index after the closing
/// parenthesis.
fn masked_link(
    chars: &[char],
    start: usize,
    label_specials: &[char],
    url_forbidden: &[char],
) -> Result<usize, String> {
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err("a [ that starts no link".into()),
            Some('\\') => i += 2,
            Some(']') => break,
            Some(c) if label_specials.contains(c) => {
                return Err(format!("an unescaped {c:?} in a link label"));
            }
            Some(_) => i += 1,
        }
    }
    if chars.get(i + 1) != Some(&'(') {
        return Err("a ] not followed by (".into());
    }
    let url_start = i + 2;
    let url_end = chars[url_start..]
        .iter()
        .position(|c| *c == ')')
        .map(|p| url_start + p)
        .ok_or("a link without )")?;
    let url: String = chars[url_start..url_end].iter().collect();
    web_target(&url, url_forbidden)?;
    Ok(url_end + 1)
}

/// Discord markdown: every character Discord gives a meaning is escaped, except in masked
/// links `[label](http…)` and the renderer's own `**Bottom line:**`. Parentheses are free:
/// without an unescaped `]` before them they mean nothing.
fn check_discord_text(text: &str) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    if text.starts_with("**Bottom line:** ") {
        i = "**Bottom line:** ".chars().count();
    }
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if i + 1 == chars.len() {
                    return Err(format!("a dangling backslash in {text:?}"));
                }
                i += 2;
                continue;
            }
            '[' => {
                i = masked_link(&chars, i, &DISCORD_LINK.0, &DISCORD_LINK.1)
                    .map_err(|e| format!("{e} in {text:?}"))?;
                continue;
            }
            c @ ('*' | '_' | '~' | '`' | '|' | '>' | '<' | '#' | '-' | ']' | '@') => {
                return Err(format!("an unescaped {c:?} in {text:?}"));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Discord's own limits, counted here rather than trusted to `limit_violations`.
fn check_discord_limits(message: &discord::Message) -> Result<(), String> {
    let len = |s: &str| s.chars().count();
    if message.embeds.is_empty() || message.embeds.len() > MAX_EMBEDS {
        return Err(format!("{} embeds", message.embeds.len()));
    }
    let mut total = 0;
    for embed in &message.embeds {
        let title = embed.title.as_deref().map_or(0, len);
        let description = embed.description.as_deref().map_or(0, len);
        let footer = embed.footer.as_deref().map_or(0, len);
        if title > MAX_TITLE || description > MAX_DESCRIPTION || footer > MAX_FOOTER {
            return Err(format!(
                "embed of title {title}, description {description}, footer {footer}"
            ));
        }
        if embed.fields.len() > MAX_FIELDS {
            return Err(format!("{} fields", embed.fields.len()));
        }
        total += title + description + footer;
        for field in &embed.fields {
            let (name, value) = (len(&field.name), len(&field.value));
            if name == 0 || name > MAX_FIELD_NAME || value == 0 || value > MAX_FIELD_VALUE {
                return Err(format!("a field of {name}/{value} characters"));
            }
            if field.name.trim().is_empty()
                || field.value.trim().is_empty() && field.value != "\u{200B}"
            {
                return Err(format!("a blank field {field:?}"));
            }
            total += name + value;
        }
    }
    if total > MAX_MESSAGE_CHARS {
        return Err(format!("{total} characters in one message"));
    }
    Ok(())
}

/// What Telegram shows of an HTML message: tags dropped, entities decoded.
fn telegram_visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            rest = &rest[end..];
        } else if c == '&' {
            let end = rest.find(';').map_or(rest.len(), |e| e + 1);
            let entity = &rest[1..end.saturating_sub(1).max(1)];
            let decoded = match entity {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                e => e
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            out.extend(decoded);
            rest = &rest[end..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Telegram turns `@name` into a mention: every `@` shown must be broken by a word joiner.
fn telegram_no_mentions(visible: &str) -> Result<(), String> {
    let chars: Vec<char> = visible.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '@' && chars.get(i + 1) != Some(&'\u{2060}') {
            let around: String = chars[i.saturating_sub(10)..(i + 10).min(chars.len())]
                .iter()
                .collect();
            return Err(format!("a live mention near {around:?}"));
        }
    }
    Ok(())
}

fn check_telegram_parts(parts: &[String], limit: usize) -> Result<(), String> {
    if parts.is_empty() {
        return Err("no message".into());
    }
    for part in parts {
        let length = validate_html(part).map_err(|e| format!("{e} in {part:?}"))?;
        if length > limit {
            return Err(format!("a message of {length} > {limit} units: {part:?}"));
        }
        // A limit of a few units can leave a piece that is one space; real limits cannot.
        if limit >= 16 && telegram_visible(part).trim().is_empty() {
            return Err(format!("a blank message {part:?}, which Telegram refuses"));
        }
        telegram_no_mentions(&telegram_visible(part))?;
    }
    Ok(())
}

/// The checks themselves catch what they look for, so a property cannot pass vacuously.
#[test]
fn checks_reject_what_they_look_for() {
    for bad in [
        "# T\n\n- [x](javascript:alert(1))",
        "# T\n\n- **a** @everyone",
        "# T\n\n- <b>x</b>",
        "# T\n\n- *x*",
        "# T\n\n- x &amp; y",
        "# T\n\n- - nested",
        "# T\n\n1. ordered",
        "# T\n\n- ([a](https://x.test/a b))",
        "# T\n\n- ![a](https://x.test/)",
        "x\\",
    ] {
        assert!(check_markdown(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        check_markdown(
            "# T \\# \\@x\n\n_date_\n\n- **A\\*** b. ([S \\[1\\]](https://x.test/a%20b))\n\n**Bottom line:** ok"
        ),
        Ok(())
    );
    for bad in [
        "@here",
        "<@&456>",
        "\\\\@everyone",
        "[a](javascript:x)",
        "[a](https://x.test/\\)",
        "**b**",
        "a_b",
        "x\\",
    ] {
        assert!(check_discord_text(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        check_discord_text(
            "**Bottom line:** \\@here \\<\\@&456\\> [A \\[1\\]](https://x.test/%5C) (continued)"
        ),
        Ok(())
    );
    assert!(telegram_no_mentions(&telegram_visible("<b>@admin</b>")).is_err());
    assert_eq!(
        telegram_no_mentions(&telegram_visible("&#64;\u{2060}admin")),
        Ok(())
    );
    for bad in [
        "<script>x</script>",
        "<a href=\"javascript:x\">a</a>",
        "<b>x",
        "&bogus;",
    ] {
        assert!(
            check_telegram_parts(&[bad.to_string()], MESSAGE_LIMIT).is_err(),
            "{bad:?}"
        );
    }
    assert!(check_telegram_parts(&["x".repeat(11)], 10).is_err());
    assert!(web_target("https://x.test/a b", &[]).is_err());
}

// ---- the properties ----

mod properties {
    use super::*;

    /// Terminal text carries no control character but newlines and no bidi override: feed
    /// text cannot recolour, move the cursor in or reverse the reader's terminal.
    pub fn text_has_no_controls(run: Run) {
        check(run, "text_has_no_controls", brief(), |brief| {
            let out = render::render(&brief, Format::Text);
            prop_assert!(out.ends_with('\n'));
            if let Some(c) = out
                .chars()
                .find(|c| (c.is_control() && *c != '\n') || is_bidi_control(*c))
            {
                return Err(TestCaseError::fail(format!("{c:?} in the text output")));
            }
            Ok(())
        });
    }

    /// Markdown escapes all feed text and links only to the web.
    pub fn markdown_escapes_feed_text(run: Run) {
        check(run, "markdown_escapes_feed_text", brief(), |brief| {
            let out = render::render(&brief, Format::Markdown);
            prop_assert!(out.ends_with('\n'));
            prop_assert!(
                !out.chars()
                    .any(|c| (c.is_control() && c != '\n') || is_bidi_control(c)),
                "control character in Markdown"
            );
            ok(check_markdown(&out))
        });
    }

    /// JSON parses back and keeps every text exactly as the feeds wrote it.
    pub fn json_round_trips(run: Run) {
        check(run, "json_round_trips", brief(), |brief| {
            let out = render::render(&brief, Format::Json);
            prop_assert!(out.ends_with('\n'));
            let value: Value = serde_json::from_str(&out)
                .map_err(|e| TestCaseError::fail(format!("invalid JSON: {e}")))?;
            prop_assert_eq!(value["title"].as_str(), Some(brief.title.as_str()));
            prop_assert_eq!(value["topic"].as_str(), brief.topic.as_deref());
            prop_assert_eq!(
                value["source_count"].as_u64(),
                Some(brief.source_count as u64)
            );
            let sections = value["sections"].as_array().cloned().unwrap_or_default();
            prop_assert_eq!(sections.len(), brief.sections.len());
            for (json, section) in sections.iter().zip(&brief.sections) {
                prop_assert_eq!(json["title"].as_str(), Some(section.title.as_str()));
                let stories = json["stories"].as_array().cloned().unwrap_or_default();
                prop_assert_eq!(stories.len(), section.stories.len());
                for (json, story) in stories.iter().zip(&section.stories) {
                    prop_assert_eq!(json["headline"].as_str(), Some(story.headline.as_str()));
                    prop_assert_eq!(json["summary"].as_str(), Some(story.summary.as_str()));
                    prop_assert_eq!(json["key_entity"].as_str(), Some(story.key_entity.as_str()));
                    let links = json["links"].as_array().cloned().unwrap_or_default();
                    prop_assert_eq!(links.len(), story.links.len());
                    for (json, link) in links.iter().zip(&story.links) {
                        prop_assert_eq!(json["url"].as_str(), Some(link.url.as_str()));
                        prop_assert_eq!(json["source"].as_str(), Some(link.source.as_str()));
                    }
                }
            }
            if let Some(editorial) = &brief.editorial {
                prop_assert_eq!(
                    value["editorial"]["overview"].as_str(),
                    Some(editorial.overview.as_str())
                );
                prop_assert_eq!(
                    value["editorial"]["bottom_line"].as_str(),
                    Some(editorial.bottom_line.as_str())
                );
            }
            Ok(())
        });
    }

    /// Telegram HTML: every part parses as Telegram's HTML with only allowed tags and http(s)
    /// links, fits the limit (the real one and small ones that force splitting), and names
    /// nobody.
    pub fn telegram_parts_are_valid(run: Run) {
        // Small limits split inside stories and lines. Cutting a long line into pieces of a
        // few units costs time quadratic in the line (never an issue at 4096), so under the
        // tiniest limits the brief's texts are shortened first.
        let limits = prop_oneof![3 => Just(MESSAGE_LIMIT), 2 => 40..600usize, 1 => 2..40usize];
        check(
            run,
            "telegram_parts_are_valid",
            (brief(), limits),
            |(mut brief, limit)| {
                if limit < 40 {
                    shorten(&mut brief, 200);
                }
                let parts = telegram::render_with_limit(&brief, limit);
                ok(check_telegram_parts(&parts, limit))
            },
        );
    }

    /// Every text of `brief` cut to at most `max` characters.
    fn shorten(brief: &mut Brief, max: usize) {
        let cut = |text: &mut String| {
            if let Some((end, _)) = text.char_indices().nth(max) {
                text.truncate(end);
            }
        };
        cut(&mut brief.title);
        if let Some(editorial) = &mut brief.editorial {
            cut(&mut editorial.overview);
            cut(&mut editorial.bottom_line);
        }
        for section in &mut brief.sections {
            cut(&mut section.title);
            for story in &mut section.stories {
                cut(&mut story.headline);
                cut(&mut story.summary);
                cut(&mut story.key_entity);
                for link in &mut story.links {
                    cut(&mut link.url);
                    cut(&mut link.source);
                }
            }
        }
    }

    /// Command replies in Telegram: any text, escaped, within the limit, naming nobody.
    pub fn telegram_text_is_valid(run: Run) {
        check(run, "telegram_text_is_valid", text(40), |text| {
            let parts = telegram::render_text(&text);
            for part in &parts {
                let length = validate_html(part)
                    .map_err(|e| TestCaseError::fail(format!("{e} in {part:?}")))?;
                prop_assert!(length <= MESSAGE_LIMIT, "{length} units");
                ok(telegram_no_mentions(&telegram_visible(part)))?;
            }
            Ok(())
        });
    }

    /// Discord embeds: within every Discord limit, every story in exactly one field, all
    /// feed text escaped (no mention, no markup), masked links only to the web.
    pub fn discord_embeds_are_valid(run: Run) {
        check(run, "discord_embeds_are_valid", brief(), |brief| {
            let messages = discord::brief_messages(&brief);
            prop_assert!(!messages.is_empty());
            let mut fields = 0;
            for message in &messages {
                prop_assert_eq!(discord::limit_violations(message), Vec::<String>::new());
                ok(check_discord_limits(message))?;
                for embed in &message.embeds {
                    fields += embed.fields.len();
                    let texts = embed
                        .title
                        .iter()
                        .chain(&embed.description)
                        .chain(&embed.footer)
                        .chain(embed.fields.iter().flat_map(|f| [&f.name, &f.value]));
                    for text in texts {
                        ok(check_discord_text(text))?;
                    }
                }
            }
            let stories: usize = brief.sections.iter().map(|s| s.stories.len()).sum();
            prop_assert_eq!(fields, stories, "every story in exactly one field");
            Ok(())
        });
    }

    /// Discord command replies: any text within 2000 characters, escaped.
    pub fn discord_text_is_valid(run: Run) {
        check(run, "discord_text_is_valid", text(40), |text| {
            let content = discord::text_content(&text);
            prop_assert!(content.chars().count() <= MAX_CONTENT);
            for line in content.lines() {
                ok(check_discord_text(line))?;
            }
            Ok(())
        });
    }

    /// The feed parser on arbitrary bytes, including bytes that start like XML or JSON.
    pub fn feed_parser_takes_any_bytes(run: Run) {
        const HEADS: &[&[u8]] = &[
            b"<",
            b"{",
            b"\xEF\xBB\xBF<",
            b"\xFF\xFE<\0",
            b"\xFE\xFF\0<",
            b"<?xml",
            b"<rss>",
            b"<feed>",
        ];
        let junk = || proptest::collection::vec(any::<u8>(), 0..2_000);
        let bytes = prop_oneof![
            2 => junk(),
            1 => (select(HEADS), junk()).prop_map(|(head, tail)| [head, &tail[..]].concat()),
        ];
        check(
            run,
            "feed_parser_takes_any_bytes",
            (bytes, feed_url()),
            |(bytes, base)| check_parse(&bytes, &base).map(|_| ()),
        );
    }

    /// The feed parser on RSS 2.0/0.9x, RSS 1.0, Atom and JSON Feed documents made from a
    /// small grammar and then mangled: re-encoded, truncated, spliced, bytes flipped.
    pub fn feed_parser_takes_mangled_feeds(run: Run) {
        let with_items = AtomicUsize::new(0);
        check(
            run,
            "feed_parser_takes_mangled_feeds",
            (feeds::document(), feed_url()),
            |(bytes, base)| {
                if check_parse(&bytes, &base)? > 0 {
                    with_items.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            },
        );
        reached(
            "feed_parser_takes_mangled_feeds",
            "gave items",
            &with_items,
            run,
            30,
        );
    }

    /// Schedules: any text parses or fails with a message; one that parses reads back the same
    /// from its canonical form, describes itself, and its next run is later than now (for a
    /// daily one, within a week and a day or two of DST and date-line changes).
    pub fn schedules_round_trip(run: Run) {
        let zone = select(chrono_tz::TZ_VARIANTS.to_vec());
        let after = (0i64..7_258_118_400).prop_map(at); // 1970 to 2200
        let parsed = AtomicUsize::new(0);
        check(
            run,
            "schedules_round_trip",
            (schedules::text(), zone, after),
            |(text, zone, after)| {
                let schedule = match text.parse::<Schedule>() {
                    Ok(schedule) => schedule,
                    Err(error) => {
                        prop_assert!(!error.0.trim().is_empty(), "an empty error");
                        return Ok(());
                    }
                };
                parsed.fetch_add(1, Ordering::Relaxed);
                let shown = schedule.to_string();
                let again: Schedule = shown.parse().map_err(|e| {
                    TestCaseError::fail(format!(
                        "{text:?} shows as {shown:?}, which does not parse: {e}"
                    ))
                })?;
                prop_assert_eq!(again.to_string(), shown.clone());
                prop_assert!(again == schedule);
                prop_assert!(!schedule.describe(zone).is_empty());
                let _ = schedule.at_most_hourly();
                let next = schedule.next_after(after, zone);
                match schedule {
                    Schedule::Daily { .. } => prop_assert!(
                        next.is_some_and(|n| n > after && n <= after + Duration::days(9)),
                        "{shown} after {after} in {zone}: {next:?}"
                    ),
                    // A cron expression may never fire again (30 February, a past year).
                    Schedule::Cron { .. } => prop_assert!(
                        next.is_none_or(|n| n > after),
                        "{shown} after {after} in {zone}: {next:?}"
                    ),
                }
                Ok(())
            },
        );
        reached("schedules_round_trip", "parsed", &parsed, run, 30);
    }

    /// Time zones: any text is a zone or an error; a zone reads back from its own name.
    pub fn zones_round_trip(run: Run) {
        const JUNK: &[&str] = &["", " ", "\t", "\u{200B}", "/", "x", "\u{0}"];
        // A real zone's name in random case, with something before or after it.
        let mangled = (
            select(chrono_tz::TZ_VARIANTS.to_vec()),
            any::<u64>(),
            select(JUNK),
        )
            .prop_map(|(zone, flips, junk)| {
                let name: String = zone
                    .name()
                    .chars()
                    .enumerate()
                    .map(|(i, c)| match flips >> (i % 64) & 1 {
                        1 => c.to_ascii_uppercase(),
                        _ => c.to_ascii_lowercase(),
                    })
                    .collect();
                match flips % 3 {
                    0 => format!("{junk}{name}"),
                    _ => format!("{name}{junk}"),
                }
            });
        let name = prop_oneof![2 => text(3), 3 => mangled];
        let zones = AtomicUsize::new(0);
        check(run, "zones_round_trip", name, |name| {
            match parse_zone(&name) {
                Ok(zone) => {
                    zones.fetch_add(1, Ordering::Relaxed);
                    prop_assert_eq!(parse_zone(zone.name()).ok(), Some(zone));
                }
                Err(error) => prop_assert!(error.0.contains("Unknown time zone")),
            }
            Ok(())
        });
        reached("zones_round_trip", "named a zone", &zones, run, 15);
    }

    /// Commands: any text is a command, an unknown command (only when it starts with `/`),
    /// or none; a command is the one its first word names, with the words after it.
    pub fn commands_parse_as_documented(run: Run) {
        let bot = proptest::option::of(select(&["briefbot_test", "@BriefBot_Test", "", "@"][..]));
        let commands = AtomicUsize::new(0);
        check(
            run,
            "commands_parse_as_documented",
            (commands_text(), bot),
            |(text, bot)| {
                let parsed = commands::parse(&text, bot);
                let trimmed = text.trim();
                let body = trimmed.strip_prefix('/').unwrap_or(trimmed);
                let mut words = body.split_whitespace();
                let Some(head) = words.next() else {
                    prop_assert!(parsed.is_none(), "a command from blank text");
                    return Ok(());
                };
                let args: Vec<String> = words.map(str::to_string).collect();
                let (name, addressee) = match head.split_once('@') {
                    Some((name, addressee)) => (name, Some(addressee)),
                    None => (head, None),
                };
                let elsewhere = match (addressee, bot) {
                    (Some(to), Some(us)) => !to.eq_ignore_ascii_case(us.trim_start_matches('@')),
                    _ => false,
                };
                match parsed {
                    None => prop_assert!(
                        elsewhere || (commands::find(name).is_none() && !trimmed.starts_with('/')),
                        "{text:?} read as no command"
                    ),
                    Some(Err(message)) => {
                        prop_assert!(
                            !elsewhere
                                && trimmed.starts_with('/')
                                && commands::find(name).is_none()
                        );
                        prop_assert!(message.contains("/help"), "{message}");
                    }
                    Some(Ok(command)) => {
                        commands.fetch_add(1, Ordering::Relaxed);
                        prop_assert!(!elsewhere);
                        let spec = commands::find(name).ok_or_else(|| {
                            TestCaseError::fail(format!("{text:?} ran {command:?}"))
                        })?;
                        prop_assert_eq!(command.spec().name, spec.name);
                        match command {
                            Command::Brief { topic } | Command::Unsubscribe { topic } => {
                                prop_assert_eq!(topic, args.first().cloned())
                            }
                            Command::Subscribe { args: got } => prop_assert_eq!(got, args.clone()),
                            _ => {}
                        }
                    }
                }
                // Every entry of the table builds its command from any words.
                for spec in COMMANDS {
                    let built = commands::parse_args(spec, spec.name, args.clone());
                    prop_assert_eq!(built.map(|c| c.spec().name), Some(spec.name));
                }
                Ok(())
            },
        );
        reached(
            "commands_parse_as_documented",
            "were commands",
            &commands,
            run,
            10,
        );
    }

    /// The parser's promises on `bytes`; the number of items read.
    fn check_parse(bytes: &[u8], base: &str) -> Result<usize, TestCaseError> {
        match parse_feed(bytes, base) {
            Ok(feed) => {
                prop_assert!(feed.items.len() <= MAX_ITEMS);
                if let Some(title) = &feed.title {
                    prop_assert!(!title.trim().is_empty(), "a blank feed title");
                }
                for item in &feed.items {
                    prop_assert!(
                        !item.title.trim().is_empty(),
                        "an item without a title: {item:?}"
                    );
                    prop_assert!(!item.key.is_empty(), "an item without a key: {item:?}");
                    prop_assert!(
                        item.summary.chars().count() <= SUMMARY_CHARS,
                        "a summary of {} characters",
                        item.summary.chars().count()
                    );
                    if let Some(link) = &item.link {
                        ok(web_target(link, &[]))?;
                    }
                    for text in [&item.title, &item.summary] {
                        ok(no_tags(text))?;
                    }
                }
                // Keys are stable across re-parses of the same bytes.
                let again = parse_feed(bytes, base)
                    .map_err(|e| TestCaseError::fail(format!("second parse failed: {e}")))?;
                prop_assert_eq!(&again, &feed);
                Ok(feed.items.len())
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(message.starts_with("not a"), "an unclear error {message:?}");
                Ok(0)
            }
        }
    }

    /// Parsed text is plain: nothing in it reads as an HTML tag or comment.
    fn no_tags(text: &str) -> Result<(), String> {
        let bytes = text.as_bytes();
        for (i, _) in text.match_indices('<') {
            if let Some(next) = bytes.get(i + 1)
                && (next.is_ascii_alphabetic() || matches!(next, b'/' | b'!' | b'?'))
            {
                let end = text.ceil_char_boundary((i + 20).min(text.len()));
                return Err(format!(
                    "markup {:?} in parsed text {text:?}",
                    &text[i..end]
                ));
            }
        }
        Ok(())
    }

    fn feed_url() -> BoxedStrategy<String> {
        const BASES: &[&str] = &[
            "https://feed.example/rss",
            "http://x.test/a/b/",
            "",
            "not a url",
            "https://x.test/\u{0}",
            "file:///tmp/x",
            "https://x.test/?a=1#f",
        ];
        prop_oneof![3 => select(BASES).prop_map(str::to_string), 1 => url()].boxed()
    }

    fn commands_text() -> BoxedStrategy<String> {
        const ADDRESSEES: &[&str] = &[
            "briefbot_test",
            "BRIEFBOT_TEST",
            "OtherBot",
            "",
            "@",
            "briefbot_test@x",
        ];
        let names: Vec<String> = COMMANDS
            .iter()
            .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
            .flat_map(|n| [n.to_string(), n.to_uppercase(), format!("{n}x")])
            .chain(["start", "Start", "", "@", "brïef"].map(String::from))
            .collect();
        prop_oneof![
            1 => text(6),
            3 => (
                select(&["/", "", " /", "//", "\u{200B}/", "/ ", "\n/"][..]),
                prop_oneof![select(names), text(1)],
                proptest::option::of(select(ADDRESSEES)),
                proptest::collection::vec(text(2), 0..5),
                select(&[" ", "  ", "\t", "\n", "\u{3000}", "\u{a0}"][..]),
            )
                .prop_map(|(prefix, name, addressee, args, gap)| {
                    let head = match addressee {
                        Some(bot) => format!("{name}@{bot}"),
                        None => name,
                    };
                    let mut out = format!("{prefix}{head}");
                    for arg in args {
                        out.push_str(gap);
                        out.push_str(&arg);
                    }
                    out
                }),
        ]
        .boxed()
    }
}

/// Schedule text: people's forms, cron forms, and junk near both.
mod schedules {
    use super::*;

    const TIMES: &[&str] = &[
        "08:00",
        "8:30",
        "8am",
        "8:30pm",
        "20h",
        "0800",
        "12am",
        "12pm",
        "0am",
        "13pm",
        "24:00",
        "23:59",
        "7.15",
        "99:99",
        "08:00:00",
        "8",
        "0",
        "00:00",
        "1é",
        "1éa",
        "8é:0",
        "0é00",
        "1:é",
        "9999999999",
        "1:99999999999",
        "12:30AM",
        "8a",
        "8h30",
        "0x10",
        "１",
    ];
    const DAYS: &[&str] = &[
        "daily",
        "everyday",
        "every-day",
        "weekdays",
        "workdays",
        "weekends",
        "weekend",
        "mon",
        "monday",
        "MON",
        "Tuesday",
        "tue,thu",
        "mon-fri",
        "fri-mon",
        "sun-sat",
        "mo",
        "mon,,wed",
        "mon-",
        "-fri",
        "mon-tue-wed",
        "xyz",
        "montag",
        "mön",
        "sat,sun",
        ",",
        "mon,mon",
        "ünd",
    ];
    const CRON_FIELDS: &[&str] = &[
        "*",
        "*/5",
        "0",
        "1-5",
        "0-59/15",
        "?",
        "L",
        "W",
        "1,2,3",
        "MON-FRI",
        "JAN",
        "2",
        "30",
        "60",
        "-1",
        "*/0",
        "5/0",
        "99999999999",
        "7",
        "0-7",
        "1/2",
        "L-3",
        "5#2",
        "2099",
        "1970-2100",
        "SUN",
        "*/60",
    ];

    pub fn text() -> BoxedStrategy<String> {
        let word = prop_oneof![
            select(TIMES).prop_map(str::to_string),
            select(DAYS).prop_map(str::to_string),
            (
                0u32..100,
                0u32..100,
                select(&[":", ".", "", "h", "am", "pm"][..])
            )
                .prop_map(|(h, m, sep)| format!("{h}{sep}{m:02}")),
            // A digit and then anything: the time reader's territory.
            (0u32..10, proptest::collection::vec(any::<char>(), 0..4))
                .prop_map(|(d, rest)| format!("{d}{}", rest.into_iter().collect::<String>())),
        ];
        let cron = (
            proptest::option::of(select(&["cron", "CRON", "Cron"][..])),
            proptest::collection::vec(select(CRON_FIELDS), 3..8),
        )
            .prop_map(|(keyword, fields)| {
                let fields = fields.join(" ");
                keyword.map_or(fields.clone(), |k| format!("{k} {fields}"))
            });
        prop_oneof![
            1 => super::text(3),
            2 => proptest::collection::vec(word, 1..4).prop_map(|w| w.join(" ")),
            2 => cron,
            3 => daily(),
            2 => unix_cron(),
        ]
        .boxed()
    }

    /// A time people write, in range: `08:05`, `8:05`, `0805`, `8am`, `8:05pm`, `20h`.
    fn time() -> BoxedStrategy<String> {
        (0u32..24, 0u32..60, 0..6u8)
            .prop_map(|(h, m, form)| {
                let h12 = if h % 12 == 0 { 12 } else { h % 12 };
                let meridiem = if h < 12 { "am" } else { "PM" };
                match form {
                    0 => format!("{h:02}:{m:02}"),
                    1 => format!("{h}:{m:02}"),
                    2 => format!("{h:02}{m:02}"),
                    3 => format!("{h12}{meridiem}"),
                    4 => format!("{h12}:{m:02}{meridiem}"),
                    _ => format!("{h}h"),
                }
            })
            .boxed()
    }

    /// Days people write: names, lists, ranges (wrapping too) and the words for sets.
    fn days() -> BoxedStrategy<String> {
        const NAMES: [&str; 7] = ["mon", "Tue", "wednesday", "THU", "fri", "saturday", "Sun"];
        prop_oneof![
            select(&["daily", "weekdays", "weekends", "workdays", "everyday"][..])
                .prop_map(str::to_string),
            proptest::collection::vec(select(&NAMES[..]), 1..4).prop_map(|d| d.join(",")),
            (select(&NAMES[..]), select(&NAMES[..])).prop_map(|(a, b)| format!("{a}-{b}")),
        ]
        .boxed()
    }

    /// A schedule that should parse: a time with or without days, in either order.
    fn daily() -> BoxedStrategy<String> {
        (time(), proptest::option::of(days()), any::<bool>())
            .prop_map(|(time, days, days_first)| match days {
                Some(days) if days_first => format!("{days} {time}"),
                Some(days) => format!("{time}  {days}"),
                None => time,
            })
            .boxed()
    }

    /// Five-field Unix cron with in-range fields, `cron` first or not.
    fn unix_cron() -> BoxedStrategy<String> {
        let field = |max: u32| {
            prop_oneof![
                Just("*".to_string()),
                (0..=max).prop_map(|n| n.to_string()),
                (1..=max.max(1)).prop_map(|n| format!("*/{n}")),
                (0..=max, 0..=max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
                (0..=max, 0..=max).prop_map(|(a, b)| format!("{a},{b}")),
            ]
        };
        (
            any::<bool>(),
            field(59),
            field(23),
            prop_oneof![
                Just("*".to_string()),
                (1u32..=31).prop_map(|d| d.to_string())
            ],
            prop_oneof![
                Just("*".to_string()),
                (1u32..=12).prop_map(|m| m.to_string())
            ],
            field(7),
        )
            .prop_map(|(keyword, minute, hour, day, month, weekday)| {
                let fields = format!("{minute} {hour} {day} {month} {weekday}");
                if keyword {
                    format!("cron {fields}")
                } else {
                    fields
                }
            })
            .boxed()
    }
}

/// Feed documents from a small grammar, then mangled.
mod feeds {
    use super::*;

    const DATES: &[&str] = &[
        "Mon, 02 Mar 2026 07:00:00 GMT",
        "Mon, 02 Mar 2026 07:00:00 +0100",
        "Mon, 02 Mar 2026 07:00:00 EST",
        "2 Mar 2026 07:00 GMT",
        "2026-03-02T07:00:00Z",
        "2026-03-02T07:00:00.123456789+05:30",
        "2026-03-02",
        "Tue, 31 Feb 2026 25:61:61 +9999",
        "2026-13-45T99:99:99+99:99",
        "yesterday",
        "",
        "0",
        "-1",
        "99999999999999999999",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "+275760-09-13T00:00:00Z",
        "2026年3月2日",
        "Mon, 02 Mar 2026 07:00:00 +99999999999999999",
        "é12:00",
        "\u{202E}07:00:00+0100 2 Mar 2026",
    ];

    /// Text for an XML element: usually well-formed (escaped HTML, CDATA, entities), sometimes
    /// raw hostile text that breaks the document.
    fn xml_text() -> BoxedStrategy<String> {
        prop_oneof![
            3 => text(4).prop_map(|t| xml_escape(&t)),
            2 => text(4).prop_map(|t| cdata(&t)),
            1 => select(&[
                "&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;",
                "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
                "&nbsp;&eacute;&#x41;&#65;&bogus;&",
                "<![CDATA[<p>a <script>alert(1)</script> <a href=\"javascript:x\">b</a></p>]]>",
                "<![CDATA[ ]]> ]]>",
                "<b>inline <i>xhtml</i></b>",
                "&#xD800;&#0;&#x110000;",
                "",
            ][..]).prop_map(str::to_string),
            1 => text(4),
            1 => (1..3_000usize).prop_map(|n| "word ".repeat(n)),
        ]
        .boxed()
    }

    /// `text` in CDATA sections, split where it holds the end marker.
    fn cdata(text: &str) -> String {
        format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
    }

    fn xml_escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }

    fn element(name: &'static str, body: BoxedStrategy<String>) -> BoxedStrategy<String> {
        proptest::option::weighted(0.7, body)
            .prop_map(move |body| body.map_or(String::new(), |b| format!("<{name}>{b}</{name}>")))
            .boxed()
    }

    const RELATIVE: &[&str] = &[
        "/relative/path",
        "../up",
        "?q=1",
        "#frag",
        "//cdn.test/x",
        "https://x.test/a?utm_source=x&amp;id=3",
    ];

    fn link_text() -> BoxedStrategy<String> {
        prop_oneof![
            2 => url().prop_map(|u| xml_escape(&u)),
            1 => select(RELATIVE).prop_map(str::to_string),
            1 => url(),
        ]
        .boxed()
    }

    fn date() -> BoxedStrategy<String> {
        prop_oneof![3 => select(DATES).prop_map(str::to_string), 1 => text(2)].boxed()
    }

    fn rss_item() -> BoxedStrategy<String> {
        (
            element("title", xml_text()),
            element("link", link_text()),
            element("description", xml_text()),
            proptest::option::of((any::<bool>(), link_text())),
            element("pubDate", date()),
            element("content:encoded", xml_text()),
            element("dc:date", date()),
            select(&["item", "item", "entry", "ITEM"][..]),
        )
            .prop_map(|(title, link, description, guid, date, content, dc, tag)| {
                let guid = guid.map_or(String::new(), |(permalink, id)| {
                    format!("<guid isPermaLink=\"{permalink}\">{id}</guid>")
                });
                format!("<{tag}>{title}{link}{description}{guid}{date}{content}{dc}</{tag}>")
            })
            .boxed()
    }

    fn rss() -> BoxedStrategy<String> {
        const VERSIONS: &[&str] = &[
            "2.0",
            "0.91",
            "0.92",
            "9",
            "",
            "2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/",
        ];
        const LANGUAGES: &[&str] = &["en-US", "de", "", "x\u{0}", "zh-Hant-TW"];
        (
            select(VERSIONS),
            element("title", xml_text()),
            element("link", link_text()),
            element(
                "language",
                select(LANGUAGES).prop_map(str::to_string).boxed(),
            ),
            proptest::collection::vec(rss_item(), 0..6),
        )
            .prop_map(|(version, title, link, language, items)| {
                format!(
                    "<rss version=\"{version}\"><channel>{title}{link}{language}{}</channel></rss>",
                    items.concat()
                )
            })
            .boxed()
    }

    fn rdf() -> BoxedStrategy<String> {
        (
            element("title", xml_text()),
            proptest::collection::vec((link_text(), rss_item()), 0..5),
        )
            .prop_map(|(title, items)| {
                let items: String = items
                    .into_iter()
                    .map(|(about, item)| {
                        item.replacen("<item>", &format!("<item rdf:about=\"{about}\">"), 1)
                    })
                    .collect();
                format!(
                    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
                     xmlns=\"http://purl.org/rss/1.0/\"><channel>{title}</channel>{items}</rdf:RDF>"
                )
            })
            .boxed()
    }

    fn atom_text(name: &'static str) -> BoxedStrategy<String> {
        const KINDS: &[&str] = &[
            "",
            " type=\"text\"",
            " type=\"html\"",
            " type=\"xhtml\"",
            " type=\"text/plain\"",
            " type=\"image/png\"",
            " type=\"text/html\"",
        ];
        const XHTML: &str = "http://www.w3.org/1999/xhtml";
        (select(KINDS), xml_text())
            .prop_map(move |(kind, body)| {
                if kind.contains("xhtml") {
                    format!("<{name}{kind}><div xmlns=\"{XHTML}\">{body}</div></{name}>")
                } else {
                    format!("<{name}{kind}>{body}</{name}>")
                }
            })
            .boxed()
    }

    fn atom_entry() -> BoxedStrategy<String> {
        (
            element("id", link_text()),
            proptest::option::of(atom_text("title")),
            proptest::collection::vec(
                (
                    link_text(),
                    select(
                        &[
                            "",
                            " rel=\"alternate\"",
                            " rel=\"self\"",
                            " rel=\"enclosure\"",
                        ][..],
                    ),
                ),
                0..3,
            ),
            element("updated", date()),
            element("published", date()),
            proptest::option::of(atom_text("summary")),
            proptest::option::of(atom_text("content")),
            proptest::option::of(link_text()),
        )
            .prop_map(
                |(id, title, links, updated, published, summary, content, base)| {
                    let links: String = links
                        .into_iter()
                        .map(|(href, rel)| format!("<link href=\"{href}\"{rel}/>"))
                        .collect();
                    let base = base.map_or(String::new(), |b| format!(" xml:base=\"{b}\""));
                    format!(
                        "<entry{base}>{id}{}{links}{updated}{published}{}{}</entry>",
                        title.unwrap_or_default(),
                        summary.unwrap_or_default(),
                        content.unwrap_or_default()
                    )
                },
            )
            .boxed()
    }

    fn atom() -> BoxedStrategy<String> {
        (
            select(
                &[
                    "http://www.w3.org/2005/Atom",
                    "http://purl.org/atom/ns#",
                    "",
                ][..],
            ),
            proptest::option::of(atom_text("title")),
            proptest::option::of(link_text()),
            proptest::collection::vec(atom_entry(), 0..6),
        )
            .prop_map(|(namespace, title, base, entries)| {
                let base = base.map_or(String::new(), |b| format!(" xml:base=\"{b}\""));
                format!(
                    "<feed xmlns=\"{namespace}\" xml:lang=\"en\"{base}>{}{}</feed>",
                    title.unwrap_or_default(),
                    entries.concat()
                )
            })
            .boxed()
    }

    fn json_scalar() -> BoxedStrategy<Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            text(3).prop_map(Value::from),
            url().prop_map(Value::from),
            date().prop_map(Value::from),
            Just(serde_json::json!([1, "two", {"three": null}])),
            Just(serde_json::json!({"nested": {"deeper": ["x"]}})),
        ]
        .boxed()
    }

    /// A value for `key` that is usually of the right JSON Feed type.
    fn json_field(key: &'static str) -> BoxedStrategy<(String, Value)> {
        let right = match key {
            "url" | "external_url" | "id" | "home_page_url" | "feed_url" => {
                url().prop_map(Value::from).boxed()
            }
            "date_published" | "date_modified" => date().prop_map(Value::from).boxed(),
            "items" => proptest::collection::vec(json_item(), 0..6)
                .prop_map(Value::from)
                .boxed(),
            _ => text(4).prop_map(Value::from).boxed(),
        };
        prop_oneof![4 => right, 1 => json_scalar()]
            .prop_map(move |value| (key.to_string(), value))
            .boxed()
    }

    fn object(keys: &'static [&'static str]) -> BoxedStrategy<Value> {
        proptest::collection::vec(select(keys), 0..keys.len() + 2)
            .prop_flat_map(|chosen| chosen.into_iter().map(json_field).collect::<Vec<_>>())
            .prop_map(|fields| Value::Object(fields.into_iter().collect()))
            .boxed()
    }

    fn json_item() -> BoxedStrategy<Value> {
        object(&[
            "id",
            "url",
            "external_url",
            "title",
            "summary",
            "content_html",
            "content_text",
            "date_published",
            "date_modified",
            "language",
            "tags",
        ])
    }

    fn json_feed() -> BoxedStrategy<String> {
        (
            select(
                &[
                    "https://jsonfeed.org/version/1.1",
                    "https://jsonfeed.org/version/1",
                    "http://jsonfeed.org/version/9",
                    "",
                    "1.1",
                ][..],
            ),
            object(&[
                "title",
                "home_page_url",
                "feed_url",
                "language",
                "description",
            ]),
            proptest::collection::vec(json_item(), 0..6),
            any::<bool>(),
        )
            .prop_map(|(version, mut feed, items, pretty)| {
                feed["version"] = Value::from(version);
                feed["items"] = Value::from(items);
                if pretty {
                    serde_json::to_string_pretty(&feed).unwrap_or_default()
                } else {
                    feed.to_string()
                }
            })
            .boxed()
    }

    #[derive(Debug, Clone)]
    enum Encoding {
        Utf8,
        Utf8Bom,
        Utf16Le,
        Utf16Be,
        /// Every character outside Latin-1 dropped, the rest as single bytes.
        Latin1,
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        Truncate(Index),
        Insert(Index, Vec<u8>),
        Delete(Index, usize),
        Flip(Index, u8),
        Duplicate(Index, usize),
    }

    fn mutation() -> BoxedStrategy<Mutation> {
        prop_oneof![
            any::<Index>().prop_map(Mutation::Truncate),
            (
                any::<Index>(),
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 1..8),
                    select(vec![
                        &b"<"[..],
                        b"</item>",
                        b"]]>",
                        b"&",
                        b"<![CDATA[",
                        b"\0",
                        b"\xFF",
                        b"\"",
                        b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
                        b"&a;"
                    ])
                    .prop_map(<[u8]>::to_vec),
                ]
            )
                .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
            (any::<Index>(), 1..64usize).prop_map(|(at, n)| Mutation::Delete(at, n)),
            (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::Flip(at, b)),
            (any::<Index>(), 1..256usize).prop_map(|(at, n)| Mutation::Duplicate(at, n)),
        ]
        .boxed()
    }

    fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
        let len = bytes.len();
        let at = |index: &Index| if len == 0 { 0 } else { index.index(len + 1) };
        match mutation {
            Mutation::Truncate(index) => bytes.truncate(at(index)),
            Mutation::Insert(index, new) => {
                let i = at(index);
                bytes.splice(i..i, new.iter().copied());
            }
            Mutation::Delete(index, n) => {
                let i = at(index);
                bytes.drain(i..(i + n).min(len));
            }
            Mutation::Flip(index, byte) => {
                if len > 0 {
                    bytes[index.index(len)] ^= byte;
                }
            }
            Mutation::Duplicate(index, n) => {
                let i = at(index);
                let copy = bytes[i..(i + n).min(len)].to_vec();
                bytes.splice(i..i, copy);
            }
        }
    }

    fn encode(text: &str, encoding: &Encoding) -> Vec<u8> {
        match encoding {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            Encoding::Utf8Bom => [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
            Encoding::Utf16Le => [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
            Encoding::Utf16Be => [0xFE, 0xFF]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
                .collect(),
            Encoding::Latin1 => text
                .chars()
                .filter_map(|c| u8::try_from(u32::from(c)).ok())
                .collect(),
        }
    }

    pub fn document() -> BoxedStrategy<Vec<u8>> {
        let declaration = select(
            &[
                "",
                "<?xml version=\"1.0\"?>",
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
                "<?xml version=\"1.0\" encoding=\"windows-1252\"?>",
                "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
                "<?xml version=\"1.0\" encoding=\"bogus\"?>",
                "<?xml version=\"1.1\" standalone=\"yes\"?>\n<!-- comment -->",
                "Warning: something in /var/www/feed.php on line 3\n",
                "<!DOCTYPE rss [<!ENTITY e \"&#38;#60;\">]>",
            ][..],
        );
        let encoding = prop_oneof![
            6 => Just(Encoding::Utf8),
            1 => Just(Encoding::Utf8Bom),
            1 => Just(Encoding::Utf16Le),
            1 => Just(Encoding::Utf16Be),
            1 => Just(Encoding::Latin1),
        ];
        let body = prop_oneof![
            3 => (declaration, prop_oneof![rss(), atom(), rdf()]).prop_map(|(d, x)| format!("{d}{x}")),
            2 => json_feed(),
        ];
        (body, encoding, proptest::collection::vec(mutation(), 0..4))
            .prop_map(|(text, encoding, mutations)| {
                let mut bytes = encode(&text, &encoding);
                for mutation in &mutations {
                    apply(&mut bytes, mutation);
                }
                bytes
            })
            .boxed()
    }
}

// ---- the tests ----

macro_rules! properties {
    ($($name:ident => $cases:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                properties::$name(Run::quick($cases));
            }
        )*

        /// Every property with many more cases from a fresh seed, for local use.
        #[test]
        #[ignore = "long fuzz run for local use; BRIEFBOT_FUZZ_CASES and BRIEFBOT_FUZZ_SEED set it"]
        fn long_run() {
            let run = Run::long();
            eprintln!(
                "fuzz long run: {} cases per property, seed {} (BRIEFBOT_FUZZ_SEED={} replays it)",
                run.cases, run.seed, run.seed
            );
            $(
                let started = std::time::Instant::now();
                properties::$name(run);
                eprintln!("  {} passed in {:.1?}", stringify!($name), started.elapsed());
            )*
        }
    };
}

properties! {
    text_has_no_controls => 64,
    markdown_escapes_feed_text => 128,
    json_round_trips => 64,
    telegram_parts_are_valid => 128,
    telegram_text_is_valid => 128,
    discord_embeds_are_valid => 128,
    discord_text_is_valid => 128,
    feed_parser_takes_any_bytes => 256,
    feed_parser_takes_mangled_feeds => 256,
    schedules_round_trip => 256,
    zones_round_trip => 256,
    commands_parse_as_documented => 256,
}
