//! Refusing a signed request the second time it arrives. A signature over a timestamp only
//! stops replays older than the freshness window; within it, a captured request could be sent
//! again, so endpoints remember what they answered (an id, or the signature itself) for as
//! long as the window lasts.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// Keys remembered at most; past this the oldest are forgotten first. A platform's own traffic
/// within a five-minute window stays far below it.
const REMEMBERED: usize = 100_000;

pub struct Seen {
    window: Duration,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    order: VecDeque<(i64, String)>,
    keys: HashSet<String>,
}

impl Seen {
    /// Remembers keys for `window` (the endpoint's freshness window).
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            inner: Mutex::default(),
        }
    }

    /// Records `key` as seen at `now` (Unix seconds); false when it was seen already within
    /// the window. A poisoned lock refuses, since nothing can be known about the key.
    pub fn first_sighting(&self, key: &str, now: i64) -> bool {
        let Ok(mut inner) = self.inner.lock() else {
            return false;
        };
        let window = self.window.as_secs() as i64;
        while let Some((at, old)) = inner.order.front() {
            if *at >= now - window && inner.order.len() < REMEMBERED {
                break;
            }
            let old = old.clone();
            inner.keys.remove(&old);
            inner.order.pop_front();
        }
        if !inner.keys.insert(key.to_string()) {
            return false;
        }
        inner.order.push_back((now, key.to_string()));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_again_within_the_window_and_forgotten_after_it() {
        let seen = Seen::new(Duration::from_secs(300));
        assert!(seen.first_sighting("a", 1_000));
        assert!(
            !seen.first_sighting("a", 1_100),
            "a replay within the window"
        );
        assert!(seen.first_sighting("b", 1_100));
        assert!(
            seen.first_sighting("a", 1_000 + 301 + 300),
            "forgotten once stale"
        );
    }
}
