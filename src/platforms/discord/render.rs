//! A `Brief` as Discord messages of embeds. Pure: no serenity types, no I/O, so the output is
//! golden-tested as JSON and every limit is checked here rather than discovered as a 400.
//!
//! Layout: the first embed names the brief (title, overview, date line); each section is an
//! embed with one field per story (headline as the field name; summary and masked source links
//! as its value). Discord's limits (title 256, description 4096, field name 256 / value 1024,
//! 25 fields per embed, 10 embeds and 6000 characters per message) are enforced by cutting
//! feed text and by starting a new embed or message between stories — never inside one.

use serde::Serialize;

use super::text::{escape, masked_link, truncate};
use crate::model::{Brief, Section, Story};
use crate::render::{date_line, outlets, overview, topic_label};

pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 4096;
pub const MAX_FIELD_NAME: usize = 256;
pub const MAX_FIELD_VALUE: usize = 1024;
pub const MAX_FIELDS: usize = 25;
pub const MAX_FOOTER: usize = 2048;
pub const MAX_EMBEDS: usize = 10;
/// Characters across all embeds of one message (titles, descriptions, fields, footers).
pub const MAX_MESSAGE_CHARS: usize = 6000;
/// Plain `content` of a message or interaction reply.
pub const MAX_CONTENT: usize = 2000;

/// Embed colour of briefs (a calm blue).
const BRIEF_COLOUR: u32 = 0x3B82F6;
/// Embed colour of error replies.
pub const ERROR_COLOUR: u32 = 0xDC2626;
/// At most this many outlets are credited under a story; the rest are counted.
const MAX_CREDITS: usize = 4;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Embed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// One Discord message: up to 10 embeds within 6000 characters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Message {
    pub embeds: Vec<Embed>,
}

impl Embed {
    /// Characters Discord counts towards a message's 6000.
    pub fn chars(&self) -> usize {
        let len = |s: &Option<String>| s.as_deref().map_or(0, |s| s.chars().count());
        len(&self.title)
            + len(&self.description)
            + len(&self.footer)
            + self
                .fields
                .iter()
                .map(|f| f.name.chars().count() + f.value.chars().count())
                .sum::<usize>()
    }
}

impl Message {
    pub fn chars(&self) -> usize {
        self.embeds.iter().map(Embed::chars).sum()
    }
}

/// The brief as one or more messages, in order.
pub fn brief_messages(brief: &Brief) -> Vec<Message> {
    let mut packer = Packer::default();
    packer.push_embed(header(brief));
    for section in brief.sections.iter().filter(|s| !s.stories.is_empty()) {
        push_section(&mut packer, section);
    }
    if let Some(editorial) = &brief.editorial {
        packer.push_embed(Embed {
            description: Some(truncate(
                &format!("**Bottom line:** {}", escape(&editorial.bottom_line)),
                MAX_DESCRIPTION,
            )),
            color: Some(BRIEF_COLOUR),
            ..Embed::default()
        });
    }
    if let Some(url) = &brief.permalink {
        packer.push_embed(Embed {
            description: Some(masked_link("Full brief", url.as_str())),
            color: Some(BRIEF_COLOUR),
            ..Embed::default()
        });
    }
    packer.finish()
}

/// A short text (a command's answer) as one embed-less message body: escaped and within the
/// 2000-character content limit.
pub fn text_content(text: &str) -> String {
    let escaped: Vec<String> = text.lines().map(escape).collect();
    truncate(&escaped.join("\n"), MAX_CONTENT)
}

fn header(brief: &Brief) -> Embed {
    let title = match topic_label(brief) {
        Some(topic) => format!("{} — {}", brief.title, topic),
        None => brief.title.clone(),
    };
    let mut description = format!(
        "{}\n{}",
        escape(&overview(brief)),
        escape(&date_line(brief))
    );
    if let Some(editorial) = &brief.editorial {
        description.push_str("\n\n");
        description.push_str(&escape(&editorial.overview));
    }
    Embed {
        title: Some(truncate(&escape(&title), MAX_TITLE)),
        description: Some(truncate(&description, MAX_DESCRIPTION)),
        color: Some(BRIEF_COLOUR),
        ..Embed::default()
    }
}

fn push_section(packer: &mut Packer, section: &Section) {
    let title = truncate(&escape(&section.title), MAX_TITLE);
    let continued = truncate(
        &format!("{} (continued)", escape(&section.title)),
        MAX_TITLE,
    );
    let mut embed = section_embed(title);
    for story in &section.stories {
        let field = story_field(story);
        let field_chars = field.name.chars().count() + field.value.chars().count();
        let fits_embed = embed.fields.len() < MAX_FIELDS;
        let fits_message = packer.room(&embed) >= field_chars;
        let must_close = !(fits_embed && fits_message);
        if must_close && !embed.fields.is_empty() {
            packer.push_embed(std::mem::replace(
                &mut embed,
                section_embed(continued.clone()),
            ));
        }
        if packer.room(&embed) < field_chars {
            // Not even an empty embed of this section fits beside what the message holds.
            packer.break_message();
        }
        embed.fields.push(field);
    }
    if !embed.fields.is_empty() {
        packer.push_embed(embed);
    }
}

fn section_embed(title: String) -> Embed {
    Embed {
        title: Some(title),
        color: Some(BRIEF_COLOUR),
        ..Embed::default()
    }
}

/// Headline as the field name; summary, then the outlets as masked links, as the value.
fn story_field(story: &Story) -> Field {
    let mut name = truncate(&escape(&story.headline), MAX_FIELD_NAME);
    if name.is_empty() {
        name = truncate(&escape(&story.key_entity), MAX_FIELD_NAME);
    }
    if name.is_empty() {
        // Discord rejects an empty field name.
        name = "Untitled story".to_string();
    }
    let credits = credits(story);
    // Links first: a story must always say where it comes from; the summary takes the rest.
    let room = MAX_FIELD_VALUE.saturating_sub(credits.chars().count() + 1);
    let summary = truncate(&escape(&story.summary), room);
    let value = match (summary.is_empty(), credits.is_empty()) {
        (true, true) => "\u{200B}".to_string(), // Discord rejects an empty field value.
        (false, true) => summary,
        (true, false) => credits,
        (false, false) => format!("{summary}\n{credits}"),
    };
    Field { name, value }
}

/// "[Outlet](url) · [Other](url) · +2 more", within a third of a field so a summary fits too.
fn credits(story: &Story) -> String {
    const BUDGET: usize = MAX_FIELD_VALUE / 3;
    let outlets = outlets(story);
    let mut parts: Vec<String> = Vec::new();
    let mut used = 0;
    for (name, links) in outlets.iter().take(MAX_CREDITS) {
        let url = links
            .iter()
            .filter_map(|&i| story.links.get(i))
            .map(|l| l.url.as_str())
            .next()
            .unwrap_or("");
        let mut part = masked_link(name, url);
        if part.chars().count() + used + 3 > BUDGET {
            part = truncate(&escape(name), 64);
            if part.chars().count() + used + 3 > BUDGET {
                break;
            }
        }
        used += part.chars().count() + 3;
        parts.push(part);
    }
    let more = outlets.len() - parts.len();
    if more > 0 {
        parts.push(format!("+{more} more"));
    }
    parts.join(" · ")
}

/// Fills messages with embeds, starting a new message before a limit would be crossed.
#[derive(Default)]
struct Packer {
    done: Vec<Message>,
    current: Message,
}

impl Packer {
    /// Characters still free in the current message for `embed` (counted as if added).
    fn room(&self, embed: &Embed) -> usize {
        if self.current.embeds.len() >= MAX_EMBEDS {
            return 0;
        }
        MAX_MESSAGE_CHARS.saturating_sub(self.current.chars() + embed.chars())
    }

    fn push_embed(&mut self, embed: Embed) {
        if self.current.embeds.len() >= MAX_EMBEDS
            || self.current.chars() + embed.chars() > MAX_MESSAGE_CHARS
        {
            self.break_message();
        }
        self.current.embeds.push(embed);
    }

    fn break_message(&mut self) {
        if !self.current.embeds.is_empty() {
            self.done.push(std::mem::take(&mut self.current));
        }
    }

    fn finish(mut self) -> Vec<Message> {
        self.break_message();
        self.done
    }
}

/// Every limit a message must respect, as a list of what is wrong (empty when fine), for the
/// tests that hold `brief_messages` to its promise.
pub fn limit_violations(message: &Message) -> Vec<String> {
    let mut problems = Vec::new();
    if message.embeds.is_empty() || message.embeds.len() > MAX_EMBEDS {
        problems.push(format!("{} embeds", message.embeds.len()));
    }
    if message.chars() > MAX_MESSAGE_CHARS {
        problems.push(format!("{} characters across embeds", message.chars()));
    }
    let over = |what: &str, text: &Option<String>, max: usize, problems: &mut Vec<String>| {
        if let Some(text) = text
            && text.chars().count() > max
        {
            problems.push(format!("{what} of {} characters", text.chars().count()));
        }
    };
    for embed in &message.embeds {
        over("title", &embed.title, MAX_TITLE, &mut problems);
        over(
            "description",
            &embed.description,
            MAX_DESCRIPTION,
            &mut problems,
        );
        over("footer", &embed.footer, MAX_FOOTER, &mut problems);
        if embed.fields.len() > MAX_FIELDS {
            problems.push(format!("{} fields", embed.fields.len()));
        }
        for field in &embed.fields {
            let (name, value) = (field.name.chars().count(), field.value.chars().count());
            if name == 0 || name > MAX_FIELD_NAME || value == 0 || value > MAX_FIELD_VALUE {
                problems.push(format!("field of {name}/{value} characters"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, Section};
    use chrono::{TimeZone, Utc};

    fn story(headline: &str, summary: &str, links: usize) -> Story {
        Story {
            headline: headline.into(),
            summary: summary.into(),
            key_entity: String::new(),
            published: Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
            topics: vec!["chips".into()],
            links: (0..links)
                .map(|i| Link {
                    url: format!("https://outlet{i}.example/{}", "p".repeat(100)),
                    source: format!("Outlet {i}"),
                    title: String::new(),
                })
                .collect(),
            score: 1.0,
            item_ids: vec![1],
            why: None,
        }
    }

    fn brief(stories: Vec<Story>) -> Brief {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 2, 7, 0, 0)
            .single()
            .unwrap_or_default();
        Brief {
            title: "AI Morning Brief".into(),
            topic: None,
            as_of: at,
            window_start: at - chrono::Duration::hours(24),
            sections: vec![Section {
                topic: "chips".into(),
                title: "Chips".into(),
                stories,
            }],
            source_count: 3,
            editorial: None,
            permalink: None,
        }
    }

    #[test]
    fn the_editorial_is_escaped_and_closes_the_brief() {
        let mut brief = brief(vec![story("Headline", "Summary.", 1)]);
        brief.editorial = Some(crate::model::Editorial {
            overview: "Big day @everyone <@&123> **bold**".into(),
            bottom_line: "Watch @here.".into(),
        });
        let messages = brief_messages(&brief);
        let first = messages[0].embeds[0]
            .description
            .clone()
            .unwrap_or_default();
        assert!(first.contains(r"Big day \@everyone"), "{first}");
        assert!(!first.contains("<@&123>"), "{first}");
        let last = messages
            .last()
            .and_then(|m| m.embeds.last())
            .and_then(|e| e.description.clone())
            .unwrap_or_default();
        assert_eq!(last, r"**Bottom line:** Watch \@here.");
        for message in &messages {
            assert_eq!(limit_violations(message), Vec::<String>::new());
        }
    }

    #[test]
    fn the_permalink_is_the_last_embed() {
        let mut brief = brief(vec![story("Headline", "Summary.", 1)]);
        brief.permalink = url::Url::parse("https://b.example/x_(y)/briefs/7").ok();
        let messages = brief_messages(&brief);
        let last = messages
            .last()
            .and_then(|m| m.embeds.last())
            .and_then(|e| e.description.clone())
            .unwrap_or_default();
        assert_eq!(last, "[Full brief](https://b.example/x_%28y%29/briefs/7)");
    }

    #[test]
    fn a_huge_brief_splits_between_stories_within_every_limit() {
        let stories: Vec<Story> = (0..120)
            .map(|i| story(&format!("{i} {}", "H*".repeat(300)), &"S_".repeat(900), 9))
            .collect();
        let messages = brief_messages(&brief(stories));
        assert!(messages.len() > 1);
        let fields: usize = messages
            .iter()
            .flat_map(|m| &m.embeds)
            .map(|e| e.fields.len())
            .sum();
        assert_eq!(fields, 120, "every story is in exactly one field");
        for message in &messages {
            assert_eq!(limit_violations(message), Vec::<String>::new());
        }
    }

    #[test]
    fn many_small_stories_respect_the_field_count() {
        let stories: Vec<Story> = (0..60).map(|i| story(&format!("S{i}"), "", 1)).collect();
        let messages = brief_messages(&brief(stories));
        for message in &messages {
            assert_eq!(limit_violations(message), Vec::<String>::new());
        }
        assert!(
            messages[0]
                .embeds
                .iter()
                .any(|e| e.fields.len() == MAX_FIELDS)
        );
    }

    #[test]
    fn a_story_without_text_still_has_a_valid_field() {
        let messages = brief_messages(&brief(vec![story("", "", 0)]));
        let field = &messages[0].embeds[1].fields[0];
        assert_eq!(field.name, "Untitled story");
        assert!(!field.value.is_empty());
    }
}
