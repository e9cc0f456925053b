//! Keeping briefs for the web archive as they go out, and the link from a chat message back
//! to the kept copy.
//!
//! A scheduled brief is kept once per shared build: the full brief that every destination's
//! copy is cut from, so the page shows the whole brief even to a chat that was sent only what
//! was new to it. An on-demand brief is kept once per topic and hour; asking again within the
//! hour links to the copy already kept, so a busy chat cannot fill the archive. Archiving is a
//! side path: when it fails the failure is logged and the brief goes out without its link.

use chrono::{DateTime, Utc};
use url::Url;

use crate::app::App;
use crate::engine::BriefRequest;
use crate::model::Brief;

/// The archive page of brief `id`, relative to the site's root.
pub fn page_path(id: i64) -> String {
    format!("briefs/{id}")
}

/// The absolute address of brief `id`'s page under `public_url` (which ends in `/`).
pub fn permalink(public_url: &Url, id: i64) -> Option<Url> {
    public_url.join(&page_path(id)).ok()
}

/// What makes two scheduled builds the same brief: everything the build depends on. Two
/// replicas, or a retry an hour later, that build it again find the copy already kept.
pub fn scheduled_key(request: &BriefRequest) -> String {
    format!(
        "scheduled:{}:{}:{}:{}:{}",
        request.topic.as_deref().unwrap_or("all"),
        request.as_of.timestamp(),
        request.window.as_secs(),
        request.max_stories,
        request.late_since.map_or(-1, |t| t.timestamp()),
    )
}

/// An on-demand brief's key: one per topic and UTC hour.
pub fn on_demand_key(topic: Option<&str>, now: DateTime<Utc>) -> String {
    format!(
        "demand:{}:{}",
        topic.unwrap_or("all"),
        now.format("%Y-%m-%dT%H")
    )
}

/// Keeps `brief` under `key` and returns the link to its page, when `[http] public_url` is
/// set. `None` when the brief is empty (nothing is kept), when there is no public address, or
/// when archiving failed (logged: the brief still goes out, without a link).
pub async fn keep(app: &App, key: &str, brief: &Brief, now: DateTime<Utc>) -> Option<Url> {
    let id = match app.store.archive_brief(key, brief, now.timestamp()).await {
        Ok(id) => id?,
        Err(error) => {
            tracing::warn!(%error, key, "could not archive the brief; it goes out without its link");
            return None;
        }
    };
    let public_url = app.config.http.public_url().ok().flatten()?;
    permalink(&public_url, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap_or_default()
    }

    #[test]
    fn permalinks_stay_under_the_public_path() {
        let base = Url::parse("https://news.example.org/team/brief/").expect("url");
        assert_eq!(
            permalink(&base, 42).map(String::from).as_deref(),
            Some("https://news.example.org/team/brief/briefs/42")
        );
    }

    #[test]
    fn keys_tell_apart_what_changes_the_brief_and_nothing_else() {
        let request = |topic: Option<&str>, as_of: i64, hours: u64| BriefRequest {
            topic: topic.map(str::to_string),
            as_of: at(as_of),
            window: Duration::from_secs(hours * 3600),
            max_stories: 5,
            late_since: Some(at(as_of - hours as i64 * 3600)),
            explain: false,
        };
        let chips = scheduled_key(&request(Some("chips"), 1_000_000, 24));
        assert_eq!(chips, "scheduled:chips:1000000:86400:5:913600");
        assert_eq!(chips, scheduled_key(&request(Some("chips"), 1_000_000, 24)));
        assert_ne!(chips, scheduled_key(&request(None, 1_000_000, 24)));
        assert_ne!(chips, scheduled_key(&request(Some("chips"), 1_000_060, 24)));
        assert_ne!(chips, scheduled_key(&request(Some("chips"), 1_000_000, 12)));

        let hour = at(1_772_434_800); // 2026-03-02T07:00:00Z
        assert_eq!(on_demand_key(None, hour), "demand:all:2026-03-02T07");
        assert_eq!(
            on_demand_key(Some("chips"), hour + chrono::Duration::minutes(59)),
            "demand:chips:2026-03-02T07"
        );
        assert_ne!(
            on_demand_key(Some("chips"), hour + chrono::Duration::minutes(60)),
            "demand:chips:2026-03-02T07"
        );
    }
}
