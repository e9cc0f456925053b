//! Slack: one slash command (`/briefbot brief chips`) answered through the shared `commands`
//! module, and scheduled briefs posted as Block Kit messages through the `Messenger` seam.
//!
//! - `mrkdwn`, `render`: pure — feed text made inert, a `Brief` as messages within Slack's
//!   limits.
//! - `api`: the Web API calls and Slack's errors → ledger actions; `pacing`: per-channel pace.
//! - `messenger`: `chat.postMessage` for `slack:CHANNEL[/THREAD_TS]` destinations.
//! - `signature`, `commands`: the signed, stateless `POST /slack/commands` endpoint.
//! - `webhook`: `slack-webhook:URL` destinations (incoming webhooks, no app needed).
//!
//! Enabled by `SLACK_BOT_TOKEN`; `SLACK_SIGNING_SECRET` turns on the command endpoint, which
//! the shared HTTP server (`[http] listen`) serves; `SLACK_API_URL` sends Web API calls to a
//! proxy (or a test's fake).

pub mod api;
pub mod commands;
pub mod messenger;
pub mod mrkdwn;
pub mod pacing;
pub mod render;
pub mod signature;
pub mod webhook;

use std::sync::Arc;

use secrecy::SecretString;

use crate::app::App;
use crate::schedule::clock::Clock;

pub use messenger::SlackMessenger;

/// The platform name in `Destination`s.
pub const PLATFORM: crate::model::Platform = crate::model::Platform::Slack;

/// Where Web API calls go unless `SLACK_API_URL` says otherwise.
pub const DEFAULT_API_URL: &str = "https://slack.com/api/";

#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// A setting is missing or unreadable; the message names the variable.
    #[error("Slack setting: {0}")]
    Setting(String),
    /// The HTTP client could not be built.
    #[error("Slack HTTP client: {0}")]
    Client(String),
}

/// Slack settings from the environment. Both secrets are `SecretString`s: redacted in Debug,
/// zeroed on drop.
#[derive(Clone, Debug)]
pub struct Settings {
    pub token: SecretString,
    /// Verifies slash commands; without it there is no command endpoint.
    pub signing_secret: Option<SecretString>,
    /// The Web API root, ending in `/`.
    pub api_url: url::Url,
}

impl Settings {
    /// `None` when Slack is not configured (no `SLACK_BOT_TOKEN`).
    pub fn from_env() -> Result<Option<Self>, SlackError> {
        let var = crate::env::var;
        let Some(token) = var("SLACK_BOT_TOKEN") else {
            return Ok(None);
        };
        let api_url = api_url(var("SLACK_API_URL").as_deref().unwrap_or(DEFAULT_API_URL))?;
        Ok(Some(Self {
            token: SecretString::new(token),
            signing_secret: var("SLACK_SIGNING_SECRET").map(SecretString::new),
            api_url,
        }))
    }

    pub fn api(&self) -> Result<api::SlackApi, SlackError> {
        api::SlackApi::new(self.api_url.clone(), self.token.clone())
    }
}

/// An API root as a base URL that method names join onto (`…/api/` + `chat.postMessage`).
pub fn api_url(text: &str) -> Result<url::Url, SlackError> {
    let mut text = text.trim().to_string();
    if !text.ends_with('/') {
        text.push('/');
    }
    match url::Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        _ => Err(SlackError::Setting(
            "SLACK_API_URL must be an http(s) URL such as https://slack.com/api/".into(),
        )),
    }
}

/// A started Slack adapter: the messenger for the scheduler and, when commands are on, the
/// endpoint for the shared HTTP server to mount at [`commands::PATH`].
pub struct Started {
    pub messenger: Arc<SlackMessenger>,
    pub routes: Option<axum::Router>,
}

/// Builds the messenger and, with a signing secret, the command endpoint. Without the shared
/// HTTP server there is nowhere to serve the endpoint: that is said loudly, and deliveries
/// still work.
pub fn start(
    app: Arc<App>,
    settings: &Settings,
    clock: Arc<dyn Clock>,
    shared_server: bool,
) -> Result<Started, SlackError> {
    let api = settings.api()?;
    let messenger = Arc::new(SlackMessenger::sharing(
        api.clone(),
        pacing::Pace::slack(),
        app.replicas.clone(),
    ));
    let routes = match (&settings.signing_secret, shared_server) {
        (Some(secret), true) => {
            let responder = commands::Responder::new(app, api, clock)?;
            tracing::info!(
                path = commands::PATH,
                "Slack slash commands served by the shared HTTP server"
            );
            Some(commands::router(responder, secret.clone()))
        }
        (Some(_), false) => {
            tracing::error!(
                "Slack slash commands are off: SLACK_SIGNING_SECRET is set but the HTTP server is \
                 not; set [http] listen (or BRIEFBOT_HTTP_LISTEN) to serve POST {}",
                commands::PATH
            );
            None
        }
        (None, _) => {
            tracing::info!(
                "Slack slash commands are off (no SLACK_SIGNING_SECRET); scheduled briefs still go out"
            );
            None
        }
    };
    Ok(Started { messenger, routes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls_gain_the_slash_methods_join_onto() {
        let url = api_url("http://127.0.0.1:9/api").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            url.join("chat.postMessage")
                .map(String::from)
                .unwrap_or_default(),
            "http://127.0.0.1:9/api/chat.postMessage"
        );
        assert!(api_url("ftp://x").is_err());
    }
}
