//! The config file's sections, each with the defaults the shipped `config/briefbot.toml`
//! documents.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BriefConfig {
    /// Shown at the top of every brief.
    pub title: String,
    /// How far back a brief looks from its "as of" instant.
    #[serde(deserialize_with = "duration")]
    pub window: Duration,
    /// Cap on stories per topic section; 0 means no cap.
    pub stories_per_section: usize,
    /// Longest extractive summary, in characters.
    pub summary_chars: usize,
}

impl Default for BriefConfig {
    fn default() -> Self {
        Self {
            title: "AI Morning Brief".into(),
            window: Duration::from_secs(24 * 3600),
            stories_per_section: 5,
            summary_chars: 280,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://path` (created on first use) or `postgres://…`.
    pub url: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://briefbot.db".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    #[serde(deserialize_with = "duration")]
    pub connect_timeout: Duration,
    /// Whole request, headers to last byte.
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    /// Largest feed body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Feeds fetched at once.
    pub concurrency: usize,
    /// Pause between two requests to the same host.
    #[serde(deserialize_with = "duration")]
    pub per_host_delay: Duration,
    /// First wait after a failed fetch; doubles with each further failure.
    #[serde(deserialize_with = "duration")]
    pub error_backoff: Duration,
    /// Longest wait after repeated failures.
    #[serde(deserialize_with = "duration")]
    pub max_error_backoff: Duration,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            concurrency: 8,
            per_host_delay: Duration::from_millis(500),
            error_backoff: Duration::from_secs(300),
            max_error_backoff: Duration::from_secs(6 * 3600),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifyConfig {
    /// Terms that show an item is about AI at all; topics with `requires_ai_context` and every
    /// topic's ambiguous `context_terms` count only when one of these (or a strong term) is present.
    pub ai_context: Vec<String>,
    /// Score an item needs for a topic: a strong term in the title scores 2, in the summary 1;
    /// an ambiguous term half that.
    pub threshold: f64,
    /// Weigh the term rules together with the learned topic model (for the topics it knows).
    pub learned: bool,
    /// Another topic model (JSON from `briefbot train-classifier`), relative to this file.
    pub model_file: Option<PathBuf>,
    /// Another entity gazetteer (TOML, `[[entity]]` tables), relative to this file.
    pub entities_file: Option<PathBuf>,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        Self {
            ai_context: Vec::new(),
            threshold: 2.0,
            learned: true,
            model_file: None,
            entities_file: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// Time zone (IANA name) for subscriptions that name none.
    pub timezone: String,
    /// Time of day for subscriptions that name none.
    pub default_time: String,
    /// A delivery missed by more than this (the bot was down) is skipped, not sent late:
    /// a 07:00 morning brief is no use at 19:00.
    #[serde(deserialize_with = "duration")]
    pub grace: Duration,
    /// Longest stretch a scheduled brief covers, however long since the last one.
    #[serde(deserialize_with = "duration")]
    pub max_window: Duration,
    /// How often `run` looks for due schedules and claimable deliveries.
    #[serde(deserialize_with = "duration")]
    pub tick: Duration,
    /// How long a worker holds a delivery before another may take it over.
    #[serde(deserialize_with = "duration")]
    pub lease: Duration,
    /// Deliveries sent at the same time.
    pub concurrency: usize,
    /// How often `run` fetches the feeds.
    #[serde(deserialize_with = "duration")]
    pub ingest_interval: Duration,
    /// First wait after a transient delivery failure; doubles per attempt.
    #[serde(deserialize_with = "duration")]
    pub retry_backoff: Duration,
    /// A brief still waiting out a platform's rate limits this long after its time fails.
    #[serde(deserialize_with = "duration")]
    pub rate_limit_ceiling: Duration,
    /// Subscriptions one chat may have, all its threads together (chat commands only).
    pub max_subscriptions_per_chat: u32,
    /// Subscriptions one chat member may have made, across chats (chat commands only).
    pub max_subscriptions_per_user: u32,
    /// Subscriptions in all, past which chat commands make no new ones.
    pub max_subscriptions: u32,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            timezone: "UTC".into(),
            default_time: "08:00".into(),
            grace: Duration::from_secs(3 * 3600),
            max_window: Duration::from_secs(48 * 3600),
            tick: Duration::from_secs(15),
            lease: Duration::from_secs(120),
            concurrency: 8,
            ingest_interval: Duration::from_secs(15 * 60),
            retry_backoff: Duration::from_secs(30),
            rate_limit_ceiling: Duration::from_secs(12 * 3600),
            max_subscriptions_per_chat: 10,
            max_subscriptions_per_user: 20,
            max_subscriptions: 10_000,
        }
    }
}

/// How long `run` keeps what it no longer needs; without this the database grows for ever.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Finished ledger rows (sent, skipped, failed) and the record of which items each
    /// destination received.
    #[serde(deserialize_with = "duration")]
    pub deliveries: Duration,
    /// Stored feed items, by publication and first-seen time.
    #[serde(deserialize_with = "duration")]
    pub items: Duration,
    /// Cached model summaries and daily usage counts.
    #[serde(deserialize_with = "duration")]
    pub summaries: Duration,
    /// Archived briefs (the web archive and the brief feeds).
    #[serde(deserialize_with = "duration")]
    pub briefs: Duration,
    /// How often `run` prunes.
    #[serde(deserialize_with = "duration")]
    pub interval: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        Self {
            deliveries: Duration::from_secs(90 * DAY),
            items: Duration::from_secs(30 * DAY),
            summaries: Duration::from_secs(14 * DAY),
            briefs: Duration::from_secs(365 * DAY),
            interval: Duration::from_secs(6 * 3600),
        }
    }
}

/// The generic webhook destination (`webhook:URL` subscriptions).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// Time allowed for one POST.
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    /// Most POSTs per second across all webhook destinations; 0 means no limit.
    pub per_second: u32,
    /// Most POSTs per minute to one destination; 0 means no limit.
    pub per_destination_per_minute: u32,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            per_second: 20,
            per_destination_per_minute: 30,
        }
    }
}

/// Telegram is enabled by the env var `TELEGRAM_BOT_TOKEN` (never stored in a file);
/// `TELEGRAM_API_URL` points at another Bot API server. Long polling unless `webhook_url` is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramConfig {
    /// Public HTTPS URL Telegram posts updates to (env `TELEGRAM_WEBHOOK_URL`); the secret comes
    /// from env `TELEGRAM_WEBHOOK_SECRET`.
    pub webhook_url: Option<String>,
    /// Local address the webhook server listens on, e.g. 0.0.0.0:8443 (env `TELEGRAM_WEBHOOK_LISTEN`).
    pub webhook_listen: Option<String>,
}

/// Discord is enabled by the env vars `DISCORD_BOT_TOKEN` and `DISCORD_APPLICATION_ID`;
/// `DISCORD_API_URL` sends REST calls through a proxy. Commands arrive over the gateway unless
/// `DISCORD_PUBLIC_KEY` is set, which turns on the HTTP interactions endpoint.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Local address for `POST /discord/interactions` (env `DISCORD_INTERACTIONS_LISTEN`).
    pub interactions_listen: Option<String>,
}

/// Who writes story summaries and the brief's overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SummarizerKind {
    /// Whole sentences picked from the feeds; offline, free, always available.
    #[default]
    Extractive,
    /// A model behind an OpenAI-compatible Chat Completions endpoint (OpenAI, DeepSeek, Qwen,
    /// GLM, Moonshot, Ollama, vLLM…), with the extractive summaries as the fallback.
    Openai,
}

impl std::str::FromStr for SummarizerKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "extractive" => Ok(Self::Extractive),
            "openai" => Ok(Self::Openai),
            other => Err(format!(
                "unknown summarizer {other:?}: use extractive or openai"
            )),
        }
    }
}

/// `[summarizer]`. The API key is read from env `BRIEFBOT_LLM_API_KEY` only, never from a file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SummarizerConfig {
    pub kind: SummarizerKind,
    /// The API root that `/chat/completions` is appended to, e.g. https://api.openai.com/v1.
    pub base_url: String,
    pub model: String,
    /// Time allowed for one model call.
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    /// Longest an on-demand `/brief` waits for missing summaries before answering with
    /// extractive ones (the model's answer is still cached for the next request).
    #[serde(deserialize_with = "duration")]
    pub reply_deadline: Duration,
    /// How long before a scheduled brief is due its summaries are written, so the delivery
    /// itself only reads the cache.
    #[serde(deserialize_with = "duration")]
    pub prepare_ahead: Duration,
    /// Output tokens allowed per call.
    pub max_tokens: u32,
    /// The request field that carries `max_tokens`: `max_tokens` (most providers) or
    /// `max_completion_tokens` (OpenAI's reasoning models reject the former).
    pub max_tokens_field: String,
    /// Omitted from the request when unset, which leaves the provider's default (some
    /// reasoning models accept nothing else); the shipped config sets 0.2.
    pub temperature: Option<f32>,
    /// Ask for `response_format = {"type": "json_object"}`; turn off for an endpoint that
    /// rejects the field (the answer is parsed leniently either way).
    pub json_mode: bool,
    /// Stories summarised per call.
    pub stories_per_call: usize,
    /// Longest model-written story summary, in characters; longer output is cut at a word.
    pub summary_chars: usize,
    /// Model calls per UTC day across all replicas; 0 means no limit.
    pub daily_calls: u64,
    /// Tokens (prompt + completion) per UTC day across all replicas; 0 means no limit.
    pub daily_tokens: u64,
    /// Consecutive failed calls that open the circuit breaker.
    pub breaker_failures: u32,
    /// How long an open breaker sends every summary to the extractive fallback.
    #[serde(deserialize_with = "duration")]
    pub breaker_cooldown: Duration,
}

impl Default for SummarizerConfig {
    fn default() -> Self {
        Self {
            kind: SummarizerKind::Extractive,
            base_url: "https://api.openai.com/v1".into(),
            model: "gpt-4o-mini".into(),
            timeout: Duration::from_secs(30),
            reply_deadline: Duration::from_secs(4),
            prepare_ahead: Duration::from_secs(20 * 60),
            max_tokens: 900,
            max_tokens_field: "max_tokens".into(),
            temperature: None,
            json_mode: true,
            stories_per_call: 6,
            summary_chars: 320,
            daily_calls: 500,
            daily_tokens: 1_000_000,
            breaker_failures: 3,
            breaker_cooldown: Duration::from_secs(10 * 60),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    /// Used in commands, JSON and subscriptions: `chips`, `models`, …
    pub id: String,
    /// Section heading.
    pub title: String,
    /// Other words users type for this topic (`hardware` for `chips`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One line shown by `topics`.
    #[serde(default)]
    pub description: String,
    /// Unambiguous terms: one in a title places the item in the topic.
    pub terms: Vec<String>,
    /// Ambiguous terms ("chips", "model", "Blackwell"): count only with AI context and no
    /// `exclude` phrase present.
    #[serde(default)]
    pub context_terms: Vec<String>,
    /// Phrases that mean another sense of an ambiguous term ("potato", "runway").
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Even strong terms need AI context ("funding" is only news here when it is AI funding).
    #[serde(default)]
    pub requires_ai_context: bool,
    /// An amount of money in the title ("$400M", "€1.2 billion") counts as one ambiguous term.
    #[serde(default)]
    pub money_is_context: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Shown in citations; the feed's own title is used when omitted.
    #[serde(default)]
    pub name: Option<String>,
    /// http(s) URL, file:// URL or a path (relative to the config file).
    pub url: String,
    /// Trust in this outlet for ranking; 1.0 is normal.
    #[serde(default = "default_weight")]
    pub weight: f64,
}

fn default_weight() -> f64 {
    1.0
}
