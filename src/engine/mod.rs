//! The brief engine: items in, a `Brief` out. Pure: no I/O, no clock, no database, so the same
//! items and the same `as_of` always give the same brief.
//!
//! Pipeline: window → classify each item → merge items about the same event across outlets →
//! decide each story's topics → headline, summary and key entity → rank → sections.

pub mod classify;
pub mod entities;
pub mod learned;
pub mod merge;
pub mod rank;
pub mod summarise;
pub mod terms;
pub mod text;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::model::{Brief, Item, Link, ReportWhy, Section, Story, TopicWhy, Why};
use classify::Classifier;
use merge::MergeInput;
use summarise::Member;

/// What to build: one topic or all, as of when, over how long.
#[derive(Debug, Clone)]
pub struct BriefRequest {
    /// A topic id (already resolved from an alias); `None` for the full brief.
    pub topic: Option<String>,
    pub as_of: DateTime<Utc>,
    pub window: Duration,
    /// Stories per section; 0 means no cap.
    pub max_stories: usize,
    /// Also take items first seen after this instant that were published before the window
    /// (at most `LATE_ITEM_LIMIT` before it): news that arrived after the previous scheduled
    /// brief was built although it was published before it. `None` for briefs that are not
    /// part of a series.
    pub late_since: Option<DateTime<Utc>>,
    /// Fill in each story's `why` (topic scores, matched terms, shared features).
    pub explain: bool,
}

/// How long before a window's start a late-arriving item may have been published and still
/// count; older ones are a feed's backfill (or a newly added source), not news the reader
/// missed.
pub const LATE_ITEM_LIMIT: chrono::Duration = chrono::Duration::hours(6);

/// Items scoring at least this share of the threshold for some topic take part in merging.
const CANDIDATE_FLOOR: f64 = 0.5;
/// One report scoring this many times the threshold places its whole story in the topic.
const CONFIDENT_REPORT: f64 = 1.5;

impl BriefRequest {
    /// The instant the window starts: `as_of` minus the window.
    pub fn window_start(&self) -> DateTime<Utc> {
        let window = chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::MAX);
        self.as_of
            .checked_sub_signed(window)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Whether an item belongs in this brief: published within the window, or a late arrival
    /// (see `late_since`).
    pub fn includes(&self, published: DateTime<Utc>, first_seen: DateTime<Utc>) -> bool {
        let window_start = self.window_start();
        if published > self.as_of {
            return false;
        }
        if published > window_start {
            return true;
        }
        self.late_since.is_some_and(|since| {
            first_seen > since
                && first_seen <= self.as_of
                && published > window_start - LATE_ITEM_LIMIT
        })
    }
}

#[derive(Debug, Clone)]
pub struct Engine {
    title: String,
    topics: Vec<(String, String)>,
    classifier: Classifier,
    summary_chars: usize,
}

impl Engine {
    pub fn new(config: &Config) -> Self {
        Self {
            title: config.brief.title.clone(),
            topics: config
                .topics
                .iter()
                .map(|t| (t.id.clone(), t.title.clone()))
                .collect(),
            classifier: Classifier::new(
                &config.topics,
                &config.classify,
                &config.entities,
                config.topic_model.clone(),
            ),
            summary_chars: config.brief.summary_chars.max(40),
        }
    }

    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// Builds a brief from any set of items; items outside the window are ignored.
    pub fn build_brief(&self, items: &[Item], request: &BriefRequest) -> Brief {
        let window_start = request.window_start();
        let mut in_window: Vec<&Item> = items
            .iter()
            .filter(|item| request.includes(item.published, item.first_seen))
            .collect();
        in_window.sort_by(|a, b| a.published.cmp(&b.published).then(a.id.cmp(&b.id)));

        let mut stories = self.stories(&in_window, request.as_of, window_start, request.explain);
        stories.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.published.cmp(&a.published))
                .then(a.headline.cmp(&b.headline))
        });

        let sections = self.sections(stories, request);
        let source_count = Brief::count_sources(&sections);
        Brief {
            title: self.title.clone(),
            topic: request.topic.clone(),
            as_of: request.as_of,
            window_start,
            sections,
            source_count,
            editorial: None,
            permalink: None,
        }
    }

    fn stories(
        &self,
        items: &[&Item],
        as_of: DateTime<Utc>,
        window_start: DateTime<Utc>,
        explain: bool,
    ) -> Vec<Story> {
        // Items that come near a topic take part in merging, so a report the classifier
        // was unsure of can join the story its siblings place (and take its topics).
        let floor = self.classifier.threshold() * CANDIDATE_FLOOR;
        let classified: Vec<(&Item, Vec<f64>)> = items
            .iter()
            .map(|item| {
                let scores = self.classifier.assess(&item.title, &item.summary).scores;
                (*item, scores)
            })
            .filter(|(_, scores)| scores.iter().any(|s| *s >= floor))
            .collect();
        let inputs: Vec<MergeInput> = classified
            .iter()
            .map(|(item, _)| MergeInput {
                source: &item.source_name,
                title: &item.title,
                summary: &item.summary,
                published: item.published,
            })
            .collect();
        let merged = merge::merge(&inputs, self.classifier.gazetteer());
        merged
            .clusters
            .iter()
            .filter_map(|cluster| {
                let mut story = self.story(
                    cluster,
                    merged.centrality(cluster),
                    &classified,
                    as_of,
                    window_start,
                )?;
                if explain {
                    story.why = Some(self.why(cluster, &classified, &merged));
                }
                Some(story)
            })
            .collect()
    }

    /// The reasons behind one story: its topic scores, what each report matched, and what
    /// its reports have in common.
    fn why(
        &self,
        cluster: &[usize],
        classified: &[(&Item, Vec<f64>)],
        merged: &merge::Merged,
    ) -> Why {
        let threshold = self.classifier.threshold();
        let topics = story_topics(cluster, classified, threshold)
            .into_iter()
            .map(|(topic, score)| TopicWhy {
                topic: self.topics[topic].0.clone(),
                score: round2(score),
                threshold,
                reports_placed: cluster
                    .iter()
                    .filter(|&&i| classified[i].1[topic] >= threshold)
                    .count(),
            })
            .collect();
        let reports = cluster
            .iter()
            .map(|&index| {
                let item = classified[index].0;
                let assessment = self.classifier.assess(&item.title, &item.summary);
                let terms = self
                    .classifier
                    .explain(&item.title, &item.summary)
                    .into_iter()
                    .flat_map(|(topic, terms)| {
                        terms
                            .into_iter()
                            .map(move |term| format!("{topic}: {term}"))
                    })
                    .collect();
                let strongest = assessment
                    .scores
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
                    .map(|(topic, _)| topic);
                let model = match (self.classifier.model(), strongest) {
                    (Some(model), Some(topic)) => model
                        .topic_index(&self.topics[topic].0)
                        .map(|index| {
                            model
                                .strongest_features(&assessment.features, index, 6)
                                .into_iter()
                                .map(|(name, effect)| format!("{name} {effect:+.2}"))
                                .collect()
                        })
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                ReportWhy {
                    url: item.link.clone(),
                    scores: self
                        .topics
                        .iter()
                        .zip(&assessment.scores)
                        .map(|((id, _), score)| (id.clone(), round2(*score)))
                        .collect(),
                    terms,
                    model,
                    entities: assessment
                        .entities
                        .iter()
                        .map(|e| self.classifier.gazetteer().id(*e).to_string())
                        .collect(),
                }
            })
            .collect();
        Why {
            topics,
            reports,
            shared: merged.shared(cluster, 10),
        }
    }

    fn story(
        &self,
        cluster: &[usize],
        centrality: Vec<f32>,
        classified: &[(&Item, Vec<f64>)],
        as_of: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Option<Story> {
        let topics = story_topics(cluster, classified, self.classifier.threshold());
        let (_, strongest) = topics.first()?;
        let members: Vec<Member> = cluster
            .iter()
            .zip(&centrality)
            .map(|(&index, &centrality)| Member {
                title: &classified[index].0.title,
                summary: &classified[index].0.summary,
                centrality,
                source_weight: classified[index].0.source_weight,
            })
            .collect();
        let headline_item = classified[cluster[summarise::headline_member(&members)]].0;
        let headline = headline_item.title.clone();
        let summary = summarise::summary(&members, &headline, self.summary_chars);
        let key_entity = self
            .classifier
            .gazetteer()
            .lead_entity(&headline)
            .unwrap_or_else(|| summarise::key_entity(&members, &headline));

        let items: Vec<&Item> = cluster.iter().map(|&i| classified[i].0).collect();
        let mut outlets: Vec<(&str, f64)> = Vec::new();
        for item in &items {
            if !outlets.iter().any(|(name, _)| *name == item.source_name) {
                outlets.push((&item.source_name, item.source_weight));
            }
        }
        let weights: Vec<f64> = outlets.iter().map(|(_, w)| *w).collect();
        let latest = items.iter().map(|i| i.published).max()?;
        let score = rank::score(&rank::RankInput {
            outlet_weights: &weights,
            latest,
            as_of,
            window_start,
            topic_strength: *strongest,
        });

        // Credit the headline's outlet first, then the others by trust and time.
        let mut credited = items.clone();
        credited.sort_by(|a, b| {
            (b.id == headline_item.id)
                .cmp(&(a.id == headline_item.id))
                .then(b.source_weight.total_cmp(&a.source_weight))
                .then(a.published.cmp(&b.published))
                .then(a.id.cmp(&b.id))
        });
        let links = credited
            .iter()
            .map(|item| Link {
                url: item.link.clone(),
                source: item.source_name.clone(),
                title: item.title.clone(),
            })
            .collect();
        Some(Story {
            headline,
            summary,
            key_entity,
            published: items.iter().map(|i| i.published).min()?,
            topics: topics
                .iter()
                .map(|(t, _)| self.topics[*t].0.clone())
                .collect(),
            links,
            score,
            item_ids: items.iter().map(|i| i.id).collect(),
            why: None,
        })
    }

    fn sections(&self, stories: Vec<Story>, request: &BriefRequest) -> Vec<Section> {
        let cap = if request.max_stories == 0 {
            usize::MAX
        } else {
            request.max_stories
        };
        let mut sections: Vec<Section> = self
            .topics
            .iter()
            .filter(|(id, _)| request.topic.as_ref().is_none_or(|wanted| wanted == id))
            .map(|(id, title)| Section {
                topic: id.clone(),
                title: title.clone(),
                stories: Vec::new(),
            })
            .collect();
        for story in stories {
            // A topic brief takes every story that touches the topic; the full brief places
            // each story once, under its strongest topic.
            let home = match &request.topic {
                Some(wanted) => story.topics.iter().find(|t| *t == wanted),
                None => story.topics.first(),
            };
            let Some(home) = home else { continue };
            if let Some(section) = sections.iter_mut().find(|s| &s.topic == home)
                && section.stories.len() < cap
            {
                section.stories.push(story);
            }
        }
        if request.topic.is_none() {
            sections.retain(|s| !s.stories.is_empty());
        }
        sections
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// A story's topics: those that at least half of its reports are placed in, or that one
/// report places it in with confidence (one report that says "export licence" tells what the
/// other three are about), strongest (by mean score) first. A story no report places in any
/// topic is not news here.
fn story_topics(
    cluster: &[usize],
    classified: &[(&Item, Vec<f64>)],
    threshold: f64,
) -> Vec<(usize, f64)> {
    let topic_count = classified.first().map_or(0, |(_, scores)| scores.len());
    let members = cluster.len();
    let any_placed = cluster
        .iter()
        .any(|&index| classified[index].1.iter().any(|s| *s >= threshold));
    if !any_placed {
        return Vec::new();
    }
    let mut topics: Vec<(usize, f64)> = (0..topic_count)
        .filter_map(|topic| {
            let scores: Vec<f64> = cluster.iter().map(|&i| classified[i].1[topic]).collect();
            let placed = scores.iter().filter(|s| **s >= threshold).count();
            let strongest = scores.iter().copied().fold(0.0, f64::max);
            let mean = scores.iter().sum::<f64>() / members as f64;
            let belongs =
                (placed > 0 && placed * 2 >= members) || strongest >= threshold * CONFIDENT_REPORT;
            belongs.then_some((topic, mean.max(threshold)))
        })
        .collect();
    topics.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    topics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn late_arrivals_count_only_in_a_series_and_only_when_recent() {
        let mut request = BriefRequest {
            topic: None,
            as_of: at("2026-03-03T07:00:00Z"),
            window: Duration::from_secs(24 * 3600),
            max_stories: 0,
            late_since: None,
            explain: false,
        };
        let seen_after = at("2026-03-02T07:10:00Z");
        assert!(request.includes(at("2026-03-02T08:00:00Z"), seen_after));
        assert!(
            !request.includes(at("2026-03-03T07:00:01Z"), seen_after),
            "future"
        );
        assert!(
            !request.includes(at("2026-03-02T06:55:00Z"), seen_after),
            "not a series"
        );

        request.late_since = Some(at("2026-03-02T07:00:00Z"));
        assert!(
            request.includes(at("2026-03-02T06:55:00Z"), seen_after),
            "late arrival"
        );
        assert!(
            !request.includes(at("2026-03-02T06:55:00Z"), at("2026-03-02T06:59:00Z")),
            "seen before the last brief: it was in it"
        );
        assert!(
            !request.includes(at("2026-03-02T00:59:00Z"), seen_after),
            "more than six hours before the window: backfill"
        );
        assert!(
            !request.includes(at("2026-03-02T06:55:00Z"), at("2026-03-03T07:00:01Z")),
            "seen after the brief's own time"
        );
    }
}
