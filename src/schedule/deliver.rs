//! Delivering one claimed ledger row: build the brief as of its scheduled time, send it through
//! the destination's messenger, and record what happened — including every reason a brief did
//! not go out, for `briefbot deliveries`.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::clock::Clock;
use super::runner::{format_duration, retry_delay};
use crate::app::App;
use crate::delivery::{Messengers, Outgoing, SendError};
use crate::engine::BriefRequest;
use crate::model::Brief;
use crate::storage::{ClaimedDelivery, DeliveryStatus, SentRecord, StorageError, Subscription};
use crate::summarizer::Wait;

/// Waits after which a missing platform is looked for again (it may be configured on another
/// replica, or after a restart).
const MISSING_PLATFORM_RETRY: Duration = Duration::minutes(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Retry,
    Skipped,
    Failed,
}

/// The brief a subscription gets at `scheduled`: everything since its last delivery (at most
/// its longest window), or the configured window for a first brief, plus late arrivals. `prepare` builds the same
/// request ahead of time so the summaries it caches are the ones delivery looks up.
pub fn scheduled_request(
    app: &App,
    subscription: &Subscription,
    scheduled: DateTime<Utc>,
) -> BriefRequest {
    let max_window = Duration::seconds(subscription.max_window_secs.max(60));
    let default_window = Duration::from_std(app.config.brief.window).unwrap_or(Duration::hours(24));
    let window_start = match subscription
        .last_delivered_at
        .and_then(|t| DateTime::from_timestamp(t, 0))
    {
        Some(last) if last < scheduled => last.max(scheduled - max_window),
        _ => scheduled - default_window.min(max_window),
    };
    BriefRequest {
        topic: (subscription.topic != "all").then(|| subscription.topic.clone()),
        as_of: scheduled,
        window: (scheduled - window_start)
            .to_std()
            .unwrap_or(app.config.brief.window),
        max_stories: app.config.brief.stories_per_section,
        // News fetched after the previous brief went out, though published before it, is
        // this brief's news: otherwise every item published in the last ingest interval before
        // a brief and fetched after it would never reach the destination.
        late_since: Some(window_start),
        explain: false,
    }
}

pub async fn deliver(
    app: &App,
    messengers: &Messengers,
    clock: &dyn Clock,
    delivery: &ClaimedDelivery,
) -> Result<Outcome, StorageError> {
    let store = &app.store;
    let now = clock.now();
    let skip = |reason: String| async move {
        store
            .finish_delivery(
                delivery.id,
                DeliveryStatus::Skipped,
                &reason,
                now.timestamp(),
            )
            .await?;
        Ok(Outcome::Skipped)
    };
    let Some(subscription) = store.subscription(delivery.subscription_id).await? else {
        return skip("the subscription was removed".into()).await;
    };
    if subscription.paused {
        let why = subscription.paused_reason.as_deref().unwrap_or("paused");
        return skip(format!("subscription paused: {why}")).await;
    }
    let scheduled = DateTime::from_timestamp(delivery.scheduled_at, 0).unwrap_or(now);
    let grace = Duration::from_std(app.config.schedule.grace).unwrap_or(Duration::hours(3));
    let late_by = now - scheduled;
    // A brief waiting out a platform's rate limit is only late; everything else that is this
    // late is stale news.
    if late_by > grace && delivery.rate_limited == 0 {
        return skip(format!(
            "too late: {} after its time, past the {} grace period",
            format_duration(late_by),
            format_duration(grace)
        ))
        .await;
    }
    let Some(messenger) = messengers.get(&subscription.destination.platform) else {
        let reason = format!(
            "platform {} is not configured in this briefbot",
            subscription.destination.platform
        );
        store
            .retry_delivery(
                delivery.id,
                (now + MISSING_PLATFORM_RETRY).timestamp(),
                &reason,
                now.timestamp(),
            )
            .await?;
        return Ok(Outcome::Retry);
    };

    let destination_key = subscription.destination.to_string();
    let max_window = Duration::seconds(subscription.max_window_secs.max(60));
    let request = scheduled_request(app, &subscription, scheduled);
    let window_start = request.window_start();
    // Prepared ahead (`prepare`): delivery reads the cache and never waits on the model.
    let mut brief = app.brief(&request, Wait::CacheOnly).await?;
    let delivered = store
        .delivered_item_ids(&destination_key, (window_start - max_window).timestamp())
        .await?;
    drop_already_delivered(&mut brief, &delivered);
    if brief.is_empty() && subscription.skip_if_empty {
        return skip("no new stories since the last brief".into()).await;
    }

    let outgoing = Outgoing {
        delivery_id: delivery.id,
        destination: &subscription.destination,
        brief: &brief,
    };
    let result = messenger.send(outgoing).await;
    let now = clock.now();
    match result {
        Ok(message_ids) => {
            let item_ids: Vec<i64> = brief
                .sections
                .iter()
                .flat_map(|s| &s.stories)
                .flat_map(|s| s.item_ids.iter().copied())
                .collect();
            let sent = SentRecord {
                destination_key: &destination_key,
                message_ids: &message_ids,
                item_ids: &item_ids,
                story_count: brief.story_count(),
            };
            store.mark_sent(delivery, &sent, now.timestamp()).await?;
            Ok(Outcome::Sent)
        }
        Err(SendError::RateLimited { retry_after }) => {
            let wait = Duration::from_std(retry_after).unwrap_or(Duration::seconds(30));
            // Round up: retrying a moment too early only earns another 429.
            let not_before = now.timestamp() + ((wait.num_milliseconds() + 999) / 1000).max(1);
            store.mark_rate_limited(delivery.id).await?;
            store
                .retry_delivery(
                    delivery.id,
                    not_before,
                    &format!(
                        "rate limited; retrying after {} s",
                        not_before - now.timestamp()
                    ),
                    now.timestamp(),
                )
                .await?;
            Ok(Outcome::Retry)
        }
        Err(SendError::Gone { reason }) => {
            // A vanished thread says nothing about its channel; a vanished chat takes all of
            // its threads with it.
            if subscription.destination.thread_id.is_some() {
                store
                    .set_destination_paused(&subscription.destination, true, Some(&reason))
                    .await?;
            } else {
                let platform = &subscription.destination.platform;
                store
                    .pause_chat(platform, &subscription.destination.chat_id, &reason)
                    .await?;
            }
            tracing::warn!(destination = %destination_key, %reason, "destination gone; its subscriptions are paused");
            store
                .finish_delivery(
                    delivery.id,
                    DeliveryStatus::Failed,
                    &format!("destination gone ({reason}); subscriptions paused"),
                    now.timestamp(),
                )
                .await?;
            Ok(Outcome::Failed)
        }
        Err(SendError::Moved { new_chat_id }) => {
            let platform = &subscription.destination.platform;
            store
                .move_chat(platform, &subscription.destination.chat_id, &new_chat_id)
                .await?;
            store
                .retry_delivery(
                    delivery.id,
                    now.timestamp(),
                    &format!("chat moved to {new_chat_id}; resending there"),
                    now.timestamp(),
                )
                .await?;
            Ok(Outcome::Retry)
        }
        Err(SendError::Transient { reason }) => {
            let next = now
                + Duration::from_std(retry_delay(
                    app.config.schedule.retry_backoff,
                    delivery.attempts,
                ))
                .unwrap_or(Duration::minutes(1));
            if next - scheduled > grace {
                store
                    .finish_delivery(
                        delivery.id,
                        DeliveryStatus::Failed,
                        &format!("gave up after {} attempts: {reason}", delivery.attempts),
                        now.timestamp(),
                    )
                    .await?;
                return Ok(Outcome::Failed);
            }
            store
                .retry_delivery(
                    delivery.id,
                    next.timestamp(),
                    &format!("attempt {} failed: {reason}", delivery.attempts),
                    now.timestamp(),
                )
                .await?;
            Ok(Outcome::Retry)
        }
        Err(SendError::Permanent { reason }) => {
            store
                .finish_delivery(
                    delivery.id,
                    DeliveryStatus::Failed,
                    &reason,
                    now.timestamp(),
                )
                .await?;
            Ok(Outcome::Failed)
        }
    }
}

/// Removes stories the destination already received, unless they gained coverage since (a
/// new outlet's item counts as news worth showing again).
pub fn drop_already_delivered(brief: &mut Brief, delivered: &HashSet<i64>) {
    let stories_before = brief.story_count();
    for section in &mut brief.sections {
        section
            .stories
            .retain(|story| story.item_ids.iter().any(|id| !delivered.contains(id)));
    }
    if brief.topic.is_none() {
        brief.sections.retain(|section| !section.stories.is_empty());
    }
    brief.source_count = Brief::count_sources(&brief.sections);
    if brief.story_count() != stories_before {
        // The overview was written about stories this destination will not get now.
        brief.editorial = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Editorial, Link, Section, Story};

    fn story(item_ids: &[i64], source: &str) -> Story {
        Story {
            headline: format!("story {item_ids:?}"),
            summary: String::new(),
            key_entity: String::new(),
            published: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            topics: vec!["chips".into()],
            links: vec![Link {
                url: "https://x.example".into(),
                source: source.into(),
                title: String::new(),
            }],
            score: 1.0,
            item_ids: item_ids.to_vec(),
            why: None,
        }
    }

    #[test]
    fn delivered_stories_return_only_with_new_coverage() {
        let mut brief = Brief {
            title: "t".into(),
            topic: None,
            as_of: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            window_start: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            sections: vec![
                Section {
                    topic: "chips".into(),
                    title: "Chips".into(),
                    stories: vec![story(&[1, 2], "A"), story(&[3, 4], "B")],
                },
                Section {
                    topic: "models".into(),
                    title: "Models".into(),
                    stories: vec![story(&[5], "C")],
                },
            ],
            source_count: 3,
            editorial: Some(Editorial {
                overview: "A, B and C.".into(),
                bottom_line: "All three.".into(),
            }),
        };
        let mut unchanged = brief.clone();
        drop_already_delivered(&mut unchanged, &HashSet::from([1, 3]));
        assert_eq!(unchanged, brief, "every story has something new");
        drop_already_delivered(&mut brief, &HashSet::from([1, 2, 3, 5]));
        assert_eq!(brief.story_count(), 1, "the story with new item 4 stays");
        assert_eq!(brief.sections.len(), 1, "an emptied section goes");
        assert_eq!(brief.sections[0].stories[0].item_ids, [3, 4]);
        assert_eq!(brief.source_count, 1);
        assert_eq!(brief.editorial, None, "an overview of stories not sent");
    }
}
