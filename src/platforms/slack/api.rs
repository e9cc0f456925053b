//! The few Slack Web API methods briefbot calls — `chat.postMessage`, `users.info`,
//! `conversations.info` — over reqwest, with the bot token in the `Authorization` header
//! (never in a URL, so no log line or error can carry it).
//!
//! Slack answers most failures with HTTP 200 and `{"ok": false, "error": "…"}`; rate limits
//! come as HTTP 429 with `Retry-After` in seconds. `send_error` turns both into the ledger's
//! `SendError`s: a channel the bot can no longer reach pauses its subscriptions.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::SlackError;
use super::render::Message;
use crate::delivery::{SendError, retry_after_seconds};
use crate::ingest::fetch::USER_AGENT;

/// Longest wait for one API call before it counts as a network failure.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Wait asked of the ledger when a 429 says nothing about how long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Errors that mean the bot can no longer post to this conversation: pause it.
const GONE: &[&str] = &[
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "account_inactive",
];
/// Errors Slack documents as its own passing trouble.
const TRANSIENT: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// HTTP 429 or `ratelimited`: wait this long.
    #[error("rate limited; retry after {} s", .0.as_secs_f64())]
    RateLimited(Duration),
    /// `ok: false` with Slack's error code.
    #[error("Slack said {0}")]
    Slack(String),
    /// A status other than 200 or 429 without a readable error.
    #[error("HTTP {0}")]
    Status(u16),
    /// The request did not get an answer.
    #[error("network: {0}")]
    Network(String),
    /// An answer that is not Slack's JSON.
    #[error("unreadable reply: {0}")]
    Unreadable(String),
}

#[derive(Clone)]
pub struct SlackApi {
    client: reqwest::Client,
    base: url::Url,
    token: SecretString,
}

impl std::fmt::Debug for SlackApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackApi")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    ts: Option<String>,
    #[serde(default)]
    user: Option<User>,
    /// A conversation object from `conversations.info`; `chat.postMessage` answers with the
    /// channel's id here instead.
    #[serde(default)]
    channel: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct User {
    #[serde(default)]
    is_admin: bool,
    #[serde(default)]
    is_owner: bool,
    #[serde(default)]
    is_primary_owner: bool,
}

impl SlackApi {
    /// `base` is the API root (`https://slack.com/api/`, or a proxy or fake); method names are
    /// joined onto it.
    pub fn new(base: url::Url, token: SecretString) -> Result<Self, SlackError> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| SlackError::Client(e.to_string()))?;
        Ok(Self {
            client,
            base,
            token,
        })
    }

    fn method(&self, name: &str) -> Result<url::Url, ApiError> {
        self.base
            .join(name)
            .map_err(|e| ApiError::Unreadable(format!("API URL: {e}")))
    }

    /// Posts one message; returns its `ts`, the message's id in the channel.
    pub async fn post_message(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        message: &Message,
    ) -> Result<String, ApiError> {
        // Form-encoded, as the method is described: `blocks` is a JSON string.
        let mut form: Vec<(&str, String)> = vec![
            ("channel", channel.to_string()),
            ("text", message.text.clone()),
            ("unfurl_links", "false".into()),
            ("unfurl_media", "false".into()),
        ];
        if !message.blocks.is_empty() {
            let blocks = serde_json::to_string(&message.blocks)
                .map_err(|e| ApiError::Unreadable(format!("blocks: {e}")))?;
            form.push(("blocks", blocks));
        }
        if let Some(ts) = thread_ts {
            form.push(("thread_ts", ts.to_string()));
        }
        let request = self
            .client
            .post(self.method("chat.postMessage")?)
            .form(&form);
        let reply = self.call(request).await?;
        Ok(reply.ts.unwrap_or_default())
    }

    /// Whether a member is an admin or owner of the workspace.
    pub async fn is_workspace_admin(&self, user: &str) -> Result<bool, ApiError> {
        let request = self
            .client
            .get(self.method("users.info")?)
            .query(&[("user", user)]);
        let reply = self.call(request).await?;
        Ok(reply
            .user
            .is_some_and(|u| u.is_admin || u.is_owner || u.is_primary_owner))
    }

    /// The member who created a conversation, when Slack says.
    pub async fn channel_creator(&self, channel: &str) -> Result<Option<String>, ApiError> {
        let request = self
            .client
            .get(self.method("conversations.info")?)
            .query(&[("channel", channel)]);
        let reply = self.call(request).await?;
        Ok(reply
            .channel
            .as_ref()
            .and_then(|c| c.get("creator"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string))
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Reply, ApiError> {
        let response = request
            .header(
                AUTHORIZATION,
                format!("Bearer {}", self.token.expose_secret()),
            )
            .send()
            .await
            .map_err(|e| ApiError::Network(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let retry_after = retry_after_seconds(
            response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok()),
            DEFAULT_RETRY_AFTER,
        );
        if status == 429 {
            return Err(ApiError::RateLimited(retry_after));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| ApiError::Network(e.without_url().to_string()))?;
        let reply = match serde_json::from_slice::<Reply>(&body) {
            Ok(reply) => reply,
            Err(_) if status != 200 => return Err(ApiError::Status(status)),
            Err(error) => return Err(ApiError::Unreadable(error.to_string())),
        };
        if reply.ok {
            return Ok(reply);
        }
        let error = reply.error.unwrap_or_else(|| "unknown_error".into());
        Err(match error.as_str() {
            "ratelimited" | "rate_limited" => ApiError::RateLimited(retry_after),
            _ => ApiError::Slack(error),
        })
    }
}

/// What a failed post means for the ledger.
pub fn send_error(error: ApiError) -> SendError {
    match error {
        ApiError::RateLimited(retry_after) => SendError::RateLimited { retry_after },
        ApiError::Slack(code) if GONE.contains(&code.as_str()) => SendError::Gone {
            reason: format!("Slack: {code}"),
        },
        ApiError::Slack(code) if TRANSIENT.contains(&code.as_str()) => SendError::Transient {
            reason: format!("Slack: {code}"),
        },
        ApiError::Slack(code) => SendError::Permanent {
            reason: format!("Slack: {code}"),
        },
        ApiError::Status(status) if status >= 500 => SendError::Transient {
            reason: format!("Slack answered HTTP {status}"),
        },
        ApiError::Status(status) => SendError::Permanent {
            reason: format!("Slack answered HTTP {status}"),
        },
        // The message may or may not be out; a retry risks one repeat, giving up risks a loss.
        error @ (ApiError::Network(_) | ApiError::Unreadable(_)) => SendError::Transient {
            reason: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_errors_map_to_ledger_actions() {
        let slack = |code: &str| send_error(ApiError::Slack(code.into()));
        for code in GONE {
            assert!(matches!(slack(code), SendError::Gone { .. }), "{code}");
        }
        assert!(matches!(
            slack("internal_error"),
            SendError::Transient { .. }
        ));
        assert!(matches!(
            slack("invalid_blocks"),
            SendError::Permanent { .. }
        ));
        assert!(matches!(slack("invalid_auth"), SendError::Permanent { .. }));
        assert!(matches!(
            send_error(ApiError::Status(503)),
            SendError::Transient { .. }
        ));
        assert_eq!(
            send_error(ApiError::RateLimited(Duration::from_secs(3))),
            SendError::RateLimited {
                retry_after: Duration::from_secs(3)
            }
        );
    }
}
