//! The slash command endpoint, `POST /mattermost/commands`: Mattermost posts each
//! `/briefbot …` here as a form, with the command's token in `Authorization: Token …` (and in
//! the form). Stateless, so any replica can answer.
//!
//! The token is compared in constant time; a wrong one gets 401 before the body is read when
//! the header carries it, and before anything in the body is used otherwise. The answer is
//! the reply to Mattermost's request (`response_type` in_channel for a brief, ephemeral for
//! everything else, further posts as `extra_responses`); a command that takes longer than
//! [`INLINE_FOR`] is acknowledged with a short ephemeral note and answered through its
//! `response_url` when done.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{RequestExt, Router};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::sync::oneshot;

use super::api::MattermostApi;
use super::{MattermostError, PLATFORM, is_id, render};
use crate::app::App;
use crate::commands::{Reply, ReplyBody};
use crate::http::server::secrets_match;
use crate::ingest::fetch::USER_AGENT;
use crate::model::Destination;
use crate::platforms::slash;
use crate::render::is_web_url;
use crate::schedule::clock::Clock;

/// The route the slash command's Request URL points at.
pub const PATH: &str = "/mattermost/commands";
/// How long Mattermost's request is held open for the answer itself.
pub const INLINE_FOR: Duration = Duration::from_secs(5);
/// A `response_url` that does not answer in this long is given up.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// What answering needs: the app, the REST API (for admin checks), the time.
#[derive(Clone)]
pub struct Responder {
    pub app: Arc<App>,
    pub api: MattermostApi,
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
    pub response_url: Option<String>,
}

impl SlashCommand {
    /// Reads the form Mattermost posts; `None` when the user or channel is not a Mattermost id.
    fn from_fields(fields: &HashMap<String, String>) -> Option<Self> {
        let field = |name: &str| fields.get(name).cloned();
        Some(Self {
            command: field("command").unwrap_or_default(),
            text: field("text").unwrap_or_default(),
            user_id: field("user_id").filter(|v| is_id(v))?,
            channel_id: field("channel_id").filter(|v| is_id(v))?,
            response_url: field("response_url").filter(|v| is_web_url(v)),
        })
    }
}

/// A slash command response as Mattermost reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub response_type: &'static str,
    pub text: String,
    /// The text is Markdown already; Mattermost must not translate Slack's markup in it.
    pub skip_slack_parsing: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_responses: Vec<Answer>,
}

impl Answer {
    fn new(response_type: &'static str, text: String) -> Self {
        Self {
            response_type,
            text,
            skip_slack_parsing: true,
            extra_responses: Vec::new(),
        }
    }
}

impl Responder {
    pub fn new(
        app: Arc<App>,
        api: MattermostApi,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, MattermostError> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(RESPONSE_TIMEOUT)
            .build()
            .map_err(|e| MattermostError::Client(e.to_string()))?;
        Ok(Self {
            app,
            api,
            clock,
            client,
        })
    }

    /// Runs the command; its answer, every post of it.
    pub async fn answer(&self, slash_command: &SlashCommand) -> Answer {
        let name = slash::command_name(Some(&slash_command.command));
        let reply = self.reply(slash_command, &name).await;
        answer(&reply, &name)
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

    /// System admins manage every channel; a channel's admins manage it.
    async fn may_manage(&self, user: &str, channel: &str) -> bool {
        match self.api.is_system_admin(user).await {
            Ok(true) => return true,
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "Mattermost user lookup failed; not an admin"),
        }
        self.api
            .is_channel_admin(channel, user)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "Mattermost channel member lookup failed; not an admin");
                false
            })
    }

    /// Posts a late answer to the command's `response_url`, one post at a time.
    async fn respond_later(&self, url: &str, answer: Answer) {
        let mut posts = vec![Answer {
            extra_responses: Vec::new(),
            ..answer.clone()
        }];
        posts.extend(answer.extra_responses);
        for post in posts {
            match self.client.post(url).json(&post).send().await {
                Ok(response) if response.status().is_success() => {}
                Ok(response) => {
                    tracing::warn!(status = %response.status(), "Mattermost refused a late answer");
                    return;
                }
                Err(error) => {
                    tracing::warn!(error = %error.without_url(), "could not answer a Mattermost command");
                    return;
                }
            }
        }
    }
}

/// A reply as Mattermost posts: a brief for the channel, anything else for the caller.
fn answer(reply: &Reply, command: &str) -> Answer {
    let text = |text: &str| render::text_post(&slash::words(text, command));
    match &reply.body {
        ReplyBody::Brief(brief) => {
            let mut posts = render::brief_posts(brief).into_iter();
            let mut answer = Answer::new("in_channel", posts.next().unwrap_or_default());
            answer.extra_responses = posts.map(|p| Answer::new("in_channel", p)).collect();
            answer
        }
        ReplyBody::Error(message) | ReplyBody::Failure(message) => {
            Answer::new("ephemeral", text(&format!("⚠️ {message}")))
        }
        ReplyBody::Text(message) => Answer::new("ephemeral", text(message)),
        ReplyBody::TopicPicker { .. } => Answer::new("ephemeral", text(&reply.plain_text())),
    }
}

#[derive(Clone)]
struct Endpoint {
    responder: Responder,
    token: Arc<SecretString>,
}

pub fn router(responder: Responder, command_token: SecretString) -> Router {
    Router::new()
        .route(PATH, post(command))
        .with_state(Endpoint {
            responder,
            token: Arc::new(command_token),
        })
}

fn refuse() -> Response {
    (StatusCode::UNAUTHORIZED, "invalid command token").into_response()
}

async fn command(State(endpoint): State<Endpoint>, request: Request) -> Response {
    let (parts, body) = request.with_limited_body().into_parts();
    let expected = endpoint.token.expose_secret().as_bytes();
    let presented = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Token "))
        .map(str::trim);
    if let Some(presented) = presented
        && !secrets_match(presented.as_bytes(), expected)
    {
        return refuse();
    }
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large or cut short").into_response();
    };
    let fields: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    // Without the header the form's token decides, before any other field is looked at.
    if presented.is_none() {
        let form_token = fields.get("token").map(String::as_str).unwrap_or("");
        if !secrets_match(form_token.as_bytes(), expected) {
            return refuse();
        }
    }
    let Some(slash_command) = SlashCommand::from_fields(&fields) else {
        return (StatusCode::BAD_REQUEST, "not a slash command").into_response();
    };
    let (answered, answer) = oneshot::channel();
    let responder = endpoint.responder.clone();
    tokio::spawn(async move {
        let reply = responder.answer(&slash_command).await;
        // The request was answered with a note meanwhile: the answer goes to the response URL.
        if let Err(reply) = answered.send(reply) {
            match &slash_command.response_url {
                Some(url) => responder.respond_later(url, reply).await,
                None => tracing::warn!("a slow Mattermost command had no response_url"),
            }
        }
    });
    let reply = match tokio::time::timeout(INLINE_FOR, answer).await {
        Ok(Ok(reply)) => reply,
        _ => Answer::new(
            "ephemeral",
            "Working on it… the answer follows in a moment.".into(),
        ),
    };
    match serde_json::to_vec(&reply) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "unencodable answer").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brief_is_one_answer_with_the_rest_as_extra_responses() {
        let reply = Reply::error("Only chat administrators can. Anyone can ask for /brief.");
        let answer = answer(&reply, "/briefbot");
        assert_eq!(answer.response_type, "ephemeral");
        assert!(answer.text.contains("/briefbot brief"), "{}", answer.text);
        assert!(answer.skip_slack_parsing);
        let json = serde_json::to_value(&answer).unwrap_or_default();
        assert!(json.get("extra_responses").is_none(), "{json}");
    }

    #[test]
    fn fields_must_be_mattermost_ids() {
        let fields = |user: &str| -> HashMap<String, String> {
            [
                ("user_id", user),
                ("channel_id", "4xp9fdt7pbgium38k5k6w95oma"),
                ("command", "/briefbot"),
                ("text", "brief"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        };
        assert!(SlashCommand::from_fields(&fields("k1x4aqdjy3813c84m771eoc9xo")).is_some());
        assert!(SlashCommand::from_fields(&fields("../users/me")).is_none());
    }
}
