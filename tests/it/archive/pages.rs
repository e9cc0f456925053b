//! The archive's HTML pages over HTTP: what they show, how they escape, what they answer for
//! what does not exist.

use briefbot::storage::Store;

use super::{SCRIPT, brief, get, hostile_brief, serve};

/// An archive with two full briefs (the newer one hostile) and 25 chips briefs.
pub async fn filled_store(dir: &tempfile::TempDir) -> (Store, i64, i64) {
    let url = format!("sqlite://{}", dir.path().join("archive.db").display());
    let store = Store::open(&url).await.expect("store");
    let older = brief(None, "2026-03-01T07:00:00Z", &["Yesterday's chip news"]);
    let older = store
        .archive_brief("all:1", &older, 1)
        .await
        .expect("older");
    let hostile = hostile_brief("2026-03-02T07:00:00Z");
    let hostile = store
        .archive_brief("all:2", &hostile, 2)
        .await
        .expect("hostile");
    for day in 1..=25 {
        let chips = brief(
            Some("chips"),
            &format!("2026-02-{day:02}T07:00:00Z"),
            &[&format!("Chips day {day}")],
        );
        store
            .archive_brief(&format!("chips:{day}"), &chips, day)
            .await
            .expect("chips");
    }
    (store, older.expect("kept"), hostile.expect("kept"))
}

#[tokio::test]
async fn the_latest_brief_is_on_the_home_page_as_text_with_safe_links() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, older, hostile) = filled_store(&dir).await;
    let (base, _stop) = serve(store, |base| Some(base.to_string())).await;
    let (status, content_type, page, headers) = get(&base).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/html; charset=utf-8")
    );
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    assert!(
        header("content-security-policy")
            .starts_with("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'"),
        "{headers:?}"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");

    for needle in [
        "<!DOCTYPE html>\n<html lang=\"en\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<nav aria-label=\"Topics\">",
        "<article>\n<h1>AI Morning Brief</h1>",
        "<h2>Chips &amp; Hardware</h2>",
        "<h3>&lt;script&gt;alert(1)&lt;/script&gt; Nvidia ships B300 @everyone</h3>",
        "<p>Costs ]]&gt; less &amp;amp; more &lt;img src=x onerror=alert(2)&gt;</p>",
        "Sources: Evil &lt;b&gt;Wire&lt;/b&gt;, <a href=\"https://chips.example/b300?a=1&amp;b=%222%22\" \
         rel=\"noopener nofollow ugc\">Chip Wire</a>",
        "<p class=\"editorial\">Chips led the day &lt;script&gt;alert(1)&lt;/script&gt;.</p>",
        "<strong>Bottom line:</strong> Watch ]]&gt; and &lt;b&gt;this&lt;/b&gt;.",
        "<h3>TSMC lifts capex</h3>",
        "<h2>Earlier briefs</h2>",
        "<a href=\"{base}feeds/all.atom\">Atom</a>",
    ] {
        let needle = needle.replace("{base}", &base);
        assert!(page.contains(&needle), "missing {needle:?} in\n{page}");
    }
    assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("<b>"));
    assert!(!page.contains("javascript:"), "{page}");
    assert!(!page.contains(SCRIPT));
    assert!(
        page.contains(&format!(
            "<a href=\"{base}briefs/{older}\"><time datetime=\"2026-03-01T07:00:00Z\">"
        )),
        "the older brief is linked: {page}"
    );
    assert!(
        !page.contains(&format!("briefs/{hostile}\"><time")),
        "the latest is shown, not listed"
    );

    let (status, _, permalink, _) = get(&format!("{base}briefs/{hostile}")).await;
    assert_eq!(status, 200);
    assert!(permalink.contains(&format!(
        "<link rel=\"canonical\" href=\"{base}briefs/{hostile}\">"
    )));
    assert!(permalink.contains("<h3>&lt;script&gt;alert(1)&lt;/script&gt; Nvidia ships B300"));
    assert!(!permalink.contains("<script"));
}

#[tokio::test]
async fn topics_page_through_their_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _, _) = filled_store(&dir).await;
    let (base, _stop) = serve(store, |_| None).await;
    let (status, _, first, _) = get(&format!("{base}topics/chips")).await;
    assert_eq!(status, 200);
    assert!(
        first.contains("<h1>AI Morning Brief — Chips &amp; Hardware</h1>"),
        "{first}"
    );
    assert!(first.contains("<h3>Chips day 25</h3>"), "the newest, whole");
    assert!(
        first.contains("<a href=\"/topics/chips\" aria-current=\"page\">"),
        "{first}"
    );
    assert_eq!(
        first.matches("<li><a href=\"/briefs/").count(),
        19,
        "{first}"
    );
    assert!(
        first.contains("<a href=\"/topics/chips?page=2\">Older briefs</a>"),
        "{first}"
    );
    assert!(!first.contains("Newer briefs"));

    let (status, _, second, _) = get(&format!("{base}topics/chips?page=2")).await;
    assert_eq!(status, 200);
    assert_eq!(
        second.matches("<li><a href=\"/briefs/").count(),
        5,
        "{second}"
    );
    assert!(
        second.contains("<a href=\"/topics/chips\">Newer briefs</a>"),
        "{second}"
    );
    assert!(!second.contains("Older briefs") && !second.contains("<article>"));

    let (status, _, models, _) = get(&format!("{base}topics/models")).await;
    assert_eq!(status, 200);
    assert!(models.contains("No brief here yet."), "{models}");
}

#[tokio::test]
async fn what_does_not_exist_is_a_404_page_that_says_where_to_go() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("empty.db").display());
    let store = Store::open(&url).await.expect("store");
    let (base, _stop) = serve(store, |_| None).await;

    let (status, _, home, headers) = get(&base).await;
    assert_eq!(status, 200, "an empty archive is not an error");
    assert!(home.contains("No brief here yet."), "{home}");
    assert!(headers.contains_key("content-security-policy"));

    for (path, says) in [
        ("topics/nope", r#"There is no topic "nope" here."#),
        ("topics/all", r#"There is no topic "all" here."#),
        ("briefs/abc", r#"There is no brief "abc" here."#),
        ("briefs/424242", r#"There is no brief "424242" here."#),
        (
            "briefs/%3Cscript%3E",
            r#"There is no brief "&lt;script&gt;" here."#,
        ),
        ("feeds/nope.atom", r#"There is no topic "nope" here."#),
        ("feeds/chips.xml", r#"There is no feed "chips.xml" here."#),
    ] {
        let (status, content_type, page, headers) = get(&format!("{base}{path}")).await;
        assert_eq!(
            (status, content_type.as_str()),
            (404, "text/html; charset=utf-8"),
            "{path}"
        );
        assert!(page.contains(says), "{path}: {page}");
        assert!(page.contains("<a href=\"/topics/chips\">Chips &amp; Hardware</a> (chips)"));
        assert!(!page.contains("<script"), "{path}");
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
    }
}
