//! The slash command endpoint, `POST /slack/commands`: Slack posts each `/briefbot …` here as
//! a form. Stateless, so any replica behind a load balancer can answer.
//!
//! Every request must carry `X-Slack-Signature` over its timestamp and body made with the
//! signing secret. The headers and the timestamp (at most five minutes from now) are checked
//! before the body is read, the signature before the body is parsed, and a signature already
//! answered within the window is refused, so a captured request cannot be replayed: all of
//! these get 401. A good request is acknowledged at once with an empty 200 (Slack gives up
//! after 3 s); the answer follows through the request's `response_url`, in the channel for a
//! brief and to the caller alone for everything else.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{RequestExt, Router};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::api::SlackApi;
use super::render::{self, Message};
use super::{PLATFORM, SlackError, signature};
use crate::app::App;
use crate::commands::{Reply, ReplyBody};
use crate::http::replay::Seen;
use crate::ingest::fetch::USER_AGENT;
use crate::model::Destination;
use crate::platforms::slash;
use crate::render::is_web_url;
use crate::schedule::clock::Clock;

/// The route the Slack app's slash command is configured to call.
pub const PATH: &str = "/slack/commands";
/// How far a signed timestamp may be from now, either way.
const FRESHNESS: Duration = Duration::from_secs(5 * 60);
/// Slack takes at most five messages through one `response_url`.
const MAX_RESPONSES: usize = 5;
/// A `response_url` that does not answer in this long is tried once more, then given up.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// What answering needs: the app, the Web API (for admin checks), the time.
#[derive(Clone)]
pub struct Responder {
    pub app: Arc<App>,
    pub api: SlackApi,
    pub clock: Arc<dyn Clock>,
    client: reqwest::Client,
}

/// The fields of a slash command request briefbot reads.
#[derive(Debug, Clone, PartialEq)]
pub struct SlashCommand {
    pub command: String,
    pub text: String,
    pub user_id: String,
    pub channel_id: String,
    pub response_url: String,
}

impl SlashCommand {
    /// Reads the form Slack posts; `None` when a field briefbot needs is missing.
    pub fn from_form(body: &[u8]) -> Option<Self> {
        let fields: HashMap<String, String> =
            url::form_urlencoded::parse(body).into_owned().collect();
        let field = |name: &str| fields.get(name).cloned();
        Some(Self {
            command: field("command").unwrap_or_default(),
            text: field("text").unwrap_or_default(),
            user_id: field("user_id").filter(|v| !v.is_empty())?,
            channel_id: field("channel_id").filter(|v| !v.is_empty())?,
            response_url: field("response_url").filter(|v| is_web_url(v))?,
        })
    }
}

/// The JSON posted to a `response_url`.
#[derive(Debug, Serialize)]
struct Answer {
    response_type: &'static str,
    #[serde(flatten)]
    message: Message,
}

impl Responder {
    pub fn new(app: Arc<App>, api: SlackApi, clock: Arc<dyn Clock>) -> Result<Self, SlackError> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(RESPONSE_TIMEOUT)
            .build()
            .map_err(|e| SlackError::Client(e.to_string()))?;
        Ok(Self {
            app,
            api,
            clock,
            client,
        })
    }

    /// Runs the command and posts its answer through the `response_url`.
    pub async fn answer(&self, slash_command: SlashCommand) {
        let name = slash::command_name(Some(&slash_command.command));
        let reply = self.reply(&slash_command, &name).await;
        let (response_type, messages) = messages(&reply, &name);
        if messages.len() > MAX_RESPONSES {
            tracing::warn!(
                parts = messages.len(),
                "a Slack answer longer than five messages was cut"
            );
        }
        for message in messages.into_iter().take(MAX_RESPONSES) {
            let body = Answer {
                response_type,
                message,
            };
            if !self.respond(&slash_command.response_url, &body).await {
                return;
            }
        }
    }

    async fn reply(&self, slash_command: &SlashCommand, name: &str) -> Reply {
        slash::reply(
            &self.app,
            self.clock.now(),
            Destination::new(PLATFORM, &slash_command.channel_id, None),
            &slash_command.user_id,
            &slash_command.text,
            name,
            || self.may_manage(&slash_command.user_id, &slash_command.channel_id),
        )
        .await
    }

    /// Workspace admins and owners manage every channel; a channel's creator manages it.
    async fn may_manage(&self, user: &str, channel: &str) -> bool {
        match self.api.is_workspace_admin(user).await {
            Ok(true) => return true,
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "Slack users.info failed; not an admin"),
        }
        match self.api.channel_creator(channel).await {
            Ok(creator) => creator.as_deref() == Some(user),
            Err(error) => {
                tracing::warn!(%error, "Slack conversations.info failed; not the creator");
                false
            }
        }
    }

    /// Posts one answer; false when the `response_url` refused it for good.
    async fn respond(&self, url: &str, body: &Answer) -> bool {
        for attempt in 0..2 {
            match self.client.post(url).json(body).send().await {
                Ok(response) if response.status().is_success() => return true,
                Ok(response) if response.status().is_server_error() && attempt == 0 => {}
                Ok(response) => {
                    tracing::warn!(status = %response.status(), "Slack refused a command answer");
                    return false;
                }
                Err(error) if attempt == 0 => {
                    tracing::debug!(error = %error.without_url(), "retrying a command answer");
                }
                Err(error) => {
                    tracing::warn!(error = %error.without_url(), "could not answer a Slack command");
                    return false;
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        false
    }
}

/// A reply as Slack messages: a brief for the whole channel, anything else for the caller.
fn messages(reply: &Reply, command: &str) -> (&'static str, Vec<Message>) {
    let text = |text: &str| render::text_message(&slash::words(text, command));
    match &reply.body {
        ReplyBody::Brief(brief) => ("in_channel", render::brief_messages(brief)),
        ReplyBody::Error(message) | ReplyBody::Failure(message) => {
            ("ephemeral", vec![text(&format!("⚠️ {message}"))])
        }
        ReplyBody::Text(message) => ("ephemeral", vec![text(message)]),
        ReplyBody::TopicPicker { .. } => ("ephemeral", vec![text(&reply.plain_text())]),
    }
}

#[derive(Clone)]
struct Endpoint {
    responder: Responder,
    secret: Arc<SecretString>,
    seen: Arc<Seen>,
}

pub fn router(responder: Responder, signing_secret: SecretString) -> Router {
    Router::new()
        .route(PATH, post(command))
        .with_state(Endpoint {
            responder,
            secret: Arc::new(signing_secret),
            seen: Arc::new(Seen::new(FRESHNESS)),
        })
}

fn refuse(why: &'static str) -> Response {
    (StatusCode::UNAUTHORIZED, why).into_response()
}

async fn command(State(endpoint): State<Endpoint>, request: Request) -> Response {
    // The listener's body limit, applied to the raw body read below.
    let (parts, body) = request.with_limited_body().into_parts();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (
        header("X-Slack-Signature"),
        header("X-Slack-Request-Timestamp"),
    ) else {
        return refuse("missing signature");
    };
    let now = endpoint.responder.clock.now().timestamp();
    let fresh = timestamp
        .trim()
        .parse::<i64>()
        .is_ok_and(|signed| signed.abs_diff(now) <= FRESHNESS.as_secs());
    if !fresh {
        return refuse("stale or unreadable request timestamp");
    }
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large or cut short").into_response();
    };
    let secret = endpoint.secret.expose_secret().as_bytes();
    if !signature::verify(secret, timestamp.trim(), &body, signature) {
        return refuse("invalid request signature");
    }
    if !endpoint.seen.first_sighting(signature.trim(), now) {
        tracing::warn!("a signed Slack command was replayed");
        return refuse("request already answered");
    }
    let Some(slash_command) = SlashCommand::from_form(&body) else {
        return (StatusCode::BAD_REQUEST, "not a slash command").into_response();
    };
    let responder = endpoint.responder.clone();
    tokio::spawn(async move { responder.answer(slash_command).await });
    StatusCode::OK.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_needs_a_user_a_channel_and_a_web_response_url() {
        let form = "command=%2Fbriefbot&text=brief+chips&user_id=U1&channel_id=C1&team_id=T1\
                    &response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F1%2Fx";
        let parsed = SlashCommand::from_form(form.as_bytes());
        assert_eq!(
            parsed,
            Some(SlashCommand {
                command: "/briefbot".into(),
                text: "brief chips".into(),
                user_id: "U1".into(),
                channel_id: "C1".into(),
                response_url: "https://hooks.slack.com/commands/T1/1/x".into(),
            })
        );
        assert_eq!(SlashCommand::from_form(b"command=%2Fb&user_id=U1"), None);
        let evil = "user_id=U1&channel_id=C1&response_url=javascript%3Aalert(1)";
        assert_eq!(SlashCommand::from_form(evil.as_bytes()), None);
    }

    #[test]
    fn briefs_go_to_the_channel_and_everything_else_to_the_caller() {
        let (kind, parts) = messages(&Reply::error("Unknown topic. Try /brief."), "/bb");
        assert_eq!(kind, "ephemeral");
        assert_eq!(parts[0].text, "⚠️ Unknown topic. Try /bb brief.");
        let (kind, _) = messages(&Reply::text("Topics: chips"), "/bb");
        assert_eq!(kind, "ephemeral");
    }
}
