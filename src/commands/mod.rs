//! Platform-neutral commands: parse → decide → a `Reply`. Both chat adapters and the operator
//! CLI call this, so `/subscribe chips 08:00` means the same everywhere and every mistake gets
//! the same helpful message.
//!
//! Whether the caller may change subscriptions is decided here, from what the adapter knows
//! about the caller (`Caller::is_admin`); anyone may ask for a brief.

mod parse;
mod reply;

use chrono::{DateTime, Utc};

pub use parse::{COMMANDS, Command, CommandSpec, find, parse, parse_args};
pub use reply::{Reply, ReplyBody, TopicChoice};

use crate::app::App;
use crate::archive;
use crate::engine::BriefRequest;
use crate::model::{Destination, TopicFilter};
use crate::schedule::spec::{Schedule, parse_zone};
use crate::storage::{NEVER, NewSubscription, StorageError, Subscription};
use crate::summarizer::Wait;

/// Who sent a command, and from where.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// Where the command was sent, and where a subscription made by it delivers.
    pub destination: Destination,
    /// May change this destination's subscriptions (a chat admin, a private chat's owner, an
    /// operator at the CLI).
    pub is_admin: bool,
    /// The chat member who sent it (platform user id). `None` is the operator at the CLI,
    /// who may use any cron and is not held to the subscription caps.
    pub member: Option<String>,
}

/// Options only the operator CLI sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubscribeOptions {
    /// Deliver even when there is nothing new (default: skip empty briefs).
    pub send_empty: bool,
}

const NOT_ADMIN: &str =
    "Only chat administrators can change subscriptions here. Anyone can ask for /brief.";

/// Runs a parsed command. Storage failures become a generic error reply (details go to the
/// log), so users never see internals.
pub async fn execute(app: &App, caller: &Caller, command: &Command, now: DateTime<Utc>) -> Reply {
    execute_with(app, caller, command, now, SubscribeOptions::default()).await
}

pub async fn execute_with(
    app: &App,
    caller: &Caller,
    command: &Command,
    now: DateTime<Utc>,
    options: SubscribeOptions,
) -> Reply {
    match decide(app, caller, command, now, options).await {
        Ok(reply) => reply,
        Err(error) => {
            tracing::error!(%error, destination = %caller.destination, ?command, "command failed");
            Reply::failure("Something went wrong on our side; please try again in a minute.")
        }
    }
}

async fn decide(
    app: &App,
    caller: &Caller,
    command: &Command,
    now: DateTime<Utc>,
    options: SubscribeOptions,
) -> Result<Reply, StorageError> {
    if command.spec().admin_only && !caller.is_admin {
        return Ok(Reply::error(NOT_ADMIN));
    }
    match command {
        Command::Start | Command::Help => Ok(Reply::text(help_text(app))),
        Command::Topics => Ok(Reply::text(topics_text(app))),
        Command::Brief { topic } => brief(app, topic.as_deref(), now).await,
        Command::Subscribe { args } => subscribe(app, caller, args, now, options).await,
        Command::Unsubscribe { topic } => unsubscribe(app, caller, topic.as_deref()).await,
        Command::Subscriptions => subscriptions(app, caller).await,
        Command::Pause => {
            let changed = app
                .store
                .set_destination_paused(&caller.destination, true, Some("paused by an admin"))
                .await?;
            Ok(Reply::text(if changed == 0 {
                "Nothing to pause: this chat has no subscriptions.".to_string()
            } else {
                format!("Paused {changed} subscription(s). /resume to start again.")
            })
            .private())
        }
        Command::Resume => resume(app, caller, now).await,
    }
}

pub fn help_text(app: &App) -> String {
    let mut text = format!(
        "{} — news briefs on demand and on schedule.\n\n",
        app.config.brief.title
    );
    for command in COMMANDS {
        text.push_str(&format!("/{} — {}\n", command.name, command.description));
    }
    text.push_str(&format!("\nTopics: {}.", topic_names(app)));
    text
}

fn topic_names(app: &App) -> String {
    app.config.topic_ids().join(", ")
}

pub fn topics_text(app: &App) -> String {
    let mut text = String::from("Topics:\n");
    for topic in &app.config.topics {
        text.push_str(&format!("• {} — {}", topic.id, topic.title));
        if !topic.aliases.is_empty() {
            text.push_str(&format!(" (also: {})", topic.aliases.join(", ")));
        }
        text.push('\n');
    }
    text.push_str("Ask with /brief TOPIC, or /brief for all of them.");
    text
}

/// A topic id from what the user typed: `None` for every topic, `Err` with the list for an
/// unknown one.
pub fn resolve_topic(app: &App, name: Option<&str>) -> Result<Option<String>, String> {
    match name.map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) if TopicFilter::means_all(name) => Ok(None),
        Some(name) => app
            .config
            .find_topic(name)
            .map(|topic| Some(topic.id.clone()))
            .ok_or_else(|| {
                format!(
                    "Unknown topic \"{name}\". Topics: {} (or all).",
                    topic_names(app)
                )
            }),
    }
}

async fn brief(app: &App, topic: Option<&str>, now: DateTime<Utc>) -> Result<Reply, StorageError> {
    let topic = match resolve_topic(app, topic) {
        Ok(topic) => topic,
        Err(message) => return Ok(Reply::error(message)),
    };
    let request = BriefRequest {
        topic,
        as_of: now,
        window: app.config.brief.window,
        max_stories: app.config.brief.stories_per_section,
        late_since: None,
        explain: false,
    };
    // A member waits for an answer: cached summaries, and the model only within the deadline.
    let wait = Wait::UpTo(app.config.summarizer.reply_deadline);
    let mut brief = app.brief(&request, wait).await?;
    let key = archive::on_demand_key(request.topic.as_deref(), now);
    brief.permalink = archive::keep(app, &key, &brief, now).await;
    Ok(Reply {
        body: ReplyBody::Brief(Box::new(brief)),
        private: false,
    })
}

async fn subscribe(
    app: &App,
    caller: &Caller,
    args: &[String],
    now: DateTime<Utc>,
    options: SubscribeOptions,
) -> Result<Reply, StorageError> {
    let Some((topic_word, rest)) = args.split_first() else {
        let current = app.store.subscriptions_for(&caller.destination).await?;
        return Ok(Reply {
            body: ReplyBody::TopicPicker {
                prompt: "Which topic should this chat get every day?".into(),
                choices: topic_choices(app, &current),
            },
            private: true,
        });
    };
    let topic = match resolve_topic(app, Some(topic_word)) {
        Ok(topic) => TopicFilter::from(topic),
        Err(message) => return Ok(Reply::error(message)),
    };
    // A zone is an IANA name ("Europe/Berlin", "UTC", "Japan"), or a misspelt one that starts
    // like one ("Europe/Berln", reported as an unknown zone); no schedule word ("mon", "8am",
    // "weekdays", a cron field such as "*/5") is one.
    let looks_like_zone = |word: &str| {
        (word.contains('/') && word.starts_with(|c: char| c.is_ascii_alphabetic()))
            || (word.len() > 2 && parse_zone(word).is_ok())
    };
    let (zone_word, schedule_words): (Vec<&String>, Vec<&String>) =
        rest.iter().partition(|word| looks_like_zone(word));
    if zone_word.len() > 1 {
        return Ok(Reply::error("Give one time zone, like Europe/Berlin."));
    }
    let zone_name = zone_word
        .first()
        .map(|z| z.as_str())
        .unwrap_or(&app.config.schedule.timezone);
    let zone = match parse_zone(zone_name) {
        Ok(zone) => zone,
        Err(error) => return Ok(Reply::error(error.0)),
    };
    let schedule_text = if schedule_words.is_empty() {
        app.config.schedule.default_time.clone()
    } else {
        schedule_words
            .iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let schedule: Schedule = match schedule_text.parse() {
        Ok(schedule) => schedule,
        Err(error) => return Ok(Reply::error(error.0)),
    };
    if caller.member.is_some() && !schedule.at_most_hourly() {
        return Ok(Reply::error(format!(
            "\"{schedule_text}\" runs more than once an hour. From chat a schedule runs at most hourly: \
             try 08:00, weekdays 08:30, or a cron with one minute, like 0 */2 * * *."
        )));
    }
    if let Some(refusal) = over_a_cap(app, caller, topic.as_str()).await? {
        return Ok(Reply::error(refusal));
    }
    let Some(next_run) = schedule.next_after(now, zone) else {
        return Ok(Reply::error(format!(
            "The schedule \"{schedule_text}\" never fires; try 08:00 or weekdays 08:30."
        )));
    };
    let stored = app
        .store
        .upsert_subscription(
            &NewSubscription {
                destination: caller.destination.clone(),
                topic: topic.clone(),
                schedule: schedule.to_string(),
                timezone: zone.name().to_string(),
                skip_if_empty: !options.send_empty,
                max_window_secs: app.config.schedule.max_window.as_secs() as i64,
                next_run_at: next_run.timestamp(),
                created_by: caller.member.clone(),
            },
            now.timestamp(),
        )
        .await?;
    Ok(Reply::text(format!(
        "Subscribed: {} at {}. Next brief: {}.",
        topic_title(app, &stored.topic),
        schedule.describe(zone),
        next_run.with_timezone(&zone).format("%a %-d %b %H:%M %Z")
    ))
    .private())
}

/// Why a chat member may not add this subscription, if a cap says so. Replacing the schedule
/// of a topic the destination already has adds nothing, so it is always allowed.
async fn over_a_cap(
    app: &App,
    caller: &Caller,
    topic: &str,
) -> Result<Option<String>, StorageError> {
    let Some(member) = caller.member.as_deref() else {
        return Ok(None);
    };
    let settings = &app.config.schedule;
    let counts = app
        .store
        .subscription_counts(&caller.destination, topic, Some(member))
        .await?;
    if counts.same_topic > 0 {
        return Ok(None);
    }
    let refusal = if counts.in_chat >= i64::from(settings.max_subscriptions_per_chat) {
        format!(
            "This chat has {} subscriptions, the most it may have. /unsubscribe one first.",
            counts.in_chat
        )
    } else if counts.by_member >= i64::from(settings.max_subscriptions_per_user) {
        format!(
            "You have made {} subscriptions, the most one member may make. Remove one with /unsubscribe in its chat first.",
            counts.by_member
        )
    } else if counts.total >= i64::from(settings.max_subscriptions) {
        tracing::warn!(total = counts.total, "subscription cap reached");
        "This bot has as many subscriptions as its operator allows; ask them to raise max_subscriptions."
            .to_string()
    } else {
        return Ok(None);
    };
    Ok(Some(refusal))
}

async fn unsubscribe(
    app: &App,
    caller: &Caller,
    topic: Option<&str>,
) -> Result<Reply, StorageError> {
    let Some(word) = topic else {
        return Ok(Reply::error(
            "Which one? /unsubscribe TOPIC, or /unsubscribe all.",
        ));
    };
    // `all` here removes every subscription of the chat, whatever its topic.
    let target = match resolve_topic(app, Some(word)) {
        Ok(topic) => topic.map(TopicFilter::One),
        Err(message) => return Ok(Reply::error(message)),
    };
    let removed = app
        .store
        .delete_subscriptions(
            &caller.destination,
            target.as_ref().map(TopicFilter::as_str),
        )
        .await?;
    let message = match (removed, &target) {
        (0, Some(topic)) => format!(
            "This chat has no subscription to {}.",
            topic_title(app, topic)
        ),
        (0, None) => "This chat has no subscriptions.".to_string(),
        (_, Some(topic)) => format!("Unsubscribed from {}.", topic_title(app, topic)),
        (count, None) => format!("Removed all {count} subscription(s)."),
    };
    Ok(Reply::text(message).private())
}

async fn subscriptions(app: &App, caller: &Caller) -> Result<Reply, StorageError> {
    let current = app.store.subscriptions_for(&caller.destination).await?;
    if current.is_empty() {
        return Ok(Reply::text(
            "No subscriptions here yet. Try /subscribe chips 08:00 Europe/Berlin.",
        )
        .private());
    }
    let lines: Vec<String> = current
        .iter()
        .map(|s| describe_subscription(app, s))
        .collect();
    Ok(Reply::text(format!("Subscriptions here:\n{}", lines.join("\n"))).private())
}

/// One line about a subscription, for chat replies and the operator CLI.
pub fn describe_subscription(app: &App, subscription: &Subscription) -> String {
    let when = match subscription.timing() {
        Ok((schedule, _)) if subscription.next_run_at >= NEVER => {
            format!("{schedule}, no further runs")
        }
        Ok((schedule, zone)) => {
            let next = DateTime::from_timestamp(subscription.next_run_at, 0)
                .map(|t| {
                    t.with_timezone(&zone)
                        .format("%a %-d %b %H:%M %Z")
                        .to_string()
                })
                .unwrap_or_default();
            format!("{}, next {next}", schedule.describe(zone))
        }
        _ => format!("{} ({})", subscription.schedule, subscription.timezone),
    };
    let state = if subscription.paused {
        format!(
            " — paused: {}",
            subscription
                .paused_reason
                .as_deref()
                .unwrap_or("no reason given")
        )
    } else {
        String::new()
    };
    format!("• {}: {when}{state}", topic_title(app, &subscription.topic))
}

async fn resume(app: &App, caller: &Caller, now: DateTime<Utc>) -> Result<Reply, StorageError> {
    let current = app.store.subscriptions_for(&caller.destination).await?;
    if current.is_empty() {
        return Ok(Reply::text("Nothing to resume: this chat has no subscriptions.").private());
    }
    // Schedules kept running while paused; start from the next time, rather than catching up on
    // every brief missed meanwhile.
    for subscription in &current {
        if let Ok((schedule, zone)) = subscription.timing()
            && let Some(next) = schedule.next_after(now, zone)
        {
            app.store
                .set_next_run(subscription.id, next.timestamp())
                .await?;
        }
    }
    let changed = app
        .store
        .set_destination_paused(&caller.destination, false, None)
        .await?;
    Ok(Reply::text(format!("Resumed {changed} subscription(s).")).private())
}

fn topic_title(app: &App, filter: &TopicFilter) -> String {
    match filter {
        TopicFilter::All => "all topics".into(),
        TopicFilter::One(id) => app
            .config
            .topics
            .iter()
            .find(|t| &t.id == id)
            .map_or_else(|| id.clone(), |t| t.title.clone()),
    }
}

fn topic_choices(app: &App, current: &[Subscription]) -> Vec<TopicChoice> {
    let subscribed = |id: &str| current.iter().any(|s| s.topic == id);
    std::iter::once(TopicChoice {
        id: TopicFilter::All.to_string(),
        title: "All topics".into(),
        subscribed: subscribed(TopicFilter::All.as_str()),
    })
    .chain(app.config.topics.iter().map(|topic| TopicChoice {
        id: topic.id.clone(),
        title: topic.title.clone(),
        subscribed: subscribed(&topic.id),
    }))
    .collect()
}
