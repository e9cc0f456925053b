//! What happens to a delivery row after an attempt, as data: the pure policy in
//! `schedule::policy` decides, [`Store::apply`] writes it.

use super::{DeliveryStatus, Result, Store};
use crate::model::Destination;

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
        platform: String,
        chat_id: String,
        reason: String,
    },
    /// The chat has a new id: move its subscriptions there and send again now.
    MoveChat {
        platform: String,
        from: String,
        to: String,
    },
}

impl Store {
    /// Writes one decision about delivery `id` at `now` (epoch seconds).
    pub async fn apply(&self, id: i64, action: &LedgerAction, now: i64) -> Result<()> {
        match action {
            LedgerAction::Finish { status, reason } => {
                self.finish_delivery(id, *status, reason, now).await
            }
            LedgerAction::Retry { not_before, reason } => {
                self.retry_delivery(id, *not_before, reason, now).await
            }
            LedgerAction::WaitOut { not_before, reason } => {
                self.mark_rate_limited(id).await?;
                self.retry_delivery(id, *not_before, reason, now).await
            }
            LedgerAction::PauseThread {
                destination,
                reason,
            } => {
                self.set_destination_paused(destination, true, Some(reason))
                    .await?;
                self.finish_delivery(id, DeliveryStatus::Failed, &gone(reason), now)
                    .await
            }
            LedgerAction::PauseChat {
                platform,
                chat_id,
                reason,
            } => {
                self.pause_chat(platform, chat_id, reason).await?;
                self.finish_delivery(id, DeliveryStatus::Failed, &gone(reason), now)
                    .await
            }
            LedgerAction::MoveChat { platform, from, to } => {
                self.move_chat(platform, from, to).await?;
                let reason = format!("chat moved to {to}; resending there");
                self.retry_delivery(id, now, &reason, now).await
            }
        }
    }
}

fn gone(reason: &str) -> String {
    format!("destination gone ({reason}); subscriptions paused")
}
