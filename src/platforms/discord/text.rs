//! Discord markdown for feed text: escaping, masked links, and cutting text to a limit
//! without leaving half an escape or a broken link behind.
//!
//! Discord renders markdown in embed titles, field names, field values and descriptions, so a
//! headline like `**win** [x](javascript:…) @everyone` must show exactly those characters.
//! Escaping also keeps `<@&123>` and `<t:0>` from being read as a mention or a timestamp (the
//! `allowed_mentions` of every message makes sure nothing pings even if one got through).

use crate::render::{clean_inline, encode_url, is_web_url};

/// Longest URL put in a masked link; longer ones (tracking junk, data smuggled in a query)
/// would eat a field's whole 1024-character budget, so the source is named without a link.
pub const MAX_LINK_URL: usize = 512;

/// Feed text on one line with every character Discord markdown gives a meaning escaped.
pub fn escape(text: &str) -> String {
    let text = clean_inline(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*'
                | '_'
                | '~'
                | '`'
                | '|'
                | '>'
                | '<'
                | '#'
                | '-'
                | '['
                | ']'
                | '('
                | ')'
                | '@'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A masked link `[label](url)` when `url` is a web URL of sensible length, else the label
/// alone: `javascript:`, `data:` and friends are never links.
pub fn masked_link(label: &str, url: &str) -> String {
    let label = escape(label);
    if !is_web_url(url) || url.trim().chars().count() > MAX_LINK_URL {
        return label;
    }
    // `(`, `)`, `<`, `>` and spaces would end or confuse the destination, and a backslash
    // would escape the closing `)`; encode them.
    let url = encode_url(url, |c| {
        matches!(c, '(' | ')' | '<' | '>' | '[' | ']' | '|' | '`' | '\\')
    });
    format!("[{label}]({url})")
}

/// `text` cut to at most `max` characters, ending with `…` when cut. The cut never splits an
/// escape (`\*`) from the character it escapes, and prefers a word boundary.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let keep = max - 1; // room for the ellipsis
    let mut end = 0;
    let mut count = 0;
    let mut last_space = None;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        // An escape and its character are kept or dropped together.
        let width = if c == '\\' && chars.peek().is_some() {
            2
        } else {
            1
        };
        if count + width > keep {
            break;
        }
        if c == ' ' {
            last_space = Some(index);
        }
        let mut next_end = index + c.len_utf8();
        if width == 2
            && let Some((escaped_index, escaped)) = chars.next()
        {
            next_end = escaped_index + escaped.len_utf8();
        }
        end = next_end;
        count += width;
    }
    // Back up to the last space when it does not throw away most of the text.
    let cut = match last_space {
        Some(space) if space * 3 >= end * 2 => space,
        _ => end,
    };
    format!("{}…", text[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_mentions_and_links() {
        assert_eq!(
            escape("**win** [x](javascript:alert(1)) @everyone <@&123>"),
            r"\*\*win\*\* \[x\]\(javascript:alert\(1\)\) \@everyone \<\@&123\>"
        );
        assert_eq!(escape("a\nb\u{202E}c"), "a bc");
    }

    #[test]
    fn only_web_urls_become_masked_links() {
        assert_eq!(
            masked_link("A [B]", "https://x.example/a b(c)"),
            r"[A \[B\]](https://x.example/a%20b%28c%29)"
        );
        // A backslash would escape the `)` that closes the link.
        assert_eq!(
            masked_link("A", r"https://x.example/\"),
            "[A](https://x.example/%5C)"
        );
        assert_eq!(masked_link("Evil", "javascript:alert(1)"), "Evil");
        assert_eq!(masked_link("Data", "data:text/html,x"), "Data");
        let long = format!("https://x.example/{}", "a".repeat(600));
        assert_eq!(masked_link("Long", &long), "Long");
    }

    #[test]
    fn truncate_keeps_escapes_whole_and_prefers_words() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("one two three four", 15), "one two three…");
        // Backing up to the space would lose more than a third: cut inside the word.
        assert_eq!(truncate("one two three four", 12), "one two thr…");
        let cut = truncate(r"\*\*\*\*", 4);
        assert_eq!(cut, r"\*…");
        assert!(truncate(&"x".repeat(5000), 1024).chars().count() <= 1024);
        assert_eq!(truncate("abc", 0), "");
    }
}
