//! Tag soup rewritten as well-formed XML that feed-rs accepts: the second of the readers in
//! `parse` (see its module docs for the list of repairs).

use std::borrow::Cow;

use super::soup::{Tok, Tokens, attribute, attributes, is_name_char, local};

/// Rewrites tag soup as well-formed UTF-8 XML that keeps as much of the document as
/// possible. See the module docs of `parse` for the list of repairs.
pub(super) fn repair(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 64);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let mut open: Vec<&str> = Vec::new();
    let mut seen_root = false;
    let mut dropped: Option<(&str, u32)> = None;
    for (_, _, tok) in Tokens::new(text) {
        if let Some((name, nested)) = dropped.as_mut() {
            match tok {
                Tok::Start {
                    name: n,
                    empty: false,
                    ..
                } if n == *name => *nested += 1,
                Tok::End { name: n } if n == *name && *nested > 0 => *nested -= 1,
                Tok::End { name: n } if n == *name => dropped = None,
                _ => {}
            }
            continue;
        }
        match tok {
            Tok::Text(t) => {
                if !open.is_empty() {
                    push_escaped(&mut out, t, false);
                }
            }
            Tok::CData(content) => {
                if !open.is_empty() {
                    out.push_str("<![CDATA[");
                    out.extend(content.chars().filter(|&c| is_xml_char(c)));
                    out.push_str("]]>");
                }
            }
            Tok::Start { name, attrs, empty } => {
                if open.is_empty() && seen_root {
                    break; // a second root: feed-rs reads only the first anyway
                }
                let is_root = !seen_root;
                seen_root = true;
                let attrs = attributes(attrs);
                let kind = text_kind(name, &attrs);
                if kind == TextKind::Unreadable {
                    if !empty {
                        dropped = Some((name, 0));
                    }
                    continue;
                }
                push_start(&mut out, name, &attrs, kind, empty, is_root);
                if !empty {
                    open.push(name);
                }
            }
            Tok::End { name } => {
                let found = open
                    .iter()
                    .rposition(|n| *n == name)
                    .or_else(|| open.iter().rposition(|n| n.eq_ignore_ascii_case(name)));
                if let Some(index) = found {
                    for unclosed in open.drain(index..).rev() {
                        out.push_str("</");
                        out.push_str(unclosed);
                        out.push('>');
                    }
                    if open.is_empty() {
                        break;
                    }
                }
            }
            Tok::Other => {}
        }
    }
    for unclosed in open.into_iter().rev() {
        out.push_str("</");
        out.push_str(unclosed);
        out.push('>');
    }
    out
}

/// How an Atom text construct (title, summary, …) is encoded, judged from its `type`
/// and Atom 0.3 `mode`. feed-rs refuses the whole feed over one `type` it does not know.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum TextKind {
    /// Not a text construct, or one with an acceptable type.
    Fine,
    /// A MIME spelling of one of the three Atom types.
    Rename(&'static str),
    /// Base64 or a binary type: nothing a reader can use.
    Unreadable,
}

pub(super) fn text_kind(name: &str, attrs: &[(&str, &str)]) -> TextKind {
    let local = local(name).to_ascii_lowercase();
    let construct = matches!(
        local.as_str(),
        "title" | "subtitle" | "summary" | "rights" | "tagline" | "info" | "copyright"
    );
    if !construct && local != "content" {
        return TextKind::Fine;
    }
    if attribute(attrs, "mode").is_some_and(|m| m.trim().eq_ignore_ascii_case("base64")) {
        return TextKind::Unreadable;
    }
    let Some(kind) = attribute(attrs, "type") else {
        return TextKind::Fine;
    };
    let kind = kind.trim().to_ascii_lowercase();
    match kind.as_str() {
        "text" | "html" | "xhtml" | "text/html" => TextKind::Fine,
        "text/plain" => TextKind::Rename("text"),
        _ if kind.contains("xhtml") => TextKind::Rename("xhtml"),
        _ if kind.contains("html") => TextKind::Rename("html"),
        _ if kind.starts_with("text/") => TextKind::Rename("text"),
        // feed-rs reads other types in <content> (as a src link or base64 body) itself.
        _ if !construct => TextKind::Fine,
        _ => TextKind::Unreadable,
    }
}

fn push_start(
    out: &mut String,
    name: &str,
    attrs: &[(&str, &str)],
    kind: TextKind,
    empty: bool,
    is_root: bool,
) {
    out.push('<');
    out.push_str(name);
    let mut written: Vec<&str> = Vec::new();
    for (attr, value) in attrs {
        let valid_name = attr.chars().all(is_name_char)
            && !attr.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.');
        if !valid_name || written.iter().any(|w| w.eq_ignore_ascii_case(attr)) {
            continue;
        }
        // feed-rs rejects the whole document over one malformed absolute xml:base.
        if attr.eq_ignore_ascii_case("xml:base") && bad_base(value) {
            continue;
        }
        // feed-rs knows no other RSS versions; 0.93/0.94 and missing ones read as 2.0.
        let value = match kind {
            TextKind::Rename(renamed) if attr.eq_ignore_ascii_case("type") => renamed,
            _ if is_root
                && name.eq_ignore_ascii_case("rss")
                && attr.eq_ignore_ascii_case("version")
                && !matches!(*value, "2.0" | "0.91" | "0.92") =>
            {
                "2.0"
            }
            _ => value,
        };
        written.push(attr);
        out.push(' ');
        out.push_str(attr);
        out.push_str("=\"");
        push_escaped(out, value, true);
        out.push('"');
    }
    if is_root && name.eq_ignore_ascii_case("rss") && attribute(attrs, "version").is_none() {
        out.push_str(" version=\"2.0\"");
    }
    out.push_str(if empty { "/>" } else { ">" });
}

fn bad_base(value: &str) -> bool {
    !matches!(
        url::Url::parse(value.trim()),
        Ok(_) | Err(url::ParseError::RelativeUrlWithoutBase)
    )
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

/// Escapes text for XML, keeping valid references, turning HTML-only named entities
/// into numeric ones and escaping every other `&`.
fn push_escaped(out: &mut String, text: &str, in_attribute: bool) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"']) {
        out.extend(rest[..at].chars().filter(|&c| is_xml_char(c)));
        let special = &rest[at..];
        match special.as_bytes()[0] {
            b'&' => {
                let (replacement, consumed) = reference(special);
                out.push_str(&replacement);
                rest = &special[consumed..];
                continue;
            }
            b'<' => out.push_str("&lt;"),
            b'>' => out.push_str("&gt;"),
            _ if in_attribute => out.push_str("&quot;"),
            _ => out.push('"'),
        }
        rest = &special[1..];
    }
    out.extend(rest.chars().filter(|&c| is_xml_char(c)));
}

/// What to write for the `&` at the start of `text`, and how many bytes it replaces.
fn reference(text: &str) -> (Cow<'static, str>, usize) {
    let body = &text[1..];
    let end = body
        .char_indices()
        .take(40)
        .find(|&(_, c)| c == ';')
        .map(|(i, _)| i);
    let Some(end) = end else {
        return (Cow::Borrowed("&amp;"), 1);
    };
    let name = &body[..end];
    let numeric = name
        .strip_prefix("#x")
        .or_else(|| name.strip_prefix("#X"))
        .map(|hex| u32::from_str_radix(hex, 16))
        .or_else(|| name.strip_prefix('#').map(str::parse::<u32>));
    if let Some(code) = numeric {
        return match code.ok().and_then(char::from_u32) {
            Some(c) if is_xml_char(c) => (Cow::Owned(format!("&#{};", c as u32)), end + 2),
            // A reference to a character XML forbids (NUL, a surrogate): drop it.
            Some(_) => (Cow::Borrowed(""), end + 2),
            None if name.len() > 1
                && name[1..]
                    .trim_start_matches(['x', 'X'])
                    .chars()
                    .all(|c| c.is_ascii_hexdigit()) =>
            {
                (Cow::Borrowed(""), end + 2)
            }
            None => (Cow::Borrowed("&amp;"), 1),
        };
    }
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return (Cow::Borrowed("&amp;"), 1);
    }
    if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
        return (Cow::Owned(format!("&{name};")), end + 2);
    }
    let entity = &text[..end + 2];
    let decoded = html_escape::decode_html_entities(entity);
    if decoded == entity {
        return (Cow::Borrowed("&amp;"), 1);
    }
    let numeric: String = decoded
        .chars()
        .map(|c| format!("&#{};", c as u32))
        .collect();
    (Cow::Owned(numeric), end + 2)
}
