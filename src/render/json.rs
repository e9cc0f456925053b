//! JSON for scripts and other programs. The view structs below are the public shape: field
//! names and order are pinned here, whatever the model's own serde derives do.
//!
//! Text is kept exactly as the feeds wrote it (serde_json escapes what JSON needs); it is the
//! consumer's job to escape it for wherever it shows it. Times are RFC 3339 UTC with a `Z`
//! and whole seconds, e.g. "2026-03-02T07:00:00Z". Every section of the brief is included,
//! even an empty one, so a topic brief always says which topic it was for.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::overview;
use crate::model::{Brief, Editorial, Link, Section, Story, Why};

#[derive(Serialize)]
struct BriefView<'a> {
    title: &'a str,
    /// `null` for the full brief.
    topic: Option<&'a str>,
    as_of: String,
    window_start: String,
    overview: String,
    /// The model-written overview and bottom line; absent from an extractive brief.
    #[serde(skip_serializing_if = "Option::is_none")]
    editorial: Option<&'a Editorial>,
    sections: Vec<SectionView<'a>>,
    source_count: usize,
    /// The brief's page in the web archive; absent when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    permalink: Option<&'a str>,
}

#[derive(Serialize)]
struct SectionView<'a> {
    topic: &'a str,
    title: &'a str,
    stories: Vec<StoryView<'a>>,
}

#[derive(Serialize)]
struct StoryView<'a> {
    headline: &'a str,
    summary: &'a str,
    key_entity: &'a str,
    published: String,
    topics: &'a [String],
    links: Vec<LinkView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<&'a Why>,
}

#[derive(Serialize)]
struct LinkView<'a> {
    url: &'a str,
    source: &'a str,
    title: &'a str,
}

/// The brief as pretty-printed JSON (two-space indent), ending with a newline.
pub fn render(brief: &Brief) -> String {
    let view = BriefView {
        title: &brief.title,
        topic: brief.topic.as_deref(),
        as_of: timestamp(brief.as_of),
        window_start: timestamp(brief.window_start),
        overview: overview(brief),
        editorial: brief.editorial.as_ref(),
        sections: brief.sections.iter().map(section_view).collect(),
        source_count: brief.source_count,
        permalink: brief.permalink.as_ref().map(url::Url::as_str),
    };
    // Only strings, numbers and lists with string keys: serialising cannot fail, but should
    // serde_json ever disagree, the reader gets valid JSON saying so rather than a panic.
    let mut out = serde_json::to_string_pretty(&view)
        .unwrap_or_else(|err| serde_json::json!({ "error": err.to_string() }).to_string());
    out.push('\n');
    out
}

fn section_view(section: &Section) -> SectionView<'_> {
    SectionView {
        topic: &section.topic,
        title: &section.title,
        stories: section.stories.iter().map(story_view).collect(),
    }
}

fn story_view(story: &Story) -> StoryView<'_> {
    StoryView {
        headline: &story.headline,
        summary: &story.summary,
        key_entity: &story.key_entity,
        published: timestamp(story.published),
        topics: &story.topics,
        links: story.links.iter().map(link_view).collect(),
        why: story.why.as_ref(),
    }
}

fn link_view(link: &Link) -> LinkView<'_> {
    LinkView {
        url: &link.url,
        source: &link.source,
        title: &link.title,
    }
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use serde_json::Value;

    /// Sorted, because serde_json's map order depends on its features.
    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        keys
    }

    fn sorted(mut names: Vec<&str>) -> Vec<&str> {
        names.sort_unstable();
        names
    }

    #[test]
    fn shape_and_field_names() {
        let brief = one_story_brief(story("Nvidia", "H", "S", vec![link("https://a.test", "A")]));
        let value: Value = serde_json::from_str(&render(&brief)).expect("valid JSON");
        let expected = vec![
            "title",
            "topic",
            "as_of",
            "window_start",
            "overview",
            "sections",
            "source_count",
        ];
        assert_eq!(keys(&value), sorted(expected));
        assert_eq!(value["topic"], Value::Null);
        assert_eq!(value["as_of"], "2026-03-02T07:00:00Z");
        assert_eq!(value["window_start"], "2026-03-01T07:00:00Z");
        assert_eq!(
            keys(&value["sections"][0]),
            sorted(vec!["topic", "title", "stories"])
        );
        let first = &value["sections"][0]["stories"][0];
        let expected = vec![
            "headline",
            "summary",
            "key_entity",
            "published",
            "topics",
            "links",
        ];
        assert_eq!(keys(first), sorted(expected));
        assert_eq!(first["published"], "2026-03-02T05:30:00Z");
        assert_eq!(
            keys(&first["links"][0]),
            sorted(vec!["url", "source", "title"])
        );
    }

    #[test]
    fn the_permalink_is_there_only_when_the_brief_has_one() {
        let mut brief = brief(vec![], 0);
        let value: Value = serde_json::from_str(&render(&brief)).expect("valid JSON");
        assert!(value.get("permalink").is_none());
        brief.permalink = url::Url::parse("https://b.example/briefs/7").ok();
        let value: Value = serde_json::from_str(&render(&brief)).expect("valid JSON");
        assert_eq!(value["permalink"], "https://b.example/briefs/7");
    }

    #[test]
    fn pretty_printed_with_two_spaces() {
        let out = render(&brief(vec![], 0));
        assert!(out.starts_with("{\n  \"title\": \"AI Morning Brief\",\n  \"topic\": null,\n"));
        assert!(out.ends_with("}\n"));
    }

    #[test]
    fn sub_second_times_are_truncated_to_seconds() {
        let mut brief = brief(vec![], 0);
        brief.as_of += chrono::Duration::milliseconds(999);
        assert!(render(&brief).contains("\"as_of\": \"2026-03-02T07:00:00Z\""));
    }

    #[test]
    fn topic_brief_keeps_its_empty_section() {
        let mut brief = brief(vec![("models", "Models", vec![])], 0);
        brief.topic = Some("models".to_string());
        let value: Value = serde_json::from_str(&render(&brief)).expect("valid JSON");
        assert_eq!(value["topic"], "models");
        assert_eq!(value["sections"][0]["stories"], Value::Array(vec![]));
        assert_eq!(value["overview"], "No stories in this window.");
    }
}
