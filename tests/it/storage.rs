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

#[tokio::test]
async fn pruning_removes_only_what_is_past_retention_and_never_work_in_play() {
    use briefbot::model::{Destination, Platform};
    use briefbot::storage::retention::Cutoffs;
    use briefbot::storage::{DeliveryStatus, DueRow, DueRows, NewSubscription, SentRecord};

    for (backend, store, _dir) in crate::support::stores("retention").await {
        let source = store
            .upsert_source("https://x.example/feed", Some("X"), 1.0)
            .await
            .expect("source");
        store
            .insert_items(source.id, &[item("old", 1_000)], 1_000)
            .await
            .expect("old item");
        store
            .insert_items(source.id, &[item("new", 50_000)], 50_000)
            .await
            .expect("new item");
        let subscription = store
            .upsert_subscription(
                &NewSubscription {
                    destination: Destination::new(Platform::Telegram, "1", None),
                    topic: "all".into(),
                    schedule: "08:00".into(),
                    timezone: "UTC".into(),
                    skip_if_empty: false,
                    max_window_secs: 3_600,
                    next_run_at: 100,
                    created_by: None,
                },
                0,
            )
            .await
            .expect("subscription");
        let row = |scheduled_at, status, reason: Option<&str>| DueRow {
            scheduled_at,
            status,
            reason: reason.map(str::to_string),
        };
        store
            .record_due(
                &[DueRows {
                    subscription_id: subscription.id,
                    rows: vec![
                        row(100, DeliveryStatus::Pending, None),
                        row(200, DeliveryStatus::Skipped, Some("missed")),
                        row(90_000, DeliveryStatus::Pending, None),
                    ],
                    advance_from: 100,
                    advance_to: 90_100,
                }],
                1_000,
            )
            .await
            .expect("ledger rows");
        let claimed = store
            .claim_deliveries("w", 1_000, 60, 1)
            .await
            .expect("claim");
        let sent = SentRecord {
            destination_key: "telegram:1",
            message_ids: &["m1".to_string()],
            item_ids: &[1],
            story_count: 1,
        };
        assert!(
            store
                .mark_sent(&claimed[0], &sent, 1_500)
                .await
                .expect("sent")
        );
        // A row claimed and in flight, however old its claim.
        let in_flight = store
            .claim_deliveries("w2", 95_000, 60, 1)
            .await
            .expect("claim");
        assert_eq!(in_flight.len(), 1, "{backend}");
        store
            .cache_summary("k-old", "story", "m", "old", 1_000)
            .await
            .expect("cache");
        store
            .cache_summary("k-new", "story", "m", "new", 50_000)
            .await
            .expect("cache");

        let cutoffs = Cutoffs {
            deliveries: 10_000,
            items: 10_000,
            summaries: 10_000,
            briefs: 10_000,
        };
        let pruned = store.prune(&cutoffs).await.expect("prune");
        assert_eq!(
            (
                pruned.deliveries,
                pruned.delivered_items,
                pruned.items,
                pruned.summaries
            ),
            (2, 1, 1, 1),
            "{backend}: {pruned:?}"
        );
        assert_eq!(store.item_count().await.expect("count"), 1, "{backend}");
        assert_eq!(store.summary_count().await.expect("count"), 1, "{backend}");
        let left = store.deliveries(None, 10).await.expect("ledger");
        assert_eq!(left.len(), 1, "{backend}: {left:?}");
        assert_eq!(left[0].status, DeliveryStatus::Claimed, "{backend}");
        assert_eq!(
            store.prune(&cutoffs).await.expect("again").total(),
            0,
            "{backend}: nothing left to prune"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn brief_queries_read_index_ranges_not_the_whole_history() {
    for (backend, store, _dir) in crate::support::stores("brief_plan").await {
        for late in [false, true] {
            let plan = store.explain_items_for_brief(late).await.expect("explain");
            // SQLite: every read of `items` is a range bounded on both sides, on either
            // index. PostgreSQL: no sequential scan of `items`.
            let bounded = |line: &str| {
                (line.contains("USING INDEX items_published_at")
                    || line.contains("USING INDEX items_first_seen_at"))
                    && line.contains(">? AND")
            };
            let sqlite_reads: Vec<&str> = plan
                .lines()
                .filter(|line| line.contains("SEARCH i ") || line.contains("SCAN i"))
                .collect();
            let uses_an_index = plan.contains("items_published_at");
            assert!(uses_an_index, "{backend} late={late}:\n{plan}");
            let scans_items = plan.contains("Seq Scan on items")
                || sqlite_reads.iter().any(|line| !bounded(line));
            assert!(
                !scans_items,
                "{backend} late={late} reads every item:\n{plan}"
            );
        }

        // Both halves still find what they should: one item in the window, one fetched late.
        let source = store
            .upsert_source("https://x.example/feed", Some("X"), 1.0)
            .await
            .expect("source");
        store
            .insert_items(
                source.id,
                &[item("in-window", 10_000), item("old", 1_000)],
                10_000,
            )
            .await
            .expect("items");
        store
            .insert_items(source.id, &[item("late", 8_000)], 10_500)
            .await
            .expect("late item");
        let plain = store
            .items_for_brief(at(9_000), at(11_000), None)
            .await
            .expect("window");
        assert_eq!(plain.len(), 1, "{backend}");
        let with_late = store
            .items_for_brief(at(9_000), at(11_000), Some((at(10_200), at(5_000))))
            .await
            .expect("window with late arrivals");
        let links: Vec<&str> = with_late.iter().map(|i| i.link.as_str()).collect();
        assert_eq!(
            links,
            ["https://x.example/late", "https://x.example/in-window"],
            "{backend}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn replicas_count_themselves_and_leave_on_shutdown() {
    for (backend, store, _dir) in crate::support::stores("replica_count").await {
        let now = 1_800_000_000;
        assert_eq!(
            store
                .replica_heartbeat("a", now, now - 30)
                .await
                .expect("a"),
            1,
            "{backend}"
        );
        assert_eq!(
            store
                .replica_heartbeat("b", now + 1, now - 29)
                .await
                .expect("b"),
            2,
            "{backend}"
        );
        // `a` beats again; `c` last beat long ago and does not count.
        store
            .replica_heartbeat("c", now - 600, now - 630)
            .await
            .expect("c");
        assert_eq!(
            store
                .replica_heartbeat("a", now + 2, now - 28)
                .await
                .expect("a"),
            2,
            "{backend}"
        );
        store.leave_replicas("b").await.expect("leave");
        assert_eq!(
            store
                .replica_heartbeat("a", now + 3, now - 27)
                .await
                .expect("a"),
            1,
            "{backend}"
        );
    }
}

/// A subscription row naming a platform this build does not know (written by a newer one) is
/// refused with an error that names the platform, not misread as another.
#[tokio::test]
async fn an_unknown_stored_platform_is_a_clear_error() {
    use briefbot::model::{Destination, Platform};
    use briefbot::storage::{NewSubscription, Store};
    use sqlx::Connection;

    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("platform.db").display());
    let store = Store::open(&url).await.expect("open");
    store
        .upsert_subscription(
            &NewSubscription {
                destination: Destination::new(Platform::Telegram, "1", None),
                topic: "all".into(),
                schedule: "08:00".into(),
                timezone: "UTC".into(),
                skip_if_empty: false,
                max_window_secs: 3_600,
                next_run_at: 100,
                created_by: None,
            },
            0,
        )
        .await
        .expect("subscription");
    let mut connection = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("second connection");
    sqlx::query("UPDATE subscriptions SET platform = 'carrier-pigeon'")
        .execute(&mut connection)
        .await
        .expect("rewrite the platform");
    let error = store
        .all_subscriptions()
        .await
        .expect_err("an unknown platform is not read as any other");
    assert!(
        error
            .to_string()
            .contains("unknown platform \"carrier-pigeon\""),
        "{error}"
    );
}
