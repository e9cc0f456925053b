//! Tag soup rewritten as well-formed XML that feed-rs accepts: the second of the readers in
//! `parse` (see its module docs for the list of repairs).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use super::MAX_DEPTH;
use super::soup::{Tok, Tokens, attribute, attributes, is_name_char, local};

/// Rewrites tag soup as well-formed UTF-8 XML that keeps as much of the document as
/// possible. See the module docs of `parse` for the list of repairs.
pub(super) fn repair(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 64);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let mut open = OpenElements::default();
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
                // Deeper elements are unwrapped (their text kept, their tags dropped), so the
                // repaired document stays within what `prepare` lets feed-rs read.
                if open.len() >= MAX_DEPTH {
                    continue;
                }
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
                if open.close(name, &mut out) && open.is_empty() {
                    break;
                }
            }
            Tok::Other => {}
        }
    }
    open.close_all(&mut out);
    out
}

/// The elements open in the repaired output, innermost last, with how many of each name are
/// open: an end tag that matches none of them is dismissed at once. Searching the stack
/// instead made repair quadratic: each of a run of stray end tags under deep nesting
/// scanned the whole stack (a 280 KB feed took a minute).
#[derive(Default)]
struct OpenElements<'a> {
    stack: Vec<&'a str>,
    exact: HashMap<&'a str, usize>,
    folded: HashMap<Folded<'a>, usize>,
}

impl<'a> OpenElements<'a> {
    fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }

    fn len(&self) -> usize {
        self.stack.len()
    }

    fn push(&mut self, name: &'a str) {
        self.stack.push(name);
        *self.exact.entry(name).or_default() += 1;
        *self.folded.entry(Folded(name)).or_default() += 1;
    }

    /// Closes the innermost element named `name` (the same name first, else one differing in
    /// ASCII case) and every element inside it, writing their end tags. The search stops at
    /// the element closed, so each element is looked at only while being closed: linear
    /// over the document. False if none is open.
    fn close(&mut self, name: &'a str, out: &mut String) -> bool {
        let found = if self.exact.get(name).is_some_and(|&n| n > 0) {
            self.stack.iter().rposition(|n| *n == name)
        } else if self.folded.get(&Folded(name)).is_some_and(|&n| n > 0) {
            self.stack
                .iter()
                .rposition(|n| n.eq_ignore_ascii_case(name))
        } else {
            None
        };
        let Some(index) = found else {
            return false;
        };
        while self.stack.len() > index {
            self.pop(out);
        }
        true
    }

    fn close_all(&mut self, out: &mut String) {
        while !self.stack.is_empty() {
            self.pop(out);
        }
    }

    fn pop(&mut self, out: &mut String) {
        let Some(name) = self.stack.pop() else {
            return;
        };
        if let Some(count) = self.exact.get_mut(name) {
            *count = count.saturating_sub(1);
        }
        if let Some(count) = self.folded.get_mut(&Folded(name)) {
            *count = count.saturating_sub(1);
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

/// An element name compared and hashed ignoring ASCII case, as end tags are matched.
#[derive(Clone, Copy)]
struct Folded<'a>(&'a str);

impl PartialEq for Folded<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Folded<'_> {}

impl Hash for Folded<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for byte in self.0.bytes() {
            state.write_u8(byte.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
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
    // A set: searching a list of those written made a tag with 35,000 attributes take 14 s.
    let mut written: HashSet<Folded<'_>> = HashSet::with_capacity(attrs.len());
    for (attr, value) in attrs {
        let valid_name = attr.chars().all(is_name_char)
            && !attr.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.');
        if !valid_name || written.contains(&Folded(attr)) {
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
        written.insert(Folded(attr));
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
