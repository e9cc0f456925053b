//! Scheduled briefs into Mattermost channels (and threads, by root post) through
//! `POST /api/v4/posts`, each part reported to the ledger as it goes out, so a retry after any
//! failure resumes at the first unsent part.
//!
//! Mattermost's rate limit is the server operator's choice (10 requests a second per client
//! when on, by default); posts are spaced to stay under that default.

use std::num::NonZeroU32;

use futures::future::BoxFuture;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::PLATFORM;
use super::api::{MattermostApi, send_error};
use super::render;
use crate::delivery::{MessageIds, Messenger, Outgoing, SendError};
use crate::model::Destination;

/// Posts a second this process allows itself by default.
pub const DEFAULT_RATE: u32 = 8;

/// A notice is a few lines.
const NOTICE_CHARS: usize = 1000;

pub struct MattermostMessenger {
    api: MattermostApi,
    pace: DefaultDirectRateLimiter,
    per_second: u32,
}

impl MattermostMessenger {
    pub fn new(api: MattermostApi, per_second: u32) -> Self {
        let per_second = per_second.max(1);
        let quota = Quota::per_second(NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::MIN);
        Self {
            api,
            pace: RateLimiter::direct(quota),
            per_second,
        }
    }

    async fn post(&self, destination: &Destination, message: &str) -> Result<String, SendError> {
        if destination.platform != PLATFORM {
            return Err(SendError::Permanent {
                reason: format!("{destination} is not a Mattermost channel"),
            });
        }
        self.pace.until_ready().await;
        self.api
            .create_post(
                &destination.chat_id,
                destination.thread_id.as_deref(),
                message,
            )
            .await
            .map_err(send_error)
    }
}

impl Messenger for MattermostMessenger {
    fn platform(&self) -> crate::model::Platform {
        PLATFORM
    }

    /// Requests wait only for the overall pace; a second and a half of them in flight covers
    /// the round trip and the database work around each delivery.
    fn deliveries_in_flight(&self) -> usize {
        (f64::from(self.per_second) * 1.5).ceil() as usize
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            let posts = render::brief_posts(outgoing.brief);
            let mut ids = Vec::new();
            for post in posts.iter().skip(outgoing.delivered_parts) {
                let id = self.post(outgoing.destination, post).await?;
                outgoing.progress.part_delivered(&id).await;
                ids.push(id);
            }
            Ok(ids)
        })
    }

    /// Plain text, escaped like feed text.
    fn notify<'a>(
        &'a self,
        destination: &'a Destination,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let text: String = text.chars().take(NOTICE_CHARS).collect();
            self.post(destination, &render::text_post(&text))
                .await
                .map(|_| ())
        })
    }
}
