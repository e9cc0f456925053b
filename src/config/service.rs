//! `[http]` and `[alerts]`: how briefbot runs as a service (one listening port, a public
//! address for links back to the archive, and where operators hear about broken feeds).

use std::time::Duration;

use serde::Deserialize;

use super::duration;

/// Env var that overrides `[http] listen`.
pub const HTTP_LISTEN_ENV: &str = "BRIEFBOT_HTTP_LISTEN";
/// Env var that overrides `[http] public_url`.
pub const HTTP_PUBLIC_URL_ENV: &str = "BRIEFBOT_PUBLIC_URL";

/// One HTTP server for everything `run` serves: `/healthz`, `/readyz`, `/metrics`, the
/// brief archive and its feeds, and the Discord and Telegram endpoints when those have no
/// listener of their own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address to bind, like `0.0.0.0:8080`. Off unless set (here or in
    /// `BRIEFBOT_HTTP_LISTEN`).
    pub listen: Option<String>,
    /// Where readers reach this server from outside, like `https://brief.example.org/`:
    /// chat messages then link to the brief's archive page, and the feeds link to it.
    pub public_url: Option<String>,
}

impl HttpConfig {
    /// The bind address after the environment, if the server is on.
    pub fn listen(&self) -> Option<String> {
        crate::env::var(HTTP_LISTEN_ENV).or_else(|| self.listen.clone())
    }

    /// The public base URL after the environment, always ending in `/` so paths join onto it.
    pub fn public_url(&self) -> Result<Option<url::Url>, String> {
        let Some(text) = crate::env::var(HTTP_PUBLIC_URL_ENV).or_else(|| self.public_url.clone())
        else {
            return Ok(None);
        };
        let mut url = url::Url::parse(text.trim())
            .map_err(|e| format!("http.public_url {text:?} is not a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "http.public_url {text:?} must be http:// or https://"
            ));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Some(url))
    }
}

/// Feed-health notices for the operator: a source failing longer than `after` posts one
/// notice, and one more when it recovers, to `destination` only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// A destination as in `briefbot subscribe`: `telegram:CHAT`, `discord:CHANNEL`,
    /// `slack:CHANNEL`, `mattermost:CHANNEL`, a webhook kind or `console`. No notices unless set.
    pub destination: Option<String>,
    /// How long a source must have been failing before anyone is told.
    #[serde(deserialize_with = "duration")]
    pub after: Duration,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            destination: None,
            after: Duration::from_secs(6 * 3600),
        }
    }
}
