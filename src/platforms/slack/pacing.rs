//! Pacing posts to Slack's limits before Slack has to say so: one message a second per
//! channel (the documented limit for `chat.postMessage` and incoming webhooks), stretched by a
//! margin because Slack counts arrivals, and a workspace-wide budget Slack does not publish,
//! kept modest. A 429 that still comes back goes to the ledger, which waits out `Retry-After`.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::delivery::share::ReplicaShare;

/// Per-channel intervals are this much longer than the limit allows.
const CHANNEL_MARGIN: f64 = 1.1;

/// The budgets a pacer keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// Shortest time between two posts to one channel (or one webhook).
    pub per_channel: Duration,
    /// Posts a second across all channels.
    pub overall_per_second: f64,
}

impl Pace {
    /// Slack's: one a second per channel with margin, four a second in all.
    pub fn slack() -> Self {
        Self {
            per_channel: Duration::from_secs(1).mul_f64(CHANNEL_MARGIN),
            overall_per_second: 4.0,
        }
    }
}

pub struct Pacer {
    pace: Pace,
    channel: DefaultKeyedRateLimiter<String>,
    overall: DefaultDirectRateLimiter,
    share: ReplicaShare,
}

impl Pacer {
    pub fn new(pace: Pace) -> Self {
        let overall = if pace.overall_per_second.is_finite() && pace.overall_per_second > 0.0 {
            Duration::from_secs_f64(1.0 / pace.overall_per_second)
        } else {
            Duration::from_millis(250)
        };
        Self {
            pace,
            channel: RateLimiter::keyed(one_at_a_time(pace.per_channel)),
            overall: RateLimiter::direct(one_at_a_time(overall)),
            share: ReplicaShare::default(),
        }
    }

    /// The overall budget split with the other live replicas in `share`.
    pub fn sharing(mut self, share: ReplicaShare) -> Self {
        self.share = share;
        self
    }

    /// Waits until a post to `channel` may go: the channel's own turn first (a busy channel
    /// must not hold a slot of the overall budget another channel could use), then the overall.
    pub async fn wait(&self, channel: &str) {
        self.channel.until_key_ready(&channel.to_string()).await;
        self.share.wait_share(|| self.overall.until_ready()).await;
    }

    /// Deliveries in flight that keep the overall budget busy while each waits out its
    /// channel's interval, half again for the database work between parts.
    pub fn deliveries_in_flight(&self) -> usize {
        let per_second = self.pace.overall_per_second.max(1.0);
        (per_second * self.pace.per_channel.as_secs_f64().max(1.0) * 1.5).ceil() as usize
    }
}

fn one_at_a_time(interval: Duration) -> Quota {
    Quota::with_period(interval.max(Duration::from_micros(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn posts_to_one_channel_are_spaced_and_others_are_not_held_up() {
        let pacer = Pacer::new(Pace {
            per_channel: Duration::from_millis(200),
            overall_per_second: 1000.0,
        });
        let start = std::time::Instant::now();
        pacer.wait("C1").await;
        pacer.wait("C2").await;
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "two channels at once"
        );
        pacer.wait("C1").await;
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "one channel waits its turn"
        );
        assert_eq!(Pacer::new(Pace::slack()).deliveries_in_flight(), 7);
    }
}
