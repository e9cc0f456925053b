//! The document feed-rs is handed, read once beforehand so that feed-rs's work stays linear.
//!
//! feed-rs keeps a full copy of the base URL for every level of nested `xml:base` and clones
//! it again for every element it visits: nested relative bases made a 2 MB feed hold 4.5 GB.
//! And every level of nesting costs it (and quick-xml's namespace scopes) on every element
//! below. So before feed-rs sees a document, this pass
//! - refuses nesting deeper than [`MAX_DEPTH`];
//! - resolves each `xml:base` once, against a stack of the bases already resolved, and strips
//!   any whose resolved URL is longer than [`MAX_BASE_BYTES`], so feed-rs never holds a longer
//!   one.
//!
//! A document that needs none of this (every real feed) goes to feed-rs untouched.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use url::Url;

use super::PLACEHOLDER_BASE;

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
    let mut open = 0_usize;
    // (depth of the element that set it, base): the resolved bases in scope, innermost last.
    let mut bases: Vec<(usize, Url)> = Url::parse(PLACEHOLDER_BASE)
        .ok()
        .map(|url| (0, url))
        .into_iter()
        .collect();
    let mut stripped: Vec<Rewrite> = Vec::new();
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
                open = open.saturating_sub(1);
                while bases.last().is_some_and(|(depth, _)| *depth > open) {
                    bases.pop();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let depth = open + 1;
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
            open = depth;
        }
    }
    if stripped.is_empty() {
        return Ok(None);
    }
    let end = bytes.len();
    let mut out = Vec::with_capacity(end + 64);
    let mut copied = 0;
    for rewrite in stripped {
        out.extend_from_slice(bytes.get(copied..rewrite.span.start).unwrap_or_default());
        out.extend_from_slice(&rewrite.tag);
        copied = rewrite.span.end;
    }
    out.extend_from_slice(bytes.get(copied..end).unwrap_or_default());
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
