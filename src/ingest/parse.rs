//! Feed bytes → [`ParsedFeed`]: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.x in, one
//! normalised item shape out, so nothing downstream knows which format an item came in.
//!
//! Real feeds are often broken, so XML goes through up to three readers, stopping at the
//! first that works:
//! 1. feed-rs on the bytes as served.
//! 2. feed-rs on a repaired copy (`soup::repair`): decoded to UTF-8, bare `&` and stray `<`
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
//! under `catch_unwind`, since it is third-party code fed hostile bytes).

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use feed_rs::model::{Entry, Feed, Link};
use feed_rs::parser::ParseFeedError;
use url::Url;

use super::normalise::{canonical_link, first_words, html_to_text, truncate_at_word};

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
        Sniffed::Json => parse_json(bytes, feed_url),
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

fn parse_json(bytes: &[u8], feed_url: &str) -> Result<ParsedFeed, ParseError> {
    let error = match run_feed_rs(bytes, feed_url) {
        Ok(feed) => return Ok(from_feed_rs(feed, None, feed_url)),
        Err(error) => error,
    };
    // feed-rs refuses a whole feed over one missing title or a numeric id; read what is there.
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ParseError::Json(format!("invalid JSON: {e}")))?;
    let version = value
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if !version.contains("jsonfeed.org/version/") {
        return Err(ParseError::Json(format!(
            "no \"version\": \"https://jsonfeed.org/version/1.1\" ({error})"
        )));
    }
    let Some(items) = value.get("items").and_then(|i| i.as_array()) else {
        return Err(ParseError::Json(format!("no \"items\" array ({error})")));
    };
    tracing::debug!(feed = feed_url, %error, "JSON Feed read leniently");
    Ok(json_lenient(&value, items, feed_url))
}

fn json_lenient(
    feed: &serde_json::Value,
    items: &[serde_json::Value],
    feed_url: &str,
) -> ParsedFeed {
    let text = |v: &serde_json::Value, key: &str| match v.get(key) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let feed_language = text(feed, "language")
        .as_deref()
        .and_then(normalise_language);
    let items = items
        .iter()
        .filter_map(|item| {
            let date = |key: &str| text(item, key).as_deref().and_then(parse_date);
            let raw = RawItem {
                id: text(item, "id").unwrap_or_default(),
                title: text(item, "title"),
                summary: text(item, "summary"),
                content: text(item, "content_html").or_else(|| text(item, "content_text")),
                links: ["url", "external_url"]
                    .iter()
                    .filter_map(|k| text(item, k))
                    .collect(),
                published: date("date_published").or_else(|| date("date_modified")),
                language: text(item, "language")
                    .as_deref()
                    .and_then(normalise_language),
                ..RawItem::default()
            };
            build_item(raw, feed_url, feed_language.as_deref())
        })
        .take(MAX_ITEMS)
        .collect();
    let title = text(feed, "title")
        .map(|t| html_to_text(&t))
        .filter(|t| !t.is_empty());
    ParsedFeed {
        title,
        language: feed_language,
        items,
    }
}

fn parse_xml(bytes: &[u8], feed_url: &str) -> Result<ParsedFeed, ParseError> {
    // feed-rs cannot read UTF-32, and panics inside quick-xml on some UTF-16: hand it UTF-8.
    let transcoded;
    let bytes = if wide_encoding(bytes).is_some() {
        transcoded = as_utf8_document(&decode(bytes));
        transcoded.as_bytes()
    } else {
        bytes
    };
    let first_error = match run_feed_rs(bytes, feed_url) {
        Ok(feed) if !(feed.entries.is_empty() && has_item_tags(bytes)) => {
            return Ok(from_feed_rs(feed, Some(bytes), feed_url));
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
    let repaired = soup::repair(&text);
    if let Ok(feed) = run_feed_rs(repaired.as_bytes(), feed_url)
        && (!feed.entries.is_empty() || !has_item_tags(repaired.as_bytes()))
    {
        tracing::debug!(feed = feed_url, error = %first_error, "feed read after repair");
        return Ok(from_feed_rs(feed, Some(repaired.as_bytes()), feed_url));
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

fn run_feed_rs(bytes: &[u8], feed_url: &str) -> Result<Feed, ParseFeedError> {
    // feed-rs refuses the whole document if the base URI does not parse.
    let base = Url::parse(feed_url).ok().map(|_| feed_url);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base)
        // An empty id marks "the feed gave none"; the default invents a random UUID instead.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
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
            build_item(
                raw_from_entry(entry, hint),
                feed_url,
                feed_language.as_deref(),
            )
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
    let title = scanned
        .title
        .map(|t| html_to_text(&t))
        .filter(|t| !t.is_empty());
    ParsedFeed {
        title,
        language: feed_language,
        items,
    }
}

fn resolve_base(base: Option<&str>, parent: &str) -> String {
    let joined = base.and_then(|b| match Url::parse(parent) {
        Ok(parent) => parent.join(b.trim()).ok().map(String::from),
        Err(_) => Url::parse(b.trim()).ok().map(String::from),
    });
    joined.unwrap_or_else(|| parent.to_string())
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
    let summary = truncate_at_word(&summary, SUMMARY_CHARS);
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
    let title = truncate_at_word(&text(&raw.title), TITLE_CHARS);
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

fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(date) =
        DateTime::parse_from_rfc3339(text).or_else(|_| DateTime::parse_from_rfc2822(text))
    {
        return Some(date.with_timezone(&Utc));
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
    .map(|naive| naive.and_utc())
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

/// UTF-16 and UTF-32 by BOM or, without one, by how `<` is encoded (XML 1.0 appendix F).
#[derive(Debug, Clone, Copy)]
enum Wide {
    Utf16 { big_endian: bool, bom: usize },
    Utf32 { big_endian: bool, bom: usize },
}

fn wide_encoding(bytes: &[u8]) -> Option<Wide> {
    let wide = match bytes {
        [0, 0, 0xFE, 0xFF, ..] => Wide::Utf32 {
            big_endian: true,
            bom: 4,
        },
        [0xFF, 0xFE, 0, 0, ..] => Wide::Utf32 {
            big_endian: false,
            bom: 4,
        },
        [0, 0, 0, b'<', ..] => Wide::Utf32 {
            big_endian: true,
            bom: 0,
        },
        [b'<', 0, 0, 0, ..] => Wide::Utf32 {
            big_endian: false,
            bom: 0,
        },
        [0xFE, 0xFF, ..] => Wide::Utf16 {
            big_endian: true,
            bom: 2,
        },
        [0xFF, 0xFE, ..] => Wide::Utf16 {
            big_endian: false,
            bom: 2,
        },
        [0, b'<', ..] => Wide::Utf16 {
            big_endian: true,
            bom: 0,
        },
        [b'<', 0, ..] => Wide::Utf16 {
            big_endian: false,
            bom: 0,
        },
        _ => return None,
    };
    Some(wide)
}

/// The document as UTF-8: by BOM or UTF-16/32 pattern, else by the XML declaration, else
/// UTF-8 if it is valid, else Windows-1252 (what undeclared non-UTF-8 feeds almost always are).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match wide_encoding(bytes) {
        Some(Wide::Utf16 { big_endian, bom }) => {
            let encoding = if big_endian {
                encoding_rs::UTF_16BE
            } else {
                encoding_rs::UTF_16LE
            };
            return encoding.decode_without_bom_handling(&bytes[bom..]).0;
        }
        Some(Wide::Utf32 { big_endian, bom }) => {
            let unit = |c: &[u8]| {
                let c = [c[0], c[1], c[2], c[3]];
                if big_endian {
                    u32::from_be_bytes(c)
                } else {
                    u32::from_le_bytes(c)
                }
            };
            let chars = bytes[bom..]
                .chunks_exact(4)
                .map(|c| char::from_u32(unit(c)).unwrap_or('\u{fffd}'));
            return Cow::Owned(chars.collect());
        }
        None => {}
    }
    if let Some(text) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(text);
    }
    let declared = declared_encoding(bytes).and_then(encoding_rs::Encoding::for_label);
    match declared {
        // A declaration readable as ASCII means the document is not UTF-16, whatever it says.
        Some(encoding)
            if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE =>
        {
            String::from_utf8_lossy(bytes)
        }
        Some(encoding) if encoding != encoding_rs::UTF_8 => {
            encoding.decode_without_bom_handling(bytes).0
        }
        Some(_) => String::from_utf8_lossy(bytes),
        None => match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
            }
        },
    }
}

/// `text` with its XML declaration replaced by one that says UTF-8.
fn as_utf8_document(text: &str) -> String {
    let text = text.trim_start_matches('\u{feff}');
    let body = match text.strip_prefix("<?xml") {
        Some(decl) => decl.find("?>").map_or(text, |end| &decl[end + 2..]),
        None => text,
    };
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{body}")
}

fn declared_encoding(bytes: &[u8]) -> Option<&[u8]> {
    let head = &bytes[..bytes.len().min(512)];
    let decl_end = head.windows(2).position(|w| w == b"?>")?;
    let decl = &head[..decl_end];
    let at = decl
        .windows(8)
        .position(|w| w.eq_ignore_ascii_case(b"encoding"))?
        + 8;
    let rest = &decl[at..];
    let quote_at = rest.iter().position(|&b| b == b'"' || b == b'\'')?;
    let quote = rest[quote_at];
    let value = &rest[quote_at + 1..];
    let end = value.iter().position(|&b| b == quote)?;
    Some(&value[..end])
}

/// A forgiving reader for markup that is not well-formed XML: a tokenizer that never fails,
/// the repair pass that turns its tokens back into XML feed-rs accepts, and the scan that
/// reads items straight from the tokens.
mod soup {
    use std::borrow::Cow;

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

    fn is_name_char(c: char) -> bool {
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

    fn local(name: &str) -> &str {
        name.rsplit(':').next().unwrap_or(name)
    }

    fn is_item(name: &str) -> bool {
        let local = local(name);
        local.eq_ignore_ascii_case("item") || local.eq_ignore_ascii_case("entry")
    }

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
                        scanned.feed_root =
                            matches!(root.as_str(), "rss" | "feed" | "rdf" | "channel");
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
                        let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"))
                        {
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
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    const URL: &str = "https://feeds.example/rss.xml";

    fn parse(xml: &str) -> ParsedFeed {
        match parse_feed(xml.as_bytes(), URL) {
            Ok(feed) => feed,
            Err(error) => panic!("{error}\n{xml}"),
        }
    }

    fn rss(items: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><language>en-GB</language>{items}</channel></rss>"#
        )
    }

    #[test]
    fn reads_rss_items() {
        let feed = parse(&rss(
            "<item><title>Hello &amp; welcome</title><link>/a?utm_source=x&amp;id=1#frag</link>\
             <guid isPermaLink=\"false\">g-1</guid><pubDate>Mon, 02 Mar 2026 06:00:00 +0100</pubDate>\
             <description>&lt;p&gt;First.&lt;/p&gt;&lt;p&gt;Second.&lt;/p&gt;</description></item>",
        ));
        assert_eq!(feed.title.as_deref(), Some("T"));
        assert_eq!(feed.language.as_deref(), Some("en-gb"));
        let item = &feed.items[0];
        assert_eq!(item.key, "g-1");
        assert_eq!(item.title, "Hello & welcome");
        assert_eq!(item.summary, "First. Second.");
        assert_eq!(item.link.as_deref(), Some("https://feeds.example/a?id=1"));
        assert_eq!(
            item.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-03-02T05:00:00+00:00")
        );
        assert_eq!(item.language.as_deref(), Some("en-gb"));
    }

    #[test]
    fn keys_are_stable_without_guid_or_link() {
        let xml = rss(
            "<item><title>No id</title><description>Body one</description></item>\
                       <item><description>Only a description, long enough to make a title from it and then some more words</description></item>",
        );
        let first = parse(&xml);
        let second = parse(&xml);
        assert_eq!(first.items.len(), 2);
        assert_eq!(first, second);
        assert!(
            first.items.iter().all(|i| i.key.starts_with("h:")),
            "{:?}",
            first.items
        );
        assert_ne!(first.items[0].key, first.items[1].key);
        assert_eq!(
            first.items[1].title,
            "Only a description, long enough to make a title from it and…"
        );
        // The same holds on the tolerant paths.
        let broken = xml.replace("Body one", "Body & one");
        assert_eq!(parse(&broken).items[0].key, parse(&broken).items[0].key);
    }

    #[test]
    fn falls_back_to_link_then_guid_permalink() {
        let feed = parse(&rss(
            "<item><title>a</title><link>https://x.example/1</link></item>\
                               <item><title>b</title><guid>https://x.example/2</guid></item>\
                               <item><title>c</title><guid isPermaLink=\"false\">https://x.example/3</guid></item>",
        ));
        assert_eq!(feed.items[0].key, "https://x.example/1");
        assert_eq!(feed.items[1].link.as_deref(), Some("https://x.example/2"));
        assert_eq!(feed.items[1].key, "https://x.example/2");
        assert_eq!(feed.items[2].link, None);
        assert_eq!(feed.items[2].key, "https://x.example/3");
    }

    #[test]
    fn drops_empty_items_and_keeps_link_only_ones() {
        let feed = parse(&rss(
            "<item></item><item><title> </title></item><item><link>https://x.example/only</link></item>",
        ));
        assert_eq!(feed.items.len(), 1);
        assert_eq!(feed.items[0].title, "https://x.example/only");
    }

    #[test]
    fn bare_ampersands_and_html_entities_are_repaired() {
        let xml = rss(
            "<item><title>Fish & chips &nbsp;&mdash; AT&T</title><link>http://shop.example/a?x=1&y=2</link>\
                       <description>Salt & vinegar &copy; 2026 &bogus; &#0; 1 < 2</description></item>",
        );
        assert!(
            run_feed_rs(xml.as_bytes(), URL).is_err(),
            "feed-rs should need the fallback here"
        );
        let feed = parse(&xml);
        let item = &feed.items[0];
        assert_eq!(item.title, "Fish & chips — AT&T");
        assert_eq!(item.link.as_deref(), Some("http://shop.example/a?x=1&y=2"));
        assert_eq!(item.summary, "Salt & vinegar © 2026 &bogus; 1 < 2");
    }

    #[test]
    fn truncated_documents_keep_complete_items() {
        let xml = rss(
            "<item><title>one</title><link>https://x.example/1</link></item>\
                       <item><title>two</title><link>https://x.example/2</link></item>",
        );
        for cut in [xml.len() - 10, xml.find("two").unwrap_or(0) + 2] {
            let feed = parse(&xml[..cut]);
            assert!(!feed.items.is_empty(), "cut at {cut}");
            assert_eq!(feed.items[0].title, "one");
        }
    }

    #[test]
    fn odd_rss_versions_and_unclosed_markup_are_read() {
        let feed = parse(
            "<rss version=\"0.94\"><channel><item><title>Old</title><link>https://x.example/o</link></item></channel></rss>",
        );
        assert_eq!(feed.items.len(), 1);
        let feed = parse(
            "<rss><channel><item><title>x</title><description><p>unclosed <b>tags</description></item></channel></rss>",
        );
        assert_eq!(feed.items.len(), 1);
        assert_eq!(feed.items[0].title, "x");
    }

    #[test]
    fn atom_text_types_feed_rs_rejects_are_mended_not_fatal() {
        let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom">
            <entry><id>1</id><title type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml">X &amp; <b>Y</b></div></title></entry>
            <entry><id>2</id><title>Two</title><summary type="application/octet-stream">RXhhbXBsZQ==</summary><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry>
            <entry><id>3</id><title type="">Three</title><summary mode="base64" type="text/html">PGI+PC9iPg==</summary><link href="/3"/></entry>
            <entry><id>4</id><title type="text/plain">Four</title></entry>
        </feed>"#;
        assert!(run_feed_rs(xml.as_bytes(), URL).is_err());
        let feed = parse(xml);
        let titles: Vec<&str> = feed.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["X & Y", "Two", "https://feeds.example/3", "Four"]);
        assert_eq!(feed.items[1].summary, "Body");
        assert_eq!(feed.items[2].summary, "");
        // The scan applies the same rule.
        let scanned = from_scan(soup::extract(xml), URL);
        assert_eq!(scanned.items[1].summary, "Body");
        assert_eq!(scanned.items[2].summary, "");
    }

    #[test]
    fn the_scan_finds_items_feed_rs_does_not_see() {
        let xml = "<rss version=\"2.0\"><channel><wrapper><item><title>Hidden</title><link>https://x.example/h</link></item></wrapper></channel></rss>";
        let feed = parse(xml);
        assert_eq!(feed.items.len(), 1);
        assert_eq!(feed.items[0].link.as_deref(), Some("https://x.example/h"));
        let soup = "junk<rss><channel><title>Soup</title><item><title>A <b>bold</b> move</title><link>https://x.example/a</link>\
                    <description><![CDATA[<p>Para</p>]]> &amp; more</description><pubDate>2026-03-02T06:00:00Z</pubDate></item>\
                    <item><title>B</title></channel></rss>";
        let scanned = from_scan(soup::extract(soup), URL);
        assert_eq!(scanned.title.as_deref(), Some("Soup"));
        assert_eq!(scanned.items.len(), 2);
        assert_eq!(scanned.items[0].title, "A bold move");
        assert_eq!(scanned.items[0].summary, "Para & more");
        assert!(scanned.items[0].published.is_some());
    }

    #[test]
    fn atom_links_resolve_against_xml_base() {
        let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://site.example/blog/" xml:lang="fr">
            <title type="html">&lt;b&gt;Blog&lt;/b&gt;</title>
            <entry><id>tag:1</id><title>Un</title><link rel="self" href="self.xml"/><link href="posts/1"/></entry>
            <entry xml:base="/other/" xml:lang="de"><id>tag:2</id><title>Zwei</title><link rel="alternate" type="text/html" href="2"/><updated>2026-03-01T00:00:00Z</updated></entry>
        </feed>"#;
        let feed = parse(xml);
        assert_eq!(feed.title.as_deref(), Some("Blog"));
        assert_eq!(
            feed.items[0].link.as_deref(),
            Some("https://site.example/blog/posts/1")
        );
        assert_eq!(feed.items[0].language.as_deref(), Some("fr"));
        assert_eq!(
            feed.items[1].link.as_deref(),
            Some("https://site.example/other/2")
        );
        assert_eq!(feed.items[1].language.as_deref(), Some("de"));
        assert!(feed.items[1].published.is_some());
    }

    #[test]
    fn json_feed_is_read() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","language":"en","items":[
            {"id":"1","url":"/p/1?fbclid=x","title":"One","content_html":"<p>Body<script>x()</script></p>","date_published":"2026-03-02T06:00:00Z"},
            {"id":"2","content_text":"Just text here"}]}"#;
        let feed = parse_feed(json.as_bytes(), URL).expect("valid JSON Feed");
        assert_eq!(feed.items.len(), 2);
        assert_eq!(
            feed.items[0].link.as_deref(),
            Some("https://feeds.example/p/1")
        );
        assert_eq!(feed.items[0].summary, "Body");
        assert_eq!(feed.items[1].title, "Just text here");
        // No feed title and a numeric id: feed-rs gives up, the lenient reader does not.
        let json = r#"{"version":"https://jsonfeed.org/version/1","items":[{"id":42,"url":"https://x.example/42","title":"Num"}]}"#;
        let feed = parse_feed(json.as_bytes(), URL).expect("lenient JSON Feed");
        assert_eq!(feed.items[0].key, "42");
        assert_eq!(feed.items[0].link.as_deref(), Some("https://x.example/42"));
    }

    #[test]
    fn errors_say_what_was_tried() {
        let message = |bytes: &[u8]| parse_feed(bytes, URL).map(|_| ()).unwrap_err().to_string();
        assert_eq!(message(b"  \n"), "not a feed: the document is empty");
        assert!(message(b"hello world").contains("neither `<` (XML) nor `{` (JSON)"));
        assert!(
            message(b"<!DOCTYPE html><html><body><p>hi</body></html>").contains("<html>"),
            "{}",
            message(b"<html></html>")
        );
        assert!(message(b"{\"version\": 3}").starts_with("not a JSON Feed: no \"version\""));
        assert!(
            message(b"{\"version\": \"https://jsonfeed.org/version/1\"}")
                .contains("no \"items\" array")
        );
        assert!(message(b"{\"version\": ").starts_with("not a JSON Feed: invalid JSON: "));
        assert_eq!(
            message(b"<!-- only a comment -->"),
            "not a feed: the document has no root element"
        );
        let unclosed = message(b"<?xml version=\"1.0\"?>\n<!-- never closed");
        assert!(
            unclosed.starts_with("not a feed: XML error at byte "),
            "{unclosed}"
        );
        let too_big = vec![b' '; MAX_FEED_BYTES + 1];
        assert!(matches!(
            parse_feed(&too_big, URL),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn caps_items_per_feed() {
        let items: String = (0..MAX_ITEMS + 10)
            .map(|i| format!("<item><guid>{i}</guid><title>t{i}</title></item>"))
            .collect();
        assert_eq!(parse(&rss(&items)).items.len(), MAX_ITEMS);
        let broken = rss(&items).replace("<title>t1</title>", "<title>t & 1</title>");
        assert_eq!(parse(&broken).items.len(), MAX_ITEMS);
    }

    #[test]
    fn latin1_declared_feed_is_decoded_after_repair() {
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><item><title>Caf".to_vec();
        bytes.extend([0xE9]);
        bytes.extend(b" & bar</title></item></channel></rss>");
        let feed = parse_feed(&bytes, URL).expect("repairable");
        assert_eq!(feed.items[0].title, "Café & bar");
    }

    #[test]
    fn utf16_and_utf32_are_detected_with_or_without_bom() {
        let xml = rss("<item><title>Ünïcødé ✓</title><link>https://x.example/u</link></item>")
            .replace(
                "<?xml version=\"1.0\"?>",
                "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
            );
        let utf16 = |be: bool| -> Vec<u8> {
            xml.encode_utf16()
                .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
                .collect()
        };
        let utf32 = |be: bool| -> Vec<u8> {
            xml.chars()
                .flat_map(|c| {
                    if be {
                        (c as u32).to_be_bytes()
                    } else {
                        (c as u32).to_le_bytes()
                    }
                })
                .collect()
        };
        let with_bom = |bom: &[u8], body: Vec<u8>| [bom.to_vec(), body].concat();
        for (name, bytes) in [
            ("utf-16be", utf16(true)),
            ("utf-16le", utf16(false)),
            ("utf-16le bom", with_bom(&[0xFF, 0xFE], utf16(false))),
            ("utf-32be", utf32(true)),
            ("utf-32le bom", with_bom(&[0xFF, 0xFE, 0, 0], utf32(false))),
        ] {
            let feed = parse_feed(&bytes, URL).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(feed.items[0].title, "Ünïcødé ✓", "{name}");
        }
    }

    #[test]
    fn never_panics_on_mangled_feeds() {
        let Ok(seed) = std::fs::read(manifest().join("config/demo/circuit-ledger.xml")) else {
            return;
        };
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..200 {
            let mut bytes = seed.clone();
            for _ in 0..(round % 16 + 1) {
                let at = (next() as usize) % bytes.len();
                let junk = b"<>&;/\"'!?[]-x\0\xff";
                bytes[at] = junk[(next() as usize) % junk.len()];
            }
            let cut = (next() as usize) % (bytes.len() + 1);
            let _ = parse_feed(&bytes[..cut], URL);
            let _ = parse_feed(&bytes, URL);
        }
        let started = std::time::Instant::now();
        let in_item = |inner: String| {
            rss(&format!(
                "<item><title>t</title><description>{inner}</description></item>"
            ))
        };
        for hostile in [
            "<".repeat(100_000),
            "<a ".repeat(30_000),
            "<a \"".repeat(30_000),
            "&".repeat(100_000),
            "<item>".repeat(20_000),
            "<![CDATA[".repeat(10_000),
            "<!x>".repeat(100_000),
            "<!DOCTYPE [".repeat(10_000),
            rss(&"<x>".repeat(100_000)),
            in_item("<b>".repeat(100_000)),
            in_item("<div>".repeat(100_000) + &"</div>".repeat(100_000)),
            in_item("&lt;div&gt;".repeat(50_000)),
            format!(
                "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><content type=\"xhtml\">{}</content></entry></feed>",
                "<div>".repeat(50_000)
            ),
        ] {
            let _ = parse_feed(hostile.as_bytes(), URL);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{:?}",
            started.elapsed()
        );
    }

    fn manifest() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// Items in a fixture, counted without any feed parser.
    fn expected_items(path: &Path, bytes: &[u8]) -> Option<usize> {
        let text = String::from_utf8_lossy(bytes);
        match path.extension()?.to_str()? {
            "json" => {
                let value: serde_json::Value = serde_json::from_str(&text).ok()?;
                value
                    .get("version")?
                    .as_str()?
                    .contains("jsonfeed.org")
                    .then_some(())?;
                Some(value.get("items")?.as_array()?.len())
            }
            "xml" | "atom" | "rdf" | "rss" => {
                let count = |tag: &str| {
                    text.matches(&format!("<{tag}>")).count()
                        + text.matches(&format!("<{tag} ")).count()
                };
                Some(count("item") + count("entry"))
            }
            _ => None,
        }
    }

    #[test]
    fn shipped_feeds_parse_with_every_item() {
        let mut checked = 0;
        for dir in ["tests/fixtures/eval", "config/demo"] {
            let Ok(entries) = std::fs::read_dir(manifest().join(dir)) else {
                continue;
            };
            let mut paths: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths {
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let Some(expected) = expected_items(&path, &bytes) else {
                    continue;
                };
                let feed = parse_feed(&bytes, "https://fixtures.example/feed")
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(feed.items.len(), expected, "{}", path.display());
                assert!(feed.title.is_some(), "{}", path.display());
                for item in &feed.items {
                    assert!(
                        !item.title.is_empty() && !item.summary.is_empty(),
                        "{}: {item:?}",
                        path.display()
                    );
                    assert!(
                        item.link
                            .as_deref()
                            .is_some_and(|l| l.starts_with("https://")),
                        "{}: {item:?}",
                        path.display()
                    );
                    assert!(item.published.is_some(), "{}: {item:?}", path.display());
                }
                checked += 1;
            }
        }
        assert!(checked >= 10, "only {checked} fixture feeds found");
    }

    #[test]
    fn demo_feed_details_survive() {
        let read = |name: &str| std::fs::read(manifest().join("config/demo").join(name)).ok();
        if let Some(bytes) = read("asia-tech-bulletin.xml") {
            let feed = parse_feed(&bytes, URL).expect("demo feed");
            let zh = feed
                .items
                .iter()
                .filter(|i| i.language.as_deref() == Some("zh-cn"))
                .count();
            assert_eq!(zh, 4);
            assert!(
                feed.items
                    .iter()
                    .all(|i| !i.link.as_deref().unwrap_or("").contains("utm_"))
            );
        }
        if let Some(bytes) = read("frontier-ai-wire.atom") {
            let feed = parse_feed(&bytes, URL).expect("demo feed");
            assert!(
                feed.items.iter().all(|i| i
                    .link
                    .as_deref()
                    .is_some_and(|l| l.starts_with("https://frontieraiwire.example/news/"))),
                "{:?}",
                feed.items
            );
        }
        if let Some(bytes) = read("silicon-dispatch.xml") {
            let feed = parse_feed(&bytes, URL).expect("demo feed");
            for item in &feed.items {
                assert!(
                    !item.summary.contains("script") && !item.summary.contains("onerror"),
                    "{item:?}"
                );
            }
        }
        if let Some(bytes) = read("circuit-ledger.xml") {
            let feed = parse_feed(&bytes, URL).expect("demo feed");
            assert!(feed.items.iter().all(|i| {
                i.link
                    .as_deref()
                    .is_some_and(|l| !l.contains('#') && !l.contains("utm_"))
            }));
        }
    }
}
