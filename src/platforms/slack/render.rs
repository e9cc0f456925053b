//! A `Brief` as Slack Block Kit messages. Pure: no I/O, so every limit is checked here rather
//! than discovered as an `invalid_blocks` error.
//!
//! Layout: a header block with the brief's title, a context line with the overview and date,
//! then per section a bold title and one section block per story (bold headline, summary,
//! linked outlets), dividers between sections. Slack's limits — 50 blocks per message, 3,000
//! characters per section text, 150 per header, 10 context elements — are enforced by cutting
//! feed text and by starting a new message between stories, never inside one. Slack also
//! refuses messages whose blocks hold much more than ~13,000 characters in all
//! (`msg_blocks_too_long`, undocumented), so a message is closed at 12,000.
//!
//! Each message carries a plain-text `text` as well: Slack shows it in notifications and to
//! clients that cannot draw blocks.

use serde::Serialize;

use super::mrkdwn::{escape, escape_lines, link, truncate, units};
use crate::model::{Brief, Section, Story};
use crate::render::{clean_inline, date_line, outlets, overview, topic_label};

pub const MAX_BLOCKS: usize = 50;
pub const MAX_SECTION_TEXT: usize = 3000;
pub const MAX_HEADER: usize = 150;
pub const MAX_CONTEXT_ELEMENTS: usize = 10;
/// Text across one message's blocks; see the module docs.
pub const MAX_MESSAGE_UNITS: usize = 12_000;
/// The fallback `text` of a message with blocks: a notification line, not the whole brief.
pub const MAX_FALLBACK: usize = 3000;
/// A text-only answer (help, subscriptions): Slack truncates `text` at 40,000; stay far below.
pub const MAX_TEXT_REPLY: usize = 12_000;
/// At most this many outlets are credited under a story; the rest are counted.
const MAX_CREDITS: usize = 4;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Text {
    PlainText {
        text: String,
        emoji: bool,
    },
    /// `verbatim` keeps Slack from turning bare URLs and names into links on its own.
    Mrkdwn {
        text: String,
        verbatim: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Header { text: Text },
    Section { text: Text },
    Context { elements: Vec<Text> },
    Divider,
}

/// One Slack message: blocks and their plain-text fallback.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Message {
    pub text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<Block>,
}

impl Text {
    fn mrkdwn(text: String) -> Self {
        Text::Mrkdwn {
            text,
            verbatim: true,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Text::PlainText { text, .. } | Text::Mrkdwn { text, .. } => text,
        }
    }
}

impl Block {
    /// Characters Slack counts towards a message's blocks.
    pub fn units(&self) -> usize {
        match self {
            Block::Header { text } | Block::Section { text } => units(text.text()),
            Block::Context { elements } => elements.iter().map(|e| units(e.text())).sum(),
            Block::Divider => 0,
        }
    }
}

impl Message {
    pub fn units(&self) -> usize {
        self.blocks.iter().map(Block::units).sum()
    }
}

/// The brief as one or more messages, in order.
pub fn brief_messages(brief: &Brief) -> Vec<Message> {
    let mut packer = Packer::default();
    let title = match topic_label(brief) {
        Some(topic) => format!("{} — {}", brief.title, topic),
        None => brief.title.clone(),
    };
    // Header text is plain: nothing in it is parsed, so it needs no escaping. Slack refuses
    // an empty one.
    let header = match clean_inline(&title) {
        title if title.is_empty() => "Brief".to_string(),
        title => cut_plain(&title, MAX_HEADER),
    };
    packer.push(Block::Header {
        text: Text::PlainText {
            text: header,
            emoji: false,
        },
    });
    packer.push(Block::Context {
        elements: vec![
            Text::mrkdwn(truncate(&escape(&overview(brief)), MAX_SECTION_TEXT)),
            Text::mrkdwn(truncate(&escape(&date_line(brief)), MAX_SECTION_TEXT)),
        ],
    });
    if let Some(editorial) = &brief.editorial {
        packer.push(section(truncate(
            &escape(&editorial.overview),
            MAX_SECTION_TEXT,
        )));
    }
    for brief_section in brief.sections.iter().filter(|s| !s.stories.is_empty()) {
        push_section(&mut packer, brief_section);
    }
    if let Some(editorial) = &brief.editorial {
        packer.push(Block::Divider);
        packer.push(section(truncate(
            &format!("*Bottom line:* {}", escape(&editorial.bottom_line)),
            MAX_SECTION_TEXT,
        )));
    }
    if let Some(url) = &brief.permalink {
        packer.push(Block::Context {
            elements: vec![Text::mrkdwn(link("Full brief", url.as_str()))],
        });
    }
    let mut messages = packer.finish();
    let count = messages.len();
    let headline = escape(&format!("{title} — {}", overview(brief)));
    for (index, message) in messages.iter_mut().enumerate() {
        message.text = if index == 0 {
            truncate(&headline, MAX_FALLBACK)
        } else {
            truncate(
                &format!("{} (part {} of {count})", escape(&title), index + 1),
                MAX_FALLBACK,
            )
        };
    }
    messages
}

/// A command's plain-text answer as one message without blocks.
pub fn text_message(text: &str) -> Message {
    Message {
        text: truncate(&escape_lines(text), MAX_TEXT_REPLY),
        blocks: Vec::new(),
    }
}

fn section(text: String) -> Block {
    Block::Section {
        text: Text::mrkdwn(text),
    }
}

fn push_section(packer: &mut Packer, brief_section: &Section) {
    let title = escape(&brief_section.title);
    let heading = |suffix: &str| section(truncate(&format!("*{title}*{suffix}"), 300));
    if !packer.is_fresh() {
        packer.push(Block::Divider);
    }
    packer.push(heading(""));
    for story in &brief_section.stories {
        let block = section(story_text(story));
        if !packer.fits(&block) {
            packer.break_message();
            packer.push(heading(" (continued)"));
        }
        packer.push(block);
    }
}

/// Bold headline, the summary, then the outlets as links; within one section's 3,000.
fn story_text(story: &Story) -> String {
    let mut lead = bold(&story.headline);
    if lead.is_empty() {
        lead = bold(&story.key_entity);
    }
    if lead.is_empty() {
        lead = "*Untitled story*".to_string();
    }
    let credits = credits(story);
    // Links first: a story must always say where it comes from; the summary takes the rest.
    let room = MAX_SECTION_TEXT.saturating_sub(units(&lead) + units(&credits) + 2);
    let summary = truncate(&escape(&story.summary), room);
    let mut text = lead;
    for part in [summary, credits] {
        if !part.is_empty() {
            text.push('\n');
            text.push_str(&part);
        }
    }
    truncate(&text, MAX_SECTION_TEXT)
}

/// Feed text in bold. A `*` inside would end the bold early, so it becomes a look-alike.
fn bold(text: &str) -> String {
    let escaped = truncate(&escape(text).replace('*', "\u{2217}"), 600);
    if escaped.is_empty() {
        return String::new();
    }
    format!("*{escaped}*")
}

/// "<url|Outlet> · <url|Other> · +2 more", within a third of a section so a summary fits.
fn credits(story: &Story) -> String {
    const BUDGET: usize = MAX_SECTION_TEXT / 3;
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
        let mut part = link(name, url);
        if units(&part) + used + 3 > BUDGET {
            part = truncate(&escape(name), 64);
            if units(&part) + used + 3 > BUDGET {
                break;
            }
        }
        used += units(&part) + 3;
        parts.push(part);
    }
    let more = outlets.len() - parts.len();
    if more > 0 {
        parts.push(format!("+{more} more"));
    }
    parts.join(" · ")
}

/// Plain text cut to `max` units, ending with `…` when cut.
fn cut_plain(text: &str, max: usize) -> String {
    if units(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if units(&out) + c.len_utf16() + 1 > max {
            break;
        }
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// Fills messages with blocks, starting a new message before a limit would be crossed.
#[derive(Default)]
struct Packer {
    done: Vec<Message>,
    current: Message,
}

impl Packer {
    fn fits(&self, block: &Block) -> bool {
        self.current.blocks.len() < MAX_BLOCKS
            && self.current.units() + block.units() <= MAX_MESSAGE_UNITS
    }

    /// Whether the current message has only the brief's opening (or nothing) so far.
    fn is_fresh(&self) -> bool {
        self.current
            .blocks
            .iter()
            .all(|b| matches!(b, Block::Header { .. } | Block::Context { .. }))
    }

    fn push(&mut self, block: Block) {
        if !self.fits(&block) {
            self.break_message();
        }
        // A divider opening a message separates nothing.
        if matches!(block, Block::Divider) && self.current.blocks.is_empty() {
            return;
        }
        self.current.blocks.push(block);
    }

    fn break_message(&mut self) {
        if !self.current.blocks.is_empty() {
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
    if message.blocks.len() > MAX_BLOCKS {
        problems.push(format!("{} blocks", message.blocks.len()));
    }
    if message.units() > MAX_MESSAGE_UNITS {
        problems.push(format!("{} characters across blocks", message.units()));
    }
    if message.text.trim().is_empty() || units(&message.text) > MAX_TEXT_REPLY {
        problems.push(format!("fallback text of {}", units(&message.text)));
    }
    for block in &message.blocks {
        match block {
            Block::Header { text } if units(text.text()) > MAX_HEADER => {
                problems.push(format!("header of {}", units(text.text())));
            }
            Block::Section { text } if units(text.text()) > MAX_SECTION_TEXT => {
                problems.push(format!("section of {}", units(text.text())));
            }
            Block::Context { elements } if elements.len() > MAX_CONTEXT_ELEMENTS => {
                problems.push(format!("context of {} elements", elements.len()));
            }
            _ => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::{brief, link as feed_link, story};

    fn texts(messages: &[Message]) -> String {
        serde_json::to_string(messages).unwrap_or_default()
    }

    #[test]
    fn the_permalink_is_the_last_block() {
        let one = story(
            "",
            "Chips ship",
            "In volume.",
            vec![feed_link("https://a.example/1", "A")],
        );
        let mut brief = brief(vec![("chips", "Chips", vec![one])], 1);
        brief.permalink = url::Url::parse("https://b.example/briefs/7").ok();
        let messages = brief_messages(&brief);
        let last = messages
            .last()
            .map(|m| texts(std::slice::from_ref(m)))
            .unwrap_or_default();
        assert!(
            last.contains("<https://b.example/briefs/7|Full brief>"),
            "{last}"
        );
    }

    #[test]
    fn blocks_serialise_as_slack_documents_them() {
        let message = Message {
            text: "t".into(),
            blocks: vec![
                Block::Divider,
                section("*x*".into()),
                Block::Header {
                    text: Text::PlainText {
                        text: "h".into(),
                        emoji: false,
                    },
                },
            ],
        };
        assert_eq!(
            serde_json::to_value(&message).unwrap_or_default(),
            serde_json::json!({"text": "t", "blocks": [
                {"type": "divider"},
                {"type": "section", "text": {"type": "mrkdwn", "text": "*x*", "verbatim": true}},
                {"type": "header", "text": {"type": "plain_text", "text": "h", "emoji": false}}
            ]})
        );
    }

    #[test]
    fn a_story_is_a_bold_headline_summary_and_linked_outlets() {
        let one = story(
            "",
            "Chip *wins* <!here>",
            "Summary & more",
            vec![
                feed_link("https://a.example/1?x=1&y=2", "Outlet A"),
                feed_link("javascript:alert(1)", "Evil"),
            ],
        );
        assert_eq!(
            story_text(&one),
            "*Chip \u{2217}wins\u{2217} &lt;!here&gt;*\nSummary &amp; more\n\
             <https://a.example/1?x=1&amp;y=2|Outlet A> · Evil"
        );
    }

    #[test]
    fn a_huge_brief_splits_between_stories_within_every_limit() {
        let stories: Vec<Story> = (0..150)
            .map(|i| {
                let links = (0..9)
                    .map(|n| {
                        feed_link(
                            &format!("https://o{n}.example/{}", "p".repeat(200)),
                            &format!("Outlet {n}"),
                        )
                    })
                    .collect();
                story(
                    "",
                    &format!("{i} {}", "H&".repeat(400)),
                    &"S<".repeat(2000),
                    links,
                )
            })
            .collect();
        let messages = brief_messages(&brief(vec![("chips", "Chips", stories)], 9));
        assert!(messages.len() > 3, "{}", messages.len());
        let story_blocks = messages
            .iter()
            .flat_map(|m| &m.blocks)
            .filter(|b| matches!(b, Block::Section { text } if text.text().contains("Outlet 0")))
            .count();
        assert_eq!(story_blocks, 150, "every story is in exactly one block");
        for message in &messages {
            assert_eq!(limit_violations(message), Vec::<String>::new());
        }
        assert!(texts(&messages[1..2]).contains("Chips* (continued)"));
    }

    #[test]
    fn many_small_stories_respect_the_block_count() {
        let stories: Vec<Story> = (0..120)
            .map(|i| story("", &format!("S{i}"), "", vec![]))
            .collect();
        let messages = brief_messages(&brief(vec![("chips", "Chips", stories)], 1));
        assert!(messages.len() >= 3);
        for message in &messages {
            assert_eq!(limit_violations(message), Vec::<String>::new());
        }
        assert_eq!(messages[0].blocks.len(), MAX_BLOCKS);
    }

    #[test]
    fn a_brief_without_a_title_still_has_a_header() {
        let mut untitled = brief(
            vec![("chips", "Chips", vec![story("", "S", "", vec![])])],
            1,
        );
        untitled.title = " \n".into();
        let messages = brief_messages(&untitled);
        assert_eq!(
            messages[0].blocks[0],
            Block::Header {
                text: Text::PlainText {
                    text: "Brief".into(),
                    emoji: false
                }
            }
        );
    }

    #[test]
    fn text_replies_are_escaped_line_by_line() {
        let message = text_message("Topics:\n• chips <!channel>\n@here");
        assert_eq!(
            message.text,
            "Topics:\n• chips &lt;!channel&gt;\n@\u{2060}here"
        );
        assert!(message.blocks.is_empty());
    }
}
