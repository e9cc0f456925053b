//! A forgiving reader for markup that is not well-formed XML: a tokenizer that never fails
//! (which `repair` also reads) and the scan that reads items straight from its tokens.

use super::repair::{TextKind, text_kind};
use super::{MAX_ITEMS, RawItem, parse_date};

#[derive(Debug, Clone, Copy)]
pub(super) enum Tok<'a> {
    /// Raw character data, entities not decoded.
    Text(&'a str),
    /// The content of a CDATA section.
    CData(&'a str),
    Start {
        name: &'a str,
        attrs: &'a str,
        empty: bool,
    },
    End {
        name: &'a str,
    },
    /// Comments, processing instructions, the XML declaration, DOCTYPE; and a construct
    /// cut off by the end of the document.
    Other,
}

/// Tokens with their byte span. Every scan stops at the next `<` or at a fixed
/// terminator, so the whole pass is linear in the input.
pub(super) struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Tokens { text, pos: 0 }
    }

    fn until(&mut self, terminator: &str, skip: usize) -> Option<&'a str> {
        let from = self.pos + skip;
        let text = self.text;
        match text.get(from..).and_then(|rest| rest.find(terminator)) {
            Some(offset) => {
                self.pos = from + offset + terminator.len();
                Some(&text[from..from + offset])
            }
            None => {
                self.pos = text.len();
                None
            }
        }
    }

    fn tag(&mut self) -> Tok<'a> {
        let text = self.text;
        let start = self.pos;
        let bytes = text.as_bytes();
        let closing = bytes.get(start + 1) == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = text[name_start..]
            .char_indices()
            .find(|&(i, c)| {
                !(is_name_char(c) && (i > 0 || !c.is_ascii_digit() && c != '-' && c != '.'))
            })
            .map_or(text.len() - name_start, |(i, _)| i);
        let name = &text[name_start..name_start + name_len];
        let after_name = name_start + name_len;
        let Some(end) = tag_end(bytes, after_name) else {
            return self.literal_lt(bytes, after_name);
        };
        if name.is_empty() {
            return self.literal_lt(bytes, after_name);
        }
        self.pos = end + 1;
        if closing {
            return Tok::End { name };
        }
        let attrs = &text[after_name..end];
        match attrs.strip_suffix('/') {
            Some(attrs) => Tok::Start {
                name,
                attrs,
                empty: true,
            },
            None => Tok::Start {
                name,
                attrs,
                empty: false,
            },
        }
    }

    /// A `<` that starts no tag is text; if nothing follows but an unterminated tag the
    /// document was cut off there.
    fn literal_lt(&mut self, bytes: &[u8], from: usize) -> Tok<'a> {
        if !bytes[from..].contains(&b'<') && !bytes[from..].contains(&b'>') {
            self.pos = bytes.len();
            return Tok::Other;
        }
        self.pos += 1;
        Tok::Text("<")
    }
}

pub(super) fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.')
}

/// The `>` closing a tag whose attributes start at `from`: quote-aware, but a `<` anywhere
/// means this was not a tag (and keeps the scan linear).
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match (quote, b) {
            (_, b'<') => break,
            (None, b'>') => return Some(i),
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            _ => {}
        }
    }
    // An unbalanced quote: the first plain `>` before the next `<` will do.
    let rest = &bytes[from..];
    let limit = rest.iter().position(|&b| b == b'<').unwrap_or(rest.len());
    rest[..limit]
        .iter()
        .position(|&b| b == b'>')
        .map(|i| from + i)
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (usize, usize, Tok<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.text;
        let start = self.pos;
        let rest = text.get(start..).filter(|r| !r.is_empty())?;
        let tok = if !rest.starts_with('<') {
            let len = rest.find('<').unwrap_or(rest.len());
            self.pos += len;
            Tok::Text(&rest[..len])
        } else if rest.starts_with("<!--") {
            self.until("-->", 4);
            Tok::Other
        } else if rest.starts_with("<![CDATA[") {
            match self.until("]]>", 9) {
                Some(content) => Tok::CData(content),
                None => Tok::CData(&text[start + 9..]),
            }
        } else if rest.starts_with("<?") {
            self.until("?>", 2);
            Tok::Other
        } else if rest.starts_with("<!") {
            self.doctype(rest);
            Tok::Other
        } else {
            let next = rest[1..].chars().next();
            if next.is_some_and(|c| c == '/' || c.is_alphabetic() || c == '_' || c == ':') {
                self.tag()
            } else {
                self.pos += 1;
                Tok::Text("<")
            }
        };
        Some((start, self.pos, tok))
    }
}

impl Tokens<'_> {
    /// `<!DOCTYPE …>`, including an internal subset in brackets.
    fn doctype(&mut self, rest: &str) {
        // Look for the subset's `[` only up to the first `>`, or every `<!` would rescan
        // the rest of the document.
        let close = rest.find('>');
        let bracket = rest[..close.unwrap_or(rest.len())].find('[');
        match bracket {
            Some(b) => {
                self.until("]", b + 1);
                self.until(">", 0);
            }
            _ => {
                self.until(">", 2);
            }
        }
    }
}

/// Attributes as (name, raw value) pairs; tolerates unquoted values and bare names.
pub(super) fn attributes(raw: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = raw;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return out;
        }
        let name_len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '=' | '/' | '"' | '\''))
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        rest = rest[name_len..].trim_start();
        let mut value = "";
        if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            match after_eq.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after_eq[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    value = &body[..end];
                    rest = body.get(end + 1..).unwrap_or("");
                }
                _ => {
                    let end = after_eq.find(char::is_whitespace).unwrap_or(after_eq.len());
                    value = &after_eq[..end];
                    rest = &after_eq[end..];
                }
            }
        } else if name.is_empty() {
            // A stray quote or `=`: skip one character so the loop always advances.
            rest = rest
                .get(rest.chars().next().map_or(1, char::len_utf8)..)
                .unwrap_or("");
            continue;
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
}

pub(super) fn attribute<'a>(attrs: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

pub(super) fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn is_item(name: &str) -> bool {
    let local = local(name);
    local.eq_ignore_ascii_case("item") || local.eq_ignore_ascii_case("entry")
}

/// See `parse::item_hints`.
#[derive(Debug, Default, Clone)]
pub(super) struct ItemHint {
    pub language: Option<String>,
    pub guid_not_link: bool,
}

pub(super) fn item_hints(text: &str) -> Vec<ItemHint> {
    let mut hints: Vec<ItemHint> = Vec::new();
    let mut in_item = false;
    let mut in_language = false;
    for (_, _, tok) in Tokens::new(text) {
        match tok {
            Tok::Start { name, attrs, empty } if is_item(name) => {
                let attrs = attributes(attrs);
                let language = attribute(&attrs, "xml:lang").map(unescape);
                hints.push(ItemHint {
                    language,
                    guid_not_link: false,
                });
                in_item = !empty;
            }
            Tok::End { name } if is_item(name) => in_item = false,
            Tok::Start { name, attrs, empty } if in_item => {
                let local = local(name);
                in_language = !empty && local.eq_ignore_ascii_case("language");
                let attrs = attributes(attrs);
                let not_permalink = attribute(&attrs, "isPermaLink")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
                if let (true, Some(hint)) = (
                    local.eq_ignore_ascii_case("guid") && not_permalink,
                    hints.last_mut(),
                ) {
                    hint.guid_not_link = true;
                }
            }
            Tok::Text(t) if in_language => {
                if let Some(hint) = hints.last_mut().filter(|h| h.language.is_none()) {
                    let language = unescape(t).trim().to_string();
                    hint.language = Some(language).filter(|l| !l.is_empty());
                }
            }
            Tok::CData(_) | Tok::Text(_) => {}
            _ => in_language = false,
        }
    }
    hints
}

/// What the tolerant scan found.
#[derive(Debug, Default)]
pub(super) struct Scanned {
    /// The root element's name, if there was one.
    pub root: Option<String>,
    /// Whether the root is one a feed has (rss, feed, RDF, channel).
    pub feed_root: bool,
    pub title: Option<String>,
    pub language: Option<String>,
    pub base: Option<String>,
    pub items: Vec<RawItem>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    Title,
    Link,
    Id,
    Summary,
    Content,
    Published,
    Updated,
    Language,
    /// A container whose children are not the item's (author, source, image, …).
    Skip,
}

fn item_field(local: &str) -> Option<Field> {
    let field = match local.to_ascii_lowercase().as_str() {
        "title" => Field::Title,
        "link" => Field::Link,
        "guid" | "id" => Field::Id,
        "description" | "summary" | "abstract" => Field::Summary,
        "content" | "encoded" | "body" | "fullitem" => Field::Content,
        "pubdate" | "published" | "issued" | "date" | "created" => Field::Published,
        "updated" | "modified" => Field::Updated,
        "language" => Field::Language,
        "source" | "author" | "contributor" | "group" | "comments" => Field::Skip,
        _ => return None,
    };
    Some(field)
}

fn feed_field(local: &str) -> Option<Field> {
    let field = match local.to_ascii_lowercase().as_str() {
        "title" => Field::Title,
        "language" => Field::Language,
        "image" | "textinput" | "author" | "source" | "generator" => Field::Skip,
        _ => return None,
    };
    Some(field)
}

/// An open field: what it is, its element name, where its content starts, how many
/// same-named elements are open inside it.
struct OpenField<'a> {
    field: Field,
    name: &'a str,
    content_start: usize,
    nested: u32,
}

#[derive(Default)]
struct ItemState {
    raw: RawItem,
    link_rank: Option<u8>,
    updated: Option<String>,
    published: Option<String>,
    guid_is_permalink: bool,
}

/// Reads a feed out of tag soup: the first title and language before the first item,
/// and for each `<item>`/`<entry>` its title, link, id, summary, content, dates and
/// language. An item missing its end tag ends at the next item or at the end of input.
pub(super) fn extract(text: &str) -> Scanned {
    let mut scanned = Scanned::default();
    let mut item: Option<ItemState> = None;
    let mut open: Option<OpenField<'_>> = None;
    for (start, end, tok) in Tokens::new(text) {
        if let Some(field) = open.as_mut() {
            match tok {
                Tok::Start {
                    name, empty: false, ..
                } if name == field.name => {
                    field.nested += 1;
                    continue;
                }
                Tok::End { name } if name == field.name && field.nested > 0 => {
                    field.nested -= 1;
                    continue;
                }
                Tok::End { name } if name == field.name => {
                    let field = open
                        .take()
                        .map(|f| (f.field, &text[f.content_start..start]));
                    store(field, item.as_mut(), &mut scanned);
                    continue;
                }
                Tok::Start { name, .. } | Tok::End { name } if is_item(name) => {
                    let field = open
                        .take()
                        .map(|f| (f.field, &text[f.content_start..start]));
                    store(field, item.as_mut(), &mut scanned);
                }
                _ => continue,
            }
        }
        match tok {
            Tok::Start { name, attrs, empty } => {
                let attrs = attributes(attrs);
                if scanned.root.is_none() {
                    scanned.root = Some(name.to_string());
                    let root = local(name).to_ascii_lowercase();
                    scanned.feed_root = matches!(root.as_str(), "rss" | "feed" | "rdf" | "channel");
                    scanned.language = attribute(&attrs, "xml:lang").map(str::to_string);
                    scanned.base = attribute(&attrs, "xml:base").map(str::to_string);
                }
                if is_item(name) {
                    finish(item.take(), &mut scanned);
                    if scanned.items.len() >= MAX_ITEMS {
                        break;
                    }
                    let mut state = ItemState::default();
                    state.raw.language = attribute(&attrs, "xml:lang").map(str::to_string);
                    state.raw.base = attribute(&attrs, "xml:base").map(str::to_string);
                    // Channel Definition Format puts the link on the item itself.
                    if let Some(href) = attribute(&attrs, "href") {
                        state.raw.links.push(unescape(href));
                        state.link_rank = Some(1);
                    }
                    item = Some(state);
                    if empty {
                        finish(item.take(), &mut scanned);
                    }
                    continue;
                }
                let field = match item.as_mut() {
                    _ if text_kind(name, &attrs) == TextKind::Unreadable => Some(Field::Skip),
                    Some(state) => {
                        let field = item_field(local(name));
                        if field == Some(Field::Link) && attribute(&attrs, "href").is_some() {
                            atom_link(state, &attrs);
                            None
                        } else {
                            if field == Some(Field::Id) {
                                state.guid_is_permalink = attribute(&attrs, "isPermaLink")
                                    .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
                            }
                            field
                        }
                    }
                    None => feed_field(local(name)),
                };
                if let (Some(field), false) = (field, empty) {
                    open = Some(OpenField {
                        field,
                        name,
                        content_start: end,
                        nested: 0,
                    });
                }
            }
            Tok::End { name } if is_item(name) => finish(item.take(), &mut scanned),
            _ => {}
        }
    }
    let field = open.take().map(|f| (f.field, &text[f.content_start..]));
    store(field, item.as_mut(), &mut scanned);
    finish(item.take(), &mut scanned);
    scanned
}

fn atom_link(state: &mut ItemState, attrs: &[(&str, &str)]) {
    let rel = attribute(attrs, "rel").map(|r| r.trim().to_ascii_lowercase());
    let html = attribute(attrs, "type").is_none_or(|t| t.contains("html"));
    let rank = match rel.as_deref() {
        None | Some("alternate") if html => 0,
        None | Some("alternate") => 1,
        Some(
            "self" | "edit" | "edit-media" | "enclosure" | "replies" | "hub" | "license"
            | "payment",
        ) => return,
        Some(_) => 2,
    };
    if let Some(href) = attribute(attrs, "href") {
        if state.link_rank.is_none_or(|best| rank < best) {
            state.raw.links.insert(0, unescape(href));
            state.link_rank = Some(rank);
        } else {
            state.raw.links.push(unescape(href));
        }
    }
}

fn store(field: Option<(Field, &str)>, item: Option<&mut ItemState>, scanned: &mut Scanned) {
    let Some((field, raw)) = field else { return };
    let value = flatten(raw);
    let Some(state) = item else {
        match field {
            Field::Title if scanned.title.is_none() => scanned.title = Some(value),
            Field::Language => {
                scanned.language.get_or_insert(value);
            }
            _ => {}
        }
        return;
    };
    let first = |slot: &mut Option<String>| {
        if slot.is_none() && !value.trim().is_empty() {
            *slot = Some(value.clone());
        }
    };
    match field {
        Field::Title => first(&mut state.raw.title),
        Field::Summary => first(&mut state.raw.summary),
        Field::Content => first(&mut state.raw.content),
        Field::Published => first(&mut state.published),
        Field::Updated => first(&mut state.updated),
        Field::Language => first(&mut state.raw.language),
        Field::Link => {
            if state.link_rank.is_none_or(|best| best > 0) && !value.trim().is_empty() {
                state.raw.links.insert(0, value.trim().to_string());
                state.link_rank = Some(0);
            }
        }
        Field::Id => {
            if state.raw.id.is_empty() {
                state.raw.id = value.trim().to_string();
                state.raw.id_not_link = !state.guid_is_permalink;
            }
        }
        Field::Skip => {}
    }
}

fn finish(state: Option<ItemState>, scanned: &mut Scanned) {
    let Some(mut state) = state else { return };
    if scanned.items.len() >= MAX_ITEMS {
        return;
    }
    let date = |d: &Option<String>| d.as_deref().and_then(parse_date);
    state.raw.published = date(&state.published).or_else(|| date(&state.updated));
    scanned.items.push(state.raw);
}

/// The content of an element as HTML: CDATA verbatim, text with one level of XML
/// escaping removed, nested markup (XHTML content, unescaped HTML) kept as is.
fn flatten(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for (start, end, tok) in Tokens::new(raw) {
        match tok {
            Tok::Text(t) => out.push_str(&unescape(t)),
            Tok::CData(c) => out.push_str(c),
            Tok::Start { .. } | Tok::End { .. } => out.push_str(&raw[start..end]),
            Tok::Other => {}
        }
    }
    out
}

/// Decodes the five XML entities and numeric references; other named entities stay for
/// the HTML decoding that follows, as they do when feed-rs reads the document.
pub(super) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => name.strip_prefix('#').and_then(|d| d.parse().ok()),
                    };
                    code.and_then(char::from_u32)?
                }
            };
            Some((c, end + 1))
        });
        match decoded {
            Some((c, consumed)) => {
                out.push(c);
                rest = &rest[consumed..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
