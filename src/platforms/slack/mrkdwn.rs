//! Slack's mrkdwn for feed text: escaping, links, and cutting text to a limit without leaving
//! half an entity behind.
//!
//! Everything Slack acts on is written between `<` and `>`: `<!channel>`, `<!here>`, `<@U123>`,
//! `<#C123>`, `<url|label>`. Slack's only escapes are `&amp;`, `&lt;` and `&gt;`, so feed text
//! with those three escaped can never open such a token. A word joiner after each `@` keeps a
//! plain `@here` from being read as one by a client that links names (`link_names`), too.
//! mrkdwn has no escape for `*`, `_`, `~` or `` ` ``: a headline with them may show emphasis,
//! which is cosmetic; it cannot form a mention or a link.

use crate::render::{clean_inline, encode_url, is_web_url};

/// Longest URL put in a link; longer ones (tracking junk, data smuggled in a query) would eat
/// a section's budget, so the source is named without a link.
pub const MAX_LINK_URL: usize = 512;

/// Length as Slack counts it for its limits: UTF-16 code units, which is never fewer than the
/// characters, so a text within the limit by this count is within it by either.
pub fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Feed text on one line, safe in mrkdwn: `&`, `<`, `>` escaped, no `@` that can mention.
pub fn escape(text: &str) -> String {
    escape_line(&clean_inline(text))
}

/// Text already on one line (or lines the caller keeps apart), escaped as [`escape`] does.
fn escape_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@\u{2060}"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text of several lines (a command's answer), each line escaped.
pub fn escape_lines(text: &str) -> String {
    text.lines()
        .map(|line| escape_line(&clean_inline(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `<url|label>` when `url` is a web URL of sensible length, else the label alone:
/// `javascript:`, `data:` and friends are never links.
pub fn link(label: &str, url: &str) -> String {
    // A `|` ends the URL part of a link, so the label may hold one only as a look-alike.
    let label = escape(label).replace('|', "\u{2223}");
    if !is_web_url(url) || url.trim().chars().count() > MAX_LINK_URL {
        return label;
    }
    // `<`, `>` and `|` would end or split the link; `&` is escaped as everywhere in mrkdwn
    // (Slack reads `&amp;` back as `&` in a URL too).
    let url = encode_url(url, |c| matches!(c, '<' | '>' | '|' | '"' | '`')).replace('&', "&amp;");
    format!("<{url}|{label}>")
}

/// `text` (already escaped) cut to at most `max` units, ending with `…` when cut. The cut
/// never splits an entity (`&amp;`) or a link, and prefers a word boundary.
pub fn truncate(text: &str, max: usize) -> String {
    if units(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let keep = max - 1; // room for the ellipsis
    let mut end = 0;
    let mut used = 0;
    let mut last_space = None;
    let mut open: Option<(usize, char)> = None; // where an entity or a link started
    for (index, c) in text.char_indices() {
        let width = c.len_utf16();
        if used + width > keep {
            break;
        }
        used += width;
        match (c, open) {
            ('&', None) => open = Some((index, ';')),
            ('<', None) => open = Some((index, '>')),
            (c, Some((_, close))) if c == close => open = None,
            (' ', None) => last_space = Some(index),
            _ => {}
        }
        end = index + c.len_utf8();
    }
    if let Some((start, _)) = open {
        end = start;
    }
    // Back up to the last space when it does not throw away most of the text.
    let cut = match last_space {
        Some(space) if space <= end && space * 3 >= end * 2 => space,
        _ => end,
    };
    format!("{}…", text[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_every_token_inert() {
        assert_eq!(
            escape("<!channel> <!here> <@U123> <#C1|x> <https://evil.example|click> a & b"),
            "&lt;!channel&gt; &lt;!here&gt; &lt;@\u{2060}U123&gt; &lt;#C1|x&gt; \
             &lt;https://evil.example|click&gt; a &amp; b"
        );
        assert_eq!(escape("@here @channel"), "@\u{2060}here @\u{2060}channel");
        assert_eq!(escape("a\nb\u{202E}c"), "a bc");
        assert_eq!(escape_lines("one <b>\ntwo"), "one &lt;b&gt;\ntwo");
    }

    #[test]
    fn only_web_urls_become_links_and_nothing_in_them_ends_the_link() {
        assert_eq!(
            link("A|B <x>", "https://x.example/a b?q=1&r=<2>|"),
            "<https://x.example/a%20b?q=1&amp;r=%3C2%3E%7C|A\u{2223}B &lt;x&gt;>"
        );
        assert_eq!(link("Evil", "javascript:alert(1)"), "Evil");
        assert_eq!(link("Data", "data:text/html,x"), "Data");
        let long = format!("https://x.example/{}", "a".repeat(600));
        assert_eq!(link("Long", &long), "Long");
    }

    #[test]
    fn truncate_keeps_entities_and_links_whole() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("one two three four", 15), "one two three…");
        let cut = truncate("abc &amp;&amp;", 7);
        assert_eq!(cut, "abc…");
        let cut = truncate("x <https://a.example|label> tail", 12);
        assert_eq!(cut, "x…");
        assert!(units(&truncate(&"😀".repeat(3000), 3000)) <= 3000);
        assert_eq!(truncate("abc", 0), "");
    }
}
