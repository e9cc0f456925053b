//! Topic classification: which topics an item is about, and how strongly.
//!
//! Terms match whole words (after light plural folding), multi-word terms match as phrases,
//! and terms in Chinese or Japanese match as substrings because those scripts have no spaces.
//! Ambiguous words ("chips", "model", "Blackwell") only count when the item is about AI at all
//! and none of the topic's `exclude` phrases ("potato", "runway") appear, which is what keeps
//! snack makers and fashion weeks out of the brief.

use std::collections::HashMap;

use super::text;
use crate::config::{ClassifyConfig, TopicConfig};

/// Weight of a strong term in a title; in a summary it counts half, and ambiguous terms count
/// half of a strong one.
const TITLE_WEIGHT: f64 = 2.0;
/// Summaries wander into background ("…trained on Nvidia GPUs"), so a strong term there counts
/// less than half a title match: it takes three, or one plus title evidence, to place an item.
const SUMMARY_WEIGHT: f64 = 0.75;
const AMBIGUOUS_FACTOR: f64 = 0.5;

#[derive(Debug, Clone)]
enum Term {
    /// Stemmed word sequence, matched on token boundaries.
    Words(Vec<String>),
    /// Normalised text containing CJK characters, matched as a substring.
    Substring(String),
}

impl Term {
    fn compile(raw: &str) -> Option<Self> {
        let normalised = text::normalise(raw.trim());
        if normalised.is_empty() {
            return None;
        }
        if normalised.chars().any(text::is_cjk) {
            return Some(Self::Substring(normalised.replace(' ', "")));
        }
        let words: Vec<String> = text::tokens(&normalised)
            .iter()
            .map(|t| text::stem(t))
            .collect();
        (!words.is_empty()).then_some(Self::Words(words))
    }
}

/// A set of terms with an index on each term's first word, so matching costs one hash lookup
/// per token instead of one comparison per term.
#[derive(Debug, Clone, Default)]
struct TermSet {
    terms: Vec<Term>,
    /// The terms as configured, for explanations.
    raw: Vec<String>,
    by_first_word: HashMap<String, Vec<usize>>,
    substrings: Vec<usize>,
}

impl TermSet {
    fn new(raw_terms: &[String]) -> Self {
        let mut set = Self::default();
        for raw in raw_terms {
            let Some(term) = Term::compile(raw) else {
                continue;
            };
            // "gpu" and "gpus" fold to one stem: count it once, not twice.
            let duplicate = set.terms.iter().any(|known| match (known, &term) {
                (Term::Words(a), Term::Words(b)) => a == b,
                (Term::Substring(a), Term::Substring(b)) => a == b,
                _ => false,
            });
            if duplicate {
                continue;
            }
            let index = set.terms.len();
            match &term {
                Term::Words(words) => set
                    .by_first_word
                    .entry(words[0].clone())
                    .or_default()
                    .push(index),
                Term::Substring(_) => set.substrings.push(index),
            }
            set.terms.push(term);
            set.raw.push(raw.clone());
        }
        set
    }

    /// Indices of the distinct terms found in a field.
    fn matches(&self, field: &Field) -> Vec<usize> {
        let mut found = Vec::new();
        for (position, token) in field.stems.iter().enumerate() {
            // A product name with a version glued on ("trainium3", "gaudi3") still names the
            // product: look the bare name up too.
            let bare = token.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
            let versioned = (bare.len() >= 3 && bare.len() < token.len())
                .then(|| self.by_first_word.get(bare))
                .flatten();
            let exact = self.by_first_word.get(token);
            for &index in exact.into_iter().chain(versioned).flatten() {
                let Term::Words(words) = &self.terms[index] else {
                    continue;
                };
                let rest = &field.stems[position + 1..];
                let tail_matches = words.len() == 1 || rest.starts_with(&words[1..]);
                if tail_matches && !found.contains(&index) {
                    found.push(index);
                }
            }
        }
        for &index in &self.substrings {
            if let Term::Substring(needle) = &self.terms[index]
                && field.compact.contains(needle.as_str())
            {
                found.push(index);
            }
        }
        found
    }
}

/// One field of an item, prepared once for every topic.
#[derive(Debug, Clone)]
pub struct Field {
    stems: Vec<String>,
    /// Normalised text without spaces, for CJK substring terms.
    compact: String,
}

impl Field {
    pub fn new(raw: &str) -> Self {
        let normalised = text::normalise(raw);
        let stems = text::tokens(&normalised)
            .iter()
            .map(|t| text::stem(t))
            .collect();
        let compact = normalised.split_whitespace().collect();
        Self { stems, compact }
    }
}

#[derive(Debug, Clone)]
struct CompiledTopic {
    id: String,
    strong: TermSet,
    ambiguous: TermSet,
    exclude: TermSet,
    requires_ai_context: bool,
    money_is_context: bool,
}

/// How strongly an item matches one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicScore {
    /// Index into the configured topics (their order is the brief's section order).
    pub topic: usize,
    pub score: f64,
}

#[derive(Debug, Clone)]
pub struct Classifier {
    topics: Vec<CompiledTopic>,
    ai_context: TermSet,
    threshold: f64,
}

impl Classifier {
    pub fn new(topics: &[TopicConfig], settings: &ClassifyConfig) -> Self {
        let topics = topics
            .iter()
            .map(|topic| CompiledTopic {
                id: topic.id.clone(),
                strong: TermSet::new(&topic.terms),
                ambiguous: TermSet::new(&topic.context_terms),
                exclude: TermSet::new(&topic.exclude),
                requires_ai_context: topic.requires_ai_context,
                money_is_context: topic.money_is_context,
            })
            .collect();
        Self {
            topics,
            ai_context: TermSet::new(&settings.ai_context),
            threshold: settings.threshold,
        }
    }

    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    pub fn topic_id(&self, topic: usize) -> &str {
        &self.topics[topic].id
    }

    /// Topics an item reaches the threshold for, strongest first (ties in config order).
    pub fn classify(&self, title: &str, summary: &str) -> Vec<TopicScore> {
        let raw_title = title;
        let title = Field::new(title);
        let summary = Field::new(summary);
        let strong: Vec<(Vec<usize>, Vec<usize>)> = self
            .topics
            .iter()
            .map(|topic| (topic.strong.matches(&title), topic.strong.matches(&summary)))
            .collect();
        let self_evident_ai =
            self.topics.iter().zip(&strong).any(|(topic, (t, s))| {
                !(topic.requires_ai_context || t.is_empty() && s.is_empty())
            });
        let ai_context = self_evident_ai
            || !self.ai_context.matches(&title).is_empty()
            || !self.ai_context.matches(&summary).is_empty();

        let mut scores: Vec<TopicScore> = Vec::new();
        for (index, (topic, (strong_title, strong_summary))) in
            self.topics.iter().zip(&strong).enumerate()
        {
            if topic.requires_ai_context && !ai_context {
                continue;
            }
            // An exclusion phrase in the title means the item is about the other sense
            // ("Snack giant to buy wafer biscuit maker"); in the summary it only silences the
            // ambiguous terms.
            if !topic.exclude.matches(&title).is_empty() {
                continue;
            }
            let mut score = TITLE_WEIGHT * strong_title.len() as f64
                + SUMMARY_WEIGHT * distinct_beyond(strong_summary, strong_title) as f64;
            let excluded = !topic.exclude.matches(&summary).is_empty();
            if ai_context && !excluded {
                let ambiguous_title = topic.ambiguous.matches(&title);
                let ambiguous_summary = topic.ambiguous.matches(&summary);
                let money = usize::from(topic.money_is_context && mentions_money(raw_title));
                score += AMBIGUOUS_FACTOR
                    * (TITLE_WEIGHT * (ambiguous_title.len() + money) as f64
                        + SUMMARY_WEIGHT
                            * distinct_beyond(&ambiguous_summary, &ambiguous_title) as f64);
            }
            if score >= self.threshold {
                scores.push(TopicScore {
                    topic: index,
                    score,
                });
            }
        }
        scores.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.topic.cmp(&b.topic)));
        scores
    }
}

impl Classifier {
    /// Every term that matched, per topic, whether or not the topic reached the threshold:
    /// for tuning the configured terms and for telling an operator why an item landed where.
    pub fn explain(&self, title: &str, summary: &str) -> Vec<(String, Vec<String>)> {
        let (title, summary) = (Field::new(title), Field::new(summary));
        self.topics
            .iter()
            .map(|topic| {
                let mut found = Vec::new();
                for (label, set) in [
                    ("", &topic.strong),
                    ("~", &topic.ambiguous),
                    ("!", &topic.exclude),
                ] {
                    for (place, field) in [("title", &title), ("summary", &summary)] {
                        for index in set.matches(field) {
                            found.push(format!("{label}{}@{place}", set.raw[index]));
                        }
                    }
                }
                (topic.id.clone(), found)
            })
            .collect()
    }
}

/// An amount of money: a currency sign before a number, or a number with a scale word
/// ("$400M", "€1.2 billion", "40亿元", "1.5bn dollars").
fn mentions_money(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let sign_before_digit = chars
        .windows(2)
        .any(|pair| matches!(pair[0], '$' | '€' | '£' | '¥' | '₩') && pair[1].is_ascii_digit());
    let tokens = text::tokens(&text::normalise(text));
    // "1M-token context" is a count, not money: a bare scaled number needs a currency word.
    const CURRENCIES: &[&str] = &[
        "dollar", "dollars", "euro", "euros", "yuan", "yen", "won", "pound", "pounds", "usd",
        "eur", "rmb",
    ];
    let scaled = text::quantities(&tokens).iter().any(|q| q.scaled)
        && tokens.iter().any(|t| CURRENCIES.contains(&t.as_str()));
    let chinese = ["亿元", "亿美元", "万美元", "亿欧元"]
        .iter()
        .any(|unit| text.contains(unit));
    sign_before_digit || scaled || chinese
}

/// Summary terms that the title did not already count.
fn distinct_beyond(summary: &[usize], title: &[usize]) -> usize {
    summary.iter().filter(|term| !title.contains(term)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(
        id: &str,
        terms: &[&str],
        context_terms: &[&str],
        exclude: &[&str],
        requires: bool,
    ) -> TopicConfig {
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        TopicConfig {
            id: id.into(),
            title: id.into(),
            aliases: vec![],
            description: String::new(),
            terms: strings(terms),
            context_terms: strings(context_terms),
            exclude: strings(exclude),
            requires_ai_context: requires,
            money_is_context: id == "markets",
        }
    }

    fn classifier() -> Classifier {
        let topics = [
            topic(
                "models",
                &["language model", "open weights", "大模型"],
                &["model"],
                &["fashion", "runway", "car"],
                false,
            ),
            topic(
                "chips",
                &["gpu", "semiconductor", "export controls", "芯片"],
                &["chips", "blackwell", "nvidia"],
                &["potato", "casino"],
                false,
            ),
            topic("markets", &["funding", "raises"], &[], &[], true),
        ];
        let settings = ClassifyConfig {
            ai_context: vec![
                "ai".into(),
                "nvidia".into(),
                "artificial intelligence".into(),
            ],
            threshold: 2.0,
        };
        Classifier::new(&topics, &settings)
    }

    fn ids(classifier: &Classifier, title: &str, summary: &str) -> Vec<String> {
        classifier
            .classify(title, summary)
            .iter()
            .map(|s| classifier.topic_id(s.topic).to_string())
            .collect()
    }

    #[test]
    fn strong_terms_match_whole_words_and_plurals() {
        let c = classifier();
        assert_eq!(ids(&c, "New GPUs ship", ""), ["chips"]);
        assert!(ids(&c, "Gpuless future", "").is_empty());
        assert_eq!(ids(&c, "US widens export controls", ""), ["chips"]);
        assert!(
            ids(&c, "US widens export rules; controls loosen", "").is_empty(),
            "phrase, not scattered words"
        );
    }

    #[test]
    fn ambiguous_words_need_context_and_no_exclusion() {
        let c = classifier();
        assert!(
            ids(
                &c,
                "Potato chips prices rise",
                "Snack makers blame AI demand forecasting"
            )
            .is_empty()
        );
        assert!(ids(&c, "Casino chips stolen", "").is_empty());
        assert!(ids(&c, "Blackwell scores twice in derby win", "").is_empty());
        assert_eq!(ids(&c, "Nvidia ships Blackwell chips", ""), ["chips"]);
        assert!(ids(&c, "Fashion model walks AI-designed runway", "").is_empty());
        assert!(ids(&c, "Ford unveils new model", "").is_empty());
    }

    #[test]
    fn context_topics_need_ai_and_summary_counts_less() {
        let c = classifier();
        assert!(ids(&c, "Bakery chain raises $20M", "").is_empty());
        assert_eq!(ids(&c, "AI startup raises $20M", ""), ["markets"]);
        assert!(
            ids(&c, "Startup lands deal", "It trains on a GPU cluster.").is_empty(),
            "one summary mention is not enough"
        );
    }

    #[test]
    fn chinese_terms_match_without_spaces() {
        let c = classifier();
        assert_eq!(ids(&c, "美国扩大对华芯片出口管制", ""), ["chips"]);
        assert_eq!(ids(&c, "深度求索发布新一代大模型", ""), ["models"]);
        assert!(ids(&c, "薯片价格上涨", "").is_empty());
    }
}
