//! The learned topic model: one regularised logistic regression per topic over the words of
//! an item, its Chinese character pairs, the kinds of entities it names, and what the term
//! rules say. It generalises where a term list cannot: a new model name next to
//! "open-sourced" and "benchmark", or a start-up nobody listed that "taped out" an
//! "inference" part, still read as model and chip news.
//!
//! The rules stay in charge of what an operator can see and edit: their scores are features
//! here, so a term added to `[[topics]]` still moves items, and topics the model was not
//! trained on are decided by the rules alone. The weights ship as `config/classifier-model.json`,
//! rebuilt from the labelled corpora by `briefbot train-classifier` (see README). Training and
//! prediction are deterministic: the same corpus gives the same file, the same item the same
//! scores.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::text;

/// Words that say nothing about a topic; they are left out of the features.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "for", "with", "at", "by",
    "from", "as", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "these",
    "those", "has", "have", "had", "will", "would", "could", "can", "may", "into", "about", "s",
    "we", "our", "you", "your", "they", "their", "he", "she", "his", "her", "who", "what", "which",
    "when", "how", "why", "all", "also", "just", "now", "than", "not", "no", "more", "的", "了",
    "在", "和", "是",
];

/// A pseudo-topic the model also learns: whether an item belongs to any topic at all. Topics
/// that need AI context (`requires_ai_context`) ask it when the item names nothing the AI
/// context terms know, which is what a start-up nobody has listed looks like.
pub const ABOUT_AI: &str = "_about_ai";

/// What the model reads of one item, beyond its text.
#[derive(Debug, Clone, Default)]
pub struct Signals<'a> {
    /// The title's and the summary's stemmed tokens (`terms::Field::stems`).
    pub title: &'a [String],
    pub summary: &'a [String],
    /// The term rules' score per topic id, and the score that places an item.
    pub rule_scores: Vec<(&'a str, f64)>,
    pub rule_threshold: f64,
    /// Kinds (`lab`, `chip`, …) and ids of the entities named.
    pub entity_kinds: Vec<&'static str>,
    pub entity_ids: Vec<&'a str>,
    pub ai_context: bool,
    pub money: bool,
}

/// Length of an item's word vector. At 1 the words together weighed no more than one rule
/// feature, so the model leaned on the rules (tuned on its own training corpora) and missed
/// whatever their lists lack; at 6 the words can carry an item the rules do not know, and
/// L2 keeps single words from carrying it alone. Chosen by leave-one-corpus-out scores.
const LEXICAL_NORM: f32 = 6.0;

/// Sparse features: names with values, sorted by name so the order never depends on hashing.
pub type Features = Vec<(String, f32)>;

/// Turns an item into features. Word features are scaled so a long summary does not outvote
/// its own title; structural features (rules, entity kinds, AI context) keep weight 1.
pub fn features(signals: &Signals) -> Features {
    let key = |prefix: &str, body: &str| {
        let mut key = String::with_capacity(prefix.len() + body.len());
        key.push_str(prefix);
        key.push_str(body);
        key
    };
    // Every word feature is worth 1 before scaling, so a sorted, deduplicated list is the set.
    let mut lexical: Vec<String> =
        Vec::with_capacity(4 * (signals.title.len() + signals.summary.len()));
    let mut previous: Option<String> = None;
    for token in signals.title {
        for feature in word_features(token) {
            lexical.push(key("t:", &feature));
            lexical.push(key("w:", &feature));
        }
        let stem = content_stem(token);
        if let (Some(prev), Some(stem)) = (&previous, &stem) {
            lexical.push(format!("b:{prev}_{stem}"));
        }
        previous = stem;
    }
    for token in signals.summary {
        for feature in word_features(token) {
            lexical.push(key("w:", &feature));
        }
    }
    lexical.sort_unstable();
    lexical.dedup();
    let scale = LEXICAL_NORM / (lexical.len().max(1) as f32).sqrt();
    let mut out: Features = lexical.into_iter().map(|f| (f, scale)).collect();
    for (topic, score) in &signals.rule_scores {
        let ratio = (score / signals.rule_threshold.max(f64::EPSILON)).min(3.0) as f32;
        if ratio > 0.0 {
            out.push((key("r:", topic), ratio / 3.0));
        }
        if ratio >= 1.0 {
            out.push((key("rt:", topic), 1.0));
        }
    }
    for kind in &signals.entity_kinds {
        out.push((key("k:", kind), 1.0));
    }
    for id in &signals.entity_ids {
        out.push((key("e:", id), 1.0));
    }
    if signals.ai_context {
        out.push(("ai".into(), 1.0));
    }
    if signals.money {
        out.push(("money".into(), 1.0));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// A stemmed Latin token worth a feature.
fn content_stem(stem: &str) -> Option<String> {
    if stem.chars().next().is_some_and(text::is_cjk) {
        return None;
    }
    let useful = stem.chars().count() >= 2
        && !stem.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !STOPWORDS.contains(&stem);
    useful.then(|| stem.to_string())
}

/// A Latin word's stem, or the character pairs of a CJK run (Chinese has no spaces, and
/// pairs are what a word mostly is).
fn word_features(token: &str) -> Vec<String> {
    if token.chars().next().is_some_and(text::is_cjk) {
        let chars: Vec<char> = token.chars().collect();
        if chars.len() == 1 {
            return vec![format!("c:{token}")];
        }
        return chars
            .windows(2)
            .map(|pair| format!("c:{}", pair.iter().collect::<String>()))
            .collect();
    }
    content_stem(token).into_iter().collect()
}

/// The trained weights. `topics` are topic ids; every weight vector has one entry per topic.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct TopicModel {
    /// Bumped when [`features`] changes meaning: an old file is then refused, not misread.
    pub version: u32,
    pub topics: Vec<String>,
    pub bias: Vec<f32>,
    /// Decision point on the probability, per topic, chosen on held-out folds when training.
    pub cutoff: Vec<f32>,
    /// Read straight into a hash map (scoring looks up every feature of every item; a sorted
    /// map read and then copied into one was 8% of a small `brief` process's CPU) and written
    /// sorted, so a retrained file diffs cleanly.
    #[serde(serialize_with = "sorted")]
    weights: HashMap<String, Vec<f32>, BuildFnv>,
    /// What it was trained on, for the record.
    #[serde(default)]
    pub trained_on: Vec<String>,
}

fn sorted<S: serde::Serializer>(
    weights: &HashMap<String, Vec<f32>, BuildFnv>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(weights.iter().collect::<BTreeMap<_, _>>())
}

/// FNV-1a for the feature lookup: short string keys, no untrusted keys to defend against
/// (the keys are the model's own), and several times faster than SipHash here.
#[derive(Clone, Default)]
struct BuildFnv;

struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl std::hash::BuildHasher for BuildFnv {
    type Hasher = Fnv;

    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

/// Thousands of weights are no use in a log line: Debug says what the model is.
impl std::fmt::Debug for TopicModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicModel")
            .field("topics", &self.topics)
            .field("cutoff", &self.cutoff)
            .field("features", &self.weights.len())
            .finish()
    }
}

/// The current meaning of [`features`].
pub const FEATURE_VERSION: u32 = 2;

impl TopicModel {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let model: Self =
            serde_json::from_str(text).map_err(|e| format!("not a topic model: {e}"))?;
        if model.version != FEATURE_VERSION {
            return Err(format!(
                "topic model version {} does not match this briefbot's {FEATURE_VERSION}; \
                 rebuild it with `briefbot train-classifier`",
                model.version
            ));
        }
        let topics = model.topics.len();
        if model.bias.len() != topics
            || model.cutoff.len() != topics
            || model.weights.values().any(|w| w.len() != topics)
        {
            return Err("topic model weights do not match its topic list".into());
        }
        Ok(model)
    }

    /// How many features carry a weight.
    pub fn feature_count(&self) -> usize {
        self.weights.len()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn topic_index(&self, id: &str) -> Option<usize> {
        self.topics.iter().position(|t| t == id)
    }

    /// Probability per topic (in `topics` order).
    pub fn probabilities(&self, features: &Features) -> Vec<f32> {
        let mut logits = self.bias.clone();
        for (name, value) in features {
            if let Some(weights) = self.weights.get(name.as_str()) {
                for (logit, weight) in logits.iter_mut().zip(weights) {
                    *logit += weight * value;
                }
            }
        }
        logits.into_iter().map(sigmoid).collect()
    }

    /// The features that pushed one topic's score most, either way: for `--explain`.
    pub fn strongest_features(
        &self,
        features: &Features,
        topic: usize,
        count: usize,
    ) -> Vec<(String, f32)> {
        let mut contributions: Vec<(String, f32)> = features
            .iter()
            .filter_map(|(name, value)| {
                let weight = self.weights.get(name)?.get(topic)?;
                Some((name.clone(), weight * value))
            })
            .filter(|(_, c)| c.abs() >= 0.05)
            .collect();
        contributions.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        contributions.truncate(count);
        contributions
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// One labelled item: its features and, per topic, whether it belongs.
#[derive(Debug, Clone)]
pub struct Example {
    pub features: Features,
    pub labels: Vec<bool>,
    /// Per topic, whether the label was judged at all; an unjudged one teaches nothing.
    pub judged: Vec<bool>,
    /// Items of one group (a corpus set) are held out together when choosing cut-offs.
    pub group: String,
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// L2 penalty. With ~1,000 training items from 30 outlets, a light penalty scored best
    /// on corpora left out of training; a heavy one hands every decision back to the rules.
    pub l2: f32,
    pub epochs: usize,
    /// Lexical features seen in fewer training items than this are dropped.
    pub min_items: usize,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            l2: 0.0001,
            epochs: 300,
            min_items: 2,
        }
    }
}

/// Trains one model on every example. Cut-offs are chosen by holding out each group in turn
/// (so they reflect news the model has not seen), then the final weights use everything.
pub fn train(
    topics: &[String],
    examples: &[Example],
    settings: &TrainSettings,
    trained_on: Vec<String>,
) -> TopicModel {
    let groups: Vec<String> = {
        let mut groups: Vec<String> = examples.iter().map(|e| e.group.clone()).collect();
        groups.sort();
        groups.dedup();
        groups
    };
    // Held-out probabilities per topic, to place each topic's cut-off where F1 is best.
    let mut held_out: Vec<Vec<(f32, bool)>> = vec![Vec::new(); topics.len()];
    if groups.len() > 1 {
        for group in &groups {
            let (train_set, test_set): (Vec<&Example>, Vec<&Example>) =
                examples.iter().partition(|e| &e.group != group);
            let model = fit(topics, &train_set, settings);
            for example in test_set {
                let probabilities = model.probabilities(&example.features);
                for (topic, probability) in probabilities.into_iter().enumerate() {
                    if example.judged[topic] {
                        held_out[topic].push((probability, example.labels[topic]));
                    }
                }
            }
        }
    }
    let all: Vec<&Example> = examples.iter().collect();
    let mut model = fit(topics, &all, settings);
    model.cutoff = held_out.iter().map(|scored| best_cutoff(scored)).collect();
    model.trained_on = trained_on;
    model
}

/// The cut-off with the best F1 on held-out scores; 0.5 when there is nothing to go on.
fn best_cutoff(scored: &[(f32, bool)]) -> f32 {
    if scored.iter().all(|(_, label)| !label) {
        return 0.5;
    }
    let mut best = (0.0f32, 0.5f32);
    for step in 30..=80 {
        let cutoff = step as f32 / 100.0;
        let (mut tp, mut fp, mut missed) = (0.0f32, 0.0f32, 0.0f32);
        for &(probability, label) in scored {
            match (probability >= cutoff, label) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => missed += 1.0,
                _ => {}
            }
        }
        let f1 = 2.0 * tp / (2.0 * tp + fp + missed).max(1.0);
        if f1 > best.0 + 1e-6 {
            best = (f1, cutoff);
        }
    }
    best.1
}

fn fit(topics: &[String], examples: &[&Example], settings: &TrainSettings) -> TopicModel {
    let mut document_count: HashMap<&str, usize> = HashMap::new();
    for example in examples {
        for (name, _) in &example.features {
            *document_count.entry(name.as_str()).or_default() += 1;
        }
    }
    let keep: HashSet<&str> = document_count
        .iter()
        .filter(|(name, count)| !is_lexical(name) || **count >= settings.min_items)
        .map(|(name, _)| *name)
        .collect();
    let mut names: Vec<&str> = keep.into_iter().collect();
    names.sort_unstable();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let rows: Vec<Vec<(usize, f32)>> = examples
        .iter()
        .map(|example| {
            example
                .features
                .iter()
                .filter_map(|(name, value)| index.get(name.as_str()).map(|&i| (i, *value)))
                .collect()
        })
        .collect();

    let mut bias = vec![0.0f32; topics.len()];
    let mut weights = vec![vec![0.0f32; topics.len()]; names.len()];
    for topic in 0..topics.len() {
        let labels: Vec<f32> = examples
            .iter()
            .map(|e| if e.labels[topic] { 1.0 } else { 0.0 })
            .collect();
        let judged: Vec<f32> = examples
            .iter()
            .map(|e| if e.judged[topic] { 1.0 } else { 0.0 })
            .collect();
        let (w, b) = fit_one(&rows, &labels, &judged, names.len(), settings);
        bias[topic] = b;
        for (feature, weight) in w.into_iter().enumerate() {
            weights[feature][topic] = weight;
        }
    }
    let weights = names
        .iter()
        .zip(weights)
        .filter(|(_, w)| w.iter().any(|x| x.abs() >= 1e-3))
        .map(|(name, w)| {
            let rounded = w.iter().map(|x| (x * 1e4).round() / 1e4).collect();
            (name.to_string(), rounded)
        })
        .collect();
    TopicModel {
        version: FEATURE_VERSION,
        topics: topics.to_vec(),
        bias: bias.iter().map(|x| (x * 1e4).round() / 1e4).collect(),
        cutoff: vec![0.5; topics.len()],
        weights,
        trained_on: Vec::new(),
    }
}

fn is_lexical(name: &str) -> bool {
    ["t:", "w:", "b:", "c:", "e:"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// Full-batch gradient descent with AdaGrad steps: no randomness, so training is repeatable.
fn fit_one(
    rows: &[Vec<(usize, f32)>],
    labels: &[f32],
    sample_weights: &[f32],
    feature_count: usize,
    settings: &TrainSettings,
) -> (Vec<f32>, f32) {
    const STEP: f32 = 0.5;
    let mut weights = vec![0.0f32; feature_count];
    let mut bias = 0.0f32;
    let mut squared = vec![1e-8f32; feature_count];
    let mut bias_squared = 1e-8f32;
    let n = sample_weights.iter().sum::<f32>().max(1.0);
    for _ in 0..settings.epochs {
        let mut gradient = vec![0.0f32; feature_count];
        let mut bias_gradient = 0.0f32;
        for ((row, &label), &sample_weight) in rows.iter().zip(labels).zip(sample_weights) {
            if sample_weight == 0.0 {
                continue;
            }
            let logit = bias + row.iter().map(|&(i, v)| weights[i] * v).sum::<f32>();
            let error = (sigmoid(logit) - label) * sample_weight;
            bias_gradient += error;
            for &(i, v) in row {
                gradient[i] += error * v;
            }
        }
        for (i, g) in gradient.iter_mut().enumerate() {
            *g = *g / n + settings.l2 * weights[i];
            squared[i] += *g * *g;
            weights[i] -= STEP * *g / squared[i].sqrt();
        }
        bias_gradient /= n;
        bias_squared += bias_gradient * bias_gradient;
        bias -= STEP * bias_gradient / bias_squared.sqrt();
    }
    (weights, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        crate::engine::terms::Field::new(text).stems().to_vec()
    }

    fn example(title: &str, chips: bool, group: &str) -> Example {
        Example {
            features: features(&Signals {
                title: &stems(title),
                rule_threshold: 2.0,
                ..Default::default()
            }),
            labels: vec![chips],
            judged: vec![true],
            group: group.into(),
        }
    }

    #[test]
    fn learns_words_it_was_shown_and_round_trips_as_json() {
        let examples = vec![
            example("Startup tapes out inference accelerator", true, "a"),
            example("Accelerator maker tapes out second part", true, "b"),
            example("Inference accelerator shipments double", true, "a"),
            example("Bakery opens second shop", false, "b"),
            example("Bakery chain doubles shop count", false, "a"),
            example("Council approves second bridge", false, "b"),
        ];
        let model = train(
            &["chips".into()],
            &examples,
            &TrainSettings::default(),
            vec![],
        );
        let chips = |title: &str| {
            model.probabilities(&features(&Signals {
                title: &stems(title),
                rule_threshold: 2.0,
                ..Default::default()
            }))[0]
        };
        assert!(chips("New inference accelerator tapes out") > 0.5);
        assert!(chips("Bakery doubles bread output") < 0.5);
        let again = TopicModel::from_json(&model.to_json()).expect("round trip");
        assert_eq!(again, model);
        let retrained = train(
            &["chips".into()],
            &examples,
            &TrainSettings::default(),
            vec![],
        );
        assert_eq!(retrained, model, "training is deterministic");
    }

    #[test]
    fn refuses_a_model_of_another_version() {
        let text = r#"{"version":0,"topics":["x"],"bias":[0],"cutoff":[0.5],"weights":{}}"#;
        assert!(TopicModel::from_json(text).unwrap_err().contains("version"));
    }
}
