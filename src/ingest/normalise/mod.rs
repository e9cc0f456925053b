//! Text and link normalisation shared by every feed format.
//!
//! Feeds carry HTML, escaped HTML, plain text and tracking-laden links in any mix; everything
//! downstream (classify, merge, render) wants one plain-text string and one canonical URL per
//! item, so both are produced here, once, at the edge. Both functions take arbitrary input and
//! never panic.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use url::Url;

/// Elements whose boundaries separate words; they survive the cleaner only to be turned into
/// spaces, so `<p>One.</p><p>Two.</p>` reads "One. Two." instead of "One.Two.".
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Elements whose content is code, raw text or embedded documents, never prose. The raw-text
/// ones (noscript, xmp, noembed, …) would otherwise come out as literal markup.
const DROP_CONTENT_TAGS: &[&str] = &[
    "applet",
    "embed",
    "frame",
    "frameset",
    "iframe",
    "math",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "plaintext",
    "script",
    "select",
    "style",
    "svg",
    "template",
    "textarea",
    "xmp",
];

/// Query parameters that identify a campaign or a click, not a page. Removing them lets the
/// same article shared through two newsletters merge into one story.
const TRACKING_PARAMS: &[&str] = &[
    "__hsfp",
    "__hssc",
    "__hstc",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "cmpid",
    "dclid",
    "fbclid",
    "gbraid",
    "gclid",
    "guccounter",
    "guce_referrer",
    "guce_referrer_sig",
    "hsctatrk",
    "igsh",
    "igshid",
    "mc_cid",
    "mc_eid",
    "mkt_tok",
    "msclkid",
    "ncid",
    "ocid",
    "oly_anon_id",
    "oly_enc_id",
    "rb_clickid",
    "ref",
    "ref_src",
    "ref_url",
    "s_cid",
    "share",
    "smid",
    "smtyp",
    "spm",
    "sr_share",
    "twclid",
    "vero_conv",
    "vero_id",
    "wbraid",
    "yclid",
];

/// html5ever's tree builder is quadratic in nesting depth (16,000 nested `<div>`s take
/// seconds), and depth is bounded by the number of start tags; fragments with more than this
/// many go through [`strip_tags_linear`] instead, which costs at most about a millisecond
/// here.
const MAX_TAGS_FOR_HTML5EVER: usize = 256;

/// Links longer than this are data blobs or attacks, not article addresses.
const MAX_LINK_BYTES: usize = 8 * 1024;

/// html5ever (via ammonia) does the parsing, so malformed markup is handled the way browsers
/// handle it; only block elements survive, without attributes, and are spaced out afterwards.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(BLOCK_TAGS.iter().copied().collect())
        .clean_content_tags(DROP_CONTENT_TAGS.iter().copied().collect())
        .generic_attributes(HashSet::new())
        .generic_attribute_prefixes(HashSet::new())
        .tag_attributes(HashMap::new())
        .allowed_classes(HashMap::new())
        .link_rel(None)
        .strip_comments(true);
    builder
});

/// Plain text from HTML or plain text: tags (and the content of script, style, iframe and the
/// like) are dropped, entities are decoded exactly once, block boundaries become spaces,
/// whitespace is collapsed and trimmed, and control, zero-width and bidi-override characters
/// are removed. The result is NFC.
///
/// Text that still looks like markup after decoding (from double-escaped HTML such as
/// `&amp;lt;b&amp;gt;`) keeps its meaning but has its angle brackets turned into `‹ ›`, so
/// no renderer can ever mistake it for a tag.
pub fn html_to_text(html: &str) -> String {
    let decoded: Cow<'_, str> = if !html.contains('<') {
        html_escape::decode_html_entities(html)
    } else if start_tags_exceed(html, MAX_TAGS_FOR_HTML5EVER) {
        Cow::Owned(strip_tags_linear(html))
    } else {
        let cleaned = CLEANER.clean(html).to_string();
        // The serialiser escapes every `<` in text, so each `<` left starts a block tag.
        let spaced = tags_to_spaces(&cleaned);
        Cow::Owned(html_escape::decode_html_entities(&spaced).into_owned())
    };
    let text = defang_markup(collapse(&decoded));
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text,
        _ => text.nfc().collect(),
    }
}

/// The absolute http(s) form of `raw`, resolved against `base` when relative, without the
/// fragment, tracking parameters, credentials or default port, with a lowercased host. Other
/// parameters keep their order and encoding. `None` for other schemes (javascript:, data:,
/// mailto:, …) and for anything that does not parse.
pub fn canonical_link(raw: &str, base: Option<&str>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_LINK_BYTES {
        return None;
    }
    let base = base.and_then(|b| Url::parse(b.trim()).ok());
    let mut url = match base {
        Some(base) => base.join(raw).ok()?,
        None => match Url::parse(raw) {
            Ok(url) => url,
            // A scheme-relative link with nothing to resolve it against: https is the safe guess.
            Err(url::ParseError::RelativeUrlWithoutBase) if raw.starts_with("//") => {
                Url::parse(&format!("https:{raw}")).ok()?
            }
            Err(_) => return None,
        },
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    url.set_fragment(None);
    // Failing only for URLs without a host, which were rejected above.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if let Some(query) = url.query() {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !is_tracking_param(pair))
            .collect();
        let kept = kept.join("&");
        url.set_query((!kept.is_empty()).then_some(kept.as_str()));
    }
    // The url crate already lowercases hosts and drops default ports for http(s).
    Some(url.into())
}

/// The first `words` whitespace-separated words of `text`, with "…" if there were more.
pub fn first_words(text: &str, words: usize) -> String {
    let mut parts = text.split_whitespace();
    let head: Vec<&str> = parts.by_ref().take(words).collect();
    let mut out = head.join(" ");
    if parts.next().is_some() {
        out.push('…');
    }
    out
}

fn is_tracking_param(pair: &str) -> bool {
    let key = pair.split('=').next().unwrap_or(pair);
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING_PARAMS.binary_search(&key.as_str()).is_ok()
}

fn start_tags_exceed(html: &str, limit: usize) -> bool {
    html.as_bytes()
        .windows(2)
        .filter(|w| w[0] == b'<' && w[1].is_ascii_alphabetic())
        .nth(limit)
        .is_some()
}

/// The same rules as the html5ever path (drop-content elements, block spacing, one level of
/// entity decoding) in one forward pass; cruder on malformed markup, but linear.
fn strip_tags_linear(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if let Some(comment) = tail.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let bytes = tail.as_bytes();
        let closing = bytes.get(1) == Some(&b'/');
        let name_start = 1 + usize::from(closing);
        let is_tag = bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic)
            || (!closing && matches!(bytes.get(1), Some(b'!' | b'?')));
        if !is_tag {
            out.push('<');
            rest = &tail[1..];
            continue;
        }
        let Some(end) = tag_end(bytes) else {
            // An unterminated tag at the end: browsers drop it too.
            rest = "";
            break;
        };
        let name_len = tail[name_start..]
            .bytes()
            .take_while(u8::is_ascii_alphanumeric)
            .count();
        let name = tail[name_start..name_start + name_len].to_ascii_lowercase();
        if BLOCK_TAGS.contains(&name.as_str()) {
            out.push(' ');
        }
        rest = &tail[end + 1..];
        if !closing && DROP_CONTENT_TAGS.contains(&name.as_str()) {
            rest = match find_ignore_ascii_case(rest, &format!("</{name}")) {
                Some(close) => rest[close..]
                    .find('>')
                    .map_or("", |end| &rest[close + end + 1..]),
                None => "",
            };
        }
    }
    out.push_str(rest);
    html_escape::decode_html_entities(&out).into_owned()
}

/// The `>` ending the tag at the start of `bytes`, skipping quoted attribute values; the
/// quote-aware scan stops at the next `<` so the whole pass stays linear.
fn tag_end(bytes: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        match (quote, b) {
            (_, b'<') => break,
            (None, b'>') => return Some(i),
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            _ => {}
        }
    }
    bytes.iter().position(|&b| b == b'>')
}

fn find_ignore_ascii_case(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn tags_to_spaces(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        rest = match rest[open..].find('>') {
            Some(close) => &rest[open + close + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Collapses whitespace, drops invisible and control characters, repairs C1 mojibake.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        let c = match c {
            '\u{80}'..='\u{9f}' => match windows_1252_c1(c) {
                Some(mapped) => mapped,
                None => continue,
            },
            c => c,
        };
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if is_invisible(c) {
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Characters that render as nothing (or reorder what follows) and so can hide or disguise
/// text: controls, zero-width spaces, bidi embeddings/overrides/isolates and Unicode tag
/// characters (used to smuggle invisible instructions to language models).
///
/// ZWJ and ZWNJ stay: they are part of emoji sequences and of Persian and Indic spelling.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fffe}'
                | '\u{ffff}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// Windows-1252 text mislabelled as Latin-1 arrives as C1 controls; browsers (and the HTML
/// spec for numeric references) read them as the Windows-1252 characters, so "don\u{92}t"
/// becomes "don’t" instead of "dont".
fn windows_1252_c1(c: char) -> Option<char> {
    const TABLE: [char; 32] = [
        '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', '\0',
        '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
    ];
    let index = (c as u32).checked_sub(0x80)? as usize;
    TABLE.get(index).copied().filter(|&mapped| mapped != '\0')
}

/// Turns `<x…>` in already-plain text into `‹x…›` so that it can never be read as a tag.
fn defang_markup(text: String) -> String {
    let looks_like_tag = |next: Option<char>| {
        next.is_some_and(|n| n.is_alphabetic() || matches!(n, '/' | '!' | '?'))
    };
    if !text.contains('<') {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut open = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' if looks_like_tag(chars.peek().copied()) => {
                out.push('‹');
                open = true;
            }
            '>' if open => {
                out.push('›');
                open = false;
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
