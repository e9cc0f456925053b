//! One brief as HTML: what the chat shows (date line, overview, the model's overview and
//! bottom line, a section per topic, each story's lead, summary and credited outlets), for the
//! archive pages and as the content of each feed entry.
//!
//! Pure. Every string that came from a feed or a model is put through `text`, which escapes
//! `&`, `<` and `>` after `clean_inline` drops control and bidi characters; attribute values
//! also escape quotes. Only `http(s)` URLs become links, and those never pass on trust
//! (`rel="noopener nofollow ugc"`).

use std::fmt::Write as _;

use crate::model::{Brief, Story};
use crate::render::{
    clean_inline, count_label, date_line, encode_url, entity_prefix_len, is_web_url, outlets,
    overview, topic_label,
};

/// Feed text as HTML text content: on one line, markup characters escaped.
pub fn text(raw: &str) -> String {
    html_escape::encode_text(&clean_inline(raw)).into_owned()
}

/// A value for a double-quoted attribute.
pub fn attribute(raw: &str) -> String {
    html_escape::encode_double_quoted_attribute(&clean_inline(raw)).into_owned()
}

/// A link to an outside page: only `http(s)`, percent-encoded so nothing in it can end the
/// attribute, and marked as not vouched for. Anything else is the label as text.
pub fn outside_link(url: &str, label: &str) -> String {
    if !is_web_url(url) {
        return text(label);
    }
    let href = encode_url(url, |c| matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'));
    format!(
        "<a href=\"{}\" rel=\"noopener nofollow ugc\">{}</a>",
        attribute(&href),
        text(label)
    )
}

/// The brief's title, with its topic for a topic brief ("AI Morning Brief — Chips"), raw.
pub fn title(brief: &Brief) -> String {
    match topic_label(brief) {
        Some(topic) => format!("{} — {}", brief.title, topic),
        None => brief.title.clone(),
    }
}

/// "9 stories from 6 sources", raw.
pub fn counts(brief: &Brief) -> String {
    format!(
        "{} from {}",
        count_label(brief.story_count(), "story", "stories"),
        count_label(brief.source_count, "source", "sources")
    )
}

/// The brief below its title: the date line, the overview, then the sections. `level` is the
/// heading level of a section (a story's is one below).
pub fn body(brief: &Brief, level: u8) -> String {
    let section_heading = level.clamp(1, 5);
    let mut out = String::new();
    let _ = writeln!(out, "<p class=\"date\">{}</p>", text(&date_line(brief)));
    let _ = writeln!(out, "<p class=\"overview\">{}</p>", text(&overview(brief)));
    if let Some(editorial) = &brief.editorial {
        let _ = writeln!(
            out,
            "<p class=\"editorial\">{}</p>",
            text(&editorial.overview)
        );
    }
    for section in brief.sections.iter().filter(|s| !s.stories.is_empty()) {
        let _ = writeln!(
            out,
            "<section>\n<h{section_heading}>{}</h{section_heading}>\n<ul class=\"stories\">",
            text(&section.title)
        );
        for story in &section.stories {
            out.push_str(&story_item(story, section_heading + 1));
        }
        out.push_str("</ul>\n</section>\n");
    }
    if let Some(editorial) = &brief.editorial {
        let _ = writeln!(
            out,
            "<p class=\"bottom-line\"><strong>Bottom line:</strong> {}</p>",
            text(&editorial.bottom_line)
        );
    }
    out
}

fn story_item(story: &Story, level: u8) -> String {
    let mut out = format!("<li>\n<h{level}>{}</h{level}>\n", text(&lead(story)));
    let summary = text(&story.summary);
    if !summary.is_empty() {
        let _ = writeln!(out, "<p>{summary}</p>");
    }
    let credits: Vec<String> = outlets(story)
        .into_iter()
        .map(|(name, links)| {
            let url = links
                .iter()
                .filter_map(|&i| story.links.get(i))
                .map(|l| l.url.as_str())
                .find(|u| is_web_url(u));
            match url {
                Some(url) => outside_link(url, &name),
                None => text(&name),
            }
        })
        .collect();
    if !credits.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"sources\">Sources: {}</p>",
            credits.join(", ")
        );
    }
    out.push_str("</li>\n");
    out
}

/// The key entity first, unless the headline already starts with it (as in the chat).
fn lead(story: &Story) -> String {
    let headline = clean_inline(&story.headline);
    let entity = clean_inline(&story.key_entity);
    if entity.is_empty() || entity_prefix_len(&headline, &entity).is_some() {
        return headline;
    }
    if headline.is_empty() {
        return entity;
    }
    format!("{entity} — {headline}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Editorial, Link, Section};
    use chrono::DateTime;

    fn brief(stories: Vec<Story>) -> Brief {
        let as_of = DateTime::from_timestamp(1_772_434_800, 0).unwrap_or_default();
        Brief {
            title: "AI Morning Brief".into(),
            topic: None,
            as_of,
            window_start: as_of - chrono::Duration::hours(24),
            source_count: Brief::count_sources(&[]),
            sections: vec![Section {
                topic: "chips".into(),
                title: "Chips & Hardware".into(),
                stories,
            }],
            editorial: None,
            permalink: None,
        }
    }

    fn story(entity: &str, headline: &str, summary: &str, links: &[(&str, &str)]) -> Story {
        Story {
            headline: headline.into(),
            summary: summary.into(),
            key_entity: entity.into(),
            published: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            topics: vec!["chips".into()],
            links: links
                .iter()
                .map(|(url, source)| Link {
                    url: (*url).into(),
                    source: (*source).into(),
                    title: String::new(),
                })
                .collect(),
            score: 1.0,
            item_ids: vec![1],
            why: None,
        }
    }

    #[test]
    fn a_story_shows_its_lead_summary_and_linked_outlets() {
        let html = body(
            &brief(vec![story(
                "Nvidia",
                "Blackwell ships",
                "It ships.",
                &[
                    ("https://a.test/1", "Outlet A"),
                    ("ftp://b.test", "Outlet B"),
                ],
            )]),
            2,
        );
        assert!(
            html.contains(
                "<h2>Chips &amp; Hardware</h2>\n<ul class=\"stories\">\n<li>\n\
                 <h3>Nvidia — Blackwell ships</h3>\n<p>It ships.</p>\n<p class=\"sources\">Sources: \
                 <a href=\"https://a.test/1\" rel=\"noopener nofollow ugc\">Outlet A</a>, Outlet B</p>"
            ),
            "{html}"
        );
        assert!(html.starts_with("<p class=\"date\">Monday, 2 March 2026 · 07:00 UTC"));
    }

    #[test]
    fn hostile_text_stays_text_and_bad_links_are_not_links() {
        let mut hostile = brief(vec![story(
            "",
            "<script>alert(1)</script> &amp; @everyone",
            "]]> <img src=x onerror=alert(1)>\u{202E}",
            &[
                ("javascript:alert(1)", "<b>Evil</b>"),
                ("https://x.test/?q=\"><script>", "Quote"),
            ],
        )]);
        hostile.editorial = Some(Editorial {
            overview: "<iframe src=//x>".into(),
            bottom_line: "</p><script>".into(),
        });
        let html = body(&hostile, 2);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img") && !html.contains("<iframe") && !html.contains("<b>"));
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; @everyone"));
        assert!(html.contains("]]&gt; &lt;img src=x onerror=alert(1)&gt;</p>"));
        assert!(!html.contains('\u{202E}'));
        assert!(
            html.contains("<a href=\"https://x.test/?q=%22%3E%3Cscript%3E\" rel="),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;Evil&lt;/b&gt;, <a"), "{html}");
    }

    #[test]
    fn heading_levels_follow_the_page() {
        let html = body(&brief(vec![story("", "H", "", &[])]), 3);
        assert!(html.contains("<h3>Chips &amp; Hardware</h3>") && html.contains("<h4>H</h4>"));
    }
}
