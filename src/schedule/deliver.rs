//! Delivering one claimed ledger row: build the brief as of its scheduled time, send it through
//! the destination's messenger, and record what happened — including every reason a brief did
//! not go out, for `briefbot deliveries`.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::clock::Clock;
use super::policy::{self, Policy};
use super::shared_briefs::SharedBriefs;
use crate::app::App;
use crate::archive;
use futures::future::BoxFuture;

use crate::delivery::{Messenger, Messengers, Outgoing, PartProgress, SendError};
use crate::engine::BriefRequest;
use crate::model::Brief;
use crate::storage::{
    ClaimedDelivery, DeliveryStatus, LedgerAction, SentRecord, StorageError, Store, Subscription,
};
use crate::summarizer::Wait;
use crate::telemetry;

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
        topic: subscription.topic.topic().map(str::to_string),
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

/// Delivers one claimed row: guards, build, send, then the ledger action the policy decides.
pub async fn deliver(
    app: &App,
    messengers: &Messengers,
    clock: &dyn Clock,
    shared: &SharedBriefs,
    delivery: &ClaimedDelivery,
) -> Result<Outcome, StorageError> {
    let subscription = app.store.subscription(delivery.subscription_id).await?;
    let platform = subscription
        .as_ref()
        .map_or("none", |s| s.destination.platform.as_str());
    let outcome = deliver_to(app, messengers, clock, shared, delivery, subscription).await?;
    telemetry::delivery(platform, outcome);
    Ok(outcome)
}

async fn deliver_to(
    app: &App,
    messengers: &Messengers,
    clock: &dyn Clock,
    shared: &SharedBriefs,
    delivery: &ClaimedDelivery,
    subscription: Option<Subscription>,
) -> Result<Outcome, StorageError> {
    let store = &app.store;
    let policy = Policy::new(&app.config.schedule);
    let now = clock.now();
    if let Some(action) = policy::before_send(subscription.as_ref(), delivery, now, &policy) {
        return apply(app, delivery, &action, now).await;
    }
    let Some(subscription) = subscription else {
        return Ok(Outcome::Skipped); // before_send skips a removed subscription
    };
    let platform = subscription.destination.platform;
    let Some(messenger) = messengers.get(platform) else {
        return apply(app, delivery, &policy::platform_missing(platform, now), now).await;
    };
    let scheduled = DateTime::from_timestamp(delivery.scheduled_at, 0).unwrap_or(now);
    let brief = build(app, shared, &subscription, scheduled, now).await?;
    if brief.is_empty() && subscription.skip_if_empty {
        return apply(app, delivery, &policy::nothing_new(), now).await;
    }
    let result = send(
        app,
        clock,
        messenger.as_ref(),
        delivery,
        &subscription,
        &brief,
    )
    .await;
    let now = clock.now();
    match result {
        Ok(message_ids) => {
            record_sent(store, delivery, &subscription, &brief, &message_ids, now).await
        }
        Err(error) => {
            let action = policy::after_failure(&error, delivery, &subscription, now, &policy);
            apply(app, delivery, &action, now).await
        }
    }
}

/// Sends the parts not yet delivered, recording each as it goes; the ids of every part,
/// earlier attempts' included.
async fn send(
    app: &App,
    clock: &dyn Clock,
    messenger: &dyn Messenger,
    delivery: &ClaimedDelivery,
    subscription: &Subscription,
    brief: &Brief,
) -> Result<Vec<String>, SendError> {
    let already_delivered = delivery.delivered_parts();
    let progress = LedgerProgress {
        store: &app.store,
        delivery,
        message_ids: tokio::sync::Mutex::new(already_delivered.clone()),
    };
    let outgoing = Outgoing {
        delivery_id: delivery.id,
        destination: &subscription.destination,
        brief,
        delivered_parts: already_delivered.len(),
        progress: &progress,
    };
    let platform = subscription.destination.platform.as_str();
    let started = std::time::Instant::now();
    let result = keep_lease(app, clock, delivery, messenger.send(outgoing)).await;
    telemetry::send_took(platform, started.elapsed());
    if let Err(SendError::RateLimited { retry_after }) = &result {
        telemetry::rate_limited(platform, *retry_after);
    }
    let new_ids = result?;
    Ok(already_delivered.into_iter().chain(new_ids).collect())
}

/// Marks the row sent with its message ids and the items the brief carried, so the next brief
/// to this destination leaves them out.
async fn record_sent(
    store: &Store,
    delivery: &ClaimedDelivery,
    subscription: &Subscription,
    brief: &Brief,
    message_ids: &[String],
    now: DateTime<Utc>,
) -> Result<Outcome, StorageError> {
    let item_ids: Vec<i64> = brief
        .sections
        .iter()
        .flat_map(|s| &s.stories)
        .flat_map(|s| s.item_ids.iter().copied())
        .collect();
    let sent = SentRecord {
        destination_key: &subscription.destination.key(),
        message_ids,
        item_ids: &item_ids,
        story_count: brief.story_count(),
    };
    if store.mark_sent(delivery, &sent, now.timestamp()).await? {
        Ok(Outcome::Sent)
    } else {
        lease_lost(delivery);
        Ok(Outcome::Retry)
    }
}

/// Runs a send while renewing the row's lease, so a send slowed by rate limits never outlives
/// its claim and lets another worker send the same brief again.
async fn keep_lease<T>(
    app: &App,
    clock: &dyn Clock,
    delivery: &ClaimedDelivery,
    send: impl Future<Output = T>,
) -> T {
    let lease = app
        .config
        .schedule
        .lease
        .max(std::time::Duration::from_secs(3));
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + lease / 3, lease / 3);
    tokio::pin!(send);
    loop {
        tokio::select! {
            result = &mut send => return result,
            _ = renew.tick() => {
                let until = clock.now().timestamp() + lease.as_secs() as i64;
                match app.store.renew_lease(delivery, until).await {
                    Ok(true) => {}
                    Ok(false) => lease_lost(delivery),
                    Err(error) => tracing::warn!(delivery = delivery.id, %error, "could not renew the lease"),
                }
            }
        }
    }
}

fn lease_lost(delivery: &ClaimedDelivery) {
    tracing::warn!(
        delivery = delivery.id,
        worker = %delivery.claimed_by,
        "the lease on this delivery was lost to another worker; leaving the row to it"
    );
}

/// Keeps each delivered part's message id in the ledger row as it goes out.
struct LedgerProgress<'a> {
    store: &'a crate::storage::Store,
    delivery: &'a ClaimedDelivery,
    message_ids: tokio::sync::Mutex<Vec<String>>,
}

impl PartProgress for LedgerProgress<'_> {
    fn part_delivered<'a>(&'a self, message_id: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut ids = self.message_ids.lock().await;
            ids.push(message_id.to_string());
            match self.store.record_parts(self.delivery, &ids).await {
                Ok(true) => {}
                Ok(false) => lease_lost(self.delivery),
                // The send goes on: at worst a retry repeats this part, as before.
                Err(error) => {
                    tracing::warn!(delivery = self.delivery.id, %error, "could not record a delivered part")
                }
            }
        })
    }
}

/// The brief a subscription gets for one scheduled time, less what its destination already
/// has. Prepared ahead (`prepare`): delivery reads the summary cache and never waits on the
/// model. The shared build is archived whole, so every copy links to the full brief.
async fn build(
    app: &App,
    shared: &SharedBriefs,
    subscription: &Subscription,
    scheduled: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Brief, StorageError> {
    let request = scheduled_request(app, subscription, scheduled);
    let max_window = Duration::seconds(subscription.max_window_secs.max(60));
    let brief = shared
        .get_or_build(&request, || async {
            let mut brief = app.brief(&request, Wait::CacheOnly).await?;
            let key = archive::scheduled_key(&request);
            brief.permalink = archive::keep(app, &key, &brief, now).await;
            Ok::<_, StorageError>(brief)
        })
        .await?;
    let mut brief = Brief::clone(&brief);
    let delivered = app
        .store
        .delivered_item_ids(
            &subscription.destination.key(),
            (request.window_start() - max_window).timestamp(),
        )
        .await?;
    drop_already_delivered(&mut brief, &delivered);
    Ok(brief)
}

async fn apply(
    app: &App,
    delivery: &ClaimedDelivery,
    action: &LedgerAction,
    now: DateTime<Utc>,
) -> Result<Outcome, StorageError> {
    if let LedgerAction::PauseThread { reason, .. } | LedgerAction::PauseChat { reason, .. } =
        action
    {
        tracing::warn!(delivery = delivery.id, %reason, "destination gone; its subscriptions are paused");
    }
    if !app.store.apply(delivery, action, now.timestamp()).await? {
        lease_lost(delivery);
        return Ok(Outcome::Retry);
    }
    Ok(match action {
        LedgerAction::Finish {
            status: DeliveryStatus::Skipped,
            ..
        } => Outcome::Skipped,
        LedgerAction::Finish { .. }
        | LedgerAction::PauseThread { .. }
        | LedgerAction::PauseChat { .. } => Outcome::Failed,
        LedgerAction::Retry { .. }
        | LedgerAction::WaitOut { .. }
        | LedgerAction::MoveChat { .. } => Outcome::Retry,
    })
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
            permalink: None,
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
