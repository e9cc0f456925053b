//! `slack-webhook:URL` destinations: the brief rendered as Block Kit and posted to a Slack
//! incoming webhook, for workspaces that only allow those. No token and no commands; the URL
//! is the secret (it is never shown, see `Destination`'s `Display`). One message per part,
//! paced like channel posts (a webhook is one channel).

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;

use super::pacing::{Pace, Pacer};
use super::render::{self, Message};
use crate::delivery::webhook::post;
use crate::delivery::{MessageIds, Messenger, Outgoing, SendError, send_numbered_parts};
use crate::ingest::fetch::USER_AGENT;
use crate::model::Destination;

/// The platform name in destinations.
pub const PLATFORM: crate::model::Platform = crate::model::Platform::SlackWebhook;

/// A notice is a few lines; escaping at most doubles it.
const NOTICE_CHARS: usize = 1000;

pub struct SlackWebhook {
    client: reqwest::Client,
    pacer: Arc<Pacer>,
}

/// What an incoming webhook takes: the message and no link previews.
#[derive(Serialize)]
struct Payload<'a> {
    #[serde(flatten)]
    message: &'a Message,
    unfurl_links: bool,
    unfurl_media: bool,
}

impl SlackWebhook {
    pub fn new(timeout: Duration, pace: Pace) -> Result<Self, SendError> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .build()
            .map_err(|e| SendError::Permanent {
                reason: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Self {
            client,
            pacer: Arc::new(Pacer::new(pace)),
        })
    }

    async fn post(&self, destination: &Destination, message: &Message) -> Result<(), SendError> {
        let body = serde_json::to_string(&Payload {
            message,
            unfurl_links: false,
            unfurl_media: false,
        })
        .map_err(|e| SendError::Permanent {
            reason: format!("cannot encode the message: {e}"),
        })?;
        self.pacer.wait(&destination.chat_id).await;
        post(self.client.post(&destination.chat_id), body).await
    }
}

impl Messenger for SlackWebhook {
    fn platform(&self) -> crate::model::Platform {
        PLATFORM
    }

    fn deliveries_in_flight(&self) -> usize {
        self.pacer.deliveries_in_flight()
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            let messages = render::brief_messages(outgoing.brief);
            send_numbered_parts(&outgoing, PLATFORM, messages.len(), |index| {
                self.post(outgoing.destination, &messages[index])
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
            self.post(destination, &render::text_message(&text)).await
        })
    }
}
