//! The `briefs` table on SQLite and (when reachable) PostgreSQL.

use briefbot::model::Brief;
use briefbot::storage::retention::Cutoffs;

use super::{brief, hostile_brief};

/// What the archive keeps of a brief: the reasons (`why`) and the engine's bookkeeping
/// (scores, item ids) stay behind.
fn as_kept(brief: &Brief) -> Brief {
    let mut kept = brief.clone();
    for story in kept.sections.iter_mut().flat_map(|s| &mut s.stories) {
        story.score = 0.0;
        story.item_ids.clear();
        story.why = None;
    }
    kept
}

#[tokio::test]
async fn briefs_round_trip_and_a_key_is_kept_once() {
    for (backend, store, _dir) in crate::support::stores("archive_round_trip").await {
        let mut hostile = hostile_brief("2026-03-02T07:00:00Z");
        hostile.sections[0].stories[0].score = 3.5;
        hostile.sections[0].stories[0].item_ids = vec![7, 8];
        let id = store
            .archive_brief("scheduled:all:1", &hostile, 1_000)
            .await
            .expect("archive")
            .expect("an id");
        let again = brief(None, "2026-03-02T08:00:00Z", &["Something else"]);
        assert_eq!(
            store
                .archive_brief("scheduled:all:1", &again, 2_000)
                .await
                .expect("again"),
            Some(id),
            "{backend}: the same key is the same brief"
        );
        let read = store
            .archived_brief(id)
            .await
            .expect("read")
            .expect("there");
        assert_eq!(read.id, id);
        assert_eq!(read.created_at.timestamp(), 1_000, "{backend}");
        assert_eq!(
            read.brief,
            as_kept(&hostile),
            "{backend}: the first one, whole"
        );
        assert_eq!(store.archived_brief(id + 1000).await.expect("read"), None);

        let empty = brief(Some("chips"), "2026-03-02T09:00:00Z", &[]);
        assert_eq!(
            store
                .archive_brief("demand:chips:x", &empty, 3_000)
                .await
                .expect("empty"),
            None,
            "{backend}: nothing to read, nothing kept"
        );
        assert_eq!(
            store.archived_brief_count().await.expect("count"),
            1,
            "{backend}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn history_is_newest_first_per_topic_and_pages_through() {
    for (backend, store, _dir) in crate::support::stores("archive_history").await {
        // Archived out of order: the brief's own time decides, not when it was kept.
        for (n, hour) in [3, 1, 4, 2, 5].into_iter().enumerate() {
            let as_of = format!("2026-03-02T0{hour}:00:00Z");
            let chips = brief(Some("chips"), &as_of, &[&format!("Chips {hour}")]);
            store
                .archive_brief(&format!("chips:{hour}"), &chips, n as i64)
                .await
                .expect("chips");
        }
        let full = brief(None, "2026-03-01T07:00:00Z", &["Everything"]);
        store.archive_brief("all:1", &full, 9).await.expect("full");
        let models = brief(Some("models"), "2026-03-03T07:00:00Z", &["Models"]);
        store
            .archive_brief("models:1", &models, 9)
            .await
            .expect("models");

        let hours = |briefs: &[briefbot::storage::ArchivedBrief]| -> Vec<String> {
            briefs
                .iter()
                .map(|b| b.brief.as_of.format("%H").to_string())
                .collect()
        };
        let first = store
            .brief_history(Some("chips"), 2, 0)
            .await
            .expect("page 1");
        let second = store
            .brief_history(Some("chips"), 2, 2)
            .await
            .expect("page 2");
        let last = store
            .brief_history(Some("chips"), 2, 4)
            .await
            .expect("page 3");
        assert_eq!(
            (hours(&first), hours(&second), hours(&last)),
            (
                vec!["05".into(), "04".into()],
                vec!["03".into(), "02".into()],
                vec!["01".into()]
            ),
            "{backend}"
        );
        let latest = store
            .latest_brief(Some("chips"))
            .await
            .expect("latest")
            .expect("one");
        assert_eq!(latest.id, first[0].id, "{backend}");
        let latest_full = store.latest_brief(None).await.expect("full").expect("one");
        assert_eq!(
            latest_full.brief.topic, None,
            "{backend}: NULL is the full brief"
        );
        assert_eq!(
            latest_full.brief.sections[0].stories[0].headline,
            "Everything"
        );
        assert_eq!(
            store.latest_brief(Some("policy")).await.expect("none"),
            None
        );
        store.close().await;
    }
}

#[tokio::test]
async fn pruning_drops_briefs_past_their_retention() {
    for (backend, store, _dir) in crate::support::stores("archive_prune").await {
        let old = brief(None, "2026-01-01T07:00:00Z", &["Old"]);
        let new = brief(None, "2026-03-01T07:00:00Z", &["New"]);
        store.archive_brief("old", &old, 1_000).await.expect("old");
        let kept = store.archive_brief("new", &new, 50_000).await.expect("new");
        let cutoffs = Cutoffs {
            deliveries: 0,
            items: 0,
            summaries: 0,
            briefs: 10_000,
        };
        let pruned = store.prune(&cutoffs).await.expect("prune");
        assert_eq!(pruned.briefs, 1, "{backend}: {pruned:?}");
        assert_eq!(pruned.total(), 1, "{backend}");
        let left = store.brief_history(None, 10, 0).await.expect("history");
        assert_eq!(
            left.iter().map(|b| Some(b.id)).collect::<Vec<_>>(),
            vec![kept]
        );
        // The retention setting reaches the cut-off.
        let config = super::config(None);
        let cutoffs = Cutoffs::at(400 * 86_400, &config.retention);
        assert_eq!(cutoffs.briefs, 35 * 86_400, "365 days by default");
        store.close().await;
    }
}
