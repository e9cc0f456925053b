//! Where the configuration comes from, so an installed binary works from any directory: the
//! file named by `--config` or `BRIEFBOT_CONFIG`, else the first of `./config/briefbot.toml`,
//! `$XDG_CONFIG_HOME/briefbot/briefbot.toml` (`~/.config/…` without it) and
//! `/etc/briefbot/briefbot.toml` that exists, else the shipped configuration compiled into
//! the binary (topics, classifier and defaults included).

use std::fmt;
use std::path::{Path, PathBuf};

use super::{Config, ConfigError, DEFAULT_CONFIG_PATH, SHIPPED_CONFIG};

/// The configuration briefbot runs with, and where it came from (`briefbot check` says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    File(PathBuf),
    BuiltIn,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File(path) => write!(f, "{}", path.display()),
            ConfigSource::BuiltIn => write!(f, "built-in defaults (no config file found)"),
        }
    }
}

/// The file to read: `named` when the user named one (missing is then an error), else the
/// first standard location that exists.
pub fn locate(named: Option<&Path>) -> ConfigSource {
    if let Some(path) = named {
        return ConfigSource::File(path.to_path_buf());
    }
    standard_locations()
        .into_iter()
        .find(|path| path.is_file())
        .map_or(ConfigSource::BuiltIn, ConfigSource::File)
}

fn standard_locations() -> Vec<PathBuf> {
    let mut paths = vec![PathBuf::from(DEFAULT_CONFIG_PATH)];
    let user_config = crate::env::var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| crate::env::var("HOME").map(|home| Path::new(&home).join(".config")));
    if let Some(directory) = user_config {
        paths.push(directory.join("briefbot").join("briefbot.toml"));
    }
    paths.push(PathBuf::from("/etc/briefbot/briefbot.toml"));
    paths
}

impl Config {
    /// Reads the configuration from where `source` says.
    pub fn load_from(source: &ConfigSource) -> Result<Self, ConfigError> {
        match source {
            ConfigSource::File(path) => Self::load(path),
            ConfigSource::BuiltIn => {
                let mut config = Self::parse(SHIPPED_CONFIG, Path::new("<built-in defaults>"))?;
                if let Some(url) = crate::env::var(super::DATABASE_URL_ENV) {
                    config.database.url = url;
                }
                Ok(config)
            }
        }
    }
}
