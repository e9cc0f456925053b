//! Rendering: one `Brief` in, one string out, per output format.
//!
//! Pure: no I/O and no clock, so the same brief always renders to the same bytes and golden
//! tests can pin every format. Every platform renders from the one `Brief` instead of building
//! its own message text.
//!
//! Feed text is hostile. Each renderer neutralises it for its own medium: the text renderer
//! drops control and bidi characters (no terminal escape sequences), the Markdown renderer
//! escapes markup and links only to `http(s)` URLs, and the JSON renderer leaves escaping to
//! serde_json and keeps the text as the feeds wrote it.

pub mod json;
pub mod markdown;
pub mod text;

use std::fmt;
use std::str::FromStr;

use chrono::TimeDelta;

use crate::model::{Brief, Story};

/// Shown instead of an overview when no section has a story.
pub const EMPTY_OVERVIEW: &str = "No stories in this window.";

/// Windows shorter than this that are not a whole number of hours are shown in minutes;
/// longer ones are rounded to the hour, because "last 1530 minutes" helps nobody.
const MINUTES_UP_TO: i64 = 6 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain text for terminals.
    Text,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// Pretty-printed JSON with a stable shape (see `json`).
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Text, Format::Markdown, Format::Json];

    /// The canonical name, the one `FromStr` accepts and `Display` prints.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The name is none of the formats; the message lists the ones that exist, so it can be
    /// shown to a user as is.
    #[error("unknown output format {0:?}: expected text, markdown (or md) or json")]
    Unknown(String),
}

impl FromStr for Format {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            _ => Err(FormatError::Unknown(s.to_string())),
        }
    }
}

/// The brief in the given format, ending with a newline.
pub fn render(brief: &Brief, format: Format) -> String {
    match format {
        Format::Text => text::render(brief),
        Format::Markdown => markdown::render(brief),
        Format::Json => json::render(brief),
    }
}

/// One line that says what is in the brief, e.g.
/// "9 stories from 6 sources — Models 3 · Chips & Hardware 4 · Policy & Security 2".
/// Section titles come through unescaped; each renderer escapes them for its medium.
pub fn overview(brief: &Brief) -> String {
    let stories = brief.story_count();
    if stories == 0 {
        return EMPTY_OVERVIEW.to_string();
    }
    let breakdown: Vec<String> = brief
        .sections
        .iter()
        .filter(|s| !s.stories.is_empty())
        .map(|s| format!("{} {}", s.title, s.stories.len()))
        .collect();
    format!(
        "{} from {} — {}",
        count_label(stories, "story", "stories"),
        count_label(brief.source_count, "source", "sources"),
        breakdown.join(" · ")
    )
}

/// When the brief was made and what it covers, e.g.
/// "Monday, 2 March 2026 · 07:00 UTC · last 24 hours".
pub fn date_line(brief: &Brief) -> String {
    format!(
        "{} · {}",
        brief.as_of.format("%A, %-d %B %Y · %H:%M UTC"),
        window_label(brief.as_of - brief.window_start)
    )
}

/// "1 story", "3 stories".
pub fn count_label(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn window_label(window: TimeDelta) -> String {
    const DAY: i64 = 24 * 60;
    // Rounded to the minute so a window computed from timestamps a few seconds apart still
    // reads as "last 24 hours".
    let minutes = (window.num_seconds().max(0) + 30) / 60;
    if minutes >= 2 * DAY && minutes % DAY == 0 {
        return format!("last {} days", minutes / DAY);
    }
    if minutes == 60 {
        return "last hour".to_string();
    }
    if minutes > 0 && minutes % 60 == 0 {
        return format!("last {} hours", minutes / 60);
    }
    if minutes <= 1 {
        return "last minute".to_string();
    }
    if minutes < MINUTES_UP_TO {
        return format!("last {minutes} minutes");
    }
    format!("last {} hours", (minutes + 30) / 60)
}

/// The display name of the brief's topic: its section's title when there is one, else its id.
/// `None` for the full brief.
pub(crate) fn topic_label(brief: &Brief) -> Option<&str> {
    let id = brief.topic.as_deref()?;
    let title = brief
        .sections
        .iter()
        .find(|s| s.topic == id)
        .map(|s| s.title.as_str())
        .filter(|t| !t.trim().is_empty());
    Some(title.unwrap_or(id))
}

/// Feed text on one line: control characters and newlines become spaces, runs of whitespace
/// collapse, bidi overrides (which can make a terminal or a chat show text reversed) vanish.
pub(crate) fn clean_inline(text: &str) -> String {
    let mapped: String = text
        .chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Only web links are ever rendered as links: `javascript:`, `data:` and friends are not.
pub(crate) fn is_web_url(url: &str) -> bool {
    let url = url.trim();
    ["http://", "https://"].iter().any(|scheme| {
        url.len() > scheme.len()
            && url
                .get(..scheme.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
    })
}

/// `url` trimmed, with every character for which `encode` is true (and any whitespace, control
/// or bidi character) percent-encoded as UTF-8. Existing `%XX` escapes are left alone.
pub(crate) fn encode_url(url: &str, encode: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.trim().chars() {
        if c.is_whitespace() || c.is_control() || is_bidi_control(c) || encode(c) {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Byte length of the start of `headline` that spells `entity` (ignoring case) as a whole
/// word, so "Nvidia's chips" leads with "Nvidia" but "Metaverse fund" does not lead with
/// "Meta". Chinese and Japanese have no spaces, so "英伟达发布" does lead with "英伟达".
pub(crate) fn entity_prefix_len(headline: &str, entity: &str) -> Option<usize> {
    if entity.is_empty() {
        return None;
    }
    let mut rest = headline.char_indices();
    let mut end = 0;
    for wanted in entity.chars() {
        let (index, found) = rest.next()?;
        if !found.to_lowercase().eq(wanted.to_lowercase()) {
            return None;
        }
        end = index + found.len_utf8();
    }
    let joins_word = |c: char| c.is_alphanumeric() && !crate::engine::text::is_cjk(c);
    let last = entity.chars().last().is_some_and(joins_word);
    match headline[end..].chars().next() {
        Some(next) if last && joins_word(next) => None,
        _ => Some(end),
    }
}

/// The name to credit a link to; an outlet with no name still gets something to click.
pub(crate) fn source_label(source: &str) -> String {
    let name = clean_inline(source);
    if name.is_empty() {
        "link".to_string()
    } else {
        name
    }
}

/// Distinct outlets of a story in credit order, each with the indices of its links.
pub(crate) fn outlets(story: &Story) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, link) in story.links.iter().enumerate() {
        let name = source_label(&link.source);
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, links)) => links.push(index),
            None => out.push((name, vec![index])),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod testing {
    //! Small briefs for the renderers' unit tests.

    use chrono::{DateTime, TimeZone, Utc};

    use crate::model::{Brief, Link, Section, Story};

    pub fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, minute, 0)
            .single()
            .unwrap_or_default()
    }

    pub fn link(url: &str, source: &str) -> Link {
        Link {
            url: url.to_string(),
            source: source.to_string(),
            title: format!("{source} story"),
        }
    }

    pub fn story(entity: &str, headline: &str, summary: &str, links: Vec<Link>) -> Story {
        Story {
            headline: headline.to_string(),
            summary: summary.to_string(),
            key_entity: entity.to_string(),
            published: at(5, 30),
            topics: vec!["models".to_string()],
            links,
            score: 1.0,
            item_ids: vec![1],
            why: None,
        }
    }

    pub fn brief(sections: Vec<(&str, &str, Vec<Story>)>, source_count: usize) -> Brief {
        Brief {
            title: "AI Morning Brief".to_string(),
            topic: None,
            as_of: at(7, 0),
            window_start: at(7, 0) - chrono::Duration::hours(24),
            sections: sections
                .into_iter()
                .map(|(topic, title, stories)| Section {
                    topic: topic.to_string(),
                    title: title.to_string(),
                    stories,
                })
                .collect(),
            source_count,
            editorial: None,
            permalink: None,
        }
    }

    pub fn one_story_brief(story: Story) -> Brief {
        brief(vec![("models", "Models", vec![story])], 1)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_editorial_opens_and_closes_every_format_as_escaped_text() {
        let mut brief = one_story_brief(story("", "Headline", "Summary.", vec![]));
        brief.editorial = Some(crate::model::Editorial {
            overview: "A **big** day: <b>x</b> [y](javascript:alert(1)) @everyone.".into(),
            bottom_line: "# Watch \u{1b}[31mthis.".into(),
        });
        let text = text::render(&brief);
        let overview_at = text.find("A **big** day").expect("overview in text");
        assert!(overview_at < text.find("Headline").unwrap_or(0), "{text}");
        assert!(text.contains("Bottom line: # Watch [31mthis."), "{text}");
        assert!(
            !text.contains('\u{1b}'),
            "terminal escapes removed: {text:?}"
        );

        let markdown = markdown::render(&brief);
        assert!(markdown.contains(r"A \*\*big\*\* day"), "{markdown}");
        assert!(
            markdown.contains(r"\[y\](javascript"),
            "brackets escaped, so no link: {markdown}"
        );
        assert!(markdown.contains("**Bottom line:** "), "{markdown}");
        assert!(
            !markdown.contains("\n# Watch"),
            "no heading from model text: {markdown}"
        );
        assert!(
            markdown.trim_end().ends_with("this."),
            "the bottom line closes the brief: {markdown}"
        );

        let json: serde_json::Value =
            serde_json::from_str(&json::render(&brief)).expect("valid JSON");
        assert_eq!(
            json["editorial"]["overview"],
            "A **big** day: <b>x</b> [y](javascript:alert(1)) @everyone."
        );
        brief.editorial = None;
        let json: serde_json::Value =
            serde_json::from_str(&json::render(&brief)).expect("valid JSON");
        assert!(json.get("editorial").is_none(), "absent when extractive");
    }

    #[test]
    fn format_parses_case_insensitively() {
        assert_eq!("TEXT".parse(), Ok(Format::Text));
        assert_eq!(" Markdown ".parse(), Ok(Format::Markdown));
        assert_eq!("md".parse(), Ok(Format::Markdown));
        assert_eq!("Json".parse(), Ok(Format::Json));
        for format in Format::ALL {
            assert_eq!(format.to_string().parse(), Ok(format));
        }
    }

    #[test]
    fn unknown_format_names_the_choices() {
        let err = "html".parse::<Format>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unknown output format \"html\": expected text, markdown (or md) or json")
        );
    }

    #[test]
    fn overview_counts_stories_sources_and_sections() {
        let s = || story("", "Headline", "", vec![]);
        let brief = brief(
            vec![
                ("models", "Models", vec![s(), s(), s()]),
                ("empty", "Empty", vec![]),
                ("chips", "Chips & Hardware", vec![s(), s(), s(), s()]),
                ("policy", "Policy & Security", vec![s(), s()]),
            ],
            6,
        );
        assert_eq!(
            overview(&brief),
            "9 stories from 6 sources — Models 3 · Chips & Hardware 4 · Policy & Security 2"
        );
    }

    #[test]
    fn overview_uses_singular_and_handles_empty() {
        let single = one_story_brief(story("", "Headline", "", vec![]));
        assert_eq!(overview(&single), "1 story from 1 source — Models 1");
        assert_eq!(overview(&brief(vec![], 0)), "No stories in this window.");
        assert_eq!(
            overview(&brief(vec![("models", "Models", vec![])], 0)),
            EMPTY_OVERVIEW
        );
    }

    #[test]
    fn date_line_names_day_time_and_window() {
        let brief = brief(vec![], 0);
        assert_eq!(
            date_line(&brief),
            "Monday, 2 March 2026 · 07:00 UTC · last 24 hours"
        );
    }

    #[test]
    fn window_labels() {
        let label = |minutes: i64| window_label(Duration::minutes(minutes));
        assert_eq!(label(24 * 60), "last 24 hours");
        assert_eq!(label(36 * 60), "last 36 hours");
        assert_eq!(label(48 * 60), "last 2 days");
        assert_eq!(label(7 * 24 * 60), "last 7 days");
        assert_eq!(label(60), "last hour");
        assert_eq!(label(90), "last 90 minutes");
        assert_eq!(label(1), "last minute");
        assert_eq!(label(0), "last minute");
        assert_eq!(label(25 * 60 + 40), "last 26 hours");
        assert_eq!(
            window_label(Duration::seconds(24 * 3600 - 3)),
            "last 24 hours"
        );
    }

    #[test]
    fn clean_inline_collapses_newlines_and_drops_controls() {
        assert_eq!(clean_inline("  one\r\ntwo\t\tthree \n"), "one two three");
        assert_eq!(clean_inline("red\u{1b}[31m alert\u{0}"), "red [31m alert");
        assert_eq!(clean_inline("abc\u{202E}fed"), "abcfed");
    }

    #[test]
    fn only_web_urls_are_links() {
        assert!(is_web_url("https://example.com/a"));
        assert!(is_web_url(" HTTP://example.com"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("JavaScript:alert(1)"));
        assert!(!is_web_url("data:text/html,<script>"));
        assert!(!is_web_url("https://"));
        assert!(!is_web_url("//example.com"));
        assert!(!is_web_url("é"));
    }

    #[test]
    fn encode_url_keeps_existing_escapes() {
        let encoded = encode_url(" https://x.test/a b%20c(d)\n", |c| c == '(' || c == ')');
        assert_eq!(encoded, "https://x.test/a%20b%20c%28d%29");
        assert_eq!(
            encode_url("https://x.test/ü", |_| false),
            "https://x.test/ü"
        );
    }

    #[test]
    fn entity_prefix_respects_word_boundaries() {
        assert_eq!(entity_prefix_len("Nvidia's new chip", "Nvidia"), Some(6));
        assert_eq!(entity_prefix_len("NVIDIA ships", "Nvidia"), Some(6));
        assert_eq!(entity_prefix_len("Metaverse fund", "Meta"), None);
        assert_eq!(entity_prefix_len("Meta", "Meta"), Some(4));
        assert_eq!(entity_prefix_len("Open models", "OpenAI"), None);
        assert_eq!(entity_prefix_len("英伟达发布新芯片", "英伟达"), Some(9));
        assert_eq!(entity_prefix_len("Anything", ""), None);
    }

    #[test]
    fn outlets_are_distinct_in_credit_order() {
        let story = story(
            "",
            "H",
            "",
            vec![
                link("https://a.test/1", "A"),
                link("https://b.test", " "),
                link("https://a.test/2", "A"),
            ],
        );
        let names: Vec<(String, Vec<usize>)> = outlets(&story);
        assert_eq!(
            names,
            vec![("A".to_string(), vec![0, 2]), ("link".to_string(), vec![1])]
        );
    }

    #[test]
    fn topic_label_prefers_section_title() {
        let mut brief = brief(vec![("models", "Models", vec![])], 0);
        assert_eq!(topic_label(&brief), None);
        brief.topic = Some("models".to_string());
        assert_eq!(topic_label(&brief), Some("Models"));
        brief.topic = Some("chips".to_string());
        assert_eq!(topic_label(&brief), Some("chips"));
    }
}
