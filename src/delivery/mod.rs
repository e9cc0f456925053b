//! The `Messenger` seam: how a rendered brief reaches a destination, and the typed ways that
//! can fail. Every platform adapter (Telegram, Discord, webhook, console) implements it; the
//! delivery ledger decides what each failure means (wait, retry, pause, move).

pub mod console;
pub mod limit;
pub mod share;
pub mod webhook;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::model::{Brief, Destination, Platform};

/// One brief on its way to one destination.
#[derive(Clone, Copy)]
pub struct Outgoing<'a> {
    /// The ledger row's id: stable across retries, so platforms that support idempotency
    /// (Discord's nonce, a webhook's Idempotency-Key) can drop a repeat.
    pub delivery_id: i64,
    pub destination: &'a Destination,
    pub brief: &'a Brief,
    /// Parts of this brief an earlier attempt already delivered: a retry starts after them,
    /// so readers never see part 1 twice because part 2 failed.
    pub delivered_parts: usize,
    /// Told about every part as it goes out, before the next one is sent.
    pub progress: &'a dyn PartProgress,
}

impl<'a> Outgoing<'a> {
    /// A first attempt whose progress nobody records (tests, one-off sends).
    pub fn new(delivery_id: i64, destination: &'a Destination, brief: &'a Brief) -> Self {
        Self {
            delivery_id,
            destination,
            brief,
            delivered_parts: 0,
            progress: &NoProgress,
        }
    }
}

impl fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("delivery_id", &self.delivery_id)
            .field("destination", &self.destination)
            .field("delivered_parts", &self.delivered_parts)
            .finish_non_exhaustive()
    }
}

/// Where a messenger reports each part of a multi-part brief the moment the platform has it.
/// The ledger keeps them, so a crash or an error part-way leaves a record of what went out.
pub trait PartProgress: Send + Sync {
    fn part_delivered<'a>(&'a self, message_id: &'a str) -> BoxFuture<'a, ()>;
}

/// Progress nobody keeps.
pub struct NoProgress;

impl PartProgress for NoProgress {
    fn part_delivered<'a>(&'a self, _message_id: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// The platform asked us to slow down; wait exactly this long, then send again.
    #[error("rate limited; retry after {} s", retry_after.as_secs_f64())]
    RateLimited { retry_after: Duration },
    /// The destination no longer accepts us (blocked, kicked, channel deleted): pause.
    #[error("destination gone: {reason}")]
    Gone { reason: String },
    /// The chat has a new id (a Telegram group upgraded to a supergroup): move and resend.
    #[error("destination moved to {new_chat_id}")]
    Moved { new_chat_id: String },
    /// Worth retrying later: 5xx, timeouts, network trouble.
    #[error("temporary failure: {reason}")]
    Transient { reason: String },
    /// Retrying will not help (a malformed request, a missing permission we cannot fix).
    #[error("failed: {reason}")]
    Permanent { reason: String },
}

/// The longest wait a platform's 429 can impose on one attempt. A receiver that asks for more
/// (`Retry-After: 1e20`) gets this, so no answer can overflow a duration or park a row for ages.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// A `Retry-After` in seconds as a platform sent it, made safe: negative, not a number or
/// unreadable gives `fallback`, anything above [`MAX_RETRY_AFTER`] is clamped to it.
pub fn retry_after_seconds(seconds: Option<f64>, fallback: Duration) -> Duration {
    match seconds {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Duration::try_from_secs_f64(seconds.min(MAX_RETRY_AFTER.as_secs_f64()))
                .unwrap_or(MAX_RETRY_AFTER)
        }
        Some(seconds) if seconds == f64::INFINITY => MAX_RETRY_AFTER,
        _ => fallback,
    }
}

/// Sends a brief's `parts` (by index) from the first one not yet delivered, recording each
/// as it goes out, for senders that get no message id back (webhooks): a part's id is its
/// place in the delivery, `{platform}-{delivery}.{index}`.
pub async fn send_numbered_parts<F, Fut>(
    outgoing: &Outgoing<'_>,
    platform: Platform,
    parts: usize,
    mut post: F,
) -> Result<MessageIds, SendError>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), SendError>>,
{
    let mut ids = Vec::new();
    for index in outgoing.delivered_parts..parts {
        post(index).await?;
        let id = format!("{platform}-{}.{index}", outgoing.delivery_id);
        outgoing.progress.part_delivered(&id).await;
        ids.push(id);
    }
    Ok(ids)
}

/// What a platform hands back for a delivered brief: the message ids of the parts this attempt
/// sent, in order.
pub type MessageIds = Vec<String>;

pub trait Messenger: Send + Sync {
    /// The platform whose destinations this messenger serves.
    fn platform(&self) -> Platform;

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>>;

    /// How many deliveries this messenger needs in flight to use its platform's whole rate
    /// budget (each one waits its chat's turn between parts); 0 for no opinion.
    fn deliveries_in_flight(&self) -> usize {
        0
    }

    /// Posts a short plain-text notice for the operator (feed health), outside the ledger.
    /// The text may hold feed-derived names and errors: each platform sends it as inert text.
    fn notify<'a>(
        &'a self,
        destination: &'a Destination,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        let _ = (destination, text);
        Box::pin(async move {
            Err(SendError::Permanent {
                reason: format!("{} destinations cannot take notices", self.platform()),
            })
        })
    }
}

/// The messengers a running bot has, by platform.
#[derive(Clone, Default)]
pub struct Messengers {
    by_platform: HashMap<Platform, Arc<dyn Messenger>>,
}

impl Messengers {
    pub fn with(mut self, messenger: Arc<dyn Messenger>) -> Self {
        self.by_platform.insert(messenger.platform(), messenger);
        self
    }

    pub fn get(&self, platform: Platform) -> Option<&Arc<dyn Messenger>> {
        self.by_platform.get(&platform)
    }

    /// The most deliveries any messenger here wants in flight.
    pub fn deliveries_in_flight(&self) -> usize {
        self.by_platform
            .values()
            .map(|messenger| messenger.deliveries_in_flight())
            .max()
            .unwrap_or(0)
    }

    /// The platforms served, by name, in a fixed order.
    pub fn platforms(&self) -> Vec<&'static str> {
        let mut platforms: Vec<Platform> = self.by_platform.keys().copied().collect();
        platforms.sort_unstable();
        platforms.into_iter().map(Platform::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_from_outside_cannot_panic_or_park_a_row() {
        let fallback = Duration::from_secs(30);
        let read = |text: &str| retry_after_seconds(text.trim().parse::<f64>().ok(), fallback);
        assert_eq!(read("1e20"), MAX_RETRY_AFTER);
        assert_eq!(read("inf"), MAX_RETRY_AFTER);
        assert_eq!(read("1.5"), Duration::from_millis(1500));
        assert_eq!(read("-5"), fallback);
        assert_eq!(read("NaN"), fallback);
        assert_eq!(read("soon"), fallback);
        assert_eq!(read("7200"), MAX_RETRY_AFTER);
    }
}
