//! The archive as feeds: Atom 1.0, RSS 2.0 and JSON Feed 1.1, one entry per kept brief, so any
//! feed reader (or Slack's RSS app, or an email digest) can follow a topic.
//!
//! Pure. An entry's id is its permalink when `[http] public_url` is set (then every link is
//! absolute), else a `tag:` URI made from the brief's id; either way it never changes. The
//! content is the brief's HTML (`article::body`) carried as escaped text, so nothing in it,
//! `]]>` included, can end an element early; characters XML 1.0 forbids are dropped.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use super::article;
use super::{Site, SiteTopic};
use crate::archive::{page_path, permalink};
use crate::render::{clean_inline, overview};
use crate::storage::ArchivedBrief;

/// The three formats a topic's briefs are served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Atom,
    Rss,
    Json,
}

impl FeedFormat {
    pub const ALL: [FeedFormat; 3] = [FeedFormat::Atom, FeedFormat::Rss, FeedFormat::Json];

    /// The file extension in `/feeds/{topic}.{extension}`.
    pub fn extension(self) -> &'static str {
        match self {
            FeedFormat::Atom => "atom",
            FeedFormat::Rss => "rss",
            FeedFormat::Json => "json",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == extension)
    }

    /// What a reader calls it.
    pub fn name(self) -> &'static str {
        match self {
            FeedFormat::Atom => "Atom",
            FeedFormat::Rss => "RSS",
            FeedFormat::Json => "JSON Feed",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            FeedFormat::Atom => "application/atom+xml",
            FeedFormat::Rss => "application/rss+xml",
            FeedFormat::Json => "application/feed+json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FeedFormat::Atom => "application/atom+xml; charset=utf-8",
            FeedFormat::Rss => "application/rss+xml; charset=utf-8",
            FeedFormat::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// What every format says about the feed and each entry.
struct Feed<'a> {
    title: String,
    /// The feed's own address and the page it mirrors.
    self_url: String,
    page_url: String,
    /// Stable id of the feed as a whole.
    id: String,
    updated: DateTime<Utc>,
    entries: Vec<Entry<'a>>,
}

struct Entry<'a> {
    id: String,
    url: String,
    title: String,
    summary: String,
    content: String,
    archived: &'a ArchivedBrief,
}

/// The feed of `topic`'s briefs (`None`: the full brief's), newest first.
pub fn render(
    site: &Site,
    topic: Option<&SiteTopic>,
    format: FeedFormat,
    briefs: &[ArchivedBrief],
) -> String {
    let feed = feed(site, topic, format, briefs);
    match format {
        FeedFormat::Atom => atom(&feed),
        FeedFormat::Rss => rss(&feed),
        FeedFormat::Json => json_feed(&feed),
    }
}

fn feed<'a>(
    site: &Site,
    topic: Option<&SiteTopic>,
    format: FeedFormat,
    briefs: &'a [ArchivedBrief],
) -> Feed<'a> {
    let name = topic.map_or("all", |t| t.id.as_str());
    let entries = briefs
        .iter()
        .map(|archived| Entry {
            id: entry_id(site, archived),
            url: site.href(&page_path(archived.id)),
            title: entry_title(archived),
            summary: clean_inline(&overview(&archived.brief)),
            content: article::body(&archived.brief, 2),
            archived,
        })
        .collect();
    Feed {
        title: topic.map_or(site.title.clone(), |t| {
            format!("{} — {}", site.title, t.title)
        }),
        self_url: site.href(&format!("feeds/{name}.{}", format.extension())),
        page_url: site.href(&topic.map_or(String::new(), |t| format!("topics/{}", t.id))),
        id: match &site.public_url {
            Some(_) => site.href(&format!("feeds/{name}")),
            None => format!("tag:briefbot,2026:feeds/{name}"),
        },
        updated: briefs
            .iter()
            .map(|b| b.brief.as_of)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH),
        entries,
    }
}

fn entry_id(site: &Site, archived: &ArchivedBrief) -> String {
    match site
        .public_url
        .as_ref()
        .and_then(|base| permalink(base, archived.id))
    {
        Some(url) => url.into(),
        None => format!("tag:briefbot,2026:briefs/{}", archived.id),
    }
}

/// "AI Morning Brief — Chips, 2 March 2026 07:00 UTC".
fn entry_title(archived: &ArchivedBrief) -> String {
    format!(
        "{}, {}",
        clean_inline(&article::title(&archived.brief)),
        archived.brief.as_of.format("%-d %B %Y %H:%M UTC")
    )
}

fn atom(feed: &Feed) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let _ = writeln!(out, "<title>{}</title>", xml(&feed.title));
    let _ = writeln!(out, "<id>{}</id>", xml(&feed.id));
    let _ = writeln!(out, "<updated>{}</updated>", rfc3339(feed.updated));
    let _ = writeln!(
        out,
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml(&feed.self_url)
    );
    let _ = writeln!(
        out,
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml(&feed.page_url)
    );
    let _ = writeln!(out, "<author><name>{}</name></author>", xml(&feed.title));
    out.push_str("<generator>briefbot</generator>\n");
    for entry in &feed.entries {
        let as_of = rfc3339(entry.archived.brief.as_of);
        out.push_str("<entry>\n");
        let _ = writeln!(out, "<title>{}</title>", xml(&entry.title));
        let _ = writeln!(out, "<id>{}</id>", xml(&entry.id));
        let _ = writeln!(out, "<published>{as_of}</published>");
        let _ = writeln!(out, "<updated>{as_of}</updated>");
        let _ = writeln!(
            out,
            "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml(&entry.url)
        );
        let _ = writeln!(out, "<summary>{}</summary>", xml(&entry.summary));
        let _ = writeln!(
            out,
            "<content type=\"html\">{}</content>",
            xml(&entry.content)
        );
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

fn rss(feed: &Feed) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n",
    );
    let _ = writeln!(out, "<title>{}</title>", xml(&feed.title));
    let _ = writeln!(out, "<link>{}</link>", xml(&feed.page_url));
    let _ = writeln!(
        out,
        "<description>Every {} brief, newest first.</description>",
        xml(&feed.title)
    );
    let _ = writeln!(
        out,
        "<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"{}\"/>",
        xml(&feed.self_url)
    );
    let _ = writeln!(
        out,
        "<lastBuildDate>{}</lastBuildDate>",
        feed.updated.to_rfc2822()
    );
    out.push_str("<generator>briefbot</generator>\n");
    for entry in &feed.entries {
        out.push_str("<item>\n");
        let _ = writeln!(out, "<title>{}</title>", xml(&entry.title));
        let _ = writeln!(out, "<link>{}</link>", xml(&entry.url));
        // A guid that is a URL must be the permalink; a tag: URI is only an id.
        let is_permalink = entry.id == entry.url;
        let _ = writeln!(
            out,
            "<guid isPermaLink=\"{is_permalink}\">{}</guid>",
            xml(&entry.id)
        );
        let _ = writeln!(
            out,
            "<pubDate>{}</pubDate>",
            entry.archived.brief.as_of.to_rfc2822()
        );
        let _ = writeln!(out, "<description>{}</description>", xml(&entry.content));
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn json_feed(feed: &Feed) -> String {
    let absolute = |url: &str| url.starts_with("http://") || url.starts_with("https://");
    let items: Vec<serde_json::Value> = feed
        .entries
        .iter()
        .map(|entry| {
            let mut item = json!({
                "id": entry.id,
                "title": entry.title,
                "summary": entry.summary,
                "content_html": entry.content,
                "date_published": rfc3339(entry.archived.brief.as_of),
            });
            if absolute(&entry.url) {
                item["url"] = json!(entry.url);
            }
            item
        })
        .collect();
    let mut document = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "description": format!("Every {} brief, newest first.", feed.title),
        "items": items,
    });
    // JSON Feed wants these as URLs; without a public address there is none to give.
    if absolute(&feed.page_url) {
        document["home_page_url"] = json!(feed.page_url);
    }
    if absolute(&feed.self_url) {
        document["feed_url"] = json!(feed.self_url);
    }
    let mut out = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|error| json!({ "error": error.to_string() }).to_string());
    out.push('\n');
    out
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Text for an XML element or a double-quoted attribute: markup characters escaped, and the
/// characters XML 1.0 has no place for (controls other than tab and newlines, U+FFFE, U+FFFF)
/// dropped, since a single one makes a strict reader reject the whole feed.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_escapes_markup_and_drops_what_xml_forbids() {
        assert_eq!(
            xml("a]]>b <p class=\"x\">&amp;'"),
            "a]]&gt;b &lt;p class=&quot;x&quot;&gt;&amp;amp;&apos;"
        );
        assert_eq!(xml("ok\u{0}\u{1b}\u{FFFE}\u{FFFF}\t\n!"), "ok\t\n!");
        assert_eq!(xml("中文 ✓ \u{10000}"), "中文 ✓ \u{10000}");
    }

    #[test]
    fn extensions_name_the_formats() {
        for format in FeedFormat::ALL {
            assert_eq!(FeedFormat::from_extension(format.extension()), Some(format));
            assert!(format.content_type().starts_with(format.media_type()));
        }
        assert_eq!(FeedFormat::from_extension("xml"), None);
    }
}
