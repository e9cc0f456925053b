//! The Telegram `Messenger`: a brief rendered to Telegram HTML and sent as one or more
//! messages, with Bot API errors turned into the ledger's `SendError`s.
//!
//! Pacing: every part waits its turn in `pacing::Pacer` (Telegram's limits with a margin), and
//! the client is teloxide's `Throttle` besides (see `mod.rs`). It is
//! built with `no_retry`, so a 429 that still happens comes back here and goes to the ledger,
//! which records it and retries after `retry_after` — crash-safe and visible in
//! `briefbot deliveries`, unlike an in-memory retry.
//!
//! Each part is reported to the ledger as it goes out, so a retry after any failure resumes
//! at the first unsent part. A 429 on a later part is still waited out here (up to
//! `MAX_INLINE_WAIT`): the reader already has the first parts and should get the rest soon.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::Requester;
use teloxide::types::{
    ChatId, InlineKeyboardMarkup, LinkPreviewOptions, MessageId, ParseMode, ReplyParameters,
    ThreadId,
};

use super::TelegramBot;
use super::pacing::Pacer;
use super::render;
use crate::delivery::share::ReplicaShare;
use crate::delivery::{MessageIds, Messenger, Outgoing, SendError};
use crate::model::Destination;
use teloxide::adaptors::throttle::Limits;

/// Longest total wait for rate limits in the middle of a multi-message brief.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(120);

/// A notice is a few lines; well inside a message's 4,096 characters after escaping.
const NOTICE_CHARS: usize = 1000;

/// Sends briefs to Telegram chats, channels and forum topics.
#[derive(Clone)]
pub struct TelegramMessenger {
    bot: TelegramBot,
    pacer: Arc<Pacer>,
}

impl TelegramMessenger {
    /// Paces scheduled sends within `limits` (Telegram's own, `telegram_limits()`, in
    /// production; scaled ones in tests and benchmarks).
    pub fn new(bot: TelegramBot, limits: Limits) -> Self {
        Self::sharing(bot, limits, ReplicaShare::default())
    }

    /// Like `new`, the overall rate split with the other live replicas in `share`.
    pub fn sharing(bot: TelegramBot, limits: Limits, share: ReplicaShare) -> Self {
        Self {
            bot,
            pacer: Arc::new(Pacer::new(limits, share)),
        }
    }
}

impl Messenger for TelegramMessenger {
    fn platform(&self) -> crate::model::Platform {
        super::PLATFORM
    }

    fn deliveries_in_flight(&self) -> usize {
        self.pacer.deliveries_in_flight()
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            let (chat, thread) = target(outgoing.destination)?;
            let parts = render::render(outgoing.brief);
            let first_unsent = outgoing.delivered_parts.min(parts.len());
            let mut ids = Vec::with_capacity(parts.len() - first_unsent);
            for (index, part) in parts.iter().enumerate().skip(first_unsent) {
                self.pacer.wait(chat).await;
                let id = send_part(&self.bot, chat, thread, part, index, None, None)
                    .await
                    .map_err(|error| {
                        if index > 0 {
                            tracing::warn!(
                                destination = %outgoing.destination,
                                sent = index,
                                %error,
                                "brief failed part-way; the retry resumes at the first unsent part"
                            );
                        }
                        send_error(error)
                    })?;
                let id = id.0.to_string();
                outgoing.progress.part_delivered(&id).await;
                ids.push(id);
            }
            Ok(ids)
        })
    }

    /// Plain text, escaped for the HTML parse mode every other message uses.
    fn notify<'a>(
        &'a self,
        destination: &'a Destination,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let (chat, thread) = target(destination)?;
            let text: String = text.chars().take(NOTICE_CHARS).collect();
            let html = html_escape::encode_text(&text);
            self.pacer.wait(chat).await;
            send_part(&self.bot, chat, thread, &html, 0, None, None)
                .await
                .map(|_| ())
                .map_err(send_error)
        })
    }
}

/// The chat and forum topic a destination names.
pub(crate) fn target(destination: &Destination) -> Result<(ChatId, Option<ThreadId>), SendError> {
    let chat = destination
        .chat_id
        .parse::<i64>()
        .map_err(|_| SendError::Permanent {
            reason: format!("telegram chat id {:?} is not a number", destination.chat_id),
        })?;
    let thread = match &destination.thread_id {
        None => None,
        Some(thread) => Some(
            thread
                .parse::<i32>()
                .map(|id| ThreadId(MessageId(id)))
                .map_err(|_| SendError::Permanent {
                    reason: format!("telegram thread id {thread:?} is not a number"),
                })?,
        ),
    };
    Ok((ChatId(chat), thread))
}

/// Sends HTML messages one after another (Telegram shows them in the order they arrive). The
/// first replies to `reply_to` if given; the last carries `keyboard`. On failure returns how
/// many parts went out, and the error.
pub(crate) async fn send_parts(
    bot: &TelegramBot,
    chat: ChatId,
    thread: Option<ThreadId>,
    parts: &[String],
    reply_to: Option<MessageId>,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<Vec<MessageId>, (usize, RequestError)> {
    let mut ids = Vec::with_capacity(parts.len());
    for (index, part) in parts.iter().enumerate() {
        let last = index + 1 == parts.len();
        let keyboard = keyboard.as_ref().filter(|_| last);
        let id = send_part(bot, chat, thread, part, index, reply_to, keyboard)
            .await
            .map_err(|error| (index, error))?;
        ids.push(id);
    }
    Ok(ids)
}

/// Sends part `index` of a reply or brief. A 429 on a later part is waited out here (up to
/// `MAX_INLINE_WAIT`), since the reader is already reading the parts before it.
async fn send_part(
    bot: &TelegramBot,
    chat: ChatId,
    thread: Option<ThreadId>,
    part: &str,
    index: usize,
    reply_to: Option<MessageId>,
    keyboard: Option<&InlineKeyboardMarkup>,
) -> Result<MessageId, RequestError> {
    let mut waited = Duration::ZERO;
    loop {
        let mut request = bot
            .send_message(chat, part)
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview());
        if let Some(thread) = thread {
            request = request.message_thread_id(thread);
        }
        if let (0, Some(message)) = (index, reply_to) {
            request = request.reply_parameters(ReplyParameters {
                allow_sending_without_reply: Some(true),
                ..ReplyParameters::new(message)
            });
        }
        if let Some(keyboard) = keyboard {
            request = request.reply_markup(keyboard.clone());
        }
        match request.await {
            Ok(message) => return Ok(message.id),
            Err(RequestError::RetryAfter(after))
                if index > 0 && waited + after.duration() <= MAX_INLINE_WAIT =>
            {
                waited += after.duration();
                tokio::time::sleep(after.duration()).await;
            }
            Err(error) => return Err(error),
        }
    }
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// What a Bot API error means for the delivery ledger.
pub fn send_error(error: RequestError) -> SendError {
    let reason = error.to_string();
    match error {
        RequestError::RetryAfter(after) => SendError::RateLimited {
            retry_after: after.duration(),
        },
        RequestError::MigrateToChatId(chat) => SendError::Moved {
            new_chat_id: chat.0.to_string(),
        },
        // A gateway's HTML error page or a dropped connection: try again later.
        RequestError::Network(_) | RequestError::InvalidJson { .. } => {
            SendError::Transient { reason }
        }
        RequestError::Api(api) => api_error(api),
        RequestError::Io(_) => SendError::Permanent { reason },
    }
}

fn api_error(error: ApiError) -> SendError {
    let reason = error.to_string();
    let gone = matches!(
        error,
        ApiError::BotBlocked
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::ChatNotFound
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots
    );
    if gone {
        return SendError::Gone { reason };
    }
    if let ApiError::Unknown(description) = &error {
        // Descriptions teloxide has no variant for. Any 403 means we may not post there; a
        // deleted forum topic is as gone as a deleted chat.
        if description.starts_with("Forbidden") || description.contains("thread not found") {
            return SendError::Gone { reason };
        }
        // Telegram's 5xx bodies carry the HTTP reason phrase as the description (teloxide
        // drops the status code).
        const SERVER_ERRORS: [&str; 4] = [
            "Internal Server Error",
            "Bad Gateway",
            "Service Unavailable",
            "Gateway Timeout",
        ];
        if SERVER_ERRORS.iter().any(|s| description.contains(s)) {
            return SendError::Transient { reason };
        }
    }
    SendError::Permanent { reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::telegram::PLATFORM;
    use teloxide::types::Seconds;

    #[test]
    fn errors_map_to_ledger_actions() {
        assert_eq!(
            send_error(RequestError::RetryAfter(Seconds::from_seconds(7))),
            SendError::RateLimited {
                retry_after: Duration::from_secs(7)
            }
        );
        assert_eq!(
            send_error(RequestError::MigrateToChatId(ChatId(-100123))),
            SendError::Moved {
                new_chat_id: "-100123".into()
            }
        );
        for gone in [
            ApiError::BotBlocked,
            ApiError::ChatNotFound,
            ApiError::BotKickedFromSupergroup,
            ApiError::Unknown("Forbidden: bot is not a member of the channel chat".into()),
        ] {
            assert!(matches!(api_error(gone), SendError::Gone { .. }));
        }
        assert!(matches!(
            api_error(ApiError::Unknown("Bad Gateway".into())),
            SendError::Transient { .. }
        ));
        assert!(matches!(
            api_error(ApiError::MessageIsTooLong),
            SendError::Permanent { .. }
        ));
    }

    #[test]
    fn destinations_become_chat_and_thread() {
        let (chat, thread) = target(&Destination::new(PLATFORM, "-1001", Some("9")))
            .unwrap_or_else(|e| {
                panic!("{e}");
            });
        assert_eq!(chat, ChatId(-1001));
        assert_eq!(thread, Some(ThreadId(MessageId(9))));
        assert!(target(&Destination::new(PLATFORM, "x", None)).is_err());
    }
}
