//! Merging: items from different outlets that tell the same story become one cluster.
//!
//! Each item becomes a TF-IDF vector over its title (weighted up), the opening of its summary,
//! title word pairs and canonical amounts ("$40B" = "$40 billion"). Rare shared features
//! propose candidate pairs through an inverted index, so 10,000 items never cost 50 million
//! comparisons. Pairs are then joined strongest first, and two groups join only when their
//! average similarity stays high, which keeps one shared company name from chaining two
//! different events together. Headlines naming different amounts are never merged: "raises
//! $2B" and "raises $300M" are two rounds.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::entities::Gazetteer;
use super::terms::Field;
use super::text;
use crate::config::EntityKind;

/// Cosine similarity at which two items are candidates for the same story.
pub const PAIR_THRESHOLD: f32 = 0.20;
/// Average similarity two groups must keep to be joined.
const LINK_THRESHOLD: f32 = 0.15;
/// Items further apart in time than this are different stories even if worded alike.
const MAX_TIME_APART_HOURS: i64 = 48;
/// Amounts in two headlines closer than this ratio may be the same figure.
const AMOUNT_RATIO: f64 = 1.35;
/// Weight of a title word over a summary word.
const TITLE_BOOST: f32 = 1.5;
/// Weight of a name (see `proper_names`) over a common word.
const NAME_BOOST: f32 = 2.0;
/// Weight of a canonical amount in a title.
const AMOUNT_BOOST: f32 = 2.5;
/// A Chinese and an English report sharing entities, amounts and codes are compared on those
/// alone, which are rarer and surer evidence than shared words: their cosine counts this much.
const CROSS_SCRIPT_FACTOR: f32 = 0.6;
/// Two headlines reporting different kinds of event (a launch and a lawsuit) need this much
/// more in common to be one story.
const DIFFERENT_EVENT_FACTOR: f32 = 0.5;
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

/// What merging needs to know about one item.
#[derive(Debug, Clone)]
pub struct MergeInput<'a> {
    /// The outlet: one outlet does not report the same story twice in a window, so two of its
    /// items are never merged (it keeps near-identical wording for different stories).
    pub source: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub published: DateTime<Utc>,
}

/// A sparse unit vector: sorted feature ids with weights.
#[derive(Debug, Clone, Default)]
pub struct Vector {
    entries: Vec<(u32, f32)>,
}

impl Vector {
    pub fn dot(&self, other: &Vector) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        while i < self.entries.len() && j < other.entries.len() {
            match self.entries[i].0.cmp(&other.entries[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += self.entries[i].1 * other.entries[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }
}

struct Features {
    weights: BTreeMap<String, f32>,
    title_amounts: Vec<f64>,
    /// Every amount in the title and the opening of the summary.
    amounts: Vec<f64>,
    /// What kinds of event the headline reports (funding, launch, lawsuit, …), one bit each.
    events: u8,
    /// The headline is written in Chinese or Japanese.
    cjk: bool,
    /// Features that read the same in any language: entities, amounts, event kinds, product
    /// codes and Latin names. Reports in two scripts are compared on these alone.
    neutral: BTreeMap<String, f32>,
    neutral_vector: Vector,
    /// The outlet as a number and the time in seconds: compared for every candidate pair.
    source: u32,
    published: i64,
}

fn features(input: &MergeInput, gazetteer: &Gazetteer) -> Features {
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

/// Groups items into stories. Returns clusters of input indices, each sorted, in order of
/// their first member, so the result does not depend on hash order.
pub fn merge(inputs: &[MergeInput], gazetteer: &Gazetteer) -> Merged {
    let mut all_features: Vec<Features> = inputs.iter().map(|i| features(i, gazetteer)).collect();
    let (vectors, names) = vectorise(&all_features.iter().map(|f| &f.weights).collect::<Vec<_>>());
    let (neutral_vectors, _) =
        vectorise(&all_features.iter().map(|f| &f.neutral).collect::<Vec<_>>());
    let mut sources: HashMap<&str, u32> = HashMap::new();
    for ((features, vector), input) in all_features.iter_mut().zip(neutral_vectors).zip(inputs) {
        features.neutral_vector = vector;
        let next = sources.len() as u32;
        features.source = *sources.entry(input.source).or_insert(next);
    }
    let edges = candidate_pairs(inputs, &all_features, &vectors);

    let mut cluster_of: Vec<usize> = (0..inputs.len()).collect();
    let mut members: Vec<Vec<usize>> = (0..inputs.len()).map(|i| vec![i]).collect();
    for (_, a, b) in edges {
        let (ca, cb) = (cluster_of[a], cluster_of[b]);
        if ca == cb {
            continue;
        }
        if !groups_agree(&members[ca], &members[cb], &all_features, &vectors) {
            continue;
        }
        let (keep, absorb) = if ca < cb { (ca, cb) } else { (cb, ca) };
        let moved = std::mem::take(&mut members[absorb]);
        for &index in &moved {
            cluster_of[index] = keep;
        }
        members[keep].extend(moved);
    }
    let mut clusters: Vec<Vec<usize>> = members.into_iter().filter(|m| !m.is_empty()).collect();
    for cluster in &mut clusters {
        cluster.sort_unstable();
    }
    clusters.sort_by_key(|c| c[0]);
    Merged {
        clusters,
        vectors,
        names,
    }
}

/// The stories found, with what is needed to pick each one's most representative report.
pub struct Merged {
    pub clusters: Vec<Vec<usize>>,
    vectors: Vec<Vector>,
    /// Feature names by id, for explanations.
    names: Vec<String>,
}

impl Merged {
    /// Similarity of each member to the rest of its cluster: the most central title makes the
    /// best headline.
    pub fn centrality(&self, cluster: &[usize]) -> Vec<f32> {
        cluster
            .iter()
            .map(|&a| {
                cluster
                    .iter()
                    .filter(|&&b| b != a)
                    .map(|&b| self.vectors[a].dot(&self.vectors[b]))
                    .sum()
            })
            .collect()
    }
}

impl Merged {
    /// Features at least two of a cluster's reports share, strongest first: why they were
    /// taken for one story.
    pub fn shared(&self, cluster: &[usize], count: usize) -> Vec<String> {
        let mut totals: HashMap<u32, (usize, f32)> = HashMap::new();
        for &member in cluster {
            for &(id, weight) in &self.vectors[member].entries {
                let entry = totals.entry(id).or_default();
                entry.0 += 1;
                entry.1 += weight;
            }
        }
        let mut shared: Vec<(u32, f32)> = totals
            .into_iter()
            .filter(|(_, (members, _))| *members >= 2)
            .map(|(id, (_, weight))| (id, weight))
            .collect();
        shared.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        shared
            .into_iter()
            .take(count)
            .map(|(id, _)| self.names[id as usize].clone())
            .collect()
    }
}

fn vectorise(all_features: &[&BTreeMap<String, f32>]) -> (Vec<Vector>, Vec<String>) {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut document_frequency: Vec<u32> = Vec::new();
    for features in all_features {
        for feature in features.keys() {
            let next = ids.len() as u32;
            let id = *ids.entry(feature.as_str()).or_insert(next);
            if id as usize == document_frequency.len() {
                document_frequency.push(0);
            }
            document_frequency[id as usize] += 1;
        }
    }
    let mut names = vec![String::new(); ids.len()];
    for (name, id) in &ids {
        names[*id as usize] = (*name).to_string();
    }
    let total = all_features.len().max(1) as f32;
    let vectors = all_features
        .iter()
        .map(|features| {
            let mut entries: Vec<(u32, f32)> = features
                .iter()
                .map(|(feature, weight)| {
                    let id = ids[feature.as_str()];
                    let idf = (1.0 + total / document_frequency[id as usize] as f32).ln();
                    (id, weight * idf)
                })
                .collect();
            let norm = entries.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                for entry in &mut entries {
                    entry.1 /= norm;
                }
            }
            entries.sort_unstable_by_key(|(id, _)| *id);
            Vector { entries }
        })
        .collect();
    (vectors, names)
}

/// Pairs above the threshold, strongest first (ties by index for determinism).
fn candidate_pairs(
    inputs: &[MergeInput],
    all_features: &[Features],
    vectors: &[Vector],
) -> Vec<(f32, usize, usize)> {
    // Features shared by a large share of the window ("ai", "model") say nothing about
    // sameness; skipping them in the index is what keeps this near-linear.
    let common = (inputs.len() / 20).max(30);
    let mut postings: HashMap<u32, Vec<usize>> = HashMap::new();
    for (index, vector) in vectors.iter().enumerate() {
        for &(id, _) in &vector.entries {
            postings.entry(id).or_default().push(index);
        }
    }
    let mut edges = Vec::new();
    let mut seen = vec![usize::MAX; inputs.len()];
    for (a, vector) in vectors.iter().enumerate() {
        for &(id, _) in &vector.entries {
            let list = &postings[&id];
            if list.len() > common {
                continue;
            }
            for &b in list {
                if b <= a || seen[b] == a {
                    continue;
                }
                seen[b] = a;
                let similarity = pair_similarity(a, b, all_features, vectors);
                if similarity >= PAIR_THRESHOLD {
                    edges.push((similarity, a, b));
                }
            }
        }
    }
    edges.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    edges
}

fn pair_similarity(a: usize, b: usize, all_features: &[Features], vectors: &[Vector]) -> f32 {
    let (feature_a, feature_b) = (&all_features[a], &all_features[b]);
    if feature_a.source == feature_b.source {
        return 0.0;
    }
    if (feature_a.published - feature_b.published).abs() / 3600 > MAX_TIME_APART_HOURS {
        return 0.0;
    }
    let (amounts_a, amounts_b) = (
        &all_features[a].title_amounts,
        &all_features[b].title_amounts,
    );
    // Currency conversion and rounding ("€3bn" / "$3.5 billion") stay within this ratio;
    // two different rounds or results rarely do.
    let close = |x: &f64, y: &f64| x.max(*y) / x.min(*y).max(f64::MIN_POSITIVE) <= AMOUNT_RATIO;
    // One headline may lead with a round's size and another with the valuation: amounts
    // conflict only when neither headline's figure appears anywhere in the other report.
    let shares =
        |title: &[f64], other: &[f64]| title.iter().any(|x| other.iter().any(|y| close(x, y)));
    if !amounts_a.is_empty()
        && !amounts_b.is_empty()
        && !shares(amounts_a, &all_features[b].amounts)
        && !shares(amounts_b, &all_features[a].amounts)
    {
        return 0.0;
    }
    let (events_a, events_b) = (all_features[a].events, all_features[b].events);
    let different_events = events_a != 0 && events_b != 0 && events_a & events_b == 0;
    // Reports in two scripts share few words: compare what reads the same in both.
    let similarity = if all_features[a].cjk == all_features[b].cjk {
        vectors[a].dot(&vectors[b])
    } else {
        all_features[a]
            .neutral_vector
            .dot(&all_features[b].neutral_vector)
            * CROSS_SCRIPT_FACTOR
    };
    if different_events {
        similarity * DIFFERENT_EVENT_FACTOR
    } else {
        similarity
    }
}

fn groups_agree(
    left: &[usize],
    right: &[usize],
    all_features: &[Features],
    vectors: &[Vector],
) -> bool {
    let mut total = 0.0;
    for &a in left {
        for &b in right {
            let similarity = pair_similarity(a, b, all_features, vectors);
            if similarity == 0.0 {
                return false;
            }
            total += similarity;
        }
    }
    total / (left.len() * right.len()) as f32 >= LINK_THRESHOLD
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0)
            .single()
            .expect("valid time")
    }

    fn input<'a>(title: &'a str, summary: &'a str, hour: u32) -> MergeInput<'a> {
        MergeInput {
            source: title,
            title,
            summary,
            published: at(hour),
        }
    }

    fn background() -> Vec<MergeInput<'static>> {
        vec![
            input(
                "Potato harvest hits record in Idaho",
                "Farmers cheered a bumper crop.",
                1,
            ),
            input(
                "City council approves new bike lanes",
                "The vote passed 7-2.",
                2,
            ),
            input(
                "Rain expected across the region",
                "Forecasters warn of flooding.",
                3,
            ),
            input(
                "Local team wins championship",
                "Fans celebrated downtown.",
                4,
            ),
            input(
                "Museum opens modern art wing",
                "The wing cost $12 million.",
                5,
            ),
        ]
    }

    #[test]
    fn differently_worded_coverage_merges() {
        let mut inputs = background();
        inputs.push(input(
            "DeepSeek-V4 released with 1 trillion parameters",
            "DeepSeek released its V4 model on Monday.",
            6,
        ));
        inputs.push(input(
            "DeepSeek V4 arrives: open weights, 1T parameters",
            "The Chinese lab DeepSeek published V4 weights.",
            7,
        ));
        inputs.push(input(
            "OpenAI raises $40 billion led by SoftBank",
            "OpenAI closed a $40B round.",
            8,
        ));
        inputs.push(input(
            "SoftBank leads $40B OpenAI funding round",
            "The round values OpenAI at $300B.",
            9,
        ));
        let clusters = merge(&inputs, &Gazetteer::default()).clusters;
        assert!(clusters.contains(&vec![5, 6]), "{clusters:?}");
        assert!(clusters.contains(&vec![7, 8]), "{clusters:?}");
    }

    #[test]
    fn same_company_different_events_stay_apart() {
        let mut inputs = background();
        inputs.push(input(
            "Nvidia reports record quarterly revenue of $39 billion",
            "Data center sales drove results.",
            6,
        ));
        inputs.push(input(
            "Nvidia unveils Spectrum-X networking switch",
            "The switch links GPU clusters.",
            7,
        ));
        inputs.push(input(
            "Anthropic raises $2 billion",
            "Investors valued Anthropic at $60B.",
            8,
        ));
        inputs.push(input(
            "Anthropic raises $500 million from Google",
            "Google added to its stake.",
            9,
        ));
        let clusters = merge(&inputs, &Gazetteer::default()).clusters;
        assert_eq!(clusters.len(), inputs.len(), "{clusters:?}");
    }
}
