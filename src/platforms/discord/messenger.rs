//! Scheduled briefs into Discord channels and threads, through the `Messenger` seam.
//!
//! Each message carries a nonce made from the ledger row's id and its position in the brief,
//! with `enforce_nonce`, so a retry after a crash (or after part of a split brief went out)
//! gets the message Discord already has instead of posting it twice.
//!
//! The request is built by serenity (route, token, proxy rewrite) but sent here: serenity's
//! error type drops a 429's `retry_after`, and the ledger needs it to wait exactly as long as
//! Discord asks. Requests are spaced to stay under the global limit (Discord bans addresses
//! that collect too many 429s); a 429 for one channel goes back to the ledger, which retries
//! that delivery when Discord says, with the same nonces.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;
use serenity::builder::{CreateAllowedMentions, CreateEmbed, CreateEmbedFooter, CreateMessage};
use serenity::http::{Http, LightMethod, Request, Route};
use serenity::model::channel::Nonce;
use serenity::model::id::ChannelId;

use super::render::{self, Embed};
use super::{DiscordError, PLATFORM};
use crate::delivery::share::ReplicaShare;
use crate::delivery::{MessageIds, Messenger, Outgoing, SendError};
use crate::model::Destination;

/// Longest wait for one create-message call before it counts as a network failure.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Wait asked of the ledger when a 429 says nothing about how long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Requests per second this process allows itself: 96% of Discord's global 50.
pub const DEFAULT_RATE: f64 = 48.0;

/// Discord error codes that mean the bot can no longer post here.
const MISSING_ACCESS: i64 = 50001;
const MISSING_PERMISSIONS: i64 = 50013;
const UNKNOWN_CHANNEL: i64 = 10003;

/// A notice is a few lines; escaping at most doubles it, within a message's 2,000 characters.
const NOTICE_CHARS: usize = 900;

pub struct DiscordMessenger {
    http: Arc<Http>,
    client: reqwest::Client,
    pacer: Pacer,
}

/// Spaces request starts evenly; a global 429 holds everyone back for as long as Discord asks.
///
/// Requests take their turn one at a time and the next turn is counted from when this one
/// actually left: a runtime stall that wakes several senders late must not let them leave
/// together, or the requests meant for the stalled milliseconds land in the next second
/// on top of its own and Discord answers 429. Lateness of up to one interval is made good
/// (a timer fires up to a millisecond late every time), so at most two requests ever leave
/// back to back, within the 2 of 50 a second that pacing at 48 leaves spare; beyond that, the
/// stalled time is lost.
struct Pacer {
    per_second: f64,
    interval: Duration,
    next: tokio::sync::Mutex<tokio::time::Instant>,
    share: ReplicaShare,
}

impl Pacer {
    fn new(per_second: f64) -> Self {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            DEFAULT_RATE
        };
        Self {
            per_second,
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: tokio::sync::Mutex::new(tokio::time::Instant::now()),
            share: ReplicaShare::default(),
        }
    }

    async fn wait(&self) {
        let mut next = self.next.lock().await;
        let scheduled = *next;
        tokio::time::sleep_until(scheduled).await;
        let left = tokio::time::Instant::now();
        // Each replica spaces its requests by its share of the global rate.
        let from = scheduled.max(left.checked_sub(self.interval).unwrap_or(left));
        *next = from + self.interval * self.share.replicas();
    }

    async fn hold(&self, wait: Duration) {
        let mut next = self.next.lock().await;
        *next = (*next).max(tokio::time::Instant::now() + wait);
    }
}

impl DiscordMessenger {
    pub fn new(http: Arc<Http>) -> Result<Self, DiscordError> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| DiscordError::Client(e.to_string()))?;
        Ok(Self {
            http,
            client,
            pacer: Pacer::new(DEFAULT_RATE),
        })
    }

    /// The same messenger allowing itself `per_second` requests (tests scale time with this).
    pub fn with_rate(mut self, per_second: f64) -> Self {
        let share = self.pacer.share.clone();
        self.pacer = Pacer::new(per_second);
        self.pacer.share = share;
        self
    }

    /// The global rate split with the other live replicas in `share`.
    pub fn sharing(mut self, share: ReplicaShare) -> Self {
        self.pacer.share = share;
        self
    }

    async fn send_brief(&self, outgoing: Outgoing<'_>) -> Result<MessageIds, SendError> {
        let channel = target_channel(outgoing.destination)?;
        let messages = render::brief_messages(outgoing.brief);
        let mut ids = Vec::new();
        // Parts already delivered are not sent again: the nonce only dedupes for minutes.
        for (index, message) in messages.iter().enumerate().skip(outgoing.delivered_parts) {
            let body = CreateMessage::new()
                .embeds(message.embeds.iter().map(to_serenity).collect())
                .allowed_mentions(CreateAllowedMentions::new())
                .nonce(Nonce::String(nonce(outgoing.delivery_id, index)))
                .enforce_nonce(true);
            let id = self.create_message(channel, &body).await?;
            outgoing.progress.part_delivered(&id).await;
            ids.push(id);
        }
        Ok(ids)
    }

    async fn create_message(
        &self,
        channel_id: ChannelId,
        body: &CreateMessage,
    ) -> Result<String, SendError> {
        let bytes = serde_json::to_vec(body).map_err(|e| SendError::Permanent {
            reason: format!("cannot encode the message: {e}"),
        })?;
        let request = Request::new(Route::ChannelMessages { channel_id }, LightMethod::Post)
            .body(Some(bytes))
            .build(&self.client, self.http.token(), self.http.proxy.as_deref())
            .map_err(|e| SendError::Permanent {
                reason: format!("cannot build the request: {e}"),
            })?;
        self.pacer.wait().await;
        let response = request.send().await.map_err(|e| SendError::Transient {
            reason: format!("network: {e}"),
        })?;
        let status = response.status().as_u16();
        let retry_header = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(|e| SendError::Transient {
            reason: format!("reading the reply: {e}"),
        })?;
        if (200..300).contains(&status) {
            #[derive(Deserialize)]
            struct Created {
                id: String,
            }
            return serde_json::from_slice::<Created>(&body)
                .map(|created| created.id)
                // Sent, but the reply is odd: the brief is out, so report success without an id.
                .or_else(|_| Ok(String::new()));
        }
        let error = classify(status, retry_header.as_deref(), &body);
        if let SendError::RateLimited { retry_after } = &error
            && is_global(&body)
        {
            self.pacer.hold(*retry_after).await;
        }
        Err(error)
    }
}

impl Messenger for DiscordMessenger {
    fn platform(&self) -> crate::model::Platform {
        PLATFORM
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(self.send_brief(outgoing))
    }

    /// A request waits only for the global pace; a second and a half of requests in flight
    /// covers the round trip and the database work around each delivery.
    fn deliveries_in_flight(&self) -> usize {
        (self.pacer.per_second * 1.5).ceil() as usize
    }

    /// Plain text with Markdown escaped and every mention disabled.
    fn notify<'a>(
        &'a self,
        destination: &'a Destination,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let channel = target_channel(destination)?;
            let text: String = text.chars().take(NOTICE_CHARS).collect();
            let body = CreateMessage::new()
                .content(crate::render::markdown::escape(&text))
                .allowed_mentions(CreateAllowedMentions::new());
            self.create_message(channel, &body).await.map(|_| ())
        })
    }
}

/// The channel to post in: the thread when there is one (a thread is a channel of its own).
pub fn target_channel(destination: &Destination) -> Result<ChannelId, SendError> {
    let id = destination
        .thread_id
        .as_deref()
        .unwrap_or(&destination.chat_id);
    id.parse::<u64>()
        .ok()
        .filter(|id| *id != 0)
        .map(ChannelId::new)
        .ok_or_else(|| SendError::Permanent {
            reason: format!("{destination} is not a Discord channel id"),
        })
}

/// `bb<delivery id>.<part>`: at most 24 characters (Discord allows 25), the same on every
/// retry of the same delivery.
pub fn nonce(delivery_id: i64, part: usize) -> String {
    format!("bb{delivery_id}.{part}")
}

/// Whether a 429 is for the whole bot rather than one channel.
fn is_global(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("global").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}

/// What a failed create-message means for the ledger.
pub fn classify(status: u16, retry_after_header: Option<&str>, body: &[u8]) -> SendError {
    #[derive(Deserialize, Default)]
    struct ErrorBody {
        #[serde(default)]
        code: Option<i64>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        retry_after: Option<f64>,
    }
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let message = parsed.message.clone().unwrap_or_default();
    let code = parsed.code.unwrap_or(0);
    match status {
        429 => {
            let seconds = parsed
                .retry_after
                .or_else(|| retry_after_header.and_then(|h| h.trim().parse().ok()));
            SendError::RateLimited {
                retry_after: crate::delivery::retry_after_seconds(seconds, DEFAULT_RETRY_AFTER),
            }
        }
        403 if code == MISSING_ACCESS || code == MISSING_PERMISSIONS => SendError::Gone {
            reason: format!("Discord {code}: {message}"),
        },
        404 if code == UNKNOWN_CHANNEL => SendError::Gone {
            reason: format!("Discord {code}: {message}"),
        },
        500..=599 => SendError::Transient {
            reason: format!("HTTP {status}"),
        },
        _ => SendError::Permanent {
            reason: format!("HTTP {status}, Discord {code}: {message}"),
        },
    }
}

/// One of our embeds as serenity's builder.
pub fn to_serenity(embed: &Embed) -> CreateEmbed {
    let mut out = CreateEmbed::new();
    if let Some(title) = &embed.title {
        out = out.title(title);
    }
    if let Some(description) = &embed.description {
        out = out.description(description);
    }
    for field in &embed.fields {
        out = out.field(&field.name, &field.value, false);
    }
    if let Some(footer) = &embed.footer {
        out = out.footer(CreateEmbedFooter::new(footer));
    }
    if let Some(colour) = embed.color {
        out = out.colour(colour);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Senders woken late together by a stalled runtime leave at most two at a time, then one
    /// interval apart.
    #[tokio::test(flavor = "current_thread")]
    async fn a_stall_does_not_release_a_burst() {
        let pacer = Arc::new(Pacer::new(200.0)); // 5 ms apart
        let senders: Vec<_> = (0..8)
            .map(|_| {
                let pacer = pacer.clone();
                tokio::spawn(async move {
                    pacer.wait().await;
                    tokio::time::Instant::now()
                })
            })
            .collect();
        tokio::task::yield_now().await;
        // Blocks the only runtime thread: every sender's turn passes while it cannot run.
        std::thread::sleep(Duration::from_millis(60));
        let mut left = Vec::new();
        for sender in senders {
            left.push(sender.await.expect("sender"));
        }
        left.sort();
        for three in left.windows(3) {
            let gap = three[2] - three[0];
            assert!(
                gap >= Duration::from_millis(5),
                "three requests left within {gap:?}"
            );
        }
    }

    #[test]
    fn errors_map_to_ledger_actions() {
        let gone = |status, code: i64| {
            classify(
                status,
                None,
                format!(r#"{{"code":{code},"message":"x"}}"#).as_bytes(),
            )
        };
        assert!(matches!(gone(403, 50001), SendError::Gone { .. }));
        assert!(matches!(gone(403, 50013), SendError::Gone { .. }));
        assert!(matches!(gone(404, 10003), SendError::Gone { .. }));
        assert!(matches!(gone(403, 20001), SendError::Permanent { .. }));
        assert!(matches!(gone(400, 50035), SendError::Permanent { .. }));
        assert!(matches!(gone(502, 0), SendError::Transient { .. }));
        assert_eq!(
            classify(
                429,
                None,
                br#"{"message":"slow","retry_after":1.5,"global":false}"#
            ),
            SendError::RateLimited {
                retry_after: Duration::from_millis(1500)
            }
        );
        assert_eq!(
            classify(429, Some("3"), b"not json"),
            SendError::RateLimited {
                retry_after: Duration::from_secs(3)
            }
        );
    }

    #[test]
    fn nonces_fit_discords_limit_and_threads_are_targets() {
        assert!(nonce(i64::MAX, 99).len() <= 25);
        let thread = Destination::new(PLATFORM, "10", Some("20"));
        assert_eq!(target_channel(&thread), Ok(ChannelId::new(20)));
        assert!(target_channel(&Destination::new(PLATFORM, "x", None)).is_err());
    }
}
