//! Typed configuration: built-in defaults, then a TOML file, then the environment, then flags.
//!
//! Every section rejects unknown keys so a typo is an error with the file, line and key named
//! rather than a setting that silently does nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

mod entities;
mod locate;
mod sections;
mod service;
mod validate;
pub use entities::{EntityConfig, EntityKind};
use entities::{parse_entities, parse_model, shipped_entities, shipped_model};
pub use locate::{ConfigSource, locate};
pub use sections::*;
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
            // Only a build whose model file predates a change to the model's features gets
            // here: it still runs (and `train-classifier` can rebuild the file) on the rules.
            match shipped_model() {
                Ok(model) => config.topic_model = Some(model.clone()),
                Err(error) => tracing::warn!(
                    %error,
                    "the built-in topic model does not load; topics are decided by the rules \
                     alone until `briefbot train-classifier` rebuilds it"
                ),
            }
        }
        config.validate().map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(config)
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
