//! The Store behaves the same on SQLite and PostgreSQL: sources, items, dedupe, windows.

use chrono::{DateTime, Utc};

use briefbot::storage::NewItem;

fn item(key: &str, published_at: i64) -> NewItem {
    NewItem {
        key: key.into(),
        title: format!("Title {key}"),
        summary: "Summary.".into(),
        link: format!("https://x.example/{key}"),
        language: Some("en".into()),
        published_at,
    }
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("valid time")
}

#[tokio::test]
async fn items_are_stored_once_and_read_by_window() {
    for (backend, store, _dir) in crate::support::stores("items_window").await {
        let source = store
            .upsert_source("https://x.example/feed", Some("X News"), 1.5)
            .await
            .expect("source");
        let batch = [item("a", 1_000), item("b", 2_000), item("c", 3_000)];
        assert_eq!(
            store
                .insert_items(source.id, &batch, 5_000)
                .await
                .expect("insert"),
            3,
            "{backend}"
        );
        assert_eq!(
            store
                .insert_items(source.id, &batch, 6_000)
                .await
                .expect("insert again"),
            0,
            "{backend}: re-ingest adds nothing"
        );
        assert_eq!(store.item_count().await.expect("count"), 3);

        let window = store
            .items_between(at(1_000), at(3_000))
            .await
            .expect("window");
        let keys: Vec<&str> = window.iter().map(|i| i.link.as_str()).collect();
        assert_eq!(
            keys,
            ["https://x.example/b", "https://x.example/c"],
            "{backend}: (start, end]"
        );
        assert_eq!(window[0].source_name, "X News");
        assert_eq!(window[0].source_weight, 1.5);
        assert_eq!(window[0].published, at(2_000));
        store.close().await;
    }
}

#[tokio::test]
async fn source_health_is_tracked_through_failure_and_recovery() {
    for (backend, store, _dir) in crate::support::stores("source_health").await {
        let unnamed = store
            .upsert_source("https://y.example/rss", None, 1.0)
            .await
            .expect("source");
        assert_eq!(unnamed.name, "https://y.example/rss");
        store
            .record_fetch_failure(unnamed.id, "HTTP 500", 100, 400)
            .await
            .expect("failure");
        store
            .record_fetch_failure(unnamed.id, "HTTP 502", 400, 1_000)
            .await
            .expect("failure");
        let failing = &store.sources().await.expect("sources")[0];
        assert_eq!(failing.consecutive_failures, 2, "{backend}");
        assert_eq!(failing.last_error.as_deref(), Some("HTTP 502"));
        assert_eq!(failing.next_attempt_at, 1_000);

        store
            .record_fetch_success(
                unnamed.id,
                Some("\"v1\""),
                Some("Sun, 01 Mar 2026 07:00:00 GMT"),
                Some("Y Daily"),
                1_200,
            )
            .await
            .expect("success");
        let healthy = &store.sources().await.expect("sources")[0];
        assert_eq!(healthy.consecutive_failures, 0, "{backend}");
        assert_eq!(healthy.last_error, None);
        assert_eq!(healthy.etag.as_deref(), Some("\"v1\""));
        assert_eq!(
            healthy.name, "Y Daily",
            "{backend}: an unnamed source adopts the feed title"
        );

        let renamed = store
            .upsert_source("https://y.example/rss", Some("Configured Name"), 2.0)
            .await
            .expect("upsert");
        assert_eq!(renamed.name, "Configured Name");
        let kept = store
            .upsert_source("https://y.example/rss", None, 2.0)
            .await
            .expect("upsert");
        assert_eq!(
            kept.name, "Configured Name",
            "{backend}: no name given keeps the stored one"
        );
        store.close().await;
    }
}
