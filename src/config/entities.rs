//! The entity gazetteer (labs, models, chips, regulators, places, with their aliases) and the
//! learned topic model: both shipped in the binary, both replaceable by a file.

use std::path::Path;

use serde::Deserialize;

use super::{ConfigError, SHIPPED_ENTITIES, SHIPPED_MODEL};

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

pub(super) fn parse_entities(text: &str, path: &Path) -> Result<Vec<EntityConfig>, ConfigError> {
    toml::from_str::<EntitiesFile>(text)
        .map(|file| file.entity)
        .map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
}

/// Parsed once per process: every `Config::parse` shares them.
pub(super) fn shipped_entities() -> Result<&'static Vec<EntityConfig>, ConfigError> {
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

pub(super) fn shipped_model()
-> Result<&'static std::sync::Arc<crate::engine::learned::TopicModel>, ConfigError> {
    static SHIPPED: std::sync::OnceLock<
        Result<std::sync::Arc<crate::engine::learned::TopicModel>, String>,
    > = std::sync::OnceLock::new();
    let path = Path::new("<built-in model>");
    SHIPPED
        .get_or_init(|| {
            crate::engine::learned::TopicModel::from_json(SHIPPED_MODEL).map(std::sync::Arc::new)
        })
        .as_ref()
        .map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: message.clone(),
        })
}

pub(super) fn parse_model(
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
