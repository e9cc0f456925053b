//! Mattermost: one slash command (`/briefbot brief chips`) answered through the shared
//! `commands` module, and scheduled briefs posted through the REST API v4 with a bot token.
//!
//! - `render`: pure — a `Brief` as Markdown posts within the post limit, mentioning nobody.
//! - `api`: the REST calls and Mattermost's errors → ledger actions.
//! - `messenger`: `POST /api/v4/posts` for `mattermost:CHANNEL[/ROOT_ID]` destinations.
//! - `commands`: the token-checked, stateless `POST /mattermost/commands` endpoint.
//! - `webhook`: `mattermost-webhook:URL` destinations (incoming webhooks, no bot needed).
//!
//! Enabled by `MATTERMOST_URL` and `MATTERMOST_BOT_TOKEN`; `MATTERMOST_COMMAND_TOKEN` (the
//! slash command's token) turns on the command endpoint, served by the shared HTTP server.

pub mod api;
pub mod commands;
pub mod messenger;
pub mod render;
pub mod webhook;

use std::sync::Arc;

use secrecy::SecretString;

use crate::app::App;
use crate::schedule::clock::Clock;

pub use messenger::MattermostMessenger;

/// The platform name in `Destination`s.
pub const PLATFORM: crate::model::Platform = crate::model::Platform::Mattermost;

#[derive(Debug, thiserror::Error)]
pub enum MattermostError {
    /// A setting is missing or unreadable; the message names the variable.
    #[error("Mattermost setting: {0}")]
    Setting(String),
    /// The HTTP client could not be built.
    #[error("Mattermost HTTP client: {0}")]
    Client(String),
}

/// Whether `text` is a Mattermost id: 26 lower-case letters and digits.
pub fn is_id(text: &str) -> bool {
    text.len() == 26
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// Mattermost settings from the environment; tokens are `SecretString`s.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The server's root (`https://chat.example.com/`), ending in `/`.
    pub url: url::Url,
    pub bot_token: SecretString,
    /// The slash command's token; without it there is no command endpoint.
    pub command_token: Option<SecretString>,
}

impl Settings {
    /// `None` when Mattermost is not configured (no `MATTERMOST_URL` or no bot token).
    pub fn from_env() -> Result<Option<Self>, MattermostError> {
        let var = crate::env::var;
        let (Some(url), Some(token)) = (var("MATTERMOST_URL"), var("MATTERMOST_BOT_TOKEN")) else {
            return Ok(None);
        };
        Ok(Some(Self {
            url: server_url(&url)?,
            bot_token: SecretString::new(token),
            command_token: var("MATTERMOST_COMMAND_TOKEN").map(SecretString::new),
        }))
    }

    pub fn api(&self) -> Result<api::MattermostApi, MattermostError> {
        api::MattermostApi::new(self.url.clone(), self.bot_token.clone())
    }
}

/// The server's address as a base URL ending in `/`.
pub fn server_url(text: &str) -> Result<url::Url, MattermostError> {
    let mut text = text.trim().to_string();
    if !text.ends_with('/') {
        text.push('/');
    }
    match url::Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(url),
        _ => Err(MattermostError::Setting(
            "MATTERMOST_URL must be the server's http(s) address, like https://chat.example.com"
                .into(),
        )),
    }
}

/// A started Mattermost adapter: the messenger and, when commands are on, the endpoint for the
/// shared HTTP server to mount at [`commands::PATH`].
pub struct Started {
    pub messenger: Arc<MattermostMessenger>,
    pub routes: Option<axum::Router>,
}

/// Builds the messenger and, with a command token, the command endpoint. Without the shared
/// HTTP server there is nowhere to serve it: that is said loudly, and deliveries still work.
pub fn start(
    app: Arc<App>,
    settings: &Settings,
    clock: Arc<dyn Clock>,
    shared_server: bool,
) -> Result<Started, MattermostError> {
    let api = settings.api()?;
    let messenger = Arc::new(MattermostMessenger::new(
        api.clone(),
        messenger::DEFAULT_RATE,
    ));
    let routes = match (&settings.command_token, shared_server) {
        (Some(token), true) => {
            let responder = commands::Responder::new(app, api, clock)?;
            tracing::info!(
                path = commands::PATH,
                "Mattermost slash commands served by the shared HTTP server"
            );
            Some(commands::router(responder, token.clone()))
        }
        (Some(_), false) => {
            tracing::error!(
                "Mattermost slash commands are off: MATTERMOST_COMMAND_TOKEN is set but the HTTP \
                 server is not; set [http] listen (or BRIEFBOT_HTTP_LISTEN) to serve POST {}",
                commands::PATH
            );
            None
        }
        (None, _) => {
            tracing::info!(
                "Mattermost slash commands are off (no MATTERMOST_COMMAND_TOKEN); scheduled briefs still go out"
            );
            None
        }
    };
    Ok(Started { messenger, routes })
}
