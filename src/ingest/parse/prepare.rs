//! The document feed-rs is handed, read once beforehand so that feed-rs's work stays linear.
//!
//! feed-rs keeps a full copy of the base URL for every level of nested `xml:base` and clones
//! it again for every element it visits: nested relative bases made a 2 MB feed hold 4.5 GB.
//! And every level of nesting costs it (and quick-xml's namespace scopes) on every element
//! below. So before feed-rs sees a document, this pass
//! - refuses nesting deeper than [`MAX_DEPTH`];
//! - resolves each `xml:base` once, against a stack of the bases already resolved, and strips
//!   any whose resolved URL is longer than [`MAX_BASE_BYTES`], so feed-rs never holds a longer
//!   one;
//! - counts items and cuts the document off before the one past [`MAX_ITEMS`], closing what
//!   is open: feed-rs builds every entry before the cap applies (10 MB of empty items held
//!   580 MB).
//!
//! A document that needs none of this (every real feed) goes to feed-rs untouched.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use url::Url;

use super::{MAX_ITEMS, PLACEHOLDER_BASE};

/// Elements nested deeper than this are refused (libxml2's default limit too). Real feeds
/// nest a dozen deep; XHTML content adds a few more.
pub const MAX_DEPTH: usize = 256;

/// A resolved `xml:base` longer than this is ignored (its element keeps its parent's base).
/// Links in the wild stay under 2 KB; feed-rs copies the base for every element under it.
pub const MAX_BASE_BYTES: usize = 2048;

/// The document nests deeper than [`MAX_DEPTH`].
#[derive(Debug)]
pub(super) struct TooDeep;

/// `bytes` as feed-rs should read them; see the module docs.
pub(super) fn for_feed_rs(bytes: &[u8]) -> Result<Cow<'_, [u8]>, TooDeep> {
    // feed-rs reads malformed UTF-8 with replacement characters, where quick-xml's own reader
    // stops: replace them here, or this pass would stop short of what feed-rs reads.
    match std::str::from_utf8(bytes) {
        Ok(_) => Ok(rewritten(bytes)?.map_or(Cow::Borrowed(bytes), Cow::Owned)),
        Err(_) => {
            let text = String::from_utf8_lossy(bytes).into_owned().into_bytes();
            Ok(Cow::Owned(rewritten(&text)?.unwrap_or(text)))
        }
    }
}

/// The document rewritten, or `None` if it can go as it is.
fn rewritten(bytes: &[u8]) -> Result<Option<Vec<u8>>, TooDeep> {
    let mut reader = Reader::from_reader(bytes);
    // Configured as feed-rs configures its reader, so that this pass stops on the same error.
    let config = reader.config_mut();
    config.trim_markup_names_in_closing_tags = true;
    config.trim_text(false);
    let has_bases = bytes.windows(8).any(|w| w == b"xml:base");
    // Names of the open elements, to close them if the document is cut off.
    let mut open: Vec<Cow<'_, [u8]>> = Vec::new();
    // (depth of the element that set it, base): the resolved bases in scope, innermost last.
    let mut bases: Vec<(usize, Url)> = Url::parse(PLACEHOLDER_BASE)
        .ok()
        .map(|url| (0, url))
        .into_iter()
        .collect();
    let mut stripped: Vec<Rewrite> = Vec::new();
    let mut items = 0_usize;
    let mut cut = None;
    loop {
        let at = offset(reader.buffer_position());
        // What feed-rs cannot read it does not reach either: the rest is not its concern.
        let Ok(event) = reader.read_event() else {
            break;
        };
        let (tag, empty) = match &event {
            Event::Start(tag) => (tag, false),
            Event::Empty(tag) => (tag, true),
            Event::End(_) => {
                open.pop();
                while bases.last().is_some_and(|(depth, _)| *depth > open.len()) {
                    bases.pop();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        if is_item(tag.local_name().as_ref()) {
            items += 1;
            if items > MAX_ITEMS {
                cut = Some(at);
                break;
            }
        }
        let depth = open.len() + 1;
        if depth > MAX_DEPTH {
            return Err(TooDeep);
        }
        if has_bases && let Some(value) = xml_base(tag) {
            match resolve(bases.last().map(|(_, base)| base), &value) {
                Some(base) if base.as_str().len() > MAX_BASE_BYTES => stripped.push(Rewrite {
                    span: at..offset(reader.buffer_position()),
                    tag: without_base(tag, empty),
                }),
                Some(base) if !empty => bases.push((depth, base)),
                _ => {}
            }
        }
        if !empty {
            open.push(name_in(bytes, at, tag));
        }
    }
    if stripped.is_empty() && cut.is_none() {
        return Ok(None);
    }
    let end = cut.unwrap_or(bytes.len()).min(bytes.len());
    let mut out = Vec::with_capacity(end + 64);
    let mut copied = 0;
    for rewrite in stripped {
        out.extend_from_slice(bytes.get(copied..rewrite.span.start).unwrap_or_default());
        out.extend_from_slice(&rewrite.tag);
        copied = rewrite.span.end;
    }
    out.extend_from_slice(bytes.get(copied..end).unwrap_or_default());
    if cut.is_some() {
        for name in open.iter().rev() {
            out.extend_from_slice(b"</");
            out.extend_from_slice(name);
            out.push(b'>');
        }
    }
    Ok(Some(out))
}

/// A start tag to write in place of the bytes at `span`.
struct Rewrite {
    span: std::ops::Range<usize>,
    tag: Vec<u8>,
}

fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

fn is_item(local: &str) -> bool {
    local.eq_ignore_ascii_case("item") || local.eq_ignore_ascii_case("entry")
}

/// The element's name, borrowed from the document where it sits right after the `<` at `at`.
fn name_in<'a>(bytes: &'a [u8], at: usize, tag: &BytesStart<'_>) -> Cow<'a, [u8]> {
    let name = tag.name();
    let name = name.as_ref().as_bytes();
    match bytes.get(at + 1..at + 1 + name.len()) {
        Some(found) if found == name => Cow::Borrowed(found),
        _ => Cow::Owned(name.to_vec()),
    }
}

/// The element's `xml:base`, unescaped as feed-rs does (the raw value if that fails).
fn xml_base(tag: &BytesStart<'_>) -> Option<String> {
    let mut attributes = tag.attributes();
    // Without checks: the duplicate check compares every attribute with every other one.
    attributes.with_checks(false);
    let attribute = attributes
        .flatten()
        .find(|a| a.key.as_ref() == "xml:base")?;
    let raw = attribute.value;
    Some(match quick_xml::escape::unescape(&raw) {
        Ok(value) => value.into_owned(),
        Err(_) => raw.into_owned(),
    })
}

/// An `xml:base` resolved as feed-rs resolves it: absolute as is, relative against the base
/// in scope; `None` when feed-rs would ignore it (or refuse the document).
fn resolve(parent: Option<&Url>, value: &str) -> Option<Url> {
    match Url::parse(value) {
        Ok(url) => Some(url),
        Err(url::ParseError::RelativeUrlWithoutBase) => parent?.join(value).ok(),
        Err(_) => None,
    }
}

/// The start tag with its `xml:base` left out.
fn without_base(tag: &BytesStart<'_>, empty: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 3);
    out.push(b'<');
    out.extend_from_slice(tag.name().as_ref().as_bytes());
    let mut attributes = tag.attributes();
    attributes.with_checks(false);
    for attribute in attributes.flatten() {
        if attribute.key.as_ref() == "xml:base" {
            continue;
        }
        // The raw (still escaped) value, in quotes it cannot contain.
        let quote = if attribute.value.contains('"') {
            b'\''
        } else {
            b'"'
        };
        out.push(b' ');
        out.extend_from_slice(attribute.key.as_ref().as_bytes());
        out.push(b'=');
        out.push(quote);
        out.extend_from_slice(attribute.value.as_bytes());
        out.push(quote);
    }
    out.extend_from_slice(if empty { b"/>" } else { b">" });
    out
}
