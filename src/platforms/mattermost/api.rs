//! The few Mattermost REST API v4 calls briefbot makes — create a post, read a user's roles,
//! read a channel member's roles — with the bot's token in the `Authorization` header.
//!
//! Mattermost answers errors with an HTTP status and `{"id", "message", "status_code"}`;
//! `send_error` turns them into the ledger's `SendError`s: a channel the bot is no longer in
//! (403), that is gone (404) or archived pauses its subscriptions.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::MattermostError;
use crate::delivery::{SendError, retry_after_seconds};
use crate::ingest::fetch::USER_AGENT;

/// Longest wait for one API call before it counts as a network failure.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Wait asked of the ledger when a 429 says nothing about how long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// HTTP 429: wait this long.
    #[error("rate limited; retry after {} s", .0.as_secs_f64())]
    RateLimited(Duration),
    /// Any other failure status, with Mattermost's error id and message when it sent them.
    #[error("Mattermost {status} {id}: {message}")]
    Status {
        status: u16,
        id: String,
        message: String,
    },
    /// The request did not get an answer.
    #[error("network: {0}")]
    Network(String),
    /// An answer that is not Mattermost's JSON.
    #[error("unreadable reply: {0}")]
    Unreadable(String),
}

#[derive(Clone)]
pub struct MattermostApi {
    client: reqwest::Client,
    /// The server's root, ending in `/`; `api/v4/…` joins onto it.
    base: url::Url,
    token: SecretString,
}

impl std::fmt::Debug for MattermostApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MattermostApi")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// What `POST /api/v4/posts` takes.
#[derive(Debug, Serialize)]
struct NewPost<'a> {
    channel_id: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    root_id: Option<&'a str>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct Roles {
    #[serde(default)]
    roles: String,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    id: String,
    #[serde(default)]
    message: String,
}

impl MattermostApi {
    pub fn new(base: url::Url, token: SecretString) -> Result<Self, MattermostError> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| MattermostError::Client(e.to_string()))?;
        Ok(Self {
            client,
            base,
            token,
        })
    }

    /// `api/v4/` and then `segments`, each escaped as one path segment (ids come from
    /// requests; none may add a segment of its own).
    fn endpoint(&self, segments: &[&str]) -> Result<url::Url, ApiError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| ApiError::Unreadable("MATTERMOST_URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(["api", "v4"])
            .extend(segments);
        Ok(url)
    }

    /// Creates a post; returns its id.
    pub async fn create_post(
        &self,
        channel_id: &str,
        root_id: Option<&str>,
        message: &str,
    ) -> Result<String, ApiError> {
        let request = self.client.post(self.endpoint(&["posts"])?).json(&NewPost {
            channel_id,
            message,
            root_id,
        });
        let body = self.call(request).await?;
        serde_json::from_slice::<Created>(&body)
            .map(|created| created.id)
            .map_err(|e| ApiError::Unreadable(e.to_string()))
    }

    /// Whether the user is a system admin.
    pub async fn is_system_admin(&self, user_id: &str) -> Result<bool, ApiError> {
        let request = self.client.get(self.endpoint(&["users", user_id])?);
        Ok(has_role(&self.call(request).await?, "system_admin"))
    }

    /// Whether the user is an admin of the channel (false when not a member at all).
    pub async fn is_channel_admin(
        &self,
        channel_id: &str,
        user_id: &str,
    ) -> Result<bool, ApiError> {
        let url = self.endpoint(&["channels", channel_id, "members", user_id])?;
        match self.call(self.client.get(url)).await {
            Ok(body) => Ok(has_role(&body, "channel_admin")),
            Err(ApiError::Status { status: 404, .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, ApiError> {
        let response = request
            .header(
                AUTHORIZATION,
                format!("Bearer {}", self.token.expose_secret()),
            )
            .send()
            .await
            .map_err(|e| ApiError::Network(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        if status == 429 {
            let header = |name| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<f64>().ok())
            };
            let seconds = header(RETRY_AFTER.as_str()).or_else(|| header("x-ratelimit-reset"));
            return Err(ApiError::RateLimited(retry_after_seconds(
                seconds,
                DEFAULT_RETRY_AFTER,
            )));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| ApiError::Network(e.without_url().to_string()))?;
        if (200..300).contains(&status) {
            return Ok(body.to_vec());
        }
        let error: ErrorBody = serde_json::from_slice(&body).unwrap_or_default();
        Err(ApiError::Status {
            status,
            id: error.id,
            message: error.message.chars().take(200).collect(),
        })
    }
}

/// Whether a user or member object's space-separated `roles` holds `role`.
fn has_role(body: &[u8], role: &str) -> bool {
    serde_json::from_slice::<Roles>(body)
        .map(|r| r.roles.split_whitespace().any(|r| r == role))
        .unwrap_or(false)
}

/// What a failed post means for the ledger.
pub fn send_error(error: ApiError) -> SendError {
    match error {
        ApiError::RateLimited(retry_after) => SendError::RateLimited { retry_after },
        ApiError::Status { status, id, .. }
            if status == 403 || status == 404 || (status == 400 && id.contains("deleted")) =>
        {
            SendError::Gone {
                reason: format!("Mattermost {status} {id}"),
            }
        }
        ApiError::Status { status, id, .. } if status >= 500 => SendError::Transient {
            reason: format!("Mattermost {status} {id}"),
        },
        ApiError::Status {
            status,
            id,
            message,
        } => SendError::Permanent {
            reason: format!("Mattermost {status} {id}: {message}"),
        },
        error @ (ApiError::Network(_) | ApiError::Unreadable(_)) => SendError::Transient {
            reason: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, id: &str) -> SendError {
        send_error(ApiError::Status {
            status,
            id: id.into(),
            message: "m".into(),
        })
    }

    #[test]
    fn mattermost_errors_map_to_ledger_actions() {
        assert!(matches!(
            status(403, "api.context.permissions.app_error"),
            SendError::Gone { .. }
        ));
        assert!(matches!(
            status(404, "app.channel.get.existing.app_error"),
            SendError::Gone { .. }
        ));
        assert!(matches!(
            status(400, "api.post.create_post.can_not_post_to_deleted.error"),
            SendError::Gone { .. }
        ));
        assert!(matches!(
            status(400, "api.post.create_post.message_length"),
            SendError::Permanent { .. }
        ));
        assert!(matches!(
            status(401, "api.context.session_expired.app_error"),
            SendError::Permanent { .. }
        ));
        assert!(matches!(status(502, ""), SendError::Transient { .. }));
    }

    #[test]
    fn ids_cannot_add_path_segments() {
        let api = MattermostApi::new(
            url::Url::parse("https://chat.example/mm/").unwrap_or_else(|e| panic!("{e}")),
            SecretString::new("t".into()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let url = api
            .endpoint(&["users", "../admin?x"])
            .map(String::from)
            .unwrap_or_default();
        assert_eq!(url, "https://chat.example/mm/api/v4/users/..%2Fadmin%3Fx");
        assert!(has_role(
            br#"{"roles":"system_user system_admin"}"#,
            "system_admin"
        ));
        assert!(!has_role(br#"{"roles":"system_user"}"#, "system_admin"));
    }
}
