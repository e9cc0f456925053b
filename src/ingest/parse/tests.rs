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
    let json_items: Vec<String> = (0..MAX_ITEMS + 10)
        .map(|i| format!(r#"{{"id":"{i}","title":"t{i}"}}"#))
        .collect();
    let json = format!(
        r#"{{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{}]}}"#,
        json_items.join(",")
    );
    let feed = parse(&json);
    assert_eq!(feed.title.as_deref(), Some("J"));
    assert_eq!(feed.items.len(), MAX_ITEMS);
    assert_eq!(feed.items[MAX_ITEMS - 1].key, (MAX_ITEMS - 1).to_string());
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
    let xml = rss("<item><title>Ünïcødé ✓</title><link>https://x.example/u</link></item>").replace(
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
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
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

/// RSS 1.0 as Movable Type and many newsletters write it: W3C-DTF dates without seconds and
/// links relative to the channel's own `<link>`, fetched from another host.
#[test]
fn rdf_dates_without_seconds_and_links_relative_to_the_channel() {
    let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://digest.example/">
    <title>Digest</title><link>https://digest.example/policy/</link><description>d</description>
  </channel>
  <item rdf:about="https://digest.example/?p=1">
    <title>One</title><link>/2026/02/28/one</link>
    <dc:date>2026-02-28T11:00+01:00</dc:date>
  </item>
  <item rdf:about="https://digest.example/?p=2">
    <title>Two</title><link>2026/02/28/two</link>
    <dc:date>2026-02-28T12:30:15Z</dc:date>
  </item>
</rdf:RDF>"#;
    let feed = parse_feed(xml.as_bytes(), "https://feeds.other.example/rdf").expect("rdf");
    let links: Vec<_> = feed
        .items
        .iter()
        .map(|i| i.link.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        links,
        [
            "https://digest.example/2026/02/28/one",
            "https://digest.example/policy/2026/02/28/two"
        ]
    );
    let dates: Vec<_> = feed
        .items
        .iter()
        .map(|i| i.published.map(|d| d.to_rfc3339()).unwrap_or_default())
        .collect();
    assert_eq!(
        dates,
        ["2026-02-28T10:00:00+00:00", "2026-02-28T12:30:15+00:00"]
    );
}

/// A feed read from a file has no http base: relative links still resolve, against the
/// feed's own link.
#[test]
fn relative_links_resolve_without_an_http_fetch_url() {
    let xml = rss("<item><title>A</title><link>/a/1</link></item>").replace(
        "<title>T</title>",
        "<title>T</title><link>https://site.example/news/</link>",
    );
    let feed = parse_feed(xml.as_bytes(), "file:///srv/feeds/site.xml").expect("rss");
    assert_eq!(
        feed.items[0].link.as_deref(),
        Some("https://site.example/a/1")
    );
}

/// Atom's `xml:base`, nested and relative, wins over the feed's link.
#[test]
fn atom_xml_base_nests_before_the_feed_link() {
    let xml = r#"<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/p/">
  <title>B</title><link rel="alternate" href="https://elsewhere.example/"/>
  <entry><id>1</id><title>One</title><link href="one"/><updated>2026-03-01T00:00:00Z</updated></entry>
  <entry xml:base="../notes/"><id>2</id><title>Two</title><link href="two"/><updated>2026-03-01T00:00:00Z</updated></entry>
</feed>"#;
    let feed = parse_feed(xml.as_bytes(), "https://feeds.example/atom").expect("atom");
    let links: Vec<_> = feed
        .items
        .iter()
        .map(|i| i.link.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        links,
        [
            "https://blog.example/p/one",
            "https://blog.example/notes/two"
        ]
    );
}

/// Chinese feeds in GBK or Big5, declared or not, read as the text they are.
#[test]
fn legacy_chinese_encodings_are_detected() {
    let simplified = (
        "英伟达发布新一代人工智能芯片，性能大幅提升",
        "据报道，该公司周一发布了新一代数据中心处理器，面向大模型训练与推理。",
    );
    let traditional = (
        "輝達發布新一代人工智慧晶片，效能大幅提升",
        "據報導，該公司週一發布了新一代資料中心處理器，面向大型模型訓練與推論。",
    );
    for (encoding, (title, summary), declared) in [
        (encoding_rs::GBK, simplified, None),
        (encoding_rs::GBK, simplified, Some("GBK")),
        (encoding_rs::BIG5, traditional, None),
        (encoding_rs::BIG5, traditional, Some("Big5")),
    ] {
        let declaration = declared
            .map(|name| format!("<?xml version=\"1.0\" encoding=\"{name}\"?>"))
            .unwrap_or_else(|| "<?xml version=\"1.0\"?>".to_string());
        let document = format!(
            "{declaration}<rss version=\"2.0\"><channel><title>{title}</title>\
             <item><title>{title}</title><link>https://x.example/1</link>\
             <description>{summary}</description></item></channel></rss>"
        );
        let (bytes, _, unmappable) = encoding.encode(&document);
        assert!(!unmappable, "{}", encoding.name());
        let feed = parse_feed(&bytes, URL).expect("feed");
        assert_eq!(
            feed.items[0].title,
            title,
            "{} declared {declared:?}",
            encoding.name()
        );
        assert_eq!(feed.items[0].summary, summary);
    }
}

/// Hostile feeds under ceilings on time and memory (with a counting allocator).
mod bounds;
