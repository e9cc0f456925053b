//! Feed health reaches people: a source failing for longer than `[alerts] after` posts one
//! notice to the operator's destination, and one more when it works again. Never to the
//! subscribed chats, which only ever get briefs.
//!
//! The "told" state lives on the source row (`alerted_at`), claimed with a conditional
//! update, so of several replicas exactly one sends each notice, and a restart neither
//! repeats nor forgets one. A notice that cannot be sent is given back and tried next round.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::app::App;
use crate::config::AlertsConfig;
use crate::delivery::Messengers;
use crate::model::Destination;
use crate::storage::{SourceHealth, StorageError, Store};

/// How often `run` looks at the sources' health: fine-grained next to hours of `after`.
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// The operator's destination and patience.
#[derive(Debug, Clone)]
pub struct Alerts {
    pub destination: Destination,
    pub after: Duration,
}

/// What one check did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Checked {
    pub failing: usize,
    pub recovered: usize,
    /// Notices that could not be sent and wait for the next round.
    pub unsent: usize,
}

impl Alerts {
    /// `None` when no destination is configured.
    pub fn from_config(config: &AlertsConfig) -> Result<Option<Self>, String> {
        let Some(destination) = &config.destination else {
            return Ok(None);
        };
        let destination =
            Destination::parse(destination).map_err(|e| format!("alerts.destination: {e}"))?;
        Ok(Some(Self {
            destination,
            after: config.after,
        }))
    }

    /// Sends the notices due at `now` for the sources in `configured` (URLs): a source no
    /// longer configured is not news to anyone.
    pub async fn check(
        &self,
        store: &Store,
        messengers: &Messengers,
        configured: &HashSet<String>,
        now: DateTime<Utc>,
    ) -> Result<Checked, StorageError> {
        let mut checked = Checked::default();
        let Some(messenger) = messengers.get(self.destination.platform) else {
            return Ok(checked);
        };
        let failing_before = now.timestamp() - self.after.as_secs() as i64;
        for source in store.unreported_failing_sources(failing_before).await? {
            if !configured.contains(&source.url)
                || !store
                    .claim_failing_notice(source.id, now.timestamp())
                    .await?
            {
                continue;
            }
            let text = failing_notice(&source, now);
            match messenger.notify(&self.destination, &text).await {
                Ok(()) => {
                    checked.failing += 1;
                    crate::telemetry::alert_sent("failing");
                }
                Err(error) => {
                    tracing::warn!(%error, source = %source.url, "feed-health notice not sent; trying again next round");
                    store.release_notice(source.id, None).await?;
                    checked.unsent += 1;
                }
            }
        }
        for source in store.unreported_recovered_sources().await? {
            if !store.claim_recovered_notice(source.id).await? {
                continue;
            }
            let text = recovered_notice(&source);
            match messenger.notify(&self.destination, &text).await {
                Ok(()) => {
                    checked.recovered += 1;
                    crate::telemetry::alert_sent("recovered");
                }
                Err(error) => {
                    tracing::warn!(%error, source = %source.url, "feed-health notice not sent; trying again next round");
                    store
                        .release_notice(source.id, Some(now.timestamp()))
                        .await?;
                    checked.unsent += 1;
                }
            }
        }
        Ok(checked)
    }
}

/// Checks feed health every minute until `stopped` turns true.
pub async fn run(app: Arc<App>, messengers: Messengers, stopped: watch::Receiver<bool>) {
    let alerts = match Alerts::from_config(&app.config.alerts) {
        Ok(Some(alerts)) => alerts,
        Ok(None) => return,
        Err(error) => {
            tracing::error!(%error, "feed-health notices are off");
            return;
        }
    };
    if messengers.get(alerts.destination.platform).is_none() {
        tracing::error!(
            destination = %alerts.destination,
            "feed-health notices are off: their destination's platform is not configured"
        );
        return;
    }
    let configured: HashSet<String> = app
        .configured_sources()
        .into_iter()
        .map(|source| source.url)
        .collect();
    let mut rounds = crate::periodic::Rounds::every(CHECK_EVERY, stopped);
    while rounds.next().await {
        match alerts
            .check(&app.store, &messengers, &configured, Utc::now())
            .await
        {
            Ok(checked) if checked != Checked::default() => {
                tracing::info!(?checked, "feed-health notices")
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "feed-health check failed"),
        }
    }
}

/// "Feed failing" in words an operator acts on: which feed, since when, the last error.
pub fn failing_notice(source: &SourceHealth, now: DateTime<Utc>) -> String {
    let since = source
        .failing_since
        .and_then(|at| DateTime::from_timestamp(at, 0))
        .unwrap_or(now);
    let for_how_long = humantime::format_duration(Duration::from_secs(
        (now - since).num_minutes().max(0) as u64 * 60,
    ));
    format!(
        "briefbot: feed failing — {} ({}) has failed since {} ({for_how_long}). Last error: {}. Briefs go on without it; `briefbot sources` shows every feed.",
        source.name,
        shown_url(&source.url),
        since.format("%Y-%m-%d %H:%M UTC"),
        source.last_error.as_deref().unwrap_or("unknown"),
    )
}

pub fn recovered_notice(source: &SourceHealth) -> String {
    format!(
        "briefbot: feed recovered — {} ({}) works again.",
        source.name,
        shown_url(&source.url)
    )
}

/// A feed URL without what might be a credential (user info, query string).
fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if matches!(parsed.scheme(), "http" | "https") => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(url: &str) -> SourceHealth {
        SourceHealth {
            id: 1,
            url: url.into(),
            name: "Wire".into(),
            last_error: Some("HTTP 503".into()),
            failing_since: Some(1_000_000),
            last_success_at: None,
        }
    }

    #[test]
    fn a_failing_notice_names_the_feed_the_start_and_the_error_but_no_credential() {
        let now = DateTime::from_timestamp(1_000_000 + 7 * 3600, 0).unwrap_or_default();
        let text = failing_notice(
            &source("https://user:pass@feeds.example/rss?token=s3cret"),
            now,
        );
        assert!(text.contains("Wire (https://feeds.example/rss)"), "{text}");
        assert!(text.contains("7h"), "{text}");
        assert!(text.contains("HTTP 503"), "{text}");
        assert!(!text.contains("s3cret") && !text.contains("pass"), "{text}");
    }

    #[test]
    fn an_alert_destination_must_parse() {
        let config = AlertsConfig {
            destination: Some("carrier-pigeon:42".into()),
            after: Duration::from_secs(60),
        };
        assert!(Alerts::from_config(&config).is_err());
        let config = AlertsConfig {
            destination: Some("console".into()),
            after: Duration::from_secs(60),
        };
        assert!(matches!(Alerts::from_config(&config), Ok(Some(_))));
    }
}
