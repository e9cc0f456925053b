//! A `Brief` as Mattermost posts: Markdown, split between stories so each post stays within
//! Mattermost's 16,383 characters. Pure: no I/O.
//!
//! Feed text is escaped as Markdown (`render::markdown::escape`), so it shows as written and
//! cannot form a link, an image or HTML; links are made only to http(s) URLs. Mattermost
//! finds mentions in the text a post renders to, where `\@channel` is `@channel` again, so a
//! word joiner follows every `@` of feed text: the text reads the same, and `@`, `channel`
//! are two words that mention nobody.

use crate::model::{Brief, Section, Story};
use crate::render::markdown::escape as escape_markdown;
use crate::render::{date_line, encode_url, is_web_url, outlets, overview, topic_label};

/// Mattermost's limit on one post's message, in characters (Unicode scalar values).
pub const MAX_POST: usize = 16_383;
/// One story's line at most: a feed with a novel for a summary still leaves room for others.
const MAX_STORY: usize = 4_000;
/// Longest URL put in a link; longer ones name their source without a link.
const MAX_LINK_URL: usize = 512;

/// Feed text as Markdown that shows exactly that text and mentions nobody.
pub fn escape(text: &str) -> String {
    escape_markdown(text).replace('@', "@\u{2060}")
}

/// Plain text of several lines (a command's answer), each line escaped.
pub fn text_post(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(escape).collect();
    truncate(&lines.join("\n"), MAX_POST)
}

/// The brief as one or more posts, in order.
pub fn brief_posts(brief: &Brief) -> Vec<String> {
    let title = match topic_label(brief) {
        Some(topic) => format!("{} — {}", brief.title, topic),
        None => brief.title.clone(),
    };
    let mut head = format!(
        "#### {}\n_{}_\n\n{}\n",
        escape(&title),
        escape(&date_line(brief)),
        escape(&overview(brief))
    );
    if let Some(editorial) = &brief.editorial {
        head.push_str(&format!("\n{}\n", escape(&editorial.overview)));
    }
    let mut packer = Packer::default();
    packer.push(&truncate(&head, MAX_POST));
    for section in brief.sections.iter().filter(|s| !s.stories.is_empty()) {
        push_section(&mut packer, section);
    }
    if let Some(editorial) = &brief.editorial {
        let line = format!("\n**Bottom line:** {}\n", escape(&editorial.bottom_line));
        packer.push(&truncate(&line, MAX_STORY));
    }
    if let Some(url) = &brief.permalink {
        packer.push(&format!("\n[Full brief]({})\n", destination(url.as_str())));
    }
    packer.finish()
}

fn push_section(packer: &mut Packer, section: &Section) {
    let title = escape(&section.title);
    packer.push(&format!("\n##### {title}\n"));
    for story in &section.stories {
        let line = format!("{}\n", story_line(story));
        if !packer.fits(&line) {
            packer.break_post();
            packer.push(&format!("##### {title} (continued)\n"));
        }
        packer.push(&line);
    }
}

/// `- **Headline** Summary ([Outlet](url), …)` on one line.
fn story_line(story: &Story) -> String {
    let mut lead = escape(&story.headline);
    if lead.is_empty() {
        lead = escape(&story.key_entity);
    }
    let mut parts = Vec::new();
    if !lead.is_empty() {
        parts.push(format!("**{lead}**"));
    }
    let credits = credits(story);
    // Links first: a story must always say where it comes from; the summary takes the rest.
    let room = MAX_STORY.saturating_sub(chars(&parts.join(" ")) + chars(&credits) + 8);
    let summary = truncate(&escape(&story.summary), room);
    if !summary.is_empty() {
        parts.push(summary);
    }
    if !credits.is_empty() {
        parts.push(format!("({credits})"));
    }
    format!("- {}", parts.join(" "))
}

/// One link per outlet (its first web link); an outlet with no web link is named without one.
fn credits(story: &Story) -> String {
    outlets(story)
        .into_iter()
        .take(8)
        .map(|(name, links)| {
            let url = links
                .iter()
                .filter_map(|&i| story.links.get(i))
                .map(|l| l.url.as_str())
                .find(|u| is_web_url(u) && u.trim().chars().count() <= MAX_LINK_URL);
            match url {
                Some(url) => format!("[{}]({})", escape(&name), destination(url)),
                None => escape(&name),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A URL that stays one link destination: nothing in it can close the `(…)`.
fn destination(url: &str) -> String {
    encode_url(url, |c| {
        matches!(c, '(' | ')' | '<' | '>' | '"' | '\\' | '[' | ']')
    })
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to at most `max` characters, ending with `…` when cut; never between a
/// backslash and the character it escapes, nor between an `@` and its word joiner.
fn truncate(text: &str, max: usize) -> String {
    if chars(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut end = 0;
    let mut count = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let pair = matches!(c, '\\' | '@') && chars.peek().is_some();
        let width = if pair { 2 } else { 1 };
        if count + width > max - 1 {
            break;
        }
        let mut next_end = index + c.len_utf8();
        if pair && let Some((paired, second)) = chars.next() {
            next_end = paired + second.len_utf8();
        }
        end = next_end;
        count += width;
    }
    format!("{}…", text[..end].trim_end())
}

/// Fills posts with lines, starting a new post before the limit would be crossed.
#[derive(Default)]
struct Packer {
    done: Vec<String>,
    current: String,
}

impl Packer {
    fn fits(&self, text: &str) -> bool {
        chars(&self.current) + chars(text) <= MAX_POST
    }

    fn push(&mut self, text: &str) {
        if !self.fits(text) {
            self.break_post();
        }
        self.current.push_str(text);
    }

    fn break_post(&mut self) {
        let post = std::mem::take(&mut self.current);
        if !post.trim().is_empty() {
            self.done.push(post.trim().to_string());
        }
    }

    fn finish(mut self) -> Vec<String> {
        self.break_post();
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::{brief, link, story};

    #[test]
    fn the_permalink_ends_the_last_post() {
        let one = story(
            "",
            "Chips ship",
            "In volume.",
            vec![link("https://a.example/1", "A")],
        );
        let mut brief = brief(vec![("chips", "Chips", vec![one])], 1);
        brief.permalink = url::Url::parse("https://b.example/briefs/7?a=(1)").ok();
        let posts = brief_posts(&brief);
        let last = posts.last().map(String::as_str).unwrap_or_default();
        assert!(
            last.trim_end()
                .ends_with("[Full brief](https://b.example/briefs/7?a=%281%29)"),
            "{last}"
        );
    }

    #[test]
    fn feed_text_mentions_nobody_and_links_only_the_web() {
        let one = story(
            "",
            "@channel **win** [x](javascript:alert(1)) <b>",
            "@here and @all",
            vec![
                link("javascript:alert(1)", "Evil"),
                link("https://ok.example/a (b)", "OK"),
            ],
        );
        let line = story_line(&one);
        assert_eq!(
            line,
            "- **\\@\u{2060}channel \\*\\*win\\*\\* \\[x\\](javascript:alert(1)) \\<b\\>** \
             \\@\u{2060}here and \\@\u{2060}all (Evil, [OK](https://ok.example/a%20%28b%29))"
        );
    }

    #[test]
    fn a_long_brief_splits_between_stories_within_the_post_limit() {
        let stories: Vec<Story> = (0..60)
            .map(|i| story("", &format!("Story {i}"), &"word @x ".repeat(400), vec![]))
            .collect();
        let posts = brief_posts(&brief(vec![("chips", "Chips", stories)], 1));
        assert!(posts.len() > 1);
        for post in &posts {
            assert!(chars(post) <= MAX_POST, "{}", chars(post));
        }
        let lines: usize = posts
            .iter()
            .flat_map(|p| p.lines())
            .filter(|l| l.starts_with("- **Story "))
            .count();
        assert_eq!(lines, 60, "every story once");
        assert!(posts[1].starts_with("##### Chips (continued)"));
    }

    #[test]
    fn truncation_keeps_escapes_and_joiners_whole() {
        let cut = truncate("ab\\*\\*cd", 4);
        assert_eq!(cut, "ab…");
        assert_eq!(truncate("a@\u{2060}b", 3), "a…");
        assert_eq!(truncate("short", 10), "short");
    }
}
