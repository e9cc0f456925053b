//! What one brief's summaries need, owned so the work can outlive the request that made it,
//! and the cache keys that name each summary.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::Written;
use super::prompt::{self, Report, StoryData};
use crate::model::{Brief, Editorial, Item};
use crate::storage::{StorageError, Store};

/// Everything a brief's summaries need, owned so it can outlive the request that made it.
#[derive(Debug, Clone)]
pub(super) struct Job {
    pub(super) title: String,
    pub(super) stories: Vec<StoryJob>,
    /// `None` when the brief has fewer than two stories: an overview would only repeat it.
    pub(super) overview_key: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct StoryJob {
    pub(super) key: String,
    /// Where the story sits in the brief: (section, story) indexes.
    pub(super) position: (usize, usize),
    pub(super) section: String,
    pub(super) headline: String,
    pub(super) extractive: String,
    pub(super) sources: Vec<String>,
    pub(super) data: StoryData,
}

impl StoryJob {
    /// The texts a summary of this story may draw names and numbers from.
    pub(super) fn grounding(&self) -> impl Iterator<Item = &str> {
        self.data.reports.iter().flat_map(|report| {
            [
                report.source.as_str(),
                report.title.as_str(),
                report.summary.as_str(),
            ]
        })
    }
}

impl Job {
    pub(super) fn new(brief: &Brief, items: &[Item], model: &str) -> Self {
        let by_id: HashMap<i64, &Item> = items.iter().map(|item| (item.id, item)).collect();
        let mut stories = Vec::new();
        for (section_index, section) in brief.sections.iter().enumerate() {
            for (story_index, story) in section.stories.iter().enumerate() {
                let mut members: Vec<&Item> = story
                    .item_ids
                    .iter()
                    .filter_map(|id| by_id.get(id).copied())
                    .collect();
                if members.is_empty() {
                    continue;
                }
                members.sort_by(|a, b| a.published.cmp(&b.published).then(a.id.cmp(&b.id)));
                let mut ids: Vec<i64> = members.iter().map(|item| item.id).collect();
                ids.sort_unstable();
                let mut sources: Vec<String> = Vec::new();
                for link in &story.links {
                    if !sources.contains(&link.source) {
                        sources.push(link.source.clone());
                    }
                }
                stories.push(StoryJob {
                    key: story_key(model, &ids),
                    position: (section_index, story_index),
                    section: section.title.clone(),
                    headline: story.headline.clone(),
                    extractive: story.summary.clone(),
                    sources,
                    data: StoryData {
                        reports: members
                            .iter()
                            .map(|item| Report {
                                source: item.source_name.clone(),
                                title: item.title.clone(),
                                summary: item.summary.clone(),
                            })
                            .collect(),
                    },
                });
            }
        }
        let overview_key = (stories.len() >= 2).then(|| {
            let keys: Vec<&str> = stories.iter().map(|s| s.key.as_str()).collect();
            cache_key(&["overview", model, &brief.title, &keys.join(",")])
        });
        Self {
            title: brief.title.clone(),
            stories,
            overview_key,
        }
    }

    pub(super) fn keys(&self) -> Vec<String> {
        self.stories
            .iter()
            .map(|s| s.key.clone())
            .chain(self.overview_key.clone())
            .collect()
    }

    /// Names and numbers the overview may use: every report of every story, the sections and
    /// the brief's own title.
    pub(super) fn overview_grounding(&self) -> impl Iterator<Item = &str> {
        self.stories
            .iter()
            .flat_map(|story| story.grounding().chain([story.section.as_str()]))
            .chain([self.title.as_str()])
    }

    /// Puts what the cache holds into the brief.
    pub(super) async fn apply(
        &self,
        store: &Store,
        brief: &mut Brief,
    ) -> Result<Written, StorageError> {
        let cached: HashMap<String, String> = store
            .cached_summaries(&self.keys())
            .await?
            .into_iter()
            .collect();
        let mut written = Written::default();
        for story in &self.stories {
            let (section, index) = story.position;
            let Some(target) = brief
                .sections
                .get_mut(section)
                .and_then(|s| s.stories.get_mut(index))
            else {
                continue;
            };
            match cached.get(&story.key).filter(|s| !s.is_empty()) {
                Some(summary) => {
                    target.summary = summary.clone();
                    written.model_summaries += 1;
                }
                None => written.extractive_summaries += 1,
            }
        }
        // Stories the job skipped (no stored items) keep their extractive text too.
        crate::telemetry::summary_cache(written.model_summaries, written.extractive_summaries);
        written.extractive_summaries +=
            brief.story_count() - written.model_summaries - written.extractive_summaries;
        brief.editorial = self
            .overview_key
            .as_ref()
            .and_then(|key| cached.get(key))
            .and_then(|body| serde_json::from_str::<Editorial>(body).ok());
        written.editorial = brief.editorial.is_some();
        Ok(written)
    }
}

/// The cache key of a story: its member items (sorted), the model and the prompt version. A
/// story that gains a report gets a new key and is summarised again.
pub(super) fn story_key(model: &str, sorted_item_ids: &[i64]) -> String {
    let ids: Vec<String> = sorted_item_ids.iter().map(i64::to_string).collect();
    cache_key(&["story", model, &ids.join(",")])
}

pub(super) fn cache_key(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("v{}", prompt::PROMPT_VERSION));
    for part in parts {
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        hasher.update([0u8]);
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn story_keys_change_with_members_model_and_prompt() {
        let key = story_key("m", &[1, 2]);
        assert_eq!(key, story_key("m", &[1, 2]));
        assert_ne!(
            key,
            story_key("m", &[1, 2, 3]),
            "a new source means a new summary"
        );
        assert_ne!(key, story_key("other", &[1, 2]));
        assert_eq!(key.len(), 64);
    }
}
