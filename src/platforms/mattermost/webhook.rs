//! `mattermost-webhook:URL` destinations: the brief rendered as Markdown posts and sent to a
//! Mattermost incoming webhook as `{"text": …}`, for teams that only have those. No token and
//! no commands; the URL is the secret (never shown, see `Destination`'s `Display`).

use std::time::Duration;

use futures::future::BoxFuture;

use super::render;
use crate::delivery::webhook::post;
use crate::delivery::{MessageIds, Messenger, Outgoing, SendError, send_numbered_parts};
use crate::ingest::fetch::USER_AGENT;
use crate::model::Destination;

/// The platform name in destinations.
pub const PLATFORM: crate::model::Platform = crate::model::Platform::MattermostWebhook;

/// A notice is a few lines.
const NOTICE_CHARS: usize = 1000;

pub struct MattermostWebhook {
    client: reqwest::Client,
}

impl MattermostWebhook {
    pub fn new(timeout: Duration) -> Result<Self, SendError> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .build()
            .map_err(|e| SendError::Permanent {
                reason: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Self { client })
    }

    async fn post(&self, destination: &Destination, text: &str) -> Result<(), SendError> {
        let body = serde_json::json!({ "text": text }).to_string();
        post(self.client.post(&destination.chat_id), body).await
    }
}

impl Messenger for MattermostWebhook {
    fn platform(&self) -> crate::model::Platform {
        PLATFORM
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            let posts = render::brief_posts(outgoing.brief);
            send_numbered_parts(&outgoing, PLATFORM, posts.len(), |index| {
                self.post(outgoing.destination, &posts[index])
            })
            .await
        })
    }

    fn notify<'a>(
        &'a self,
        destination: &'a Destination,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let text: String = text.chars().take(NOTICE_CHARS).collect();
            self.post(destination, &render::text_post(&text)).await
        })
    }
}
