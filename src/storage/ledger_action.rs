//! What happens to a delivery row after an attempt, as data: the pure policy in
//! `schedule::policy` decides, [`Store::apply`] writes it.

use super::{ClaimedDelivery, DeliveryStatus, Result, Store};
use crate::model::{Destination, Platform};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerAction {
    /// Done without sending, skipped or failed, with the reason `briefbot deliveries` shows.
    Finish {
        status: DeliveryStatus,
        reason: String,
    },
    /// Try again at `not_before` (epoch seconds).
    Retry { not_before: i64, reason: String },
    /// The platform asked us to wait: try again then. The attempt is not counted and the row
    /// is marked, so the grace period never drops a brief that is only waiting its turn.
    WaitOut { not_before: i64, reason: String },
    /// The destination's thread is gone: pause that thread's subscriptions, fail the row.
    PauseThread {
        destination: Destination,
        reason: String,
    },
    /// The whole chat is gone: pause every subscription in it, fail the row.
    PauseChat {
        platform: Platform,
        chat_id: String,
        reason: String,
    },
    /// The chat has a new id: move its subscriptions there and send again now.
    MoveChat {
        platform: Platform,
        from: String,
        to: String,
    },
}

impl Store {
    /// Writes one decision about a claimed delivery at `now` (epoch seconds). Returns false,
    /// having changed nothing, when the row is no longer this worker's (its lease ran out and
    /// another worker took it): the holder decides.
    pub async fn apply(
        &self,
        delivery: &ClaimedDelivery,
        action: &LedgerAction,
        now: i64,
    ) -> Result<bool> {
        match action {
            LedgerAction::Finish { status, reason } => {
                self.finish_delivery(delivery, *status, reason, now).await
            }
            LedgerAction::Retry { not_before, reason } => {
                self.retry_delivery(delivery, *not_before, reason, false, now)
                    .await
            }
            LedgerAction::WaitOut { not_before, reason } => {
                self.retry_delivery(delivery, *not_before, reason, true, now)
                    .await
            }
            LedgerAction::PauseThread {
                destination,
                reason,
            } => {
                let held = self
                    .finish_delivery(delivery, DeliveryStatus::Failed, &gone(reason), now)
                    .await?;
                if held {
                    self.set_destination_paused(destination, true, Some(reason))
                        .await?;
                }
                Ok(held)
            }
            LedgerAction::PauseChat {
                platform,
                chat_id,
                reason,
            } => {
                let held = self
                    .finish_delivery(delivery, DeliveryStatus::Failed, &gone(reason), now)
                    .await?;
                if held {
                    self.pause_chat(*platform, chat_id, reason).await?;
                }
                Ok(held)
            }
            LedgerAction::MoveChat { platform, from, to } => {
                let reason = format!("chat moved to {to}; resending there");
                let held = self
                    .retry_delivery(delivery, now, &reason, false, now)
                    .await?;
                if held {
                    self.move_chat(*platform, from, to).await?;
                }
                Ok(held)
            }
        }
    }
}

fn gone(reason: &str) -> String {
    format!("destination gone ({reason}); subscriptions paused")
}
