//! JSON Feed 1.x: through feed-rs, else read field by field from the JSON value.

use std::fmt;

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::{
    MAX_ITEMS, ParseError, ParsedFeed, RawItem, build_item, from_feed_rs, normalise_language,
    parse_date, run_feed_rs,
};

pub(super) fn parse_json(bytes: &[u8], feed_url: &str) -> Result<ParsedFeed, ParseError> {
    let capped = capped(bytes);
    let bytes = capped.as_deref().unwrap_or(bytes);
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
    ParsedFeed::with_raw_title(text(feed, "title"), feed_language, items)
}

/// The feed with only its first [`MAX_ITEMS`] items, if it has more; `None` if not (or if it is
/// no JSON object with an `items` array, which the readers report). feed-rs builds every item
/// before the cap applies: 10 MB of `{}` items held 3.5 GB. The count streams past the
/// items without keeping them.
fn capped(bytes: &[u8]) -> Option<Vec<u8>> {
    let counted: ItemCount = serde_json::from_slice(bytes).ok()?;
    if counted.items <= MAX_ITEMS {
        return None;
    }
    let feed: CappedFeed = serde_json::from_slice(bytes).ok()?;
    serde_json::to_vec(&feed).ok()
}

#[derive(Deserialize)]
struct ItemCount {
    #[serde(default, deserialize_with = "count_items")]
    items: usize,
}

#[derive(Serialize, Deserialize)]
struct CappedFeed {
    #[serde(deserialize_with = "first_items")]
    items: Vec<serde_json::Value>,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

fn count_items<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    deserializer
        .deserialize_seq(Items { keep: 0 })
        .map(|(count, _)| count)
}

fn first_items<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<serde_json::Value>, D::Error> {
    deserializer
        .deserialize_seq(Items { keep: MAX_ITEMS })
        .map(|(_, kept)| kept)
}

/// Reads an array, keeping its first `keep` elements and counting all of them.
struct Items {
    keep: usize,
}

impl<'de> Visitor<'de> for Items {
    type Value = (usize, Vec<serde_json::Value>);

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an array of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self::Value, A::Error> {
        let mut kept = Vec::new();
        let mut count = 0;
        while count < self.keep {
            match items.next_element::<serde_json::Value>()? {
                Some(item) => kept.push(item),
                None => return Ok((count, kept)),
            }
            count += 1;
        }
        while items.next_element::<IgnoredAny>()?.is_some() {
            count += 1;
        }
        Ok((count, kept))
    }
}
