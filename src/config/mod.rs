//! Typed configuration: built-in defaults, then a TOML file, then the environment, then flags.
//!
//! Every section rejects unknown keys so a typo is an error with the file, line and key named
//! rather than a setting that silently does nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

mod locate;
mod service;
pub use locate::{ConfigSource, locate};
pub use service::{AlertsConfig, HTTP_LISTEN_ENV, HTTP_PUBLIC_URL_ENV, HttpConfig};

pub const DEFAULT_CONFIG_PATH: &str = "config/briefbot.toml";
pub const DATABASE_URL_ENV: &str = "BRIEFBOT_DATABASE_URL";

/// The shipped config doubles as the built-in defaults for topics and AI-context terms, so a
/// config that only lists sources (like `config/demo.toml`) gets the same topics.
const SHIPPED_CONFIG: &str = include_str!("../../config/briefbot.toml");
/// The shipped entity gazetteer, used unless `[classify] entities_file` names another.
const SHIPPED_ENTITIES: &str = include_str!("../../config/entities.toml");
/// The shipped topic model (see `engine::learned`), used unless `[classify] model_file` names
/// another; rebuilt by `briefbot train-classifier`.
pub const SHIPPED_MODEL: &str = include_str!("../../config/classifier-model.json");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("cannot read config file {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// TOML syntax, a wrong type or an unknown key; toml's message names the line and key.
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// Parsed, but the values contradict each other or make no sense.
    #[error("invalid config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub brief: BriefConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub ingest: IngestConfig,
    #[serde(default)]
    pub classify: ClassifyConfig,
    #[serde(default)]
    pub schedule: ScheduleConfig,
    #[serde(default)]
    pub webhook: WebhookConfig,
    #[serde(default)]
    pub telegram: TelegramConfig,
    #[serde(default)]
    pub discord: DiscordConfig,
    #[serde(default)]
    pub summarizer: SummarizerConfig,
    #[serde(default)]
    pub retention: RetentionConfig,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub alerts: AlertsConfig,
    #[serde(default)]
    pub topics: Vec<TopicConfig>,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// Named entities (labs, models, chips, regulators, places) with their aliases: read from
    /// `[classify] entities_file`, else the shipped `config/entities.toml`.
    #[serde(skip)]
    pub entities: Vec<EntityConfig>,
    /// The learned topic model, unless `[classify] learned = false`.
    #[serde(skip)]
    pub topic_model: Option<std::sync::Arc<crate::engine::learned::TopicModel>>,
}

/// One entity of the gazetteer: every name a headline may call it by, and what it is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityConfig {
    /// Stable slug; the same entity in two reports is the same feature when merging.
    pub id: String,
    pub kind: EntityKind,
    /// Names, short names, tickers, Chinese names. Case-insensitive whole words, except that
    /// short all-capital names (`US`, `FTC`) match only when written in capitals.
    pub names: Vec<String>,
}

/// What a mention of an entity is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// An AI lab or AI-first company.
    Lab,
    /// A model family or AI assistant product.
    Model,
    /// A semiconductor company.
    Chipmaker,
    /// A chip, hardware product or process node.
    Chip,
    /// A government body that acts on technology.
    Regulator,
    /// A law, rule or regime.
    Law,
    /// An investor or an exchange.
    Investor,
    /// Another company that appears in AI news.
    Company,
    /// A country or bloc, with its capital and demonyms.
    Place,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lab => "lab",
            Self::Model => "model",
            Self::Chipmaker => "chipmaker",
            Self::Chip => "chip",
            Self::Regulator => "regulator",
            Self::Law => "law",
            Self::Investor => "investor",
            Self::Company => "company",
            Self::Place => "place",
        }
    }

    /// Whether a mention shows the item is about AI or its hardware. Model and chip names
    /// are too often also people, animals or exchanges (Claude, Llama, Blackwell, Gemini) to
    /// say so alone; labs and chipmakers are not.
    pub fn is_ai_context(self) -> bool {
        matches!(self, Self::Lab | Self::Chipmaker)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntitiesFile {
    #[serde(default)]
    entity: Vec<EntityConfig>,
}

fn parse_entities(text: &str, path: &Path) -> Result<Vec<EntityConfig>, ConfigError> {
    toml::from_str::<EntitiesFile>(text)
        .map(|file| file.entity)
        .map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
}

/// Parsed once per process: every `Config::parse` shares them.
fn shipped_entities() -> Result<&'static Vec<EntityConfig>, ConfigError> {
    static SHIPPED: std::sync::OnceLock<Result<Vec<EntityConfig>, String>> =
        std::sync::OnceLock::new();
    let path = Path::new("<built-in entities>");
    SHIPPED
        .get_or_init(|| parse_entities(SHIPPED_ENTITIES, path).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: message.clone(),
        })
}

fn shipped_model()
-> Result<&'static std::sync::Arc<crate::engine::learned::TopicModel>, ConfigError> {
    static SHIPPED: std::sync::OnceLock<
        Result<std::sync::Arc<crate::engine::learned::TopicModel>, String>,
    > = std::sync::OnceLock::new();
    let path = Path::new("<built-in model>");
    SHIPPED
        .get_or_init(|| parse_model(SHIPPED_MODEL, path).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: message.clone(),
        })
}

fn parse_model(
    text: &str,
    path: &Path,
) -> Result<std::sync::Arc<crate::engine::learned::TopicModel>, ConfigError> {
    crate::engine::learned::TopicModel::from_json(text)
        .map(std::sync::Arc::new)
        .map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
}

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

pub(crate) fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(text.trim()).map_err(|e| {
        serde::de::Error::custom(format!(
            "cannot read {text:?} as a duration ({e}); try 24h, 90m or 500ms"
        ))
    })
}

/// Reads "24h", "90m", "2d", "30s" and combinations like "1h 30m".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let parsed = humantime::parse_duration(text.trim())
        .map_err(|e| format!("cannot read {text:?} as a duration ({e}); try 24h, 90m or 2d"))?;
    if parsed.is_zero() {
        return Err(format!("duration {text:?} must be longer than zero"));
    }
    Ok(parsed)
}

impl Config {
    /// Loads a config file and applies the environment. Relative source paths are resolved
    /// against the file's folder so a config works from any working directory.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            cause: source,
        })?;
        let mut config = Self::parse(&text, path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let read = |file: &Path| {
            let file = base.join(file);
            std::fs::read_to_string(&file)
                .map(|text| (text, file.clone()))
                .map_err(|source| ConfigError::Read {
                    path: file,
                    cause: source,
                })
        };
        if let Some(file) = &config.classify.entities_file {
            let (text, file) = read(file)?;
            config.entities = parse_entities(&text, &file)?;
        }
        if let Some(file) = &config.classify.model_file
            && config.classify.learned
        {
            let (text, file) = read(file)?;
            config.topic_model = Some(parse_model(&text, &file)?);
        }
        for source in &mut config.sources {
            source.url = resolve_location(&source.url, base);
        }
        if let Some(url) = crate::env::var(DATABASE_URL_ENV) {
            config.database.url = url;
        }
        Ok(config)
    }

    /// Parses and validates config text; `path` only names the origin in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        if config.topics.is_empty() || config.classify.ai_context.is_empty() {
            let shipped: Config =
                toml::from_str(SHIPPED_CONFIG).map_err(|e| ConfigError::Parse {
                    path: PathBuf::from("<built-in defaults>"),
                    message: e.to_string(),
                })?;
            if config.topics.is_empty() {
                config.topics = shipped.topics;
            }
            if config.classify.ai_context.is_empty() {
                config.classify.ai_context = shipped.classify.ai_context;
            }
        }
        config.entities = shipped_entities()?.clone();
        if config.classify.learned {
            config.topic_model = Some(shipped_model()?.clone());
        }
        config.validate().map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        if self.topics.is_empty() {
            return Err("no [[topics]] defined: a brief needs at least one topic".into());
        }
        let mut names: Vec<(String, &str)> = Vec::new();
        for (index, topic) in self.topics.iter().enumerate() {
            let place = format!("topics[{index}] (id {:?})", topic.id);
            if topic.id.is_empty()
                || !topic
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            {
                return Err(format!(
                    "{place}: id must be lower-case letters, digits, '-' or '_'"
                ));
            }
            if topic
                .terms
                .iter()
                .chain(&topic.context_terms)
                .all(|t| t.trim().is_empty())
            {
                return Err(format!(
                    "{place}: terms is empty, so nothing could ever match"
                ));
            }
            for name in std::iter::once(&topic.id).chain(&topic.aliases) {
                let key = name.to_lowercase();
                if key == "all" {
                    return Err(format!("{place}: \"all\" is reserved for every topic"));
                }
                if let Some((_, owner)) = names.iter().find(|(n, _)| *n == key) {
                    return Err(format!(
                        "{place}: name {name:?} is already used by topic {owner:?}"
                    ));
                }
                names.push((key, &topic.id));
            }
        }
        for (index, source) in self.sources.iter().enumerate() {
            if source.url.trim().is_empty() {
                return Err(format!("sources[{index}]: url is empty"));
            }
            if !(source.weight.is_finite() && source.weight > 0.0) {
                return Err(format!(
                    "sources[{index}] ({}): weight must be a positive number",
                    source.url
                ));
            }
        }
        crate::schedule::spec::parse_zone(&self.schedule.timezone)
            .map_err(|e| format!("schedule.timezone: {e}"))?;
        crate::schedule::spec::parse_time(&self.schedule.default_time)
            .map_err(|e| format!("schedule.default_time: {e}"))?;
        if self.schedule.tick.is_zero()
            || self.schedule.lease.is_zero()
            || self.schedule.concurrency == 0
        {
            return Err(
                "schedule.tick, schedule.lease and schedule.concurrency must be above zero".into(),
            );
        }
        if self.brief.window.is_zero() {
            return Err("brief.window must be longer than zero".into());
        }
        // A scheduled brief looks back up to twice its longest window (late arrivals, items
        // already delivered): nothing it reads may be pruned.
        let needed = self.schedule.max_window.max(self.brief.window) * 2;
        let retention = &self.retention;
        if retention.items < needed || retention.deliveries < needed || retention.interval.is_zero()
        {
            return Err(format!(
                "retention.items and retention.deliveries must be at least {} (twice the longest brief window), and retention.interval above zero",
                humantime::format_duration(needed)
            ));
        }
        if self.ingest.timeout.is_zero()
            || self.ingest.connect_timeout.is_zero()
            || self.ingest.concurrency == 0
        {
            return Err(
                "ingest.timeout, ingest.connect_timeout and ingest.concurrency must be above zero"
                    .into(),
            );
        }
        self.validate_summarizer()?;
        self.http.public_url()?;
        if let Some(listen) = &self.http.listen
            && listen.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(format!(
                "http.listen {listen:?} is not an address like 0.0.0.0:8080"
            ));
        }
        crate::alerts::Alerts::from_config(&self.alerts)?;
        if !(self.classify.threshold.is_finite() && self.classify.threshold > 0.0) {
            return Err("classify.threshold must be a positive number".into());
        }
        Ok(())
    }

    /// Checks `[summarizer]` alone (also after `--summarizer` changed its kind).
    pub fn validate_summarizer(&self) -> Result<(), String> {
        let summarizer = &self.summarizer;
        if summarizer.kind == SummarizerKind::Extractive {
            return Ok(());
        }
        match url::Url::parse(summarizer.base_url.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => {
                return Err(format!(
                    "summarizer.base_url {:?} must be an http(s) URL such as https://api.openai.com/v1",
                    summarizer.base_url
                ));
            }
        }
        if summarizer.model.trim().is_empty() {
            return Err("summarizer.model is empty: name the model to call".into());
        }
        if !matches!(
            summarizer.max_tokens_field.as_str(),
            "max_tokens" | "max_completion_tokens"
        ) {
            return Err(format!(
                "summarizer.max_tokens_field {:?}: use max_tokens or max_completion_tokens",
                summarizer.max_tokens_field
            ));
        }
        if summarizer.timeout.is_zero()
            || summarizer.max_tokens == 0
            || summarizer.stories_per_call == 0
            || summarizer.summary_chars < 40
            || summarizer.breaker_failures == 0
        {
            return Err("summarizer.timeout, max_tokens, stories_per_call and breaker_failures must be above zero, and summary_chars at least 40".into());
        }
        if summarizer
            .temperature
            .is_some_and(|t| !(t.is_finite() && (0.0..=2.0).contains(&t)))
        {
            return Err("summarizer.temperature must be between 0 and 2".into());
        }
        Ok(())
    }

    /// Finds a topic by id or alias, ignoring case.
    pub fn find_topic(&self, name: &str) -> Option<&TopicConfig> {
        let wanted = name.trim().trim_start_matches('#').to_lowercase();
        self.topics.iter().find(|topic| {
            topic.id == wanted
                || topic
                    .aliases
                    .iter()
                    .any(|alias| alias.to_lowercase() == wanted)
        })
    }

    pub fn topic_ids(&self) -> Vec<&str> {
        self.topics.iter().map(|t| t.id.as_str()).collect()
    }
}

/// Turns a relative path into one anchored at `base`; URLs and absolute paths pass through.
pub fn resolve_location(location: &str, base: &Path) -> String {
    let trimmed = location.trim();
    if trimmed.contains("://") || Path::new(trimmed).is_absolute() {
        return trimmed.to_string();
    }
    base.join(trimmed).to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(name: &str) -> Config {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("config")
            .join(name);
        Config::load(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn shipped_configs_parse_with_the_four_default_topics() {
        for name in ["briefbot.toml", "demo.toml"] {
            let config = shipped(name);
            assert_eq!(
                config.topic_ids(),
                ["models", "chips", "policy", "markets"],
                "{name}"
            );
            assert!(!config.sources.is_empty(), "{name} has sources");
        }
        let config = shipped("briefbot.toml");
        assert_eq!(
            config.find_topic("Semiconductors").map(|t| t.id.as_str()),
            Some("chips")
        );
        assert_eq!(
            config.find_topic("funding").map(|t| t.id.as_str()),
            Some("markets")
        );
        assert_eq!(
            config.find_topic("regulation").map(|t| t.id.as_str()),
            Some("policy")
        );
        assert_eq!(
            config.find_topic("llm").map(|t| t.id.as_str()),
            Some("models")
        );
        assert!(config.find_topic("potato").is_none());
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = "[brief]\ntitle = \"x\"\nwindwo = \"24h\"\n";
        let error = Config::parse(text, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("my.toml"), "{error}");
        assert!(error.contains("line 3"), "{error}");
        assert!(error.contains("windwo"), "{error}");
    }

    #[test]
    fn bad_duration_and_duplicate_alias_are_explained() {
        let bad_window = "[brief]\nwindow = \"soon\"\n[[topics]]\nid='a'\ntitle='A'\nterms=['x']\n";
        let error = Config::parse(bad_window, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("soon") && error.contains("line 2"),
            "{error}"
        );

        let duplicate = "[[topics]]\nid='a'\ntitle='A'\nterms=['x']\naliases=['b']\n[[topics]]\nid='b'\ntitle='B'\nterms=['y']\n";
        let error = Config::parse(duplicate, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("\"b\" is already used"), "{error}");
    }

    #[test]
    fn relative_sources_are_anchored_at_the_config_folder() {
        assert_eq!(
            resolve_location("demo/a.xml", Path::new("config")),
            "config/demo/a.xml"
        );
        assert_eq!(
            resolve_location("https://x.example/feed", Path::new("config")),
            "https://x.example/feed"
        );
        assert_eq!(
            resolve_location("/abs/feed.xml", Path::new("config")),
            "/abs/feed.xml"
        );
    }
}
