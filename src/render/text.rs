//! Plain text for terminals: a newsroom-style brief that reads well in 100 columns.
//!
//! Width is counted in characters, not terminal cells, so lines of wide (CJK) text can run
//! past the right margin; nothing is ever cut. Feed text goes through `clean_inline`, so an
//! escape sequence in a headline cannot recolour or rewrite the reader's terminal.

use super::{clean_inline, date_line, encode_url, entity_prefix_len, is_web_url};
use super::{outlets, overview, topic_label};
use crate::model::{Brief, Story};

/// Right margin, in characters.
pub const WIDTH: usize = 100;

const BULLET: &str = "• ";
const INDENT: &str = "  ";
const LINK_INDENT: &str = "    ";

/// The brief as terminal text, ending with a newline.
pub fn render(brief: &Brief) -> String {
    let mut lines: Vec<String> = Vec::new();
    let title = clean_inline(&brief.title);
    lines.push(title.clone());
    lines.push("═".repeat(title.chars().count().max(1)));
    lines.push(date_line(brief));
    lines.push(String::new());
    lines.extend(wrap(&clean_inline(&overview(brief)), WIDTH, "", ""));
    if let Some(editorial) = &brief.editorial {
        lines.push(String::new());
        lines.extend(wrap(&clean_inline(&editorial.overview), WIDTH, "", ""));
    }
    if brief.is_empty() {
        if let Some(topic) = topic_label(brief) {
            lines.push(format!("Topic: {}", clean_inline(topic)));
        }
        return finish(lines, brief);
    }
    for section in brief.sections.iter().filter(|s| !s.stories.is_empty()) {
        let heading = clean_inline(&section.title).to_uppercase();
        lines.push(String::new());
        lines.push(heading.clone());
        lines.push("─".repeat(heading.chars().count().max(1)));
        for (index, story) in section.stories.iter().enumerate() {
            if index > 0 {
                lines.push(String::new());
            }
            push_story(&mut lines, story);
        }
    }
    if let Some(editorial) = &brief.editorial {
        lines.push(String::new());
        let bottom_line = format!("Bottom line: {}", clean_inline(&editorial.bottom_line));
        lines.extend(wrap(&bottom_line, WIDTH, "", ""));
    }
    finish(lines, brief)
}

/// The lines joined, the link to the brief's archive page last.
fn finish(mut lines: Vec<String>, brief: &Brief) -> String {
    if let Some(url) = &brief.permalink {
        lines.push(String::new());
        lines.push(format!("Full brief: {url}"));
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn push_story(lines: &mut Vec<String>, story: &Story) {
    lines.extend(wrap(&lead(story), WIDTH, BULLET, INDENT));
    let summary = clean_inline(&story.summary);
    if !summary.is_empty() {
        lines.extend(wrap(&summary, WIDTH, INDENT, INDENT));
    }
    let outlets = outlets(story);
    if !outlets.is_empty() {
        let names: Vec<&str> = outlets.iter().map(|(name, _)| name.as_str()).collect();
        let credit = format!("Sources ({}): {}", outlets.len(), names.join(", "));
        lines.extend(wrap(&credit, WIDTH, INDENT, LINK_INDENT));
    }
    let mut shown: Vec<String> = Vec::new();
    for link in story.links.iter().filter(|l| is_web_url(&l.url)) {
        // URLs are never wrapped: a broken URL is no longer clickable.
        let url = encode_url(&link.url, |_| false);
        if !shown.contains(&url) {
            lines.push(format!("{LINK_INDENT}{url}"));
            shown.push(url);
        }
    }
}

/// The bullet's first line: the key entity first, unless the headline already starts with it.
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

/// `text` in lines of at most `width` characters, `first` before the first line and `rest`
/// before the others. Words move whole to the next line; only a word longer than a line is
/// split. `text` must already be on one line (see `clean_inline`).
pub(crate) fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut len = first.chars().count();
    let mut has_word = false;
    for word in text.split_whitespace() {
        let mut word = word;
        loop {
            let word_len = word.chars().count();
            let needed = word_len + usize::from(has_word);
            if len + needed <= width {
                if has_word {
                    line.push(' ');
                }
                line.push_str(word);
                len += needed;
                has_word = true;
                break;
            }
            if has_word {
                lines.push(std::mem::replace(&mut line, rest.to_string()));
                len = rest.chars().count();
                has_word = false;
                continue;
            }
            // Too long for any line: split it where this one ends (at least one character,
            // so an indent wider than the line cannot stall the loop).
            let room = width.saturating_sub(len).max(1);
            let split = word.char_indices().nth(room).map_or(word.len(), |(i, _)| i);
            line.push_str(&word[..split]);
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            len = rest.chars().count();
            word = &word[split..];
            if word.is_empty() {
                break;
            }
        }
    }
    if has_word || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn the_permalink_is_the_last_line_even_of_an_empty_brief() {
        let mut full = one_story_brief(story("", "Headline", "", vec![]));
        let mut empty = brief(vec![], 0);
        for brief in [&mut full, &mut empty] {
            brief.permalink = url::Url::parse("https://b.example/briefs/7").ok();
            let text = render(brief);
            assert!(
                text.ends_with("\n\nFull brief: https://b.example/briefs/7\n"),
                "{text}"
            );
        }
        full.permalink = None;
        assert!(!render(&full).contains("Full brief"));
    }

    #[test]
    fn wrap_keeps_words_whole_within_width() {
        let text = "the quick brown fox jumps over the lazy dog";
        let lines = wrap(text, 16, "• ", "  ");
        assert_eq!(
            lines,
            vec![
                "• the quick",
                "  brown fox",
                "  jumps over the",
                "  lazy dog"
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 16));
    }

    #[test]
    fn wrap_splits_only_words_longer_than_a_line() {
        let lines = wrap("short abcdefghijklmnop end", 10, "  ", "  ");
        assert_eq!(lines, vec!["  short", "  abcdefgh", "  ijklmnop", "  end"]);
        let lines = wrap("abcdef", 4, "", "");
        assert_eq!(lines, vec!["abcd", "ef"]);
    }

    #[test]
    fn wrap_counts_characters_not_bytes() {
        let lines = wrap("über äöü", 8, "", "");
        assert_eq!(lines, vec!["über äöü"]);
    }

    #[test]
    fn wrap_survives_an_indent_wider_than_the_line() {
        let lines = wrap("ab", 2, "    ", "    ");
        assert_eq!(lines, vec!["    a", "    b"]);
    }

    #[test]
    fn long_summaries_wrap_at_100_columns() {
        let summary = "word ".repeat(60);
        let brief = one_story_brief(story("", "Headline", &summary, vec![]));
        let out = render(&brief);
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
        assert!(out.contains("\n  word word"));
    }

    #[test]
    fn entity_leads_unless_headline_starts_with_it() {
        let s = |entity: &str, headline: &str| lead(&story(entity, headline, "", vec![]));
        assert_eq!(s("Nvidia", "Blackwell ships"), "Nvidia — Blackwell ships");
        assert_eq!(
            s("Nvidia", "Nvidia ships Blackwell"),
            "Nvidia ships Blackwell"
        );
        assert_eq!(s("", "Blackwell ships"), "Blackwell ships");
        assert_eq!(s("Meta", "Metaverse ships"), "Meta — Metaverse ships");
    }

    #[test]
    fn story_lists_sources_then_web_links() {
        let links = vec![
            link("https://a.test/1", "Outlet A"),
            link("javascript:alert(1)", "Outlet B"),
            link("https://a.test/2", "Outlet A"),
        ];
        let out = render(&one_story_brief(story(
            "Nvidia",
            "Chips ship",
            "They ship.",
            links,
        )));
        let expected = "• Nvidia — Chips ship\n  They ship.\n  Sources (2): Outlet A, Outlet B\n    \
                        https://a.test/1\n    https://a.test/2\n";
        assert!(out.ends_with(expected), "{out}");
        assert!(!out.contains("javascript"));
    }

    #[test]
    fn terminal_escapes_are_removed() {
        let hostile = story("", "Red\u{1b}[31m alert\u{7}", "line one\nline two", vec![]);
        let out = render(&one_story_brief(hostile));
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'));
        assert!(
            out.contains("• Red [31m alert\n  line one line two\n"),
            "{out}"
        );
    }

    #[test]
    fn full_brief_layout() {
        let out = render(&one_story_brief(story("", "Headline", "", vec![])));
        let expected = "AI Morning Brief\n════════════════\nMonday, 2 March 2026 · 07:00 UTC · last 24 \
                        hours\n\n1 story from 1 source — Models 1\n\nMODELS\n──────\n• Headline\n";
        assert_eq!(out, expected);
    }

    #[test]
    fn empty_brief_says_so_and_names_the_topic() {
        let mut brief = brief(vec![("models", "Models", vec![])], 0);
        let out = render(&brief);
        assert!(
            out.ends_with("last 24 hours\n\nNo stories in this window.\n"),
            "{out}"
        );
        brief.topic = Some("models".to_string());
        assert!(render(&brief).ends_with("No stories in this window.\nTopic: Models\n"));
    }
}
