//! Feed bytes → [`ParsedFeed`]: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.x in, one
//! normalised item shape out, so nothing downstream knows which format an item came in.
//!
//! Real feeds are often broken, so XML goes through up to three readers, stopping at the
//! first that works:
//! 1. feed-rs on the bytes as served.
//! 2. feed-rs on a repaired copy (`repair::repair`): decoded to UTF-8, bare `&` and stray `<`
//!    escaped, HTML-only entities (`&nbsp;`) turned into numeric references, characters XML
//!    forbids dropped, mismatched and unclosed elements closed (which also mends truncated
//!    documents), an unsupported `<rss version>` set to 2.0, an Atom text construct whose
//!    `type` feed-rs rejects renamed (`text/plain` → `text`) or, if binary, dropped.
//! 3. A tolerant scan (`soup::extract`) that picks `<item>`/`<entry>` blocks out of
//!    whatever is left, for documents too broken for any XML parser.
//!
//! UTF-16 and UTF-32 documents are transcoded to UTF-8 before step 1 (feed-rs cannot read
//! UTF-32 and panics on some UTF-16). A JSON Feed feed-rs refuses (no feed title, numeric
//! ids) is read field by field from the JSON value instead.
//!
//! Every stage is linear in the input, the input is capped at [`MAX_FEED_BYTES`] and the
//! output at [`MAX_ITEMS`] items, and nothing here panics on any input (feed-rs itself runs
//! under `catch_unwind`, since it is third-party code fed hostile bytes). feed-rs is linear
//! only on what `prepare` hands it: nesting at most [`MAX_DEPTH`] deep and no `xml:base`
//! resolving to more than [`MAX_BASE_BYTES`].

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Feed, Link};
use feed_rs::parser::ParseFeedError;
use url::Url;

use super::normalise::{canonical_link, first_words, html_to_text};
use crate::engine::text::truncate_words;

/// Items beyond this many in one feed are ignored: no real feed has more, and it bounds the
/// work a hostile one can cause.
pub const MAX_ITEMS: usize = 5_000;
/// Larger inputs are refused outright.
pub const MAX_FEED_BYTES: usize = 32 * 1024 * 1024;
/// Summaries are cut to about this many characters, at a word boundary.
pub const SUMMARY_CHARS: usize = 2_000;
/// Titles are cut to about this many characters (some feeds put the whole post in the title).
const TITLE_CHARS: usize = 300;
/// A title made from the summary takes this many words.
const TITLE_WORDS: usize = 12;
/// Only this much of one HTML field is converted to text: the summary keeps 2,000 characters,
/// and this bounds the cost of a multi-megabyte `content:encoded`.
const MAX_FIELD_BYTES: usize = 256 * 1024;
/// Guids longer than this are hashed rather than stored as keys.
const MAX_KEY_BYTES: usize = 512;

/// A feed, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    /// Plain-text feed title, if the feed has a non-empty one.
    pub title: Option<String>,
    /// Lowercased language tag (`en-us`), if declared.
    pub language: Option<String>,
    /// At most [`MAX_ITEMS`], in feed order.
    pub items: Vec<ParsedItem>,
}

impl ParsedFeed {
    /// A feed from its raw title (markup stripped; an empty one counts as none).
    fn with_raw_title(
        title: Option<String>,
        language: Option<String>,
        items: Vec<ParsedItem>,
    ) -> Self {
        Self {
            title: title.map(|t| html_to_text(&t)).filter(|t| !t.is_empty()),
            language,
            items,
        }
    }
}

/// One item, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedItem {
    /// Stable across re-parses of the same feed: the guid/id if present, else the canonical
    /// link, else a hash of title and summary (`h:` and 16 hex digits).
    pub key: String,
    /// Plain text, never empty: the first words of the summary (or the link) if the feed has
    /// no title.
    pub title: String,
    /// Plain text from the summary/description, else the content; at most about
    /// [`SUMMARY_CHARS`] characters, cut at a word boundary. May be empty.
    pub summary: String,
    /// Canonical http(s) link to the article (see [`canonical_link`]).
    pub link: Option<String>,
    /// Published, else updated; `None` if neither (or unparseable).
    pub published: Option<DateTime<Utc>>,
    /// Lowercased language tag of the item if known, else of the feed.
    pub language: Option<String>,
}

/// Why a document could not be read as a feed. The messages are meant for an operator: they
/// say which format was tried and what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The document exceeds [`MAX_FEED_BYTES`].
    #[error("not a feed: {size} bytes is over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    /// The document is empty or whitespace.
    #[error("not a feed: the document is empty")]
    Empty,
    /// The document is neither XML nor JSON, or is XML/JSON of another kind (an HTML page,
    /// OPML, …).
    #[error("not a feed: {0}")]
    NotAFeed(String),
    /// XML that neither feed-rs, nor feed-rs after repair, nor the tolerant scan could read.
    #[error("not a feed: XML error{}: {detail}", position.map(|p| format!(" at byte {p}")).unwrap_or_default())]
    Xml {
        position: Option<u64>,
        detail: String,
    },
    /// A JSON document that is not a JSON Feed 1.x.
    #[error("not a JSON Feed: {0}")]
    Json(String),
    /// Elements nest deeper than [`MAX_DEPTH`]: no feed does, and each level costs every XML
    /// reader on every element below it.
    #[error("not a feed: elements nest more than {limit} levels deep")]
    TooDeep { limit: usize },
}

/// Parses and normalises a feed. `feed_url` is where it came from: relative links are
/// resolved against it (after any `xml:base`).
pub fn parse_feed(bytes: &[u8], feed_url: &str) -> Result<ParsedFeed, ParseError> {
    if bytes.len() > MAX_FEED_BYTES {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: MAX_FEED_BYTES,
        });
    }
    match sniff(bytes) {
        Sniffed::Empty => Err(ParseError::Empty),
        Sniffed::Json => json::parse_json(bytes, feed_url),
        Sniffed::Xml => parse_xml(bytes, feed_url),
        Sniffed::Other => Err(ParseError::NotAFeed(
            "the document starts with neither `<` (XML) nor `{` (JSON)".to_string(),
        )),
    }
}

enum Sniffed {
    Empty,
    Json,
    Xml,
    Other,
}

fn sniff(bytes: &[u8]) -> Sniffed {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Sniffed::Xml;
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Sniffed::Empty,
        Some(b'{') => Sniffed::Json,
        Some(b'<') => Sniffed::Xml,
        // Junk before the root (a stray line from a PHP warning, say) is common enough.
        Some(_) if bytes.iter().take(1024).any(|&b| b == b'<') => Sniffed::Xml,
        Some(_) => Sniffed::Other,
    }
}

fn parse_xml(bytes: &[u8], feed_url: &str) -> Result<ParsedFeed, ParseError> {
    // feed-rs cannot read UTF-32, panics inside quick-xml on some UTF-16, and reads bytes in
    // a legacy encoding (GBK, Big5, Shift_JIS, declared or not) as mangled UTF-8: hand it UTF-8.
    let transcoded;
    let bytes = if needs_transcoding(bytes) {
        transcoded = as_utf8_document(&decode(bytes));
        transcoded.as_bytes()
    } else {
        bytes
    };
    let prepared = prepare::for_feed_rs(bytes)
        .map_err(|prepare::TooDeep| ParseError::TooDeep { limit: MAX_DEPTH })?;
    let first_error = match run_feed_rs(&prepared, feed_url) {
        Ok(feed) if !(feed.entries.is_empty() && has_item_tags(&prepared)) => {
            return Ok(from_feed_rs(feed, Some(&prepared), feed_url));
        }
        // feed-rs read a root but no items although there are some (RSS 0.90, an unknown
        // namespace): the scan may do better, and if not the empty feed stands.
        Ok(feed) => {
            let text = decode(bytes);
            let scanned = soup::extract(&text);
            if scanned.items.is_empty() {
                return Ok(from_feed_rs(feed, None, feed_url));
            }
            let title = feed
                .title
                .as_ref()
                .map(|t| html_to_text(&t.content))
                .filter(|t| !t.is_empty());
            let mut parsed = from_scan(scanned, feed_url);
            parsed.title = title.or(parsed.title);
            return Ok(parsed);
        }
        Err(error) => error,
    };
    let text = decode(bytes);
    let repaired = repair::repair(&text);
    // Repair keeps within MAX_DEPTH, so this is refused only if something is amiss there.
    if let Ok(prepared) = prepare::for_feed_rs(repaired.as_bytes())
        && let Ok(feed) = run_feed_rs(&prepared, feed_url)
        && (!feed.entries.is_empty() || !has_item_tags(&prepared))
    {
        tracing::debug!(feed = feed_url, error = %first_error, "feed read after repair");
        return Ok(from_feed_rs(feed, Some(&prepared), feed_url));
    }
    let scanned = soup::extract(&repaired);
    if !scanned.items.is_empty() || scanned.feed_root {
        tracing::debug!(feed = feed_url, error = %first_error, "feed read by the tolerant scan");
        return Ok(from_scan(scanned, feed_url));
    }
    if let Some(root) = scanned.root {
        let hint = if root.eq_ignore_ascii_case("html") {
            " (an HTML page?)"
        } else {
            ""
        };
        return Err(ParseError::NotAFeed(format!(
            "the XML root element is <{root}>, not <rss>, <feed> or <rdf:RDF>{hint}"
        )));
    }
    Err(match xml_problem(bytes) {
        Some((position, problem)) => ParseError::Xml {
            position: Some(position),
            detail: problem,
        },
        None => ParseError::NotAFeed("the document has no root element".to_string()),
    })
}

/// The base feed-rs resolves relative links against. It stands in for the real base, which
/// is not known until the feed's own `<link>` has been read: links still under it afterwards
/// were relative without an absolute `xml:base`, and [`rebase`] resolves them again against
/// the feed's `<link>` or the URL it was fetched from, as feedparser does.
const PLACEHOLDER_BASE: &str = "https://relative.invalid/briefbot-placeholder-base/";
const PLACEHOLDER_ROOT: &str = "https://relative.invalid/";

fn run_feed_rs(bytes: &[u8], _feed_url: &str) -> Result<Feed, ParseFeedError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(PLACEHOLDER_BASE))
        // An empty id marks "the feed gave none"; the default invents a random UUID instead.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .timestamp_parser(parse_date)
        .build();
    match catch_unwind(AssertUnwindSafe(|| parser.parse(bytes))) {
        Ok(result) => result,
        Err(_) => Err(ParseFeedError::IoError(std::io::Error::other(
            "feed-rs panicked on this document",
        ))),
    }
}

/// The fields of one entry, whichever reader produced them. Text fields hold HTML (or text).
#[derive(Debug, Default)]
struct RawItem {
    id: String,
    title: Option<String>,
    summary: Option<String>,
    content: Option<String>,
    /// Candidate links, best first.
    links: Vec<String>,
    /// Base for relative links, when the entry has its own (`xml:base`).
    base: Option<String>,
    published: Option<DateTime<Utc>>,
    language: Option<String>,
    /// The id is a URL but the feed says it is not the article's (`isPermaLink="false"`).
    id_not_link: bool,
}

/// `xml` is the document feed-rs read, for what feed-rs does not report (see [`item_hints`]).
fn from_feed_rs(feed: Feed, xml: Option<&[u8]>, feed_url: &str) -> ParsedFeed {
    let feed_language = feed.language.as_deref().and_then(normalise_language);
    let title = feed
        .title
        .as_ref()
        .map(|t| html_to_text(&t.content))
        .filter(|t| !t.is_empty());
    let base = feed_base(&feed, feed_url);
    let hints = xml
        .and_then(|xml| item_hints(xml, &feed.entries))
        .filter(|h| h.len() == feed.entries.len())
        .unwrap_or_default();
    let items = feed
        .entries
        .into_iter()
        .enumerate()
        .filter_map(|(index, entry)| {
            let hint = hints.get(index).cloned().unwrap_or_default();
            let mut raw = raw_from_entry(entry, hint);
            for link in &mut raw.links {
                *link = rebase(link, &base);
            }
            raw.id = rebase(&raw.id, &base);
            build_item(raw, &base, feed_language.as_deref())
        })
        .take(MAX_ITEMS)
        .collect();
    ParsedFeed {
        title,
        language: feed_language,
        items,
    }
}

fn raw_from_entry(entry: Entry, hint: soup::ItemHint) -> RawItem {
    let links = ranked_links(&entry.links);
    let media_description = entry
        .media
        .iter()
        .find_map(|m| m.description.as_ref().map(|d| d.content.clone()));
    RawItem {
        id: entry.id,
        title: entry.title.map(|t| t.content),
        summary: entry.summary.map(|t| t.content).or(media_description),
        content: entry.content.and_then(|c| c.body),
        links,
        base: None,
        published: entry.published.or(entry.updated),
        language: hint
            .language
            .as_deref()
            .or(entry.language.as_deref())
            .and_then(normalise_language),
        id_not_link: hint.guid_not_link,
    }
}

/// What relative links resolve against when no `xml:base` says: the feed's own `<link>` to
/// its site (resolved against the fetch URL if relative), else the URL it was fetched from.
/// Not a link over [`MAX_BASE_BYTES`]: every item's links would be resolved against it.
fn feed_base(feed: &Feed, feed_url: &str) -> String {
    ranked_links(&feed.links)
        .iter()
        .filter(|href| href.len() <= MAX_BASE_BYTES)
        .map(|href| rebase(href, feed_url))
        .find(|href| href.starts_with("http://") || href.starts_with("https://"))
        .unwrap_or_else(|| feed_url.to_string())
}

/// `href` as feed-rs resolved it, with the placeholder base replaced by `base`.
fn rebase(href: &str, base: &str) -> String {
    let relative = match href.strip_prefix(PLACEHOLDER_BASE) {
        Some(relative) => relative.to_string(),
        None => match href.strip_prefix(PLACEHOLDER_ROOT) {
            Some(root_relative) => format!("/{root_relative}"),
            None => return href.to_string(),
        },
    };
    match Url::parse(base) {
        Ok(base) => base.join(&relative).map(String::from).unwrap_or(relative),
        Err(_) => relative,
    }
}

/// Alternate (article) links first, then anything that is not self/edit/enclosure/replies.
fn ranked_links(links: &[Link]) -> Vec<String> {
    let rank = |link: &Link| -> Option<u8> {
        if link.target.is_some() {
            return None; // comments and comment feeds
        }
        let html = link
            .media_type
            .as_deref()
            .is_none_or(|m| m.contains("html"));
        match link.rel.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("alternate") if html => Some(0),
            None | Some("alternate") => Some(1),
            Some(
                "self" | "edit" | "edit-media" | "enclosure" | "replies" | "hub" | "license"
                | "payment",
            ) => None,
            Some(_) => Some(2),
        }
    };
    let mut ranked: Vec<(u8, &str)> = links
        .iter()
        .filter_map(|l| rank(l).map(|r| (r, l.href.as_str())))
        .collect();
    ranked.sort_by_key(|(r, _)| *r);
    ranked
        .into_iter()
        .map(|(_, href)| href.to_string())
        .collect()
}

fn from_scan(scanned: soup::Scanned, feed_url: &str) -> ParsedFeed {
    let feed_language = scanned.language.as_deref().and_then(normalise_language);
    let feed_base = resolve_base(scanned.base.as_deref(), feed_url);
    let items = scanned
        .items
        .into_iter()
        .filter_map(|mut item| {
            item.base = Some(resolve_base(item.base.as_deref(), &feed_base));
            build_item(item, feed_url, feed_language.as_deref())
        })
        .take(MAX_ITEMS)
        .collect();
    ParsedFeed::with_raw_title(scanned.title, feed_language, items)
}

/// `base` resolved against `parent`, else `parent`. A base longer than [`MAX_BASE_BYTES`] is
/// ignored, as `prepare` has feed-rs ignore it: every item would copy it.
fn resolve_base(base: Option<&str>, parent: &str) -> String {
    let joined = base.and_then(|b| match Url::parse(parent) {
        Ok(parent) => parent.join(b.trim()).ok().map(String::from),
        Err(_) => Url::parse(b.trim()).ok().map(String::from),
    });
    joined
        .filter(|joined| joined.len() <= MAX_BASE_BYTES)
        .unwrap_or_else(|| parent.to_string())
}

fn build_item(raw: RawItem, feed_url: &str, feed_language: Option<&str>) -> Option<ParsedItem> {
    let text = |html: &Option<String>| {
        html.as_deref()
            .map(|h| html_to_text(cap(h)))
            .unwrap_or_default()
    };
    let mut summary = text(&raw.summary);
    if summary.is_empty() {
        summary = text(&raw.content);
    }
    let summary = truncate_words(&summary, SUMMARY_CHARS);
    let base = raw.base.as_deref().unwrap_or(feed_url);
    let id = raw.id.trim();
    // RSS guids are permalinks unless marked otherwise, and many Atom ids are too.
    let link = raw
        .links
        .iter()
        .map(String::as_str)
        .chain(Some(id).filter(|id| {
            !raw.id_not_link && (id.starts_with("http://") || id.starts_with("https://"))
        }))
        .find_map(|href| canonical_link(href, Some(base)));
    let title = truncate_words(&text(&raw.title), TITLE_CHARS);
    let title = match (title.is_empty(), summary.is_empty(), &link) {
        (false, _, _) => title,
        (true, false, _) => first_words(&summary, TITLE_WORDS),
        (true, true, Some(link)) => link.clone(),
        (true, true, None) => return None,
    };
    let key = if !id.is_empty() && id.len() <= MAX_KEY_BYTES {
        id.to_string()
    } else if let Some(link) = &link {
        link.clone()
    } else {
        format!("h:{:016x}", fnv1a(&[id, &title, &summary]))
    };
    Some(ParsedItem {
        key,
        title,
        summary,
        link,
        published: raw.published,
        language: raw.language.or_else(|| feed_language.map(str::to_string)),
    })
}

fn cap(html: &str) -> &str {
    &html[..html.floor_char_boundary(MAX_FIELD_BYTES)]
}

/// FNV-1a: tiny, and unlike `DefaultHasher` guaranteed stable across Rust releases, which
/// stored keys need.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(&[0x1f]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn normalise_language(tag: &str) -> Option<String> {
    let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
    let plausible = !tag.is_empty()
        && tag.len() <= 35
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    plausible.then_some(tag)
}

fn has_item_tags(bytes: &[u8]) -> bool {
    find_item_start(bytes).is_some()
}

fn find_item_start(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = bytes[from..].iter().position(|&b| b == b'<') {
        let at = from + offset;
        let rest = &bytes[at + 1..];
        let name_end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-')))
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
        if local.eq_ignore_ascii_case(b"item") || local.eq_ignore_ascii_case(b"entry") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Per-item facts feed-rs drops, in document order: an item's own language (`xml:lang` on
/// the item or a `dc:language` inside it) and a `guid isPermaLink="false"`. Only scanned
/// for when they could matter: some text says "lang" after the first item, or an item has no
/// link but a URL for an id.
fn item_hints(bytes: &[u8], entries: &[Entry]) -> Option<Vec<soup::ItemHint>> {
    let first_item = find_item_start(bytes)?;
    let languages = bytes[first_item..].windows(4).any(|w| w == b"lang");
    let url_ids = entries
        .iter()
        .any(|e| e.links.is_empty() && e.id.trim_start().starts_with("http"));
    (languages || url_ids).then(|| soup::item_hints(&decode(bytes)))
}

/// The first well-formedness error, with its byte offset, for the error message.
fn xml_problem(bytes: &[u8]) -> Option<(u64, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut open: Vec<String> = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(start)) => open.push(start.name().into_inner().to_string()),
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Eof) => {
                return open.last().map(|name| {
                    (
                        reader.buffer_position(),
                        format!("the document ends inside <{name}> (truncated?)"),
                    )
                });
            }
            Ok(_) => {}
            Err(error) => return Some((reader.error_position(), error.to_string())),
        }
        buf.clear();
    }
}

/// JSON Feed 1.x.
mod json;

/// Which encoding a document is in, and the document as UTF-8.
mod encoding;
use encoding::{as_utf8_document, decode, needs_transcoding};

/// Dates in every form feeds write them.
mod date;
use date::parse_date;

/// A forgiving reader for markup that is not well-formed XML: a tokenizer that never fails,
/// and the scan that reads items straight from its tokens.
mod soup;

/// Tag soup rewritten as XML feed-rs accepts.
mod repair;

/// The pass that keeps feed-rs linear: depth, `xml:base`, items.
mod prepare;
pub use prepare::{MAX_BASE_BYTES, MAX_DEPTH};

#[cfg(test)]
mod tests;
