//! Pacing scheduled sends to Telegram's limits — 30 messages a second overall, one a second
//! per chat, 20 a minute per group — with a margin, so a fan-out runs at the overall rate and
//! no 429 comes back. Limits are counted by Telegram when a message arrives: two parts sent
//! exactly one second apart can arrive 0.98 s apart, so per-chat and per-group intervals are
//! stretched by [`CHAT_MARGIN`], and the overall rate kept just under its ceiling (a 429 that
//! still happens is waited out through the ledger).
//!
//! teloxide's `Throttle` still wraps the client (command replies go through it too); these
//! waits are stricter than its limits, so it never has to hold a scheduled send.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use teloxide::adaptors::throttle::Limits;
use teloxide::types::ChatId;

use crate::delivery::share::ReplicaShare;

/// Per-chat and per-group intervals are this much longer than the limit allows.
const CHAT_MARGIN: f64 = 1.1;
/// Share of the overall limit used.
const OVERALL_SHARE: f64 = 0.99;

pub struct Pacer {
    overall: DefaultDirectRateLimiter,
    private_chat: DefaultKeyedRateLimiter<i64>,
    group: DefaultKeyedRateLimiter<i64>,
    group_interval: Duration,
    overall_per_second: f64,
    share: ReplicaShare,
}

impl Pacer {
    /// Paces to `limits`, the overall rate split with the other live replicas in `share`.
    pub fn new(limits: Limits, share: ReplicaShare) -> Self {
        let per_second = |count: u32| Duration::from_secs(1) / count.max(1);
        let chat_interval = per_second(limits.messages_per_sec_chat).mul_f64(CHAT_MARGIN);
        let group_interval = (Duration::from_secs(60)
            / limits.messages_per_min_channel_or_supergroup.max(1))
        .max(per_second(limits.messages_per_sec_chat))
        .mul_f64(CHAT_MARGIN);
        let overall_per_second = f64::from(limits.messages_per_sec_overall.max(1)) * OVERALL_SHARE;
        let overall_interval = Duration::from_secs_f64(1.0 / overall_per_second);
        Self {
            overall: RateLimiter::direct(one_at_a_time(overall_interval)),
            private_chat: RateLimiter::keyed(one_at_a_time(chat_interval)),
            group: RateLimiter::keyed(one_at_a_time(group_interval)),
            group_interval,
            overall_per_second,
            share,
        }
    }

    /// Waits until a message to `chat` may go: the chat's own turn first (a busy chat must
    /// not hold a slot of the overall budget that another chat could use), then the overall.
    pub async fn wait(&self, chat: ChatId) {
        if chat.0 < 0 {
            self.group.until_key_ready(&chat.0).await;
        } else {
            self.private_chat.until_key_ready(&chat.0).await;
        }
        self.share.wait_share(|| self.overall.until_ready()).await;
    }

    /// Deliveries in flight needed to keep the overall budget busy: while one waits out its
    /// chat's interval (a group's is the longest), the others fill the gap; half again as
    /// many for the database work between parts.
    pub fn deliveries_in_flight(&self) -> usize {
        (self.overall_per_second * self.group_interval.as_secs_f64() * 1.5).ceil() as usize
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

    #[test]
    fn telegrams_limits_become_intervals_with_margin_and_enough_in_flight() {
        let pacer = Pacer::new(super::super::telegram_limits(), ReplicaShare::default());
        assert_eq!(pacer.group_interval, Duration::from_millis(3_300));
        assert!((pacer.overall_per_second - 29.7).abs() < 1e-9);
        // 29.7/s × 3.3 s × 1.5
        assert_eq!(pacer.deliveries_in_flight(), 148);
    }
}
