//! One brief per (topic, scheduled time, window) during a fan-out. Ten thousand chats
//! subscribed to the 07:00 chips brief all ask for the same brief; building it once per chat
//! would spend the CPU the sends need. Each destination still drops what it already has
//! (`deliver::drop_already_delivered`) from its own copy.
//!
//! Entries live for a short time only: a brief for a past instant changes only as the model's
//! summaries for it arrive in the cache, and a minute-old copy is as good as new.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;

use crate::engine::BriefRequest;
use crate::model::Brief;

/// How long a built brief is reused.
const REUSE_FOR: Duration = Duration::from_secs(60);
/// Distinct briefs kept at once; a fan-out has a handful (topics × windows).
const CAPACITY: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    topic: Option<String>,
    as_of: DateTime<Utc>,
    window: Duration,
    max_stories: usize,
    late_since: Option<DateTime<Utc>>,
}

impl Key {
    fn of(request: &BriefRequest) -> Self {
        Self {
            topic: request.topic.clone(),
            as_of: request.as_of,
            window: request.window,
            max_stories: request.max_stories,
            late_since: request.late_since,
        }
    }
}

/// Briefs being built or built, one per request; concurrent deliveries that want the same
/// brief wait for the first one's build instead of each starting their own.
#[derive(Default)]
pub struct SharedBriefs {
    built: Mutex<HashMap<Key, Entry>>,
}

type Entry = (Instant, Arc<OnceCell<Arc<Brief>>>);

impl SharedBriefs {
    /// The brief for `request`: the one built for an identical request within the last
    /// minute, or `build`'s (only one caller builds; the others wait for it). A failed build
    /// is not kept: the next caller tries again.
    pub async fn get_or_build<E, F, Fut>(
        &self,
        request: &BriefRequest,
        build: F,
    ) -> Result<Arc<Brief>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Brief, E>>,
    {
        let cell = self.cell(request);
        cell.get_or_try_init(|| async { build().await.map(Arc::new) })
            .await
            .cloned()
    }

    fn cell(&self, request: &BriefRequest) -> Arc<OnceCell<Arc<Brief>>> {
        let Ok(mut built) = self.built.lock() else {
            // A poisoned map only costs sharing.
            return Arc::default();
        };
        let key = Key::of(request);
        if let Some((at, cell)) = built.get(&key)
            && at.elapsed() < REUSE_FOR
        {
            return cell.clone();
        }
        if built.len() >= CAPACITY {
            built.retain(|_, (at, _)| at.elapsed() < REUSE_FOR);
            if built.len() >= CAPACITY {
                built.clear();
            }
        }
        let cell: Arc<OnceCell<Arc<Brief>>> = Arc::default();
        built.insert(key, (Instant::now(), cell.clone()));
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(topic: Option<&str>) -> BriefRequest {
        BriefRequest {
            topic: topic.map(str::to_string),
            as_of: DateTime::from_timestamp(1_000_000, 0).unwrap_or_default(),
            window: Duration::from_secs(86_400),
            max_stories: 5,
            late_since: None,
            explain: false,
        }
    }

    #[tokio::test]
    async fn an_identical_request_is_built_once_and_another_is_built_again() {
        let shared = SharedBriefs::default();
        let builds = std::sync::atomic::AtomicUsize::new(0);
        let build = || async {
            builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, ()>(Brief {
                title: "t".into(),
                topic: Some("chips".into()),
                as_of: request(None).as_of,
                window_start: request(None).as_of,
                sections: Vec::new(),
                source_count: 0,
                editorial: None,
                permalink: None,
            })
        };
        let chips = request(Some("chips"));
        let (a, b) = tokio::join!(
            shared.get_or_build(&chips, build),
            shared.get_or_build(&chips, build)
        );
        assert!(
            Arc::ptr_eq(&a.expect("a"), &b.expect("b")),
            "one brief, shared"
        );
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 1);
        shared
            .get_or_build(&request(Some("models")), build)
            .await
            .expect("models");
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
