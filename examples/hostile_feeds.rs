//! Times `parse_feed` on the hostile feeds of issue 12 (rows 3–5), for measuring peak memory
//! with `/usr/bin/time -v`:
//!
//! ```text
//! cargo build --example hostile_feeds
//! /usr/bin/time -v target/debug/examples/hostile_feeds base 2000000
//! ```
//!
//! Kinds: `base` (nested relative `xml:base`), `mismatch` (mismatched end tags under deep
//! nesting), `soup` (the same after an early mismatched end tag), `items` (empty `<item></item>`).

use std::time::Instant;

use briefbot::ingest::parse::parse_feed;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(kind), Some(size)) = (args.get(1), args.get(2).and_then(|s| s.parse().ok())) else {
        eprintln!(
            "usage: hostile_feeds base|mismatch|soup|items|brokenitems|json|longbase|widebase|scanbase|realistic BYTES"
        );
        std::process::exit(2);
    };
    let feed = match kind.as_str() {
        "base" => nested_base(size),
        "mismatch" => mismatched(size),
        "soup" => soup_mismatched(size),
        "longbase" => long_bases(size),
        "widebase" => wide_base(size),
        "scanbase" => scan_base(size),
        "brokenitems" => empty_items(size).replacen("<title>t</title>", "<title>t & u</title>", 1),
        "json" => empty_json_items(size),
        "realistic" => realistic(size),
        "items" => empty_items(size),
        _ => {
            eprintln!("unknown kind {kind}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let parsed = parse_feed(feed.as_bytes(), "https://feeds.example/feed.xml");
    let elapsed = started.elapsed();
    let outcome = match parsed {
        Ok(feed) => format!("{} items", feed.items.len()),
        Err(error) => error.to_string(),
    };
    println!(
        "{kind} {} bytes: {outcome} in {:.3} s",
        feed.len(),
        elapsed.as_secs_f64()
    );
}

fn nested_base(size: usize) -> String {
    let head = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://feeds.example/"><title>t</title><entry><title>e</title><link href="a"/></entry>"#;
    let open = r#"<x xml:base="d/">"#;
    let depth = size.saturating_sub(head.len()) / (open.len() + 4);
    let mut xml = String::with_capacity(size + 16);
    xml.push_str(head);
    xml.push_str(&open.repeat(depth));
    xml.push_str(&"</x>".repeat(depth));
    xml.push_str("</feed>");
    xml
}

fn mismatched(size: usize) -> String {
    let head = "<rss version=\"2.0\"><channel><title>t</title><item><title>i</title>";
    let depth = size.saturating_sub(head.len()) / 7;
    let mut xml = String::with_capacity(size + 32);
    xml.push_str(head);
    xml.push_str(&"<b>".repeat(depth));
    xml.push_str(&"</i>".repeat(depth));
    xml.push_str("</item></channel></rss>");
    xml
}

/// As `mismatched`, after an early mismatched end tag, so that no XML reader gets as far as
/// the deep part and only the repair sees it.
fn soup_mismatched(size: usize) -> String {
    mismatched(size).replacen("<title>i</title>", "<title>i</title></x>", 1)
}

fn empty_items(size: usize) -> String {
    let head = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>";
    let mut xml = String::with_capacity(size + 32);
    xml.push_str(head);
    xml.push_str(&"<item></item>".repeat(size.saturating_sub(head.len()) / 13));
    xml.push_str("</channel></rss>");
    xml
}

fn long_bases(size: usize) -> String {
    let head = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://feeds.example/"><title>t</title><entry><title>e</title><link href="a"/></entry>"#;
    let depth = 200;
    let segment = "d".repeat(size.saturating_sub(head.len()) / depth);
    let mut xml = String::with_capacity(size + 16);
    xml.push_str(head);
    for _ in 0..depth {
        xml.push_str(&format!(r#"<x xml:base="{segment}/">"#));
    }
    xml.push_str(&"</x>".repeat(depth));
    xml.push_str("</feed>");
    xml
}

fn wide_base(size: usize) -> String {
    let path = "d".repeat(size / 2);
    let mut xml = format!(
        r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://feeds.example/{path}/"><title>t</title><entry><title>e</title><link href="a"/></entry>"#
    );
    xml.push_str(&"<x/>".repeat(size.saturating_sub(xml.len()) / 4));
    xml.push_str("</feed>");
    xml
}

fn scan_base(size: usize) -> String {
    let path = "d".repeat(size / 2);
    let mut xml = format!(
        r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/" xml:base="https://feeds.example/{path}/"><channel><title>t</title></channel>"#
    );
    for i in 0..5_000 {
        xml.push_str(&format!(
            "<item><title>i{i}</title><link>a{i}</link></item>"
        ));
    }
    xml.push_str("</rdf:RDF>");
    xml
}

fn empty_json_items(size: usize) -> String {
    let head = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{}"#;
    let mut json = String::with_capacity(size + 8);
    json.push_str(head);
    json.push_str(&",{}".repeat(size.saturating_sub(head.len()) / 3));
    json.push_str("]}");
    json
}

fn realistic(size: usize) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Wire</title><link>https://feeds.example/</link>"#,
    );
    let mut i = 0;
    while xml.len() < size {
        xml.push_str(&format!(
            r#"<item><title>Chipmaker {i} raises guidance &amp; expands capacity</title><link>https://feeds.example/news/{i}?utm_source=rss&amp;id={i}</link><guid isPermaLink="false">g-{i}</guid><pubDate>Mon, 02 Mar 2026 06:00:00 +0000</pubDate><description>&lt;p&gt;Demand for accelerators remained strong, lifting the outlook for item {i}.&lt;/p&gt;</description><content:encoded><![CDATA[<p>Demand for accelerators &amp; memory remained strong.</p><ul><li>Capacity up 30%</li></ul>]]></content:encoded></item>"#
        ));
        i += 1;
    }
    xml.push_str("</channel></rss>");
    xml
}
