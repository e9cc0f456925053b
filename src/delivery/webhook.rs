//! The generic webhook destination: POSTs the brief as JSON (the same shape as
//! `briefbot brief --format json`) to an http(s) URL, for Slack/Mattermost bridges, n8n or
//! anyone's own tooling. Every request carries `Idempotency-Key: briefbot-delivery-<id>` so a
//! receiver can drop the one repeat a crash mid-send may cause.

use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};

use super::{MessageIds, Messenger, Outgoing, SendError};
use crate::ingest::fetch::USER_AGENT;
use crate::model::Destination;
use crate::render::{self, Format};

/// Used when a 429 carries no usable Retry-After.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Webhook {
    client: reqwest::Client,
}

impl Webhook {
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
}

impl Messenger for Webhook {
    fn platform(&self) -> crate::model::Platform {
        crate::model::Platform::Webhook
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            if outgoing.delivered_parts > 0 {
                return Ok(Vec::new());
            }
            let body = render::render(outgoing.brief, Format::Json);
            let request = self
                .client
                .post(&outgoing.destination.chat_id)
                .header(
                    "Idempotency-Key",
                    format!("briefbot-delivery-{}", outgoing.delivery_id),
                )
                .header("X-Briefbot-Delivery", outgoing.delivery_id.to_string());
            post(request, body).await?;
            let id = format!("webhook-{}", outgoing.delivery_id);
            outgoing.progress.part_delivered(&id).await;
            Ok(vec![id])
        })
    }

    /// Posts `{"notice": text}`, so a receiver tells notices from briefs by their shape.
    fn notify<'a>(
        &'a self,
        destination: &'a Destination,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let body = serde_json::json!({ "notice": text }).to_string();
            post(self.client.post(&destination.chat_id), body).await
        })
    }
}

/// Sends a JSON body and reads the status as the ledger's policy needs it (the Slack and
/// Mattermost incoming-webhook destinations post through it too).
pub(crate) async fn post(request: reqwest::RequestBuilder, body: String) -> Result<(), SendError> {
    let response = request
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        // The URL is the webhook's secret (Slack-style URLs carry the token in the path):
        // the error must not repeat it into logs and the ledger.
        .map_err(|e| SendError::Transient {
            reason: format!("webhook unreachable: {}", e.without_url()),
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    Err(match status {
        StatusCode::TOO_MANY_REQUESTS => SendError::RateLimited {
            retry_after: super::retry_after_seconds(
                response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<f64>().ok()),
                DEFAULT_RETRY_AFTER,
            ),
        },
        StatusCode::GONE | StatusCode::NOT_FOUND => SendError::Gone {
            reason: format!("webhook answered {status}"),
        },
        status if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT => {
            SendError::Transient {
                reason: format!("webhook answered {status}"),
            }
        }
        status => SendError::Permanent {
            reason: format!("webhook answered {status}"),
        },
    })
}
