//! The brief feeds read back as readers read them: by feed-rs, and by Python's feedparser
//! (the parser behind many readers and Slack-style integrations) when it is installed.

use std::time::Duration;

use serde_json::Value;

use super::get;
use super::pages::filled_store;

/// Parses a feed file with feedparser; `None` (said out loud) when python3 or feedparser is
/// missing here.
async fn feedparser(path: &std::path::Path) -> Option<Value> {
    const SCRIPT: &str = r#"
import json, sys
import feedparser
d = feedparser.parse(sys.argv[1])
print(json.dumps({
    "bozo": int(d.bozo),
    "error": str(d.get("bozo_exception", "")),
    "version": d.version,
    "title": d.feed.get("title"),
    "entries": [{
        "title": e.get("title"),
        "link": e.get("link"),
        "id": e.get("id"),
        "html": (e.get("content") or [{}])[0].get("value") or e.get("summary"),
    } for e in d.entries],
}))
"#;
    let run = tokio::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(path)
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(Duration::from_secs(60), run).await {
        Ok(Ok(output)) => output,
        Ok(Err(error)) => {
            eprintln!("skipped the feedparser check: cannot run python3 ({error})");
            return None;
        }
        Err(_) => panic!("feedparser took over a minute on {}", path.display()),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("No module named 'feedparser'") {
            eprintln!(
                "skipped the feedparser check: python3 has no feedparser (pip install feedparser)"
            );
            return None;
        }
        panic!("feedparser failed on {}: {stderr}", path.display());
    }
    Some(serde_json::from_slice(&output.stdout).expect("feedparser's JSON"))
}

#[tokio::test]
async fn feeds_parse_in_feed_rs_and_feedparser_with_stable_ids_and_text_as_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, older, hostile) = filled_store(&dir).await;
    let (base, _stop) = super::serve(store.clone(), |base| Some(base.to_string())).await;
    let permalink = |id: i64| format!("{base}briefs/{id}");
    let mut ids_by_format = Vec::new();
    for (extension, content_type) in [
        ("atom", "application/atom+xml; charset=utf-8"),
        ("rss", "application/rss+xml; charset=utf-8"),
        ("json", "application/feed+json; charset=utf-8"),
    ] {
        let url = format!("{base}feeds/all.{extension}");
        let (status, served_as, body, headers) = get(&url).await;
        assert_eq!(
            (status, served_as.as_str()),
            (200, content_type),
            "{extension}"
        );
        assert!(headers.contains_key("content-security-policy"));
        let feed = feed_rs::parser::parse(body.as_bytes())
            .unwrap_or_else(|e| panic!("{extension} does not parse: {e}\n{body}"));
        assert_eq!(
            feed.title.map(|t| t.content).as_deref(),
            Some("AI Morning Brief"),
            "{extension}"
        );
        assert_eq!(feed.entries.len(), 2, "{extension}");
        let newest = &feed.entries[0];
        assert_eq!(
            newest.title.as_ref().map(|t| t.content.as_str()),
            Some("AI Morning Brief, 2 March 2026 07:00 UTC"),
            "{extension}"
        );
        assert_eq!(newest.id, permalink(hostile), "{extension}");
        assert_eq!(feed.entries[1].id, permalink(older), "{extension}");
        assert_eq!(
            newest.links.first().map(|l| l.href.as_str()),
            Some(permalink(hostile).as_str()),
            "{extension}"
        );
        // RSS carries the HTML as the description, the others as content.
        let html = newest
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .or_else(|| newest.summary.as_ref().map(|s| s.content.clone()))
            .unwrap_or_default();
        assert!(
            html.contains(
                "<h3>&lt;script&gt;alert(1)&lt;/script&gt; Nvidia ships B300 @everyone</h3>"
            ),
            "{extension}: {html}"
        );
        assert!(
            html.contains("Costs ]]&gt; less &amp;amp; more"),
            "{extension}: {html}"
        );
        assert!(
            !html.contains("<script") && !html.contains("javascript:"),
            "{extension}"
        );
        ids_by_format.push(
            feed.entries
                .iter()
                .map(|e| e.id.clone())
                .collect::<Vec<_>>(),
        );

        let (_, _, again, _) = get(&url).await;
        assert_eq!(again, body, "{extension}: the same archive, the same feed");

        if extension == "json" {
            let json: Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
            assert_eq!(json["feed_url"], format!("{base}feeds/all.json"));
            assert_eq!(json["home_page_url"], base);
            assert_eq!(json["items"][0]["url"], permalink(hostile));
            assert_eq!(json["items"][0]["date_published"], "2026-03-02T07:00:00Z");
            continue;
        }
        let file = dir.path().join(format!("all.{extension}"));
        std::fs::write(&file, &body).expect("write feed");
        let Some(parsed) = feedparser(&file).await else {
            continue;
        };
        assert_eq!(parsed["bozo"], 0, "{extension}: {}", parsed["error"]);
        let version = if extension == "atom" {
            "atom10"
        } else {
            "rss20"
        };
        assert_eq!(parsed["version"], version);
        assert_eq!(parsed["title"], "AI Morning Brief");
        let entries = parsed["entries"].as_array().cloned().unwrap_or_default();
        let links: Vec<&str> = entries.iter().filter_map(|e| e["link"].as_str()).collect();
        assert_eq!(links, [permalink(hostile), permalink(older)], "{extension}");
        assert_eq!(
            entries[0]["title"],
            "AI Morning Brief, 2 March 2026 07:00 UTC"
        );
        let html = entries[0]["html"].as_str().unwrap_or("");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Nvidia ships B300"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{extension}: {html}");
    }
    assert!(
        ids_by_format.windows(2).all(|pair| pair[0] == pair[1]),
        "one id per brief in every format: {ids_by_format:?}"
    );

    let (status, _, chips, _) = get(&format!("{base}feeds/chips.atom")).await;
    assert_eq!(status, 200);
    let chips = feed_rs::parser::parse(chips.as_bytes()).expect("chips feed");
    assert_eq!(chips.entries.len(), 25);
    assert_eq!(
        chips.title.map(|t| t.content).as_deref(),
        Some("AI Morning Brief — Chips & Hardware")
    );
    // A long history: the newest 50 only.
    for day in 1..=30 {
        let chips = super::brief(
            Some("chips"),
            &format!("2026-01-{day:02}T07:00:00Z"),
            &["Older chips"],
        );
        store
            .archive_brief(&format!("january:{day}"), &chips, day)
            .await
            .expect("archive");
    }
    let (_, _, chips, _) = get(&format!("{base}feeds/chips.rss")).await;
    let chips = feed_rs::parser::parse(chips.as_bytes()).expect("chips feed");
    assert_eq!(chips.entries.len(), 50);
    let newest = chips.entries[0].title.as_ref().map(|t| t.content.as_str());
    assert_eq!(
        newest,
        Some("AI Morning Brief — Chips & Hardware, 25 February 2026 07:00 UTC")
    );
}

#[tokio::test]
async fn without_a_public_url_feeds_use_tag_ids_and_root_links() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _, hostile) = filled_store(&dir).await;
    let (base, _stop) = super::serve(store, |_| None).await;
    for extension in ["atom", "rss"] {
        let (_, _, body, _) = get(&format!("{base}feeds/all.{extension}")).await;
        let feed = feed_rs::parser::parse(body.as_bytes()).expect("parses");
        assert_eq!(
            feed.entries[0].id,
            format!("tag:briefbot,2026:briefs/{hostile}")
        );
        assert!(
            body.contains(&format!(">/briefs/{hostile}<"))
                || body.contains(&format!("\"/briefs/{hostile}\"")),
            "{body}"
        );
        let file = dir.path().join(format!("relative.{extension}"));
        std::fs::write(&file, &body).expect("write feed");
        if let Some(parsed) = feedparser(&file).await {
            assert_eq!(parsed["bozo"], 0, "{extension}: {}", parsed["error"]);
            assert_eq!(
                parsed["entries"][0]["id"],
                format!("tag:briefbot,2026:briefs/{hostile}")
            );
        }
    }
    let (_, _, json, _) = get(&format!("{base}feeds/all.json")).await;
    let json: Value = serde_json::from_str(&json).expect("JSON");
    assert!(
        json.get("feed_url").is_none() && json["items"][0].get("url").is_none(),
        "{json}"
    );
    feed_rs::parser::parse(serde_json::to_string(&json).expect("json").as_bytes())
        .expect("JSON Feed parses");
}
