//! Telegram HTML: one `Brief` in, one or more messages out, each within Telegram's limit.
//!
//! Pure (no I/O, no teloxide), so it is golden-tested like the other renderers. The shape
//! follows the engine's text rendering: bold title, italic date line, the overview, then per
//! section a bold heading and one bullet per story (bold lead, summary, credited sources).
//!
//! Safety: only `b`, `i` and `a` are ever emitted (a subset of what Telegram accepts); all feed
//! text is escaped (`&`, `<`, `>` and, in attributes, `"`), and links are made only to http(s)
//! URLs. Length: Telegram counts a message's text *after* entity parsing, in UTF-16 code units,
//! so tags do not count and `&amp;` counts as one. Messages are split between stories; a story
//! is split only when it alone is longer than a message, and then between whole tags (an open
//! tag is closed and reopened in the next message).

use crate::model::{Brief, Story};
use crate::render::{
    clean_inline, date_line, encode_url, entity_prefix_len, is_web_url, outlets, overview,
    topic_label,
};

/// Telegram's limit on one message's text after entity parsing.
pub const MESSAGE_LIMIT: usize = 4096;

/// Plain text for Telegram HTML: `&`, `<` and `>` escaped. Quotes are escaped too, so the
/// same function is safe inside attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Telegram turns any `@name` in a message into a mention that notifies that user. Feed and
/// model text may name nobody: a word joiner after every `@` keeps the text as it reads and
/// breaks the mention.
pub fn no_mentions(text: &str) -> String {
    text.replace('@', "@\u{2060}")
}

/// Plain text (a command reply) as one or more messages of escaped HTML.
pub fn render_text(text: &str) -> Vec<String> {
    let blocks: Vec<Block> = text
        .split("\n\n")
        .map(|para| Block {
            lines: para.lines().map(|l| vec![Span::plain(l)]).collect(),
            section: None,
        })
        .collect();
    pack(blocks, MESSAGE_LIMIT)
}

/// The brief as Telegram HTML messages, each at most `MESSAGE_LIMIT` long once parsed.
pub fn render(brief: &Brief) -> Vec<String> {
    render_with_limit(brief, MESSAGE_LIMIT)
}

/// `render` with another limit, so tests can exercise splitting with small briefs.
pub fn render_with_limit(brief: &Brief, limit: usize) -> Vec<String> {
    pack(blocks(brief), limit.max(1))
}

/// A run of text in one format. The text is raw (unescaped) until written out, so a run can
/// be cut anywhere and both halves wrapped again.
#[derive(Debug, Clone, PartialEq)]
struct Span {
    open: String,
    close: &'static str,
    text: String,
}

impl Span {
    fn plain(text: &str) -> Self {
        Self {
            open: String::new(),
            close: "",
            text: text.to_string(),
        }
    }

    fn bold(text: &str) -> Self {
        Self::tagged("<b>", "</b>", text)
    }

    fn italic(text: &str) -> Self {
        Self::tagged("<i>", "</i>", text)
    }

    fn link(url: &str, text: &str) -> Self {
        let href = encode_url(url, |c| matches!(c, '"' | '<' | '>' | '\\'));
        Self {
            open: format!("<a href=\"{}\">", escape(&href)),
            close: "</a>",
            text: text.to_string(),
        }
    }

    fn tagged(open: &str, close: &'static str, text: &str) -> Self {
        Self {
            open: open.to_string(),
            close,
            text: text.to_string(),
        }
    }

    /// Length as Telegram counts it once written out, word joiners of `no_mentions` included.
    fn len(&self) -> usize {
        self.text.chars().map(shown_units).sum()
    }

    fn html(&self) -> String {
        if self.text.is_empty() {
            return String::new();
        }
        format!(
            "{}{}{}",
            self.open,
            no_mentions(&escape(&self.text)),
            self.close
        )
    }
}

type Line = Vec<Span>;

/// Lines that belong together (the header, or one story); kept in one message when they fit.
#[derive(Debug, Clone)]
struct Block {
    lines: Vec<Line>,
    /// The section heading to repeat when this story starts a new message mid-section.
    section: Option<String>,
}

/// UTF-16 units `c` takes in a sent message: an `@` is followed by a word joiner there.
fn shown_units(c: char) -> usize {
    c.len_utf16() + usize::from(c == '@')
}

fn line_len(line: &Line) -> usize {
    line.iter().map(Span::len).sum()
}

fn block_len(lines: &[Line]) -> usize {
    lines.iter().map(line_len).sum::<usize>() + lines.len().saturating_sub(1)
}

fn line_html(line: &Line) -> String {
    line.iter().map(Span::html).collect()
}

fn blocks(brief: &Brief) -> Vec<Block> {
    let mut header = vec![
        vec![Span::bold(&clean_inline(&brief.title))],
        vec![Span::italic(&date_line(brief))],
        vec![Span::plain(&clean_inline(&overview(brief)))],
    ];
    if let Some(editorial) = &brief.editorial {
        header.push(vec![Span::plain(&clean_inline(&editorial.overview))]);
    }
    if brief.is_empty()
        && let Some(topic) = topic_label(brief)
    {
        let line = format!("Topic: {}", clean_inline(topic));
        header.push(vec![Span::plain(&line)]);
    }
    let mut out = vec![Block {
        lines: header,
        section: None,
    }];
    for section in brief.sections.iter().filter(|s| !s.stories.is_empty()) {
        let heading = clean_inline(&section.title);
        for (index, story) in section.stories.iter().enumerate() {
            let mut lines = Vec::new();
            if index == 0 {
                // The heading travels with the section's first story, so it never ends a
                // message on its own.
                lines.push(vec![Span::bold(&heading)]);
            }
            lines.extend(story_lines(story));
            out.push(Block {
                lines,
                section: (index > 0).then(|| heading.clone()),
            });
        }
    }
    if let Some(editorial) = &brief.editorial {
        let bottom_line = format!(" {}", clean_inline(&editorial.bottom_line));
        out.push(Block {
            lines: vec![vec![Span::bold("Bottom line:"), Span::plain(&bottom_line)]],
            section: None,
        });
    }
    if let Some(url) = &brief.permalink {
        out.push(Block {
            lines: vec![vec![Span::link(url.as_str(), "Full brief")]],
            section: None,
        });
    }
    out
}

fn story_lines(story: &Story) -> Vec<Line> {
    let mut lines = vec![lead(story)];
    let summary = clean_inline(&story.summary);
    if !summary.is_empty() {
        lines.push(vec![Span::plain(&summary)]);
    }
    let credits = credits(story);
    if !credits.is_empty() {
        lines.push(credits);
    }
    lines
}

/// `• ` and the bold lead: the headline's own start when it begins with the key entity,
/// otherwise the entity, a dash and the headline.
fn lead(story: &Story) -> Line {
    let headline = clean_inline(&story.headline);
    let entity = clean_inline(&story.key_entity);
    let mut line = vec![Span::plain("• ")];
    match entity_prefix_len(&headline, &entity) {
        Some(end) => {
            line.push(Span::bold(&headline[..end]));
            line.push(Span::plain(&headline[end..]));
        }
        None if entity.is_empty() => line.push(Span::bold(&headline)),
        None if headline.is_empty() => line.push(Span::bold(&entity)),
        None => {
            line.push(Span::bold(&entity));
            line.push(Span::plain(&format!(" — {headline}")));
        }
    }
    line
}

/// `Sources: Outlet A, Outlet B`, each outlet linked to its first web link.
fn credits(story: &Story) -> Line {
    let outlets = outlets(story);
    if outlets.is_empty() {
        return Vec::new();
    }
    let mut line = vec![Span::italic("Sources: ")];
    for (n, (name, links)) in outlets.into_iter().enumerate() {
        if n > 0 {
            line.push(Span::plain(", "));
        }
        let url = links
            .iter()
            .filter_map(|&i| story.links.get(i))
            .map(|l| l.url.as_str())
            .find(|u| is_web_url(u));
        line.push(match url {
            Some(url) => Span::link(url, &name),
            None => Span::plain(&name),
        });
    }
    line
}

/// Greedy packing: blocks are joined by a blank line while they fit; a block longer than a
/// message is cut into lines, and a line longer than a message into pieces of its spans.
fn pack(blocks: Vec<Block>, limit: usize) -> Vec<String> {
    let mut messages: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut current_len = 0;
    for block in blocks {
        for piece in split_lines(block.lines, limit) {
            if piece.iter().all(|line| line_len(line) == 0) {
                // Only empty lines (an untitled section's heading cut off from its story):
                // alone they would make a message Telegram refuses as empty.
                continue;
            }
            let len = block_len(&piece);
            let html = piece.iter().map(line_html).collect::<Vec<_>>().join("\n");
            if !current.is_empty() && current_len + 2 + len > limit {
                messages.push(current.join("\n\n"));
                current.clear();
                current_len = 0;
            }
            if current.is_empty() {
                // A story that opens a message mid-section says which section it is in.
                if let Some(heading) = &block.section {
                    let heading = vec![Span::bold(&format!("{heading} (continued)"))];
                    let heading_len = line_len(&heading);
                    if heading_len + 1 + len <= limit {
                        current.push(format!("{}\n{html}", line_html(&heading)));
                        current_len = heading_len + 1 + len;
                        continue;
                    }
                }
                current_len = len;
            } else {
                current_len += 2 + len;
            }
            current.push(html);
        }
    }
    if !current.is_empty() {
        messages.push(current.join("\n\n"));
    }
    messages
}

/// `lines` in groups that each fit in `limit`.
fn split_lines(lines: Vec<Line>, limit: usize) -> Vec<Vec<Line>> {
    if block_len(&lines) <= limit {
        return vec![lines];
    }
    let mut groups: Vec<Vec<Line>> = Vec::new();
    let mut group: Vec<Line> = Vec::new();
    for line in lines {
        for part in split_line(line, limit) {
            let len = line_len(&part);
            if !group.is_empty() && block_len(&group) + 1 + len > limit {
                groups.push(std::mem::take(&mut group));
            }
            group.push(part);
        }
    }
    if !group.is_empty() {
        groups.push(group);
    }
    groups
}

/// `line` in pieces that each fit in `limit`, cut inside a span's text (preferably after a
/// space) with the span's tags repeated on both sides.
fn split_line(line: Line, limit: usize) -> Vec<Line> {
    if line_len(&line) <= limit {
        return vec![line];
    }
    let mut pieces: Vec<Line> = Vec::new();
    let mut piece: Line = Vec::new();
    let mut room = limit;
    for mut span in line {
        loop {
            if span.len() <= room {
                room -= span.len();
                piece.push(span);
                break;
            }
            let mut cut = cut_at(&span.text, room);
            if cut == 0 && !piece.is_empty() {
                pieces.push(std::mem::take(&mut piece));
                room = limit;
                continue;
            }
            if cut == 0 {
                // Not one character fits in a whole message (a limit below 2): it goes alone
                // rather than the loop never ending.
                cut = span
                    .text
                    .chars()
                    .next()
                    .map_or(span.text.len(), char::len_utf8);
            }
            let rest = span.text.split_off(cut);
            piece.push(span.clone());
            pieces.push(std::mem::take(&mut piece));
            room = limit;
            span.text = rest;
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces.retain(|p| line_len(p) > 0);
    pieces
}

/// The byte index at which to cut `text` so the first part is at most `room` UTF-16 units:
/// after the last space that fits, else at the last character that fits.
fn cut_at(text: &str, room: usize) -> usize {
    let mut units = 0;
    let mut last_fit = 0;
    let mut last_space = None;
    for (index, c) in text.char_indices() {
        units += shown_units(c);
        if units > room {
            break;
        }
        last_fit = index + c.len_utf8();
        if c == ' ' {
            last_space = Some(last_fit);
        }
    }
    match last_space {
        // Cutting after a space that leaves most of the line empty wastes a message.
        Some(space) if space * 2 >= last_fit => space,
        _ => last_fit,
    }
}

#[cfg(test)]
mod tests;
