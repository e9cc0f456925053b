//! Update handling: messages and channel posts become `commands`, the topic keyboard's
//! buttons toggle subscriptions. Each handler is a few lines around `commands::execute` and
//! `render`; what a command means is decided there, not here.
//!
//! Who may change subscriptions (`Caller::is_admin`):
//! - private chat: the user;
//! - channel: whoever posts (only channel admins can);
//! - group or supergroup: the chat's creator or an administrator (`getChatMember`), or an
//!   anonymous admin posting as the group itself. Anyone may ask for a brief.
//!
//! A command sent inside a forum topic answers there, and a subscription made there delivers
//! there (`message_thread_id` → `Destination::thread_id`).

use std::sync::Arc;

use teloxide::dispatching::{Dispatcher, UpdateFilterExt, UpdateHandler};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::payloads::{AnswerCallbackQuerySetters, EditMessageReplyMarkupSetters};
use teloxide::prelude::{Requester, dptree};
use teloxide::types::{
    BotCommand, BotCommandScope, CallbackQuery, Chat, ChatId, InlineKeyboardButton,
    InlineKeyboardMarkup, Message, MessageId, ThreadId, Update, UserId,
};
use teloxide::update_listeners::Polling;
use tokio::sync::watch;

use super::messenger::send_parts;
use super::{PLATFORM, POLL_TIMEOUT, TelegramBot, TelegramError, WebhookSettings, render, webhook};
use crate::app::App;
use crate::commands::{self, Caller, Command, Reply, ReplyBody, TopicChoice};
use crate::engine::text::truncate_words;
use crate::model::Destination;
use crate::schedule::clock::Clock;

/// Callback data of the topic keyboard's buttons: `sub:<topic id>`.
const TOGGLE_PREFIX: &str = "sub:";
/// Telegram's limit on callback data, in bytes.
const CALLBACK_DATA_LIMIT: usize = 64;
/// Telegram's limit on a callback answer's text.
const CALLBACK_TEXT_LIMIT: usize = 200;

/// What every handler needs, shared through the dispatcher's dependencies.
pub struct Context {
    pub app: Arc<App>,
    pub clock: Arc<dyn Clock>,
    /// The bot's @username, to tell `/brief@us` from `/brief@OtherBot`.
    pub username: String,
}

type HandlerResult = Result<(), TelegramError>;

/// Registers the command menu, then handles updates (long polling, or the webhook when
/// `webhook` is set) until `shutdown` turns true.
pub async fn run(
    app: Arc<App>,
    clock: Arc<dyn Clock>,
    bot: TelegramBot,
    webhook: Option<WebhookSettings>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), TelegramError> {
    let me = bot.get_me().await?;
    let username = me.username().to_string();
    register_commands(&bot).await;
    tracing::info!(bot = %username, mode = if webhook.is_some() { "webhook" } else { "polling" }, "telegram bot started");

    let context = Arc::new(Context {
        app,
        clock,
        username,
    });
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler())
        .dependencies(dptree::deps![context])
        .default_handler(|_| async {})
        .error_handler(LoggingErrorHandler::with_custom_text(
            "telegram update handler failed",
        ))
        .build();

    let token = dispatcher.shutdown_token();
    let stopper = tokio::spawn(async move {
        while !*shutdown.borrow_and_update() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
        // The token refuses while the dispatcher is still starting; ask until it listens.
        loop {
            match token.shutdown() {
                Ok(stopping) => {
                    stopping.await;
                    break;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    });

    let errors = LoggingErrorHandler::with_custom_text("telegram update listener failed");
    match webhook {
        Some(settings) => {
            let (listener, server) = webhook::listen(&bot, settings).await?;
            dispatcher.dispatch_with_listener(listener, errors).await;
            webhook::finish(server).await;
        }
        None => {
            let listener = Polling::builder(bot.clone())
                .timeout(POLL_TIMEOUT)
                .delete_webhook()
                .await
                .build();
            dispatcher.dispatch_with_listener(listener, errors).await;
        }
    }
    stopper.abort();
    tracing::info!("telegram bot stopped");
    Ok(())
}

/// The command menu for private chats and groups. Telegram wants names without the `/`.
async fn register_commands(bot: &TelegramBot) {
    let menu: Vec<BotCommand> = commands::COMMANDS
        .iter()
        .map(|command| BotCommand::new(command.name, command.description))
        .collect();
    for scope in [
        BotCommandScope::AllPrivateChats,
        BotCommandScope::AllGroupChats,
    ] {
        let mut request = bot.set_my_commands(menu.clone());
        request.scope = Some(scope);
        if let Err(error) = request.await {
            // Without a menu the commands still work; not worth refusing to start.
            tracing::warn!(%error, "could not register the telegram command menu");
        }
    }
}

/// The dispatcher's routes: messages, channel posts and button presses.
pub fn handler() -> UpdateHandler<TelegramError> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_channel_post().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
}

async fn on_message(bot: TelegramBot, context: Arc<Context>, message: Message) -> HandlerResult {
    let Some(text) = message.text() else {
        return Ok(());
    };
    let private = message.chat.is_private();
    // Outside private chats only `/commands` are ours: "help me" in a group is conversation.
    if !private && !text.trim_start().starts_with('/') {
        return Ok(());
    }
    let Some(parsed) = commands::parse(text, Some(&context.username)) else {
        return Ok(());
    };
    let thread = topic_thread(&message);
    let command = match parsed {
        Ok(command) => command,
        Err(mistake) => {
            // In a group, `/other` is probably another bot's command: answer only when it
            // was addressed to us.
            if private || addressed_to(text, &context.username) {
                reply(&bot, &message, thread, &Reply::error(mistake)).await;
            }
            return Ok(());
        }
    };
    let is_admin = if command.spec().admin_only {
        message_from_admin(&bot, &message).await
    } else {
        false
    };
    let caller = Caller {
        destination: destination(message.chat.id, thread),
        is_admin,
        member: Some(sender(&message)),
    };
    let answer = commands::execute(&context.app, &caller, &command, context.clock.now()).await;
    reply(&bot, &message, thread, &answer).await;
    Ok(())
}

fn addressed_to(text: &str, username: &str) -> bool {
    let head = text.split_whitespace().next().unwrap_or_default();
    head.split_once('@')
        .is_some_and(|(_, name)| name.eq_ignore_ascii_case(username))
}

/// The forum topic a message was sent in. Replies in ordinary groups carry a thread id too,
/// but only forum topics are places a brief can be delivered to.
fn topic_thread(message: &Message) -> Option<ThreadId> {
    message.thread_id.filter(|_| message.is_topic_message)
}

pub(crate) fn destination(chat: ChatId, thread: Option<ThreadId>) -> Destination {
    let thread = thread.map(|t| t.0.0.to_string());
    Destination::new(PLATFORM, &chat.0.to_string(), thread.as_deref())
}

/// Who a subscription made by this message counts against: its user, or the chat posting as
/// itself (channel posts, anonymous admins).
fn sender(message: &Message) -> String {
    match (&message.from, &message.sender_chat) {
        (_, Some(chat)) => format!("chat {}", chat.id),
        (Some(user), None) => user.id.to_string(),
        (None, None) => format!("chat {}", message.chat.id),
    }
}

async fn message_from_admin(bot: &TelegramBot, message: &Message) -> bool {
    if message.chat.is_private() || message.chat.is_channel() {
        return true;
    }
    if let Some(sender) = &message.sender_chat {
        // Posting as the group itself is what anonymous admins do; posting as a (linked)
        // channel is not an admin of this group.
        return sender.id == message.chat.id;
    }
    match &message.from {
        Some(user) => chat_admin(bot, &message.chat, user.id).await,
        None => false,
    }
}

async fn chat_admin(bot: &TelegramBot, chat: &Chat, user: UserId) -> bool {
    if chat.is_private() {
        return true;
    }
    match bot.get_chat_member(chat.id, user).await {
        Ok(member) => member.is_privileged(),
        Err(error) => {
            tracing::warn!(%error, chat = chat.id.0, "getChatMember failed; treating as not an admin");
            false
        }
    }
}

/// Sends a command's answer into the chat (and topic) it came from.
async fn reply(bot: &TelegramBot, to: &Message, thread: Option<ThreadId>, answer: &Reply) {
    let (parts, keyboard) = match &answer.body {
        ReplyBody::Brief(brief) => (render::render(brief), None),
        ReplyBody::Text(text) | ReplyBody::Error(text) | ReplyBody::Failure(text) => {
            (render::render_text(text), None)
        }
        ReplyBody::TopicPicker { prompt, choices } => {
            (render::render_text(prompt), Some(keyboard(choices)))
        }
    };
    if let Err((sent, error)) =
        send_parts(bot, to.chat.id, thread, &parts, Some(to.id), keyboard).await
    {
        tracing::warn!(%error, chat = to.chat.id.0, sent, "could not answer a telegram command");
    }
}

/// Two buttons a row; a tick marks the topics this chat already gets.
pub fn keyboard(choices: &[TopicChoice]) -> InlineKeyboardMarkup {
    let buttons: Vec<InlineKeyboardButton> = choices
        .iter()
        .filter_map(|choice| {
            let data = format!("{TOGGLE_PREFIX}{}", choice.id);
            if data.len() > CALLBACK_DATA_LIMIT {
                tracing::warn!(topic = %choice.id, "topic id too long for a telegram button");
                return None;
            }
            let mark = if choice.subscribed { "✅ " } else { "" };
            Some(InlineKeyboardButton::callback(
                format!("{mark}{}", choice.title),
                data,
            ))
        })
        .collect();
    InlineKeyboardMarkup::new(buttons.chunks(2).map(<[InlineKeyboardButton]>::to_vec))
}

/// A topic button: subscribe the chat to that topic at the default time, or unsubscribe it
/// when it is already subscribed, then redraw the keyboard.
async fn on_callback(
    bot: TelegramBot,
    context: Arc<Context>,
    query: CallbackQuery,
) -> HandlerResult {
    let topic = query
        .data
        .as_deref()
        .and_then(|data| data.strip_prefix(TOGGLE_PREFIX))
        .map(str::to_string);
    let (Some(topic), Some(message)) = (topic, query.message.as_ref()) else {
        bot.answer_callback_query(query.id.clone()).await?;
        return Ok(());
    };
    let chat = message.chat().clone();
    let thread = message.regular_message().and_then(topic_thread);
    let destination = destination(chat.id, thread);
    let is_admin = chat_admin(&bot, &chat, query.from.id).await;
    let subscribed = match context.app.store.subscriptions_for(&destination).await {
        Ok(current) => current.iter().any(|s| s.topic == topic.as_str()),
        Err(error) => {
            tracing::error!(%error, %destination, "cannot read subscriptions");
            bot.answer_callback_query(query.id.clone())
                .text("Something went wrong on our side; please try again in a minute.")
                .await?;
            return Ok(());
        }
    };
    let command = if subscribed {
        Command::Unsubscribe {
            topic: Some(topic.clone()),
        }
    } else {
        Command::Subscribe {
            args: vec![topic.clone()],
        }
    };
    let caller = Caller {
        destination,
        is_admin,
        member: Some(query.from.id.to_string()),
    };
    let now = context.clock.now();
    let answer = commands::execute(&context.app, &caller, &command, now).await;
    let failed = answer.is_error();
    bot.answer_callback_query(query.id.clone())
        .text(truncate_words(&answer.plain_text(), CALLBACK_TEXT_LIMIT))
        .show_alert(failed)
        .await?;
    if failed {
        return Ok(());
    }
    let picker = Command::Subscribe { args: Vec::new() };
    if let ReplyBody::TopicPicker { choices, .. } =
        commands::execute(&context.app, &caller, &picker, now)
            .await
            .body
    {
        redraw(&bot, chat.id, message.id(), &choices).await;
    }
    Ok(())
}

async fn redraw(bot: &TelegramBot, chat: ChatId, message: MessageId, choices: &[TopicChoice]) {
    let request = bot
        .edit_message_reply_markup(chat, message)
        .reply_markup(keyboard(choices));
    if let Err(error) = request.await {
        // "message is not modified" and friends: the toggle itself succeeded.
        tracing::debug!(%error, "could not redraw the topic keyboard");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyboard_marks_subscribed_topics() {
        let choice = |id: &str, subscribed| TopicChoice {
            id: id.into(),
            title: id.to_uppercase(),
            subscribed,
        };
        let markup = keyboard(&[
            choice("all", false),
            choice("chips", true),
            choice("models", false),
            choice(&"x".repeat(80), false),
        ]);
        let rows: Vec<Vec<String>> = markup
            .inline_keyboard
            .iter()
            .map(|row| row.iter().map(|b| b.text.clone()).collect())
            .collect();
        assert_eq!(rows, vec![vec!["ALL", "✅ CHIPS"], vec!["MODELS"]]);
    }

    #[test]
    fn addressed_commands_and_truncation() {
        assert!(addressed_to("/frob@BriefBot x", "briefbot"));
        assert!(!addressed_to("/frob x", "briefbot"));
        assert_eq!(truncate_words("abcdef", 4), "abc…");
        assert_eq!(truncate_words("abc", 4), "abc");
    }
}
