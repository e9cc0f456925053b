//! Writing scheduled briefs' summaries before they are due, so that delivery only reads the
//! cache and a slow or dead model endpoint can never make a brief late.
//!
//! Every tick, subscriptions due within `summarizer.prepare_ahead` have their brief built as
//! delivery will build it (same request, same `as_of`) and summarised. Subscriptions that get
//! the same brief (same topic, time and window, the common case of one daily time across many
//! channels) are prepared once. Items that arrive after the last pass before the due time keep
//! extractive summaries in that brief; so does a brief trimmed by `drop_already_delivered`
//! into a story set nobody prepared, which then has no overview.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration};
use tokio::sync::watch;

use super::clock::Clock;
use super::deliver::scheduled_request;
use crate::app::App;
use crate::storage::StorageError;
use crate::summarizer::Wait;

/// Subscriptions looked at per pass; a fleet with more due in one window prepares the rest on
/// the next tick.
const PREPARE_BATCH: i64 = 5_000;

/// Prepares the briefs of subscriptions due within the look-ahead; returns how many distinct
/// briefs were summarised.
pub async fn prepare_due(app: &App, clock: &dyn Clock) -> Result<usize, StorageError> {
    if !app.summarizer.is_enabled() {
        return Ok(0);
    }
    let now = clock.now();
    let ahead = Duration::from_std(app.config.summarizer.prepare_ahead).unwrap_or_default();
    let due = app
        .store
        .due_subscriptions((now + ahead).timestamp(), PREPARE_BATCH)
        .await?;
    let mut seen = BTreeSet::new();
    for subscription in &due {
        let scheduled = DateTime::from_timestamp(subscription.next_run_at, 0).unwrap_or(now);
        let request = scheduled_request(app, subscription, scheduled);
        if !seen.insert((request.topic.clone(), scheduled, request.window)) {
            continue;
        }
        app.brief(&request, Wait::Finish).await?;
    }
    Ok(seen.len())
}

/// Runs `prepare_due` every scheduler tick until shutdown. Separate from the delivery loop so
/// a slow model call never holds up a delivery.
pub async fn run(app: Arc<App>, clock: Arc<dyn Clock>, shutdown: watch::Receiver<bool>) {
    if !app.summarizer.is_enabled() {
        return;
    }
    let mut rounds = crate::periodic::Rounds::every(app.config.schedule.tick, shutdown);
    while rounds.next().await {
        match prepare_due(&app, clock.as_ref()).await {
            Ok(0) => {}
            Ok(briefs) => {
                let stats = app.summarizer.stats();
                tracing::info!(briefs, ?stats, "scheduled briefs summarised ahead of time");
            }
            Err(error) => tracing::error!(%error, "preparing scheduled summaries failed"),
        }
    }
}
