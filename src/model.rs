//! Plain data shared by every layer: what a source, an item, a story and a brief are.
//! Nothing here does I/O; the engine and the renderers work only with these values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One normalised news item, whatever feed format it arrived in.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Database id; stable for the item's lifetime and the tie-breaker that keeps output deterministic.
    pub id: i64,
    /// Display name of the outlet that published it.
    pub source_name: String,
    /// How much the operator trusts this outlet (1.0 = normal).
    pub source_weight: f64,
    /// Plain text, no markup, entities decoded.
    pub title: String,
    /// Plain text, no markup, entities decoded; may be empty.
    pub summary: String,
    /// Absolute canonical link (tracking parameters and fragment removed).
    pub link: String,
    /// Published time, else updated time, else when briefbot first saw it.
    pub published: DateTime<Utc>,
    /// When briefbot first stored it; later than `published` when a feed is slow or fetched
    /// only every so often.
    pub first_seen: DateTime<Utc>,
    /// BCP 47 language tag when the feed says so.
    pub language: Option<String>,
}

/// The same news told by one or more outlets, after merging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub headline: String,
    pub summary: String,
    /// The entity the story is about (bolded at the start of its bullet); may be empty.
    pub key_entity: String,
    /// Earliest publication time among the merged items.
    pub published: DateTime<Utc>,
    /// Topic ids this story matches, strongest first.
    pub topics: Vec<String>,
    /// One per merged item, in the order outlets are credited.
    pub links: Vec<Link>,
    /// Ranking score; higher is more important. Not part of the public JSON.
    #[serde(skip)]
    pub score: f64,
    /// Ids of the items merged into this story (for delivery bookkeeping).
    #[serde(skip)]
    pub item_ids: Vec<i64>,
    /// Why the story is in its topics and why its reports were merged; only when asked for
    /// (`brief --explain`, or `why` in the JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<Why>,
}

/// The reasons behind one story, for an operator tuning topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Why {
    /// Per topic the story is in: its score against the threshold.
    pub topics: Vec<TopicWhy>,
    /// Per report: what the classifier saw.
    pub reports: Vec<ReportWhy>,
    /// Features the merged reports share (words, `@entity`, `#amount`, `!event`), strongest first.
    pub shared: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicWhy {
    pub topic: String,
    /// The story's score for the topic (mean over its reports), and the threshold.
    pub score: f64,
    pub threshold: f64,
    /// How many reports reached the threshold themselves.
    pub reports_placed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportWhy {
    pub url: String,
    /// Score per topic id (the model's where it knows the topic, else the rules').
    pub scores: std::collections::BTreeMap<String, f64>,
    /// What the term rules matched (`term@title`, `~ambiguous@summary`, `!exclude@title`).
    pub terms: Vec<String>,
    /// The model features that moved the strongest topic most, with their effect.
    pub model: Vec<String>,
    /// Entities named, by id.
    pub entities: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub url: String,
    pub source: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub topic: String,
    pub title: String,
    pub stories: Vec<Story>,
}

/// A finished brief: what every renderer and every platform adapter consumes. Its serde form
/// is how the web archive stores it (`storage::briefs`); the public JSON is `render::json`'s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    pub title: String,
    /// Topic id when the brief was asked for one topic; `None` for the full brief.
    pub topic: Option<String>,
    pub as_of: DateTime<Utc>,
    pub window_start: DateTime<Utc>,
    pub sections: Vec<Section>,
    /// Distinct outlets cited across all sections.
    pub source_count: usize,
    /// The model-written overview and bottom line; `None` for an extractive brief.
    pub editorial: Option<Editorial>,
    /// The brief's page in the web archive, when it was archived and `[http] public_url` is
    /// set; the chat renderers end with it. Never stored: the archive id and the public
    /// address are only known, or may change, after the brief is written.
    #[serde(skip)]
    pub permalink: Option<url::Url>,
}

/// What a model writes around the engine's stories: plain text, already checked against the
/// brief's sources. Links, sources and sections never come from here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Editorial {
    /// Two to four sentences on what mattered.
    pub overview: String,
    /// One closing sentence.
    pub bottom_line: String,
}

impl Brief {
    pub fn story_count(&self) -> usize {
        self.sections.iter().map(|s| s.stories.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.story_count() == 0
    }

    /// Distinct outlets cited by the stories these sections hold.
    pub fn count_sources(sections: &[Section]) -> usize {
        let sources: std::collections::BTreeSet<&str> = sections
            .iter()
            .flat_map(|s| &s.stories)
            .flat_map(|story| &story.links)
            .map(|link| link.source.as_str())
            .collect();
        sources.len()
    }
}

/// Which topics a subscription asks for: every topic, or one by id. Stored (and typed by
/// users) as the topic id or `all`; read into this once, so no caller compares with `"all"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TopicFilter {
    All,
    One(String),
}

impl TopicFilter {
    const ALL: &'static str = "all";

    /// The stored or typed form: `all` (any case) is every topic, anything else one id.
    pub fn parse(text: &str) -> Self {
        if Self::means_all(text) {
            Self::All
        } else {
            Self::One(text.to_string())
        }
    }

    /// Whether a typed or stored word asks for every topic.
    pub fn means_all(word: &str) -> bool {
        word.eq_ignore_ascii_case(Self::ALL)
    }

    /// The one topic asked for, or `None` for every topic (as `BriefRequest::topic` wants it).
    pub fn topic(&self) -> Option<&str> {
        match self {
            Self::All => None,
            Self::One(id) => Some(id),
        }
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        self.topic().unwrap_or(Self::ALL)
    }
}

impl From<Option<String>> for TopicFilter {
    fn from(topic: Option<String>) -> Self {
        topic.map_or(Self::All, Self::One)
    }
}

impl From<&str> for TopicFilter {
    fn from(text: &str) -> Self {
        Self::parse(text)
    }
}

impl PartialEq<&str> for TopicFilter {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for TopicFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every place a brief can go. Stored and typed as its lower-case name (`as_str`); read once,
/// at the edge (a config line, a chat command, a database row), and compared as a value after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Console,
    Webhook,
    Telegram,
    Discord,
    Slack,
    Mattermost,
    SlackWebhook,
    MattermostWebhook,
}

impl Platform {
    pub const ALL: [Platform; 8] = [
        Platform::Console,
        Platform::Webhook,
        Platform::Telegram,
        Platform::Discord,
        Platform::Slack,
        Platform::Mattermost,
        Platform::SlackWebhook,
        Platform::MattermostWebhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Console => "console",
            Platform::Webhook => "webhook",
            Platform::Telegram => "telegram",
            Platform::Discord => "discord",
            Platform::Slack => "slack",
            Platform::Mattermost => "mattermost",
            Platform::SlackWebhook => "slack-webhook",
            Platform::MattermostWebhook => "mattermost-webhook",
        }
    }

    /// The platform named exactly so (the stored, lower-case form), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|platform| platform.as_str() == name)
    }

    /// Whether its chat id is a URL, and so a secret that is never shown.
    pub fn is_webhook(self) -> bool {
        matches!(
            self,
            Platform::Webhook | Platform::SlackWebhook | Platform::MattermostWebhook
        )
    }
}

/// A stored platform name briefbot does not know (a row written by a newer version).
#[derive(Debug, thiserror::Error)]
#[error("unknown platform {0:?}")]
pub struct UnknownPlatform(pub String);

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a brief is delivered: a platform, a chat or channel there, and optionally a thread
/// (a Telegram forum topic, a Discord thread, a Slack thread's parent `ts`, a Mattermost root
/// post) inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Destination {
    pub platform: Platform,
    /// The platform's chat or channel id; for the webhook kinds, the URL.
    pub chat_id: String,
    pub thread_id: Option<String>,
}

impl Destination {
    pub fn new(platform: Platform, chat_id: &str, thread_id: Option<&str>) -> Self {
        Self {
            platform,
            chat_id: chat_id.to_string(),
            thread_id: thread_id.map(str::to_string),
        }
    }

    /// Reads the operator's form: `console`, `webhook:https://…`, `telegram:CHAT[/THREAD]`,
    /// `discord:CHANNEL[/THREAD]`, `slack:CHANNEL[/THREAD_TS]`, `mattermost:CHANNEL[/ROOT_ID]`,
    /// `slack-webhook:https://…`, `mattermost-webhook:https://…`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "console" {
            return Ok(Self::new(Platform::Console, "stdout", None));
        }
        let Some((name, rest)) = text.split_once(':') else {
            return Err(format!("cannot read destination {text:?}: use {FORMS}"));
        };
        let Some(platform) = Platform::from_name(name) else {
            return Err(format!("unknown platform {name:?}: use {FORMS}"));
        };
        let (chat, thread) = match rest.split_once('/') {
            Some((chat, thread)) => (chat, Some(thread)),
            None => (rest, None),
        };
        match platform {
            Platform::Webhook | Platform::SlackWebhook | Platform::MattermostWebhook => {
                if rest.starts_with("http://") || rest.starts_with("https://") {
                    Ok(Self::new(platform, rest, None))
                } else {
                    // Not echoed: a mistyped webhook URL is still a secret.
                    Err(format!("{platform} destination must be an http(s) URL"))
                }
            }
            Platform::Telegram | Platform::Discord => {
                let numeric = |s: &str| {
                    !s.is_empty()
                        && s.trim_start_matches('-')
                            .chars()
                            .all(|c| c.is_ascii_digit())
                };
                if !numeric(chat) || thread.is_some_and(|t| !numeric(t)) {
                    return Err(format!(
                        "{platform} destination {rest:?} must be numeric ids: CHAT_ID or CHAT_ID/THREAD_ID"
                    ));
                }
                Ok(Self::new(platform, chat, thread))
            }
            Platform::Slack => {
                // Conversation ids are upper-case letters and digits (C…, G…, D…); a thread is
                // named by its parent message's `ts`, seconds and microseconds.
                let id = |s: &str| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                };
                let ts = |s: &str| {
                    s.split_once('.').is_some_and(|(secs, micros)| {
                        [secs, micros]
                            .iter()
                            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                    })
                };
                if !id(chat) || thread.is_some_and(|t| !ts(t)) {
                    return Err(format!(
                        "slack destination {rest:?} must be CHANNEL_ID or CHANNEL_ID/THREAD_TS, like C0123ABCD/1712345678.000100"
                    ));
                }
                Ok(Self::new(platform, chat, thread))
            }
            Platform::Mattermost => {
                // Mattermost ids are 26 lower-case letters and digits.
                let id = |s: &str| {
                    s.len() == 26
                        && s.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                };
                if !id(chat) || thread.is_some_and(|t| !id(t)) {
                    return Err(format!(
                        "mattermost destination {rest:?} must be CHANNEL_ID or CHANNEL_ID/ROOT_POST_ID (26-character ids)"
                    ));
                }
                Ok(Self::new(platform, chat, thread))
            }
            Platform::Console => Err(format!(
                "the console takes no chat id: write just \"console\", not {text:?}"
            )),
        }
    }

    /// Whether the chat id is a URL, and so a secret that is never shown.
    pub fn is_webhook(&self) -> bool {
        self.platform.is_webhook()
    }
}

/// Every destination form, for error messages.
const FORMS: &str = "console, webhook:URL, telegram:CHAT_ID[/THREAD_ID], discord:CHANNEL_ID[/THREAD_ID], \
slack:CHANNEL_ID[/THREAD_TS], mattermost:CHANNEL_ID[/ROOT_ID], slack-webhook:URL or mattermost-webhook:URL";

impl Destination {
    /// The full text form `parse` reads back, webhook URL included: the key a destination is
    /// stored and rate-limited under. Not for showing (the URL is a secret); `Display` is.
    pub fn key(&self) -> String {
        match (self.platform, &self.thread_id) {
            (Platform::Console, _) => "console".to_string(),
            (platform, Some(thread)) => format!("{platform}:{}/{thread}", self.chat_id),
            (platform, None) => format!("{platform}:{}", self.chat_id),
        }
    }
}

/// The destination as it may be shown to people and logs: a webhook's URL is masked.
impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.platform, &self.thread_id) {
            (Platform::Console, _) => write!(f, "console"),
            (platform, _) if self.is_webhook() => {
                write!(f, "{platform}:{}", crate::redact::secret_url(&self.chat_id))
            }
            (platform, Some(thread)) => write!(f, "{platform}:{}/{thread}", self.chat_id),
            (platform, None) => write!(f, "{platform}:{}", self.chat_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_filters_read_all_in_any_case_and_store_one_form() {
        assert_eq!(TopicFilter::parse("ALL"), TopicFilter::All);
        assert_eq!(TopicFilter::All.topic(), None);
        assert_eq!(TopicFilter::All.as_str(), "all");
        let chips = TopicFilter::parse("chips");
        assert_eq!(chips.topic(), Some("chips"));
        assert_eq!(TopicFilter::parse(chips.as_str()), chips);
        assert_eq!(TopicFilter::from(None), TopicFilter::All);
        assert_eq!(
            TopicFilter::from(Some("policy".to_string())),
            TopicFilter::One("policy".into())
        );
    }

    #[test]
    fn destinations_round_trip_through_their_text_form() {
        for text in [
            "console",
            "webhook:https://hooks.example/x?y=1",
            "telegram:-100123/45",
            "discord:987654321",
            "slack:C0123ABCD",
            "slack:C0123ABCD/1712345678.000100",
            "mattermost:4xp9fdt7pbgium38k5k6w95oma",
            "mattermost:4xp9fdt7pbgium38k5k6w95oma/ghq3kn5ixjrx3x1yb4cfjrj8hw",
            "slack-webhook:https://hooks.slack.com/services/T1/B2/X",
            "mattermost-webhook:https://chat.example/hooks/abc",
        ] {
            let parsed = Destination::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(parsed.key(), text);
        }
        let hook = Destination::parse("webhook:https://hooks.slack.com/services/T1/B2/SECRET")
            .unwrap_or_else(|e| panic!("{e}"));
        let shown = hook.to_string();
        assert!(
            shown.starts_with("webhook:https://hooks.slack.com/…#"),
            "{shown}"
        );
        assert!(
            !shown.contains("SECRET"),
            "a webhook URL is a secret: {shown}"
        );
        assert!(Destination::parse("telegram:abc").is_err());
        assert!(Destination::parse("webhook:ftp://x").is_err());
        assert!(
            Destination::parse("slack:c0123").is_err(),
            "ids are upper case"
        );
        assert!(
            Destination::parse("slack:C1/1712345678").is_err(),
            "a ts has micros"
        );
        assert!(Destination::parse("mattermost:short").is_err());
        assert!(
            Destination::parse("console:stdout").is_err(),
            "the console takes no chat id"
        );
        assert!(Destination::parse("pigeon:1").is_err());
        for platform in Platform::ALL {
            assert_eq!(Platform::from_name(platform.as_str()), Some(platform));
        }
        for platform in ["slack-webhook", "mattermost-webhook"] {
            let hook = Destination::parse(&format!("{platform}:https://hooks.example/T1/SECRET"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(hook.is_webhook());
            let shown = hook.to_string();
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.starts_with(&format!("{platform}:https://hooks.example/")));
            let refused = Destination::parse(&format!("{platform}:ftp://x/SECRET"))
                .err()
                .unwrap_or_default();
            assert!(!refused.contains("SECRET"), "{refused}");
        }
    }
}
