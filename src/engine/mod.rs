//! The brief engine: items in, a `Brief` out. Pure: no I/O, no clock, no database, so the same
//! items and the same `as_of` always give the same brief.
//!
//! Pipeline: window → classify each item → merge items about the same event across outlets →
//! decide each story's topics → headline, summary and key entity → rank → sections.

pub mod classify;
pub mod merge;
pub mod rank;
pub mod summarise;
pub mod text;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::model::{Brief, Item, Link, Section, Story};
use classify::{Classifier, TopicScore};
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
}

/// How long before a window's start a late-arriving item may have been published and still
/// count; older ones are a feed's backfill (or a newly added source), not news the reader
/// missed.
pub const LATE_ITEM_LIMIT: chrono::Duration = chrono::Duration::hours(6);

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
            classifier: Classifier::new(&config.topics, &config.classify),
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

        let mut stories = self.stories(&in_window, request.as_of, window_start);
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
        }
    }

    fn stories(
        &self,
        items: &[&Item],
        as_of: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Vec<Story> {
        let classified: Vec<(&Item, Vec<TopicScore>)> = items
            .iter()
            .map(|item| (*item, self.classifier.classify(&item.title, &item.summary)))
            .filter(|(_, scores)| !scores.is_empty())
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
        let merged = merge::merge(&inputs);
        merged
            .clusters
            .iter()
            .filter_map(|cluster| {
                self.story(
                    cluster,
                    merged.centrality(cluster),
                    &classified,
                    as_of,
                    window_start,
                )
            })
            .collect()
    }

    fn story(
        &self,
        cluster: &[usize],
        centrality: Vec<f32>,
        classified: &[(&Item, Vec<TopicScore>)],
        as_of: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Option<Story> {
        let topics = story_topics(cluster, classified, self.topics.len());
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
        let key_entity = summarise::key_entity(&members, &headline);

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

/// A story's topics: those at least half of its reports were classified into, strongest
/// (by mean score) first. One outlet's passing mention does not drag a story into a topic.
fn story_topics(
    cluster: &[usize],
    classified: &[(&Item, Vec<TopicScore>)],
    topic_count: usize,
) -> Vec<(usize, f64)> {
    let mut totals = vec![(0usize, 0.0f64); topic_count];
    for &index in cluster {
        for score in &classified[index].1 {
            totals[score.topic].0 += 1;
            totals[score.topic].1 += score.score;
        }
    }
    let members = cluster.len();
    let mut topics: Vec<(usize, f64)> = totals
        .iter()
        .enumerate()
        .filter(|(_, (count, _))| *count > 0 && count * 2 >= members)
        .map(|(topic, (_, total))| (topic, total / members as f64))
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
