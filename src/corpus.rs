//! Labelled feed corpora: what the topic model is trained on and what the engine is scored
//! against.
//!
//! A corpus is a folder of feed files (`.xml`, `.atom`, `.rdf`, `.json`) and a `labels.json`:
//! `{"as_of": RFC 3339, "window": "48h", "items": [{"link", "topics": [...], "story",
//! "kind"?}]}`. Items are matched to labels by canonical link, so the scores also test that
//! ingestion resolves every link (relative ones, `xml:base`) and reads every date.
//!
//! Scores are what a reader sees: an item counts for a topic when it is in that topic's brief
//! (so a story's topics reach all of its reports), and merging is scored on the pairs of items
//! in the full brief.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::engine::learned::Example;
use crate::engine::{BriefRequest, Engine};
use crate::ingest::normalise::canonical_link;
use crate::ingest::parse::parse_feed;
use crate::model::Item;

/// The development corpora, relative to the repository: the topic model is trained on them
/// (`briefbot train-classifier`) and the vocabulary and thresholds were tuned with them.
pub const DEVELOPMENT: &[&str] = &[
    "tests/fixtures/eval",
    "tests/fixtures/editorial/set-a",
    "tests/fixtures/editorial/set-b",
    "tests/fixtures/editorial/set-c",
    "tests/fixtures/editorial/set-d",
    "tests/fixtures/editorial/set-e",
    "tests/fixtures/editorial/set-g",
    "tests/fixtures/editorial/set-h",
    "tests/fixtures/editorial/set-j",
];

/// The locked test corpora: never trained or tuned on, only scored
/// (`tests/fixtures/editorial/THIRD-SPLIT.md`).
pub const LOCKED: &[&str] = &[
    "tests/fixtures/editorial/set-f",
    "tests/fixtures/editorial/set-i",
];

/// Development corpora labelled under a narrower idea of `models` than the topic's definition
/// and every later corpus: a lawsuit over a model's training data, a fine on a chatbot maker or
/// a round for a lab is policy or markets there and never also models (0–2 such items of
/// 160–180 each, against 8–17 of 125 in `set-g`, `set-h`, `set-j`). Their "not models" on an
/// item of another topic is a convention, not a judgement, so training does not learn from it.
pub const NARROW_MODELS: &[&str] = &["eval", "set-a", "set-b", "set-c", "set-d"];

/// Whether corpus `corpus` (a folder name) judged `topic` for an item labelled `labelled`:
/// false only for a `NARROW_MODELS` corpus's "not models" on an item of another topic.
pub fn judged(corpus: &str, topic: &str, labelled: &[String]) -> bool {
    let unjudged = NARROW_MODELS.contains(&corpus)
        && topic == "models"
        && !labelled.is_empty()
        && !labelled.iter().any(|t| t == topic);
    !unjudged
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// What an editor said about one item.
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub link: String,
    pub topics: Vec<String>,
    pub story: String,
    /// `trap` marks an off-topic item written to look on-topic.
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LabelsFile {
    as_of: String,
    #[serde(default)]
    window: Option<String>,
    items: Vec<Label>,
}

/// One loaded corpus: its items with their labels.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub name: String,
    pub as_of: DateTime<Utc>,
    pub window: Duration,
    pub items: Vec<Item>,
    /// By the item's canonical link.
    pub labels: HashMap<String, Label>,
    /// Feed items whose link no label has (a link resolved wrongly, or a corpus mistake).
    pub unlabelled: Vec<String>,
    /// Labels whose item did not come out of the feeds.
    pub missing: Vec<String>,
}

/// An item without a date would be stored with the time it was fetched; the corpus is
/// fetched after its `as_of`, so such an item falls out of the window as it would in use.
const FETCHED_AFTER_AS_OF: chrono::Duration = chrono::Duration::hours(1);

impl Corpus {
    pub fn load(dir: &Path) -> Result<Self, CorpusError> {
        let labels_path = dir.join("labels.json");
        let text = std::fs::read_to_string(&labels_path).map_err(|source| CorpusError::Read {
            path: labels_path.clone(),
            cause: source,
        })?;
        let invalid = |message: String| CorpusError::Invalid {
            path: labels_path.clone(),
            message,
        };
        let file: LabelsFile = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let as_of = DateTime::parse_from_rfc3339(&file.as_of)
            .map_err(|e| invalid(format!("as_of: {e}")))?
            .with_timezone(&Utc);
        let window = match &file.window {
            Some(window) => crate::config::parse_duration(window).map_err(invalid)?,
            None => Duration::from_secs(24 * 3600),
        };
        let mut labels = HashMap::new();
        for label in file.items {
            let key = canonical_link(&label.link, None).unwrap_or_else(|| label.link.clone());
            labels.insert(key, label);
        }

        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| CorpusError::Read {
                path: dir.to_path_buf(),
                cause: source,
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                let feed_extension = matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("xml" | "atom" | "rdf" | "json")
                );
                feed_extension && path.file_name().is_some_and(|n| n != "labels.json")
            })
            .collect();
        files.sort();
        let mut items = Vec::new();
        let mut unlabelled = Vec::new();
        for file in &files {
            let bytes = std::fs::read(file).map_err(|source| CorpusError::Read {
                path: file.clone(),
                cause: source,
            })?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let feed_url = format!("https://feeds.invalid/{name}");
            let feed = parse_feed(&bytes, &feed_url).map_err(|e| CorpusError::Invalid {
                path: file.clone(),
                message: e.to_string(),
            })?;
            let source_name = feed.title.clone().unwrap_or_else(|| name.clone());
            for parsed in feed.items {
                let link = parsed.link.unwrap_or_default();
                if !labels.contains_key(&link) {
                    unlabelled.push(format!("{name}: {link} ({})", parsed.title));
                }
                let published = parsed.published.unwrap_or(as_of + FETCHED_AFTER_AS_OF);
                items.push(Item {
                    id: items.len() as i64 + 1,
                    source_name: source_name.clone(),
                    source_weight: 1.0,
                    title: parsed.title,
                    summary: parsed.summary,
                    link,
                    published,
                    first_seen: published,
                    language: parsed.language,
                });
            }
        }
        let mut missing: Vec<String> = labels
            .keys()
            .filter(|link| !items.iter().any(|item| &item.link == *link))
            .cloned()
            .collect();
        missing.sort();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            name,
            as_of,
            window,
            items,
            labels,
            unlabelled,
            missing,
        })
    }

    /// Training examples for the topic model, one per labelled item.
    pub fn examples(&self, engine: &Engine, topics: &[String]) -> Vec<Example> {
        self.items
            .iter()
            .filter_map(|item| {
                let label = self.labels.get(&item.link)?;
                Some(Example {
                    features: engine
                        .classifier()
                        .model_features(&item.title, &item.summary),
                    labels: topics
                        .iter()
                        .map(|t| {
                            if t == crate::engine::learned::ABOUT_AI {
                                !label.topics.is_empty()
                            } else {
                                label.topics.contains(t)
                            }
                        })
                        .collect(),
                    judged: topics
                        .iter()
                        .map(|t| judged(&self.name, t, &label.topics))
                        .collect(),
                    group: self.name.clone(),
                })
            })
            .collect()
    }

    /// Scores the engine on this corpus as a reader would see its briefs.
    pub fn score(&self, engine: &Engine, topics: &[String]) -> Scores {
        let mut scores = Scores {
            corpora: vec![self.name.clone()],
            unlabelled: self.unlabelled.len(),
            ..Scores::default()
        };
        let request = |topic: Option<&String>| BriefRequest {
            topic: topic.cloned(),
            as_of: self.as_of,
            window: self.window,
            max_stories: 0,
            late_since: None,
            explain: false,
        };
        let label_of = |link: &str| self.labels.get(link);
        for topic in topics {
            let brief = engine.build_brief(&self.items, &request(Some(topic)));
            let shown: Vec<&str> = brief
                .sections
                .iter()
                .flat_map(|s| &s.stories)
                .flat_map(|story| story.links.iter().map(|l| l.url.as_str()))
                .collect();
            let counts = scores.topics.entry(topic.clone()).or_default();
            for link in &shown {
                let Some(label) = label_of(link) else {
                    continue;
                };
                if label.topics.contains(topic) {
                    counts.right += 1;
                } else {
                    counts.wrong += 1;
                    scores
                        .mistakes
                        .push(format!("+{topic}: {link} [{}]", label.topics.join(",")));
                    if label.topics.is_empty() {
                        scores.off_topic += 1;
                        if label.kind.as_deref() == Some("trap") {
                            scores.traps += 1;
                        }
                    }
                }
            }
            for (link, label) in &self.labels {
                let in_window = self.items.iter().any(|item| {
                    &item.link == link && request(None).includes(item.published, item.first_seen)
                });
                if label.topics.contains(topic) && !shown.contains(&link.as_str()) {
                    counts.missed += 1;
                    let why = if in_window {
                        ""
                    } else {
                        " (outside the window)"
                    };
                    scores.mistakes.push(format!("-{topic}: {link}{why}"));
                }
            }
        }

        let brief = engine.build_brief(&self.items, &request(None));
        let mut story_of: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, story) in brief.sections.iter().flat_map(|s| &s.stories).enumerate() {
            for link in &story.links {
                story_of.insert(link.url.as_str(), index);
            }
        }
        let shown: Vec<(&str, usize, &Label)> = story_of
            .iter()
            .filter_map(|(link, story)| label_of(link).map(|label| (*link, *story, label)))
            .collect();
        for (i, (a, story_a, label_a)) in shown.iter().enumerate() {
            for (b, story_b, label_b) in &shown[i + 1..] {
                match (story_a == story_b, label_a.story == label_b.story) {
                    (true, true) => scores.merge.right += 1,
                    (true, false) => {
                        scores.merge.wrong += 1;
                        scores.mistakes.push(format!("wrongly merged: {a} + {b}"));
                    }
                    (false, true) => {
                        scores.merge.missed += 1;
                        scores.mistakes.push(format!("not merged: {a} + {b}"));
                    }
                    (false, false) => {}
                }
            }
        }
        scores
    }
}

/// Right, wrong and missed decisions of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub right: usize,
    pub wrong: usize,
    pub missed: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        self.right as f64 / (self.right + self.wrong).max(1) as f64
    }

    pub fn recall(&self) -> f64 {
        self.right as f64 / (self.right + self.missed).max(1) as f64
    }

    pub fn f1(&self) -> f64 {
        2.0 * self.right as f64 / (2 * self.right + self.wrong + self.missed).max(1) as f64
    }

    fn add(&mut self, other: &Counts) {
        self.right += other.right;
        self.wrong += other.wrong;
        self.missed += other.missed;
    }
}

/// Scores of one corpus, or of several added together.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    pub corpora: Vec<String>,
    /// Per topic: items in its brief that belong (right) or not (wrong), and items that
    /// belong but are not there (missed).
    pub topics: BTreeMap<String, Counts>,
    /// Pairs of items in the full brief: in one story and labelled so (right), in one story
    /// but labelled apart (wrong), apart but labelled one story (missed).
    pub merge: Counts,
    /// Items labelled off-topic that reached a topic brief, and how many of them were traps.
    pub off_topic: usize,
    pub traps: usize,
    pub unlabelled: usize,
    pub mistakes: Vec<String>,
}

impl Scores {
    pub fn macro_f1(&self) -> f64 {
        let f1s: Vec<f64> = self.topics.values().map(Counts::f1).collect();
        f1s.iter().sum::<f64>() / f1s.len().max(1) as f64
    }

    pub fn add(&mut self, other: &Scores) {
        self.corpora.extend(other.corpora.iter().cloned());
        for (topic, counts) in &other.topics {
            self.topics.entry(topic.clone()).or_default().add(counts);
        }
        self.merge.add(&other.merge);
        self.off_topic += other.off_topic;
        self.traps += other.traps;
        self.unlabelled += other.unlabelled;
        self.mistakes.extend(other.mistakes.iter().cloned());
    }
}

impl fmt::Display for Scores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "corpora: {}", self.corpora.join(", "))?;
        for (topic, counts) in &self.topics {
            writeln!(
                f,
                "  {topic:<10} precision {:.2}  recall {:.2}  F1 {:.2}  ({} right, {} wrong, {} missed)",
                counts.precision(),
                counts.recall(),
                counts.f1(),
                counts.right,
                counts.wrong,
                counts.missed
            )?;
        }
        writeln!(f, "  topic macro-F1 {:.3}", self.macro_f1())?;
        writeln!(
            f,
            "  merge pairs: precision {:.2}  recall {:.2}  F1 {:.3}  ({} right, {} wrong, {} missed)",
            self.merge.precision(),
            self.merge.recall(),
            self.merge.f1(),
            self.merge.right,
            self.merge.wrong,
            self.merge.missed
        )?;
        write!(
            f,
            "  off-topic items in topic briefs: {} (traps: {}); feed items without a label: {}",
            self.off_topic, self.traps, self.unlabelled
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_narrow_corpus_leaves_models_unjudged_on_an_item_of_another_topic() {
        let policy = ["policy".to_string()];
        let models = ["models".to_string()];
        assert!(!judged("set-a", "models", &policy));
        assert!(judged("set-g", "models", &policy), "newer corpora judge it");
        assert!(judged("set-a", "models", &models));
        assert!(
            judged("set-a", "models", &[]),
            "a trap's 'not models' counts"
        );
        assert!(judged("set-a", "policy", &models));
    }
}
