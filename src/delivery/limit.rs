//! Staying inside a platform's rate limits before it has to say so: a messenger wrapped in
//! `Limited` waits for both an overall budget and a per-destination budget before each send,
//! so a fan-out to thousands of chats runs at the allowed rate instead of bouncing off 429s.
//! A 429 that still comes back (another process shares the budget) is handled by the ledger.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};

use super::share::ReplicaShare;
use super::{MessageIds, Messenger, Outgoing, SendError};
use crate::model::Destination;

/// A budget: `count` sends per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn per_second(count: u32) -> Self {
        Self {
            count,
            per: Duration::from_secs(1),
        }
    }

    pub const fn per_minute(count: u32) -> Self {
        Self {
            count,
            per: Duration::from_secs(60),
        }
    }

    fn quota(self) -> Option<Quota> {
        let count = NonZeroU32::new(self.count)?;
        // Spread evenly with no burst beyond one: bursts are what trigger 429s.
        Quota::with_period(self.per / count.get()).map(|quota| quota.allow_burst(NonZeroU32::MIN))
    }
}

pub struct Limited<M> {
    inner: M,
    overall: Option<DefaultDirectRateLimiter>,
    per_destination: Option<DefaultKeyedRateLimiter<String>>,
    share: ReplicaShare,
}

impl<M: Messenger> Limited<M> {
    pub fn new(inner: M, overall: Option<Rate>, per_destination: Option<Rate>) -> Self {
        Self {
            inner,
            overall: overall
                .and_then(Rate::quota)
                .map(governor::RateLimiter::direct),
            per_destination: per_destination
                .and_then(Rate::quota)
                .map(governor::RateLimiter::keyed),
            share: ReplicaShare::default(),
        }
    }

    /// The overall budget split with the other live replicas.
    pub fn sharing(mut self, share: ReplicaShare) -> Self {
        self.share = share;
        self
    }

    /// Destination first: waiting on a busy chat must not hold a slot of the overall budget
    /// that another chat could use. A destination's briefs go out from one replica at a
    /// time, so only the overall budget is split.
    async fn wait_turn(&self, destination: &Destination) {
        if let Some(limiter) = &self.per_destination {
            limiter.until_key_ready(&destination.key()).await;
        }
        if let Some(limiter) = &self.overall {
            self.share.wait_share(|| limiter.until_ready()).await;
        }
    }

    pub fn shared(self) -> Arc<Self> {
        Arc::new(self)
    }
}

impl<M: Messenger> Messenger for Limited<M> {
    fn platform(&self) -> crate::model::Platform {
        self.inner.platform()
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            self.wait_turn(outgoing.destination).await;
            self.inner.send(outgoing).await
        })
    }

    fn notify<'a>(
        &'a self,
        destination: &'a Destination,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            self.wait_turn(destination).await;
            self.inner.notify(destination, text).await
        })
    }
}
