//! Discord: slash commands answered through the shared `commands` module, and scheduled briefs
//! posted as embeds through the `Messenger` seam.
//!
//! - `render`, `text`: pure — a `Brief` as messages of embeds within every Discord limit.
//! - `messenger`: create-message with a nonce per delivery; Discord's errors → ledger actions.
//! - `commands`: slash command definitions, interaction → `Command` + `Caller`, autocomplete.
//! - `respond`: answering an interaction (in time, deferring when a brief takes longer).
//! - `interactions`: the signed HTTP endpoint; `gateway`: the websocket client and the events
//!   that pause subscriptions when the bot loses a channel.
//!
//! Enabled by `DISCORD_BOT_TOKEN` and `DISCORD_APPLICATION_ID`; `DISCORD_API_URL` sends REST
//! calls through a proxy (or a test's fake); `DISCORD_PUBLIC_KEY` selects the HTTP endpoint
//! instead of the gateway.

pub mod commands;
pub mod gateway;
pub mod interactions;
pub mod messenger;
pub mod render;
pub mod respond;
pub mod text;

use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

use serenity::http::{Http, HttpBuilder};
use serenity::model::application::Command as SlashCommand;
use serenity::model::id::ApplicationId;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::config::DiscordConfig;
use crate::schedule::clock::SystemClock;

pub use messenger::DiscordMessenger;

/// The platform name in `Destination`s.
pub const PLATFORM: crate::model::Platform = crate::model::Platform::Discord;

#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    /// A setting is missing or unreadable; the message names the variable.
    #[error("Discord setting: {0}")]
    Setting(String),
    /// `DISCORD_PUBLIC_KEY` is not an Ed25519 public key in hex.
    #[error("DISCORD_PUBLIC_KEY: {0}")]
    PublicKey(String),
    /// The HTTP client could not be built.
    #[error("Discord HTTP client: {0}")]
    Client(String),
    /// Registering the slash commands failed.
    #[error("registering Discord commands: {0}")]
    Register(String),
    /// The gateway connection failed for good.
    #[error("Discord gateway: {0}")]
    Gateway(String),
    /// The interactions endpoint could not listen or serve.
    #[error("Discord interactions endpoint: {0}")]
    Serve(String),
}

/// Discord settings from the environment (secrets) and `[discord]` in the config. The token
/// is a `SecretString`: redacted in Debug, zeroed on drop.
#[derive(Clone, Debug)]
pub struct Settings {
    pub token: SecretString,
    pub application_id: u64,
    /// REST calls go here instead of discord.com (a rate-limiting proxy, or a test's fake).
    pub api_url: Option<String>,
    /// Ed25519 public key (hex): answer interactions over HTTP instead of the gateway.
    pub public_key: Option<String>,
    /// The interactions endpoint's own listener; unset, it is served by the shared HTTP
    /// server (`[http] listen`) when that is on, else on 0.0.0.0:8080.
    pub interactions_listen: Option<String>,
}

/// Where the interactions endpoint listens when neither config nor env says.
const DEFAULT_LISTEN: &str = "0.0.0.0:8080";

impl Settings {
    /// `None` when Discord is not configured (no token or no application id).
    pub fn from_env(config: &DiscordConfig) -> Result<Option<Self>, DiscordError> {
        let var = crate::env::var;
        let (Some(token), Some(application_id)) =
            (var("DISCORD_BOT_TOKEN"), var("DISCORD_APPLICATION_ID"))
        else {
            return Ok(None);
        };
        let application_id = application_id
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|id| *id != 0)
            .ok_or_else(|| {
                DiscordError::Setting("DISCORD_APPLICATION_ID must be a numeric id".into())
            })?;
        Ok(Some(Self {
            token: SecretString::new(token),
            application_id,
            api_url: var("DISCORD_API_URL"),
            public_key: var("DISCORD_PUBLIC_KEY"),
            interactions_listen: var("DISCORD_INTERACTIONS_LISTEN")
                .or_else(|| config.interactions_listen.clone()),
        }))
    }

    /// A serenity REST client. Behind a proxy serenity's own rate limiter is off: it would
    /// ignore the proxy, and the proxy paces all replicas together.
    pub fn http(&self) -> Http {
        let builder = HttpBuilder::new(self.token.expose_secret())
            .application_id(ApplicationId::new(self.application_id));
        match &self.api_url {
            Some(url) => builder
                .proxy(url.trim_end_matches('/'))
                .ratelimiter_disabled(true),
            None => builder,
        }
        .build()
    }
}

/// Sets the global slash commands, replacing whatever was registered before (idempotent).
pub async fn register_commands(http: &Http) -> Result<(), DiscordError> {
    let mut definitions = serde_json::to_value(commands::definitions())
        .map_err(|e| DiscordError::Register(e.to_string()))?;
    // serenity sends permission bit sets as strings; Discord's OpenAPI description types
    // `default_member_permissions` as an integer. Discord accepts both: send what it documents.
    for command in definitions.as_array_mut().into_iter().flatten() {
        let permissions = &mut command["default_member_permissions"];
        if let Some(bits) = permissions.as_str().and_then(|s| s.parse::<u64>().ok()) {
            *permissions = serde_json::Value::from(bits);
        }
    }
    http.create_global_commands(&definitions)
        .await
        .map(|_: Vec<SlashCommand>| ())
        .map_err(|e| DiscordError::Register(e.to_string()))
}

/// A started Discord adapter: the messenger for the scheduler, the receiving task, and the
/// interactions endpoint when the shared HTTP server is to serve it.
pub struct Started {
    pub messenger: Arc<DiscordMessenger>,
    pub task: Option<JoinHandle<()>>,
    pub routes: Option<axum::Router>,
}

/// Registers the commands and starts receiving them — by HTTP endpoint when a public key is
/// set, else over the gateway — until `shutdown` turns true. With `shared_server`, an
/// endpoint without a listener of its own is handed back in `routes` to be mounted there.
pub async fn start(
    app: Arc<App>,
    settings: &Settings,
    shared_server: bool,
    shutdown: watch::Receiver<bool>,
) -> Result<Started, DiscordError> {
    let http = Arc::new(settings.http());
    let messenger = Arc::new(DiscordMessenger::new(http.clone())?.sharing(app.replicas.clone()));
    // A failed registration leaves last run's commands in place; deliveries still work.
    if let Err(error) = register_commands(&http).await {
        tracing::error!(%error, "Discord commands not registered");
    }
    let responder = respond::Responder::new(app.clone(), http, Arc::new(SystemClock));
    let task = match &settings.public_key {
        Some(key) => {
            let router = interactions::router(responder, interactions::verifier(key)?);
            let listen = match &settings.interactions_listen {
                Some(listen) => listen.clone(),
                None if shared_server => {
                    tracing::info!(
                        path = interactions::PATH,
                        "Discord interactions endpoint served by the shared HTTP server"
                    );
                    return Ok(Started {
                        messenger,
                        task: None,
                        routes: Some(router),
                    });
                }
                None => DEFAULT_LISTEN.to_string(),
            };
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .map_err(|e| DiscordError::Serve(format!("{listen}: {e}")))?;
            tracing::info!(address = %listen, path = interactions::PATH, "Discord interactions endpoint listening");
            tokio::spawn(async move {
                if let Err(error) = interactions::serve(listener, router, shutdown).await {
                    tracing::error!(%error, "Discord interactions endpoint stopped");
                }
            })
        }
        None => {
            let places = Arc::new(gateway::Places::new(app.store.clone()));
            let gateway_http = settings.http();
            tokio::spawn(async move {
                if let Err(error) = gateway::run(gateway_http, responder, places, shutdown).await {
                    tracing::error!(%error, "Discord gateway stopped");
                }
            })
        }
    };
    Ok(Started {
        messenger,
        task: Some(task),
        routes: None,
    })
}
