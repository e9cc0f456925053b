//! Scheduled briefs into Slack channels and threads through `chat.postMessage`, each part
//! paced per channel and reported to the ledger as it goes out, so a retry after any failure
//! resumes at the first unsent part.

use crate::delivery::share::ReplicaShare;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::PLATFORM;
use super::api::{SlackApi, send_error};
use super::pacing::{Pace, Pacer};
use super::render::{self, Message};
use crate::delivery::{MessageIds, Messenger, Outgoing, SendError};
use crate::model::Destination;

/// A notice is a few lines; escaping at most doubles it, well within a message.
const NOTICE_CHARS: usize = 1000;

pub struct SlackMessenger {
    api: SlackApi,
    pacer: Arc<Pacer>,
}

impl SlackMessenger {
    pub fn new(api: SlackApi, pace: Pace) -> Self {
        Self::sharing(api, pace, ReplicaShare::default())
    }

    /// Like `new`, the overall budget split with the other live replicas in `share`.
    pub fn sharing(api: SlackApi, pace: Pace, share: ReplicaShare) -> Self {
        Self {
            api,
            pacer: Arc::new(Pacer::new(pace).sharing(share)),
        }
    }

    async fn post(
        &self,
        destination: &Destination,
        message: &Message,
    ) -> Result<String, SendError> {
        let (channel, thread) = target(destination)?;
        self.pacer.wait(channel).await;
        self.api
            .post_message(channel, thread, message)
            .await
            .map_err(send_error)
    }
}

impl Messenger for SlackMessenger {
    fn platform(&self) -> crate::model::Platform {
        PLATFORM
    }

    fn deliveries_in_flight(&self) -> usize {
        self.pacer.deliveries_in_flight()
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            let messages = render::brief_messages(outgoing.brief);
            let mut ids = Vec::new();
            for (index, message) in messages.iter().enumerate().skip(outgoing.delivered_parts) {
                let id = self
                    .post(outgoing.destination, message)
                    .await
                    .inspect_err(|error| {
                        if index > 0 {
                            tracing::warn!(
                                destination = %outgoing.destination,
                                sent = index,
                                %error,
                                "brief failed part-way; the retry resumes at the first unsent part"
                            );
                        }
                    })?;
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
            self.post(destination, &render::text_message(&text))
                .await
                .map(|_| ())
        })
    }
}

/// The channel and, for a thread, its parent message's `ts`.
pub fn target(destination: &Destination) -> Result<(&str, Option<&str>), SendError> {
    if destination.platform != PLATFORM || destination.chat_id.is_empty() {
        return Err(SendError::Permanent {
            reason: format!("{destination} is not a Slack channel"),
        });
    }
    Ok((&destination.chat_id, destination.thread_id.as_deref()))
}
