//! Topic classification: which topics an item is about, and how strongly.
//!
//! Terms match whole words (after light plural folding), multi-word terms match as phrases,
//! and terms in Chinese or Japanese match as substrings because those scripts have no spaces.
//! Ambiguous words ("chips", "model", "Blackwell") only count when the item is about AI at all
//! and none of the topic's `exclude` phrases ("potato", "runway") appear, which is what keeps
//! snack makers and fashion weeks out of the brief.

use std::sync::Arc;

use super::entities::{EntityRef, Gazetteer};
use super::learned::{self, Features, TopicModel};
use super::terms::{Field, TermSet};
use super::text;
use crate::config::{ClassifyConfig, EntityConfig, TopicConfig};

/// Weight of a strong term in a title; in a summary it counts half, and ambiguous terms count
/// half of a strong one.
const TITLE_WEIGHT: f64 = 2.0;
/// Summaries wander into background ("…trained on Nvidia GPUs"), so a strong term there counts
/// less than half a title match: it takes three, or one plus title evidence, to place an item.
const SUMMARY_WEIGHT: f64 = 0.75;
const AMBIGUOUS_FACTOR: f64 = 0.5;
/// A model-scored topic is capped at this many times the threshold, the range rule scores
/// of clear items reach, so ranking by topic strength treats both alike.
const MAX_SCORE_RATIO: f64 = 3.0;

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
    gazetteer: Gazetteer,
    model: Option<Arc<TopicModel>>,
    /// Each configured topic's index in the model, if the model knows it.
    model_topic: Vec<Option<usize>>,
}

/// An item read once for the rules and the model.
struct Prepared {
    title: Field,
    summary: Field,
    entities: Vec<EntityRef>,
    rule_scores: Vec<Option<f64>>,
    ai_context: bool,
}

/// Everything the classifier found out about one item.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// Per configured topic, on the rules' scale: at least the threshold places the item.
    pub scores: Vec<f64>,
    pub entities: Vec<EntityRef>,
    pub features: Features,
}

impl Classifier {
    pub fn new(
        topics: &[TopicConfig],
        settings: &ClassifyConfig,
        entities: &[EntityConfig],
        model: Option<Arc<TopicModel>>,
    ) -> Self {
        let topics: Vec<CompiledTopic> = topics
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
        let model_topic = topics
            .iter()
            .map(|topic| model.as_ref().and_then(|m| m.topic_index(&topic.id)))
            .collect();
        Self {
            topics,
            ai_context: TermSet::new(&settings.ai_context),
            threshold: settings.threshold,
            gazetteer: Gazetteer::new(entities),
            model,
            model_topic,
        }
    }

    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    pub fn topic_id(&self, topic: usize) -> &str {
        &self.topics[topic].id
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    pub fn model(&self) -> Option<&TopicModel> {
        self.model.as_deref()
    }

    /// Topics an item reaches the threshold for, strongest first (ties in config order).
    pub fn classify(&self, title: &str, summary: &str) -> Vec<TopicScore> {
        self.placed(&self.assess(title, summary).scores)
    }

    /// The topics whose score reaches the threshold, strongest first.
    pub fn placed(&self, scores: &[f64]) -> Vec<TopicScore> {
        let mut placed: Vec<TopicScore> = scores
            .iter()
            .enumerate()
            .filter(|(_, score)| **score >= self.threshold)
            .map(|(topic, score)| TopicScore {
                topic,
                score: *score,
            })
            .collect();
        placed.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.topic.cmp(&b.topic)));
        placed
    }

    /// Scores every topic: the term rules, and for the topics the learned model knows, the
    /// model's probability (which reads the rules' scores too) mapped onto the rules' scale
    /// so that its cut-off lands on the threshold.
    pub fn assess(&self, title: &str, summary: &str) -> Assessment {
        let prepared = self.prepare(title, summary);
        let mut scores: Vec<f64> = prepared
            .rule_scores
            .iter()
            .map(|s| s.unwrap_or(0.0))
            .collect();
        let Some(model) = &self.model else {
            return Assessment {
                scores,
                entities: prepared.entities,
                features: Vec::new(),
            };
        };
        let features = self.features_from(&prepared, (title, summary));
        let probabilities = model.probabilities(&features);
        let about_ai = prepared.ai_context
            || model
                .topic_index(learned::ABOUT_AI)
                .is_none_or(|index| probabilities[index] >= model.cutoff[index]);
        for (topic, model_index) in self.model_topic.iter().enumerate() {
            // The rules found no AI context and the model does not think the item belongs
            // anywhere: "Sneaker brand files for IPO" is not markets news here.
            if self.topics[topic].requires_ai_context && !about_ai {
                continue;
            }
            if let Some(index) = *model_index
                && prepared.rule_scores[topic].is_some()
            {
                let probability = probabilities[index];
                let cutoff = model.cutoff[index].max(0.01);
                scores[topic] = (self.threshold * f64::from(probability / cutoff))
                    .min(self.threshold * MAX_SCORE_RATIO);
            }
        }
        Assessment {
            scores,
            entities: prepared.entities,
            features,
        }
    }

    /// The learned model's features of an item (what `train-classifier` learns from).
    pub fn model_features(&self, title: &str, summary: &str) -> Features {
        let prepared = self.prepare(title, summary);
        self.features_from(&prepared, (title, summary))
    }

    /// What both the rules and the model read: the fields, the entities named, the rules'
    /// scores (`None` where a title exclusion vetoes a topic) and whether it is about AI.
    fn prepare(&self, title: &str, summary: &str) -> Prepared {
        let (title_field, summary_field) = (Field::new(title), Field::new(summary));
        let entities = self
            .gazetteer
            .find_in(&[&title_field, &summary_field], &[title, summary]);
        let (rule_scores, ai_context) = self.rule_scores(
            &title_field,
            &summary_field,
            title,
            self.names_ai(&entities),
        );
        Prepared {
            title: title_field,
            summary: summary_field,
            entities,
            rule_scores,
            ai_context,
        }
    }

    fn features_from(&self, prepared: &Prepared, (title, summary): (&str, &str)) -> Features {
        let entities = &prepared.entities;
        let mut entity_kinds: Vec<&'static str> = entities
            .iter()
            .map(|e| self.gazetteer.kind(*e).as_str())
            .collect();
        entity_kinds.sort_unstable();
        entity_kinds.dedup();
        learned::features(&learned::Signals {
            title: prepared.title.stems(),
            summary: prepared.summary.stems(),
            rule_scores: self
                .topics
                .iter()
                .zip(&prepared.rule_scores)
                .map(|(topic, score)| (topic.id.as_str(), score.unwrap_or(0.0)))
                .collect(),
            rule_threshold: self.threshold,
            entity_kinds,
            entity_ids: entities.iter().map(|e| self.gazetteer.id(*e)).collect(),
            ai_context: prepared.ai_context,
            money: mentions_money(title) || mentions_money(summary),
        })
    }

    /// Whether an item names an AI lab, model, chipmaker or chip: that is AI context as much
    /// as the word "AI" is.
    fn names_ai(&self, entities: &[EntityRef]) -> bool {
        entities
            .iter()
            .any(|e| self.gazetteer.kind(*e).is_ai_context())
    }

    /// The term rules' score for every topic, and whether the item is about AI at all. A
    /// topic whose `exclude` phrase is in the title scores `None`: the operator said that
    /// sense is not this topic, and no model overrides that.
    fn rule_scores(
        &self,
        title: &Field,
        summary: &Field,
        raw_title: &str,
        names_ai: bool,
    ) -> (Vec<Option<f64>>, bool) {
        let strong: Vec<(Vec<usize>, Vec<usize>)> = self
            .topics
            .iter()
            .map(|topic| (topic.strong.matches(title), topic.strong.matches(summary)))
            .collect();
        let self_evident_ai =
            self.topics.iter().zip(&strong).any(|(topic, (t, s))| {
                !(topic.requires_ai_context || t.is_empty() && s.is_empty())
            });
        let ai_context = self_evident_ai
            || names_ai
            || !self.ai_context.matches(title).is_empty()
            || !self.ai_context.matches(summary).is_empty();

        let mut scores = vec![Some(0.0); self.topics.len()];
        for (index, (topic, (strong_title, strong_summary))) in
            self.topics.iter().zip(&strong).enumerate()
        {
            if topic.requires_ai_context && !ai_context {
                continue;
            }
            // An exclusion phrase in the title means the item is about the other sense
            // ("Snack giant to buy wafer biscuit maker"); in the summary it only silences the
            // ambiguous terms.
            if !topic.exclude.matches(title).is_empty() {
                scores[index] = None;
                continue;
            }
            let mut score = TITLE_WEIGHT * strong_title.len() as f64
                + SUMMARY_WEIGHT * distinct_beyond(strong_summary, strong_title) as f64;
            let excluded = !topic.exclude.matches(summary).is_empty();
            if ai_context && !excluded {
                let ambiguous_title = topic.ambiguous.matches(title);
                let ambiguous_summary = topic.ambiguous.matches(summary);
                let money = usize::from(topic.money_is_context && mentions_money(raw_title));
                score += AMBIGUOUS_FACTOR
                    * (TITLE_WEIGHT * (ambiguous_title.len() + money) as f64
                        + SUMMARY_WEIGHT
                            * distinct_beyond(&ambiguous_summary, &ambiguous_title) as f64);
            }
            scores[index] = Some(score);
        }
        (scores, ai_context)
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
            ..ClassifyConfig::default()
        };
        Classifier::new(&topics, &settings, &[], None)
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

    /// A model that places anything that "raises" money in markets, and calls only items
    /// naming a "lab" about AI at all.
    fn money_model() -> Arc<TopicModel> {
        let stem = |word: &str| Field::new(word).stems()[0].clone();
        let json = format!(
            r#"{{"version":{},"topics":["markets","{}"],"bias":[-1.0,-1.0],"cutoff":[0.5,0.5],
               "weights":{{"w:{}":[3.0,0.0],"w:{}":[0.0,3.0]}}}}"#,
            learned::FEATURE_VERSION,
            learned::ABOUT_AI,
            stem("raises"),
            stem("lab")
        );
        Arc::new(TopicModel::from_json(&json).expect("model"))
    }

    #[test]
    fn a_topic_needing_ai_context_takes_the_model_only_when_it_calls_the_item_about_ai() {
        let topics = [topic("markets", &[], &[], &[], true)];
        let settings = ClassifyConfig {
            ai_context: vec!["ai".into()],
            threshold: 2.0,
            ..ClassifyConfig::default()
        };
        let c = Classifier::new(&topics, &settings, &[], Some(money_model()));
        assert_eq!(ids(&c, "Research lab raises money", ""), ["markets"]);
        assert!(
            ids(&c, "Sneaker brand raises money", "").is_empty(),
            "no AI context and the model says it belongs nowhere"
        );
        assert_eq!(
            ids(&c, "AI sneaker brand raises money", ""),
            ["markets"],
            "the rules' AI context is enough"
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
