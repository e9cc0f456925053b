//! Values that parse but contradict each other or make no sense, refused with the setting
//! named.

use super::{Config, SummarizerKind};

impl Config {
    pub(super) fn validate(&self) -> Result<(), String> {
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
}
