//! Telegram: commands in private chats, groups, channels and forum topics, and scheduled briefs
//! delivered through the `Messenger` seam. Built on teloxide.
//!
//! - `render`: Brief → Telegram HTML messages (pure, golden-tested).
//! - `messenger`: `Messenger` impl and the Bot API error → `SendError` mapping.
//! - `bot`: the update handlers (commands, admin checks, the topic keyboard's callbacks).
//! - `webhook`: the webhook listener for deployments with several replicas.
//!
//! One `TelegramBot` (a `Throttle<Bot>`) serves both command replies and scheduled briefs, so
//! both count against the same per-process rate limits.

pub mod bot;
pub mod messenger;
pub mod pacing;
pub mod render;
pub mod webhook;

use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use teloxide::Bot;
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::{Limits, Settings};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::config::TelegramConfig;
use crate::delivery::Messengers;
use crate::http::Deferred;
use crate::schedule::clock::Clock;

pub use messenger::TelegramMessenger;

/// The platform name in destinations (`telegram:CHAT[/THREAD]`).
pub const PLATFORM: crate::model::Platform = crate::model::Platform::Telegram;

/// The teloxide client every part of the adapter uses: requests paced by `Throttle`.
pub type TelegramBot = Throttle<Bot>;

#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    /// An environment variable or config value that cannot be used as it is.
    #[error("telegram configuration: {0}")]
    Config(String),
    /// A Bot API call at start-up failed (a wrong token, an unreachable server).
    #[error("telegram request failed: {0}")]
    Request(#[from] teloxide::RequestError),
    /// The webhook listener could not bind its address.
    #[error("telegram webhook listener on {address}: {cause}")]
    Listen {
        address: SocketAddr,
        cause: std::io::Error,
    },
}

/// Everything needed to talk to Telegram, read from the environment and `[telegram]`. The
/// token and the webhook secret are `SecretString`s: redacted in Debug, zeroed on drop.
#[derive(Clone, Debug)]
pub struct TelegramSettings {
    token: SecretString,
    /// Another Bot API server (a self-hosted one, or a test fake).
    pub api_url: Option<url::Url>,
    /// Webhook mode when set; long polling otherwise.
    pub webhook: Option<WebhookSettings>,
    pub limits: Limits,
}

#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// The public HTTPS URL Telegram posts to.
    pub url: url::Url,
    /// Where our own listener binds; unset, the shared HTTP server (`[http] listen`) serves
    /// the webhook when it is on, else a listener on 0.0.0.0:8443.
    pub listen: Option<SocketAddr>,
    /// Expected in `X-Telegram-Bot-Api-Secret-Token`; every replica needs the same one.
    pub secret: Option<SecretString>,
    /// Set when the shared HTTP server serves the webhook: the router is handed over here.
    pub shared: Option<Deferred>,
}

/// Where the webhook listens when neither config nor env says and no shared server is on.
pub const DEFAULT_WEBHOOK_LISTEN: &str = "0.0.0.0:8443";

/// Telegram's documented limits, with 20/min for groups (teloxide's default is a cautious 10).
pub fn telegram_limits() -> Limits {
    Limits {
        messages_per_sec_chat: 1,
        messages_per_min_chat: 20,
        messages_per_min_channel_or_supergroup: 20,
        messages_per_sec_overall: 30,
    }
}

impl TelegramSettings {
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: SecretString::new(token.into()),
            api_url: None,
            webhook: None,
            limits: telegram_limits(),
        }
    }

    /// `None` when `TELEGRAM_BOT_TOKEN` is unset or empty: Telegram is then off.
    pub fn from_env(config: &TelegramConfig) -> Result<Option<Self>, TelegramError> {
        let var = crate::env::var;
        let Some(token) = var("TELEGRAM_BOT_TOKEN") else {
            return Ok(None);
        };
        let mut settings = Self::new(token.trim());
        if let Some(url) = var("TELEGRAM_API_URL") {
            settings.api_url = Some(parse_url("TELEGRAM_API_URL", &url)?);
        }
        let url = var("TELEGRAM_WEBHOOK_URL").or_else(|| config.webhook_url.clone());
        if let Some(url) = url {
            let listen = var("TELEGRAM_WEBHOOK_LISTEN")
                .or_else(|| config.webhook_listen.clone())
                .map(|text| {
                    text.trim().parse().map_err(|_| {
                        TelegramError::Config(format!(
                            "webhook_listen {text:?} is not an address like {DEFAULT_WEBHOOK_LISTEN}"
                        ))
                    })
                })
                .transpose()?;
            settings.webhook = Some(WebhookSettings {
                url: parse_url("webhook_url", &url)?,
                listen,
                secret: var("TELEGRAM_WEBHOOK_SECRET").map(SecretString::new),
                shared: None,
            });
        }
        Ok(Some(settings))
    }

    /// The throttled client. Spawns the throttle's worker, so call it inside a Tokio runtime.
    pub fn bot(&self) -> TelegramBot {
        let mut bot = Bot::new(self.token.expose_secret());
        if let Some(url) = &self.api_url {
            bot = bot.set_api_url(url.clone());
        }
        Throttle::spawn_with_settings(bot, Settings::default().limits(self.limits).no_retry())
    }
}

fn parse_url(what: &str, text: &str) -> Result<url::Url, TelegramError> {
    url::Url::parse(text.trim())
        .map_err(|e| TelegramError::Config(format!("{what} {text:?} is not a URL: {e}")))
}

/// A started Telegram adapter: the messengers with Telegram's added, the bot's task, and
/// the webhook's route (path and router) when the shared HTTP server is to serve it.
pub struct Started {
    pub messengers: Messengers,
    pub task: Option<JoinHandle<()>>,
    pub route: Option<(String, axum::Router)>,
}

/// When `TELEGRAM_BOT_TOKEN` is set: adds the Telegram messenger and spawns the bot, which
/// stops when `shutdown` turns true. Without a token, hands `messengers` back unchanged.
/// With `shared_server`, a webhook without a listener of its own comes back in `route`.
pub fn start(
    app: Arc<App>,
    clock: Arc<dyn Clock>,
    messengers: Messengers,
    shared_server: bool,
    shutdown: watch::Receiver<bool>,
) -> Result<Started, TelegramError> {
    let Some(mut settings) = TelegramSettings::from_env(&app.config.telegram)? else {
        return Ok(Started {
            messengers,
            task: None,
            route: None,
        });
    };
    let mut route = None;
    if let Some(webhook) = &mut settings.webhook
        && webhook.listen.is_none()
        && shared_server
    {
        let deferred = Deferred::default();
        let path = webhook.url.path().to_string();
        route = Some((path.clone(), deferred.route(&path)));
        webhook.shared = Some(deferred);
    }
    let bot = settings.bot();
    let messengers = messengers.with(Arc::new(TelegramMessenger::sharing(
        bot.clone(),
        settings.limits,
        app.replicas.clone(),
    )));
    let task = tokio::spawn(async move {
        if let Err(error) = bot::run(app, clock, bot, settings.webhook, shutdown).await {
            tracing::error!(%error, "telegram bot stopped");
        }
    });
    Ok(Started {
        messengers,
        task: Some(task),
        route,
    })
}

/// How long polling waits for updates; also about how long a stop may take in polling mode.
pub const POLL_TIMEOUT: Duration = Duration::from_secs(10);
