//! The `Messenger` seam: how a rendered brief reaches a destination, and the typed ways that
//! can fail. Every platform adapter (Telegram, Discord, webhook, console) implements it; the
//! delivery ledger decides what each failure means (wait, retry, pause, move).

pub mod console;
pub mod limit;
pub mod webhook;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::model::{Brief, Destination};

/// One brief on its way to one destination.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The ledger row's id: stable across retries, so platforms that support idempotency
    /// (Discord's nonce, a webhook's Idempotency-Key) can drop a repeat.
    pub delivery_id: i64,
    pub destination: &'a Destination,
    pub brief: &'a Brief,
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

/// What a platform hands back for a delivered brief: its message ids, in order.
pub type MessageIds = Vec<String>;

pub trait Messenger: Send + Sync {
    /// The platform name destinations use (`telegram`, `discord`, `webhook`, `console`).
    fn platform(&self) -> &'static str;

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>>;
}

/// The messengers a running bot has, by platform.
#[derive(Clone, Default)]
pub struct Messengers {
    by_platform: HashMap<&'static str, Arc<dyn Messenger>>,
}

impl Messengers {
    pub fn with(mut self, messenger: Arc<dyn Messenger>) -> Self {
        self.by_platform.insert(messenger.platform(), messenger);
        self
    }

    pub fn get(&self, platform: &str) -> Option<&Arc<dyn Messenger>> {
        self.by_platform.get(platform)
    }

    pub fn platforms(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.by_platform.keys().copied().collect();
        names.sort_unstable();
        names
    }
}
