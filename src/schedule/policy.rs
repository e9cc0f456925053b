//! The delivery policy, pure: given a claimed row, its subscription and what happened, what
//! the ledger should do ([`LedgerAction`]). No database, no clock, no platform: every rule
//! (skip, wait out, retry, give up, pause, move) is tested as a plain function, and
//! `deliver` only builds, sends and applies.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::config::ScheduleConfig;
use crate::delivery::SendError;
use crate::model::Platform;
use crate::storage::{ClaimedDelivery, DeliveryStatus, LedgerAction, Subscription};

/// Waits after which a missing platform is looked for again (it may be configured on another
/// replica, or after a restart).
const MISSING_PLATFORM_RETRY: Duration = Duration::minutes(5);

/// The settings the policy reads.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// A brief later than this is stale news and skipped (unless it is waiting out a 429).
    pub grace: Duration,
    /// First wait after a transient failure; doubles with each attempt.
    pub retry_backoff: StdDuration,
    /// A brief still waiting out rate limits this long after its time is given up: a
    /// receiver that answers 429 forever must not keep a row alive forever.
    pub rate_limit_ceiling: Duration,
}

impl Policy {
    pub fn new(schedule: &ScheduleConfig) -> Self {
        Self {
            grace: Duration::from_std(schedule.grace).unwrap_or(Duration::hours(3)),
            retry_backoff: schedule.retry_backoff,
            rate_limit_ceiling: Duration::from_std(schedule.rate_limit_ceiling)
                .unwrap_or(Duration::hours(12)),
        }
    }
}

fn skip(reason: String) -> LedgerAction {
    LedgerAction::Finish {
        status: DeliveryStatus::Skipped,
        reason,
    }
}

fn fail(reason: String) -> LedgerAction {
    LedgerAction::Finish {
        status: DeliveryStatus::Failed,
        reason,
    }
}

/// Why a claimed row must not be sent at all: its subscription is gone or paused, or it is
/// too late to be news. `None` means go ahead.
pub fn before_send(
    subscription: Option<&Subscription>,
    delivery: &ClaimedDelivery,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Option<LedgerAction> {
    let Some(subscription) = subscription else {
        return Some(skip("the subscription was removed".into()));
    };
    if subscription.paused {
        let why = subscription.paused_reason.as_deref().unwrap_or("paused");
        return Some(skip(format!("subscription paused: {why}")));
    }
    let late_by = now - scheduled_time(delivery, now);
    if delivery.rate_limited != 0 && late_by > policy.rate_limit_ceiling {
        return Some(fail(format!(
            "still rate limited {} after its time, past the {} ceiling",
            format_duration(late_by),
            format_duration(policy.rate_limit_ceiling)
        )));
    }
    // A brief waiting out a platform's rate limit is only late; everything else that is this
    // late is stale news.
    (late_by > policy.grace && delivery.rate_limited == 0).then(|| {
        skip(format!(
            "too late: {} after its time, past the {} grace period",
            format_duration(late_by),
            format_duration(policy.grace)
        ))
    })
}

/// The destination's platform is not running in this process: look again later.
pub fn platform_missing(platform: Platform, now: DateTime<Utc>) -> LedgerAction {
    LedgerAction::Retry {
        not_before: (now + MISSING_PLATFORM_RETRY).timestamp(),
        reason: format!("platform {platform} is not configured in this briefbot"),
    }
}

/// Nothing new for a subscription that only wants news.
pub fn nothing_new() -> LedgerAction {
    skip("no new stories since the last brief".into())
}

/// What a failed send means for the row.
pub fn after_failure(
    error: &SendError,
    delivery: &ClaimedDelivery,
    subscription: &Subscription,
    now: DateTime<Utc>,
    policy: &Policy,
) -> LedgerAction {
    let destination = &subscription.destination;
    match error {
        SendError::RateLimited { retry_after } => {
            let wait = Duration::from_std(*retry_after).unwrap_or(Duration::seconds(30));
            // Round up: retrying a moment too early only earns another 429.
            let seconds = ((wait.num_milliseconds() + 999) / 1000).max(1);
            LedgerAction::WaitOut {
                not_before: now.timestamp() + seconds,
                reason: format!("rate limited; retrying after {seconds} s"),
            }
        }
        // A vanished thread says nothing about its channel; a vanished chat takes all of its
        // threads with it.
        SendError::Gone { reason } if destination.thread_id.is_some() => {
            LedgerAction::PauseThread {
                destination: destination.clone(),
                reason: reason.clone(),
            }
        }
        SendError::Gone { reason } => LedgerAction::PauseChat {
            platform: destination.platform,
            chat_id: destination.chat_id.clone(),
            reason: reason.clone(),
        },
        SendError::Moved { new_chat_id } => LedgerAction::MoveChat {
            platform: destination.platform,
            from: destination.chat_id.clone(),
            to: new_chat_id.clone(),
        },
        SendError::Transient { reason } => {
            let next = now
                + Duration::from_std(retry_delay(policy.retry_backoff, delivery.attempts))
                    .unwrap_or(Duration::minutes(1));
            if next - scheduled_time(delivery, now) > policy.grace {
                fail(format!(
                    "gave up after {} attempts: {reason}",
                    delivery.attempts
                ))
            } else {
                LedgerAction::Retry {
                    not_before: next.timestamp(),
                    reason: format!("attempt {} failed: {reason}", delivery.attempts),
                }
            }
        }
        SendError::Permanent { reason } => fail(reason.clone()),
    }
}

fn scheduled_time(delivery: &ClaimedDelivery, now: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(delivery.scheduled_at, 0).unwrap_or(now)
}

/// "45m", "3h", "2h 30m".
pub fn format_duration(duration: Duration) -> String {
    let minutes = duration.num_minutes().max(0);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

/// How long to wait before retry number `attempt` (1-based) after a transient failure.
pub fn retry_delay(first: StdDuration, attempt: i64) -> StdDuration {
    let doublings = attempt.clamp(1, 10) as u32 - 1;
    crate::backoff::doubling(first, doublings, StdDuration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Destination;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn policy() -> Policy {
        Policy {
            grace: Duration::hours(3),
            retry_backoff: StdDuration::from_secs(30),
            rate_limit_ceiling: Duration::hours(12),
        }
    }

    fn claimed(attempts: i64, rate_limited: i64) -> ClaimedDelivery {
        ClaimedDelivery {
            id: 7,
            subscription_id: 1,
            scheduled_at: at("2026-03-02T07:00:00Z").timestamp(),
            attempts,
            rate_limited,
            claimed_by: "worker-1".into(),
            message_ids: None,
        }
    }

    fn subscription(destination: &str) -> Subscription {
        Subscription {
            id: 1,
            destination: Destination::parse(destination).expect("destination"),
            topic: "all".into(),
            schedule: "0 0 7 * * *".into(),
            timezone: "UTC".into(),
            next_run_at: 0,
            paused: false,
            paused_reason: None,
            skip_if_empty: true,
            max_window_secs: 48 * 3600,
            last_delivered_at: None,
            created_at: 0,
        }
    }

    #[test]
    fn removed_paused_and_stale_rows_are_skipped_with_their_reason() {
        let now = at("2026-03-02T07:01:00Z");
        let reason = |action: Option<LedgerAction>| match action {
            Some(LedgerAction::Finish {
                status: DeliveryStatus::Skipped,
                reason,
            }) => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(before_send(None, &claimed(1, 0), now, &policy())),
            "the subscription was removed"
        );
        let mut paused = subscription("telegram:1");
        paused.paused = true;
        paused.paused_reason = Some("bot blocked".into());
        assert_eq!(
            reason(before_send(Some(&paused), &claimed(1, 0), now, &policy())),
            "subscription paused: bot blocked"
        );
        let late = at("2026-03-02T10:30:00Z");
        let active = subscription("telegram:1");
        assert!(
            reason(before_send(Some(&active), &claimed(1, 0), late, &policy()))
                .contains("too late: 3h 30m")
        );
        assert_eq!(
            before_send(Some(&active), &claimed(1, 1), late, &policy()),
            None,
            "waiting out a 429 is only late"
        );
        assert_eq!(
            before_send(Some(&active), &claimed(1, 0), now, &policy()),
            None
        );
    }

    #[test]
    fn a_receiver_that_rate_limits_forever_fails_the_row_at_the_ceiling() {
        let active = subscription("webhook:https://hooks.example/x");
        let within = at("2026-03-02T18:59:00Z");
        assert_eq!(
            before_send(Some(&active), &claimed(1, 3), within, &policy()),
            None
        );
        let past = at("2026-03-02T19:01:00Z");
        match before_send(Some(&active), &claimed(1, 3), past, &policy()) {
            Some(LedgerAction::Finish {
                status: DeliveryStatus::Failed,
                reason,
            }) => assert!(reason.contains("past the 12h ceiling"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_failure_becomes_its_ledger_action() {
        let now = at("2026-03-02T07:00:10Z");
        let chat = subscription("telegram:-100");
        let thread = subscription("telegram:-100/42");
        let rate_limited = SendError::RateLimited {
            retry_after: StdDuration::from_millis(1500),
        };
        assert_eq!(
            after_failure(&rate_limited, &claimed(1, 0), &chat, now, &policy()),
            LedgerAction::WaitOut {
                not_before: now.timestamp() + 2,
                reason: "rate limited; retrying after 2 s".into()
            }
        );
        let gone = SendError::Gone {
            reason: "blocked".into(),
        };
        assert!(matches!(
            after_failure(&gone, &claimed(1, 0), &thread, now, &policy()),
            LedgerAction::PauseThread { .. }
        ));
        assert_eq!(
            after_failure(&gone, &claimed(1, 0), &chat, now, &policy()),
            LedgerAction::PauseChat {
                platform: Platform::Telegram,
                chat_id: "-100".into(),
                reason: "blocked".into()
            }
        );
        let moved = SendError::Moved {
            new_chat_id: "-200".into(),
        };
        assert!(matches!(
            after_failure(&moved, &claimed(1, 0), &chat, now, &policy()),
            LedgerAction::MoveChat { to, .. } if to == "-200"
        ));
        let permanent = SendError::Permanent {
            reason: "bad request".into(),
        };
        assert_eq!(
            after_failure(&permanent, &claimed(1, 0), &chat, now, &policy()),
            LedgerAction::Finish {
                status: DeliveryStatus::Failed,
                reason: "bad request".into()
            }
        );
    }

    #[test]
    fn transient_failures_back_off_until_the_grace_period_ends() {
        let transient = SendError::Transient {
            reason: "HTTP 502".into(),
        };
        let chat = subscription("webhook:https://hooks.example/x");
        let early = at("2026-03-02T07:00:10Z");
        assert_eq!(
            after_failure(&transient, &claimed(3, 0), &chat, early, &policy()),
            LedgerAction::Retry {
                not_before: early.timestamp() + 120,
                reason: "attempt 3 failed: HTTP 502".into()
            }
        );
        let near_the_end = at("2026-03-02T09:59:50Z");
        assert!(matches!(
            after_failure(&transient, &claimed(9, 0), &chat, near_the_end, &policy()),
            LedgerAction::Finish { status: DeliveryStatus::Failed, reason } if reason.starts_with("gave up after 9 attempts")
        ));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let first = StdDuration::from_secs(30);
        assert_eq!(retry_delay(first, 1), first);
        assert_eq!(retry_delay(first, 3), StdDuration::from_secs(120));
        assert_eq!(retry_delay(first, 50), StdDuration::from_secs(3600));
    }
}
