//! What an item is, for merging: weighted words and word pairs of its title and summary
//! opening, proper names, amounts, event kinds and gazetteer entities.

use std::collections::BTreeMap;

use super::{MergeInput, Vector};
use crate::config::EntityKind;
use crate::engine::entities::Gazetteer;
use crate::engine::terms::Field;
use crate::engine::text;

/// Weight of a title word over a summary word.
const TITLE_BOOST: f32 = 1.5;
/// Weight of a name (see `proper_names`) over a common word.
const NAME_BOOST: f32 = 2.0;
/// Weight of a canonical amount in a title.
const AMOUNT_BOOST: f32 = 2.5;
/// Summary sentences that describe the event; later ones drift into background.
const SUMMARY_SENTENCES: usize = 2;

const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "for",
    "with",
    "at",
    "by",
    "from",
    "as",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "has",
    "have",
    "had",
    "will",
    "would",
    "could",
    "can",
    "may",
    "after",
    "over",
    "into",
    "about",
    "new",
    "says",
    "said",
    "say",
    "report",
    "reports",
    "reportedly",
    "up",
    "out",
    "more",
    "than",
    "not",
    "no",
    "we",
    "our",
    "you",
    "your",
    "they",
    "their",
    "he",
    "she",
    "his",
    "her",
    "who",
    "what",
    "which",
    "when",
    "how",
    "why",
    "all",
    "also",
    "just",
    "now",
    "s",
    "de",
    "la",
    "le",
    "amid",
    "per",
    "via",
    "one",
    "two",
    "first",
    "year",
    "week",
    "day",
    "today",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "company",
    "firm",
    "deal",
    "plan",
    "move",
    "news",
    "update",
    "latest",
    "according",
    "statement",
    "announced",
    "announce",
    "announces",
    "unveil",
    "unveils",
    "unveiled",
    "launch",
    "launches",
    "launched",
    "release",
    "releases",
    "released",
    "的",
    "了",
    "在",
    "和",
];

pub(super) struct Features {
    pub(super) weights: BTreeMap<String, f32>,
    pub(super) title_amounts: Vec<f64>,
    /// Every amount in the title and the opening of the summary.
    pub(super) amounts: Vec<f64>,
    /// What kinds of event the headline reports (funding, launch, lawsuit, …), one bit each.
    pub(super) events: u8,
    /// The headline is written in Chinese or Japanese.
    pub(super) cjk: bool,
    /// Features that read the same in any language: entities, amounts, event kinds, product
    /// codes and Latin names. Reports in two scripts are compared on these alone.
    pub(super) neutral: BTreeMap<String, f32>,
    pub(super) neutral_vector: Vector,
    /// The outlet as a number and the time in seconds: compared for every candidate pair.
    pub(super) source: u32,
    pub(super) published: i64,
}

pub(super) fn features(input: &MergeInput, gazetteer: &Gazetteer) -> Features {
    let mut weights = BTreeMap::new();
    let mut add = |feature: String, weight: f32| {
        let slot = weights.entry(feature).or_insert(0.0);
        if *slot < weight {
            *slot = weight;
        }
    };
    let names = proper_names(input.title, input.summary);
    let boost = |word: &str| {
        if names.contains(word) {
            NAME_BOOST
        } else {
            1.0
        }
    };

    let title_tokens = text::tokens(&text::normalise(input.title));
    for word in content_words(&title_tokens) {
        let weight = TITLE_BOOST * boost(&word);
        add(word, weight);
    }
    let title_quantities: Vec<text::Quantity> = text::quantities(&title_tokens)
        .into_iter()
        .filter(|q| q.scaled)
        .collect();
    for amount in &title_quantities {
        add(amount.feature(), AMOUNT_BOOST);
    }
    let title_amounts: Vec<f64> = title_quantities.iter().map(|q| q.value).collect();

    let opening: String = text::sentences(input.summary)
        .into_iter()
        .take(SUMMARY_SENTENCES)
        .collect::<Vec<_>>()
        .join(" ");
    let summary_tokens = text::tokens(&text::normalise(&opening));
    for word in content_words(&summary_tokens) {
        let weight = boost(&word);
        add(word, weight);
    }
    for amount in text::quantities(&summary_tokens)
        .iter()
        .filter(|q| q.scaled)
    {
        add(amount.feature(), AMOUNT_BOOST * 0.6);
    }
    // Entities under any of their names: "Seoul" and "South Korea", "NVDA" and "英伟达"
    // become one feature, which is what lets retellings in other words or languages meet.
    let fields = [
        (Field::from_tokens(&title_tokens), input.title, TITLE_BOOST),
        (Field::from_tokens(&summary_tokens), opening.as_str(), 1.0),
    ];
    for (field, raw, boost) in &fields {
        for entity in gazetteer.find_in(&[field], &[raw]) {
            // Countries are named in half of all policy news: on their own they say little
            // about which story this is.
            let weight = match gazetteer.kind(entity) {
                EntityKind::Place => boost * 0.5,
                _ => boost * NAME_BOOST,
            };
            add(format!("@{}", gazetteer.id(entity)), weight);
        }
    }
    let mut amounts: Vec<f64> = title_amounts.clone();
    amounts.extend(
        text::quantities(&summary_tokens)
            .iter()
            .filter(|q| q.scaled)
            .map(|q| q.value),
    );
    let kinds = event_kinds(&title_tokens);
    let mut events = 0u8;
    for (bit, event) in kinds {
        events |= 1 << bit;
        add(format!("!{event}"), 1.0);
    }
    let cjk = is_cjk_text(input.title);
    let mut neutral: BTreeMap<String, f32> = weights
        .iter()
        .filter(|(name, _)| name.starts_with(['@', '#', '!']))
        .map(|(name, weight)| (name.clone(), *weight))
        .collect();
    for token in title_tokens.iter().chain(&summary_tokens) {
        let latin = token.chars().all(|c| c.is_ascii_alphanumeric());
        let code = token.chars().any(|c| c.is_ascii_digit())
            && token.chars().any(|c| c.is_ascii_alphabetic());
        // In Chinese text every Latin word is a name or a code ("ASML", "B30A"); in English
        // only names and codes are language-neutral.
        let stem = text::stem(token);
        let neutral_word = latin
            && token.len() >= 2
            && (code || cjk || names.contains(&stem))
            && !STOPWORDS.contains(&stem.as_str());
        if neutral_word {
            neutral.entry(stem).or_insert(NAME_BOOST);
        }
    }
    Features {
        weights,
        title_amounts,
        amounts,
        events,
        cjk,
        neutral,
        neutral_vector: Vector::default(),
        source: 0,
        published: input.published.timestamp(),
    }
}

/// Whether most letters of a text are CJK.
fn is_cjk_text(text: &str) -> bool {
    let (mut cjk, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        if text::is_cjk(c) {
            cjk += 1;
        } else {
            other += 1;
        }
    }
    cjk > other
}

/// Kinds of event a headline reports. Two headlines about one company that report different
/// kinds (a launch and a lawsuit, a release and an outage) are usually two stories.
fn event_kinds(tokens: &[String]) -> Vec<(usize, &'static str)> {
    const KINDS: &[(&str, &[&str])] = &[
        (
            "funding",
            &[
                "raise",
                "raises",
                "raised",
                "raising",
                "funding",
                "round",
                "series",
                "valuation",
                "valued",
                "fundraise",
                "融资",
                "估值",
            ],
        ),
        (
            "launch",
            &[
                "launch",
                "launches",
                "launched",
                "release",
                "releases",
                "released",
                "unveil",
                "unveils",
                "unveiled",
                "debut",
                "debuts",
                "introduce",
                "introduces",
                "open-source",
                "open-sources",
                "rolls",
                "ships",
                "发布",
                "推出",
                "上线",
                "开源",
            ],
        ),
        (
            "legal",
            &[
                "sue",
                "sues",
                "sued",
                "lawsuit",
                "court",
                "judge",
                "ruling",
                "trial",
                "indict",
                "indicted",
                "indictment",
                "settle",
                "settles",
                "起诉",
                "诉讼",
                "法院",
            ],
        ),
        (
            "outage",
            &[
                "outage", "outages", "down", "bug", "glitch", "rollback", "pauses", "paused",
                "breach", "leak", "宕机", "故障", "漏洞",
            ],
        ),
        (
            "results",
            &[
                "earnings",
                "revenue",
                "quarter",
                "quarterly",
                "profit",
                "results",
                "guidance",
                "财报",
                "营收",
                "利润",
            ],
        ),
        (
            "deal",
            &[
                "acquire",
                "acquires",
                "acquired",
                "acquisition",
                "buy",
                "buys",
                "merger",
                "takeover",
                "收购",
                "并购",
            ],
        ),
        ("ipo", &["ipo", "listing", "lists", "上市"]),
    ];
    let mut kinds = Vec::new();
    for (bit, (kind, words)) in KINDS.iter().enumerate() {
        let found = tokens.iter().any(|token| {
            words.iter().any(|word| {
                if word.chars().next().is_some_and(text::is_cjk) {
                    token.contains(word)
                } else {
                    token == word
                }
            })
        });
        if found {
            kinds.push((bit, *kind));
        }
    }
    kinds
}

/// Stems of words written as names: capitalised where a sentence does not start, or carrying
/// digits ("H20", "GPT-5.5"). Names say which story this is far better than common words. A
/// Title Case headline capitalises everything, so its capitals are not taken as evidence.
fn proper_names(title: &str, summary: &str) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    let mut collect = |text: &str, trust_capitals: bool| {
        for sentence in text::sentences(text) {
            for (position, word) in sentence.split_whitespace().enumerate() {
                let word = word.trim_matches(|c: char| !c.is_alphanumeric());
                let capitalised = word.chars().next().is_some_and(char::is_uppercase)
                    && position > 0
                    && trust_capitals;
                let coded = word.chars().any(|c| c.is_ascii_digit())
                    && word.chars().any(char::is_alphabetic);
                let acronym = word.chars().count() >= 2
                    && word.chars().all(|c| c.is_uppercase() || c.is_ascii_digit());
                if capitalised || coded || acronym {
                    for token in text::tokens(&text::normalise(word)) {
                        names.insert(text::stem(&token));
                    }
                }
            }
        }
    };
    let words: Vec<&str> = title.split_whitespace().collect();
    let capitalised = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    collect(title, capitalised * 10 < words.len().max(1) * 6);
    collect(summary, true);
    names
}

/// Stemmed tokens that carry meaning. CJK runs are split into overlapping character pairs,
/// the usual way to compare Chinese text without a dictionary.
fn content_words(tokens: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        if token.chars().next().is_some_and(text::is_cjk) {
            let chars: Vec<char> = token.chars().collect();
            if chars.len() == 1 {
                out.push(token.clone());
            }
            for pair in chars.windows(2) {
                let bigram: String = pair.iter().collect();
                if !STOPWORDS.iter().any(|s| bigram.contains(s)) {
                    out.push(bigram);
                }
            }
            continue;
        }
        // "Qwen 4" and "Qwen4", "GPT 5.5" and "GPT-5.5": a name followed by a version number is
        // also taken as one word, so every spelling shares it.
        if let Some(next) = tokens.get(index + 1)
            && token.chars().all(|c| c.is_alphabetic())
            && next.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            out.push(format!("{token}{next}"));
        }
        let stem = synonym(&text::stem(token));
        if stem.chars().count() < 2 && !stem.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if STOPWORDS.contains(&stem.as_str()) || STOPWORDS.contains(&token.as_str()) {
            continue;
        }
        out.push(stem);
    }
    out
}

/// Words newsrooms use interchangeably for the same event, folded to one.
fn synonym(stem: &str) -> String {
    const GROUPS: &[(&str, &[&str])] = &[
        ("ipo", &["ipo", "listing", "flotation", "float", "debut"]),
        (
            "acquire",
            &[
                "acquire",
                "acquisition",
                "acquired",
                "acquires",
                "buy",
                "buyout",
                "takeover",
                "purchase",
            ],
        ),
        ("license", &["licence", "license", "licensed", "licensing"]),
        (
            "revoke",
            &[
                "revoke",
                "revoked",
                "revocation",
                "pull",
                "rescind",
                "cancel",
            ],
        ),
        (
            "fund",
            &[
                "funding",
                "fundraise",
                "fundraising",
                "raise",
                "raised",
                "raising",
                "round",
            ],
        ),
        ("price", &["price", "pricing", "pricier", "cost"]),
        ("chip", &["chip", "semiconductor", "processor"]),
        ("model", &["model", "llm"]),
        ("valuation", &["valuation", "valued", "value", "valuing"]),
    ];
    GROUPS
        .iter()
        .find(|(_, words)| words.contains(&stem))
        .map(|(canonical, _)| canonical.to_string())
        .unwrap_or_else(|| stem.to_string())
}
