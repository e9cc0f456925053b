//! Operator commands for subscriptions and the delivery ledger: `subscribe`, `unsubscribe`,
//! `subscriptions` and `deliveries`. They go through the same `commands` module as chat users,
//! so a schedule means the same thing typed here or in a chat.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;

use super::UsageError;
use briefbot::app::App;
use briefbot::commands::{self, Caller, Command, ReplyBody, SubscribeOptions};
use briefbot::model::Destination;

#[derive(Debug, Args)]
pub struct SubscribeArgs {
    /// console, webhook:URL, telegram:CHAT_ID[/THREAD_ID], discord:CHANNEL_ID[/THREAD_ID],
    /// slack:CHANNEL_ID[/THREAD_TS], mattermost:CHANNEL_ID[/ROOT_ID], slack-webhook:URL or
    /// mattermost-webhook:URL.
    pub destination: String,
    /// Topic id or alias, or `all`.
    pub topic: String,
    /// When: 08:00, 8am, weekdays 08:30, mon,wed,fri 07:00, a cron expression; then an
    /// optional IANA time zone (Europe/Berlin). Defaults come from [schedule].
    pub schedule: Vec<String>,
    /// Deliver even when there is nothing new since the last brief.
    #[arg(long)]
    pub send_empty: bool,
}

#[derive(Debug, Args)]
pub struct UnsubscribeArgs {
    pub destination: String,
    /// Topic id or alias, or `all`.
    pub topic: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this destination (without a thread id: the whole chat).
    #[arg(long)]
    pub destination: Option<String>,
    /// Most rows shown.
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
}

fn destination(text: &str) -> anyhow::Result<Destination> {
    Ok(Destination::parse(text).map_err(UsageError)?)
}

async fn run_command(
    app: &App,
    destination: Destination,
    command: Command,
    options: SubscribeOptions,
) -> anyhow::Result<ExitCode> {
    let caller = Caller {
        destination,
        is_admin: true,
        member: None,
    };
    let reply = commands::execute_with(app, &caller, &command, Utc::now(), options).await;
    match reply.body {
        ReplyBody::Error(message) => Err(UsageError(message).into()),
        // Not the operator's mistake: exit 1, not the usage status 2.
        ReplyBody::Failure(message) => Err(anyhow::anyhow!(message)),
        _ => {
            println!("{}", reply.plain_text());
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn subscribe(app: &App, args: &SubscribeArgs) -> anyhow::Result<ExitCode> {
    let mut words = vec![args.topic.clone()];
    words.extend(
        args.schedule
            .iter()
            .flat_map(|part| part.split_whitespace().map(str::to_string)),
    );
    let options = SubscribeOptions {
        send_empty: args.send_empty,
    };
    run_command(
        app,
        destination(&args.destination)?,
        Command::Subscribe { args: words },
        options,
    )
    .await
}

pub async fn unsubscribe(app: &App, args: &UnsubscribeArgs) -> anyhow::Result<ExitCode> {
    let command = Command::Unsubscribe {
        topic: Some(args.topic.clone()),
    };
    run_command(
        app,
        destination(&args.destination)?,
        command,
        SubscribeOptions::default(),
    )
    .await
}

pub async fn list(app: &App, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let all = app.store.all_subscriptions().await?;
    let wanted = args.destination.as_deref().map(destination).transpose()?;
    let mut shown = 0;
    for subscription in all.iter().filter(|s| {
        wanted.as_ref().is_none_or(|w| {
            w.platform == s.destination.platform
                && w.chat_id == s.destination.chat_id
                && (w.thread_id.is_none() || w.thread_id == s.destination.thread_id)
        })
    }) {
        println!(
            "{}  {}",
            subscription.destination,
            commands::describe_subscription(app, subscription).trim_start_matches("• ")
        );
        shown += 1;
        if shown >= args.limit {
            break;
        }
    }
    if shown == 0 {
        println!(
            "No subscriptions. Add one with: briefbot subscribe console all 08:00 Europe/Berlin"
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn deliveries(app: &App, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let wanted = args.destination.as_deref().map(destination).transpose()?;
    let rows = app.store.deliveries(wanted.as_ref(), args.limit).await?;
    if rows.is_empty() {
        println!("No deliveries yet.");
        return Ok(ExitCode::SUCCESS);
    }
    let time = |t: i64| {
        DateTime::from_timestamp(t, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    println!(
        "{:<6} {:<20} {:<8} {:<8} {:>3}  {:<28} detail",
        "id", "scheduled", "topic", "status", "try", "destination"
    );
    for row in rows {
        let detail = match (row.status.as_str(), &row.reason) {
            ("sent", _) => format!(
                "{} stories, message {}",
                row.story_count.unwrap_or(0),
                row.message_ids.as_deref().unwrap_or("-")
            ),
            (_, Some(reason)) => reason.clone(),
            (_, None) => String::new(),
        };
        println!(
            "{:<6} {:<20} {:<8} {:<8} {:>3}  {:<28} {detail}",
            row.id,
            time(row.scheduled_at),
            row.topic,
            row.status,
            row.attempts,
            row.destination
        );
    }
    Ok(ExitCode::SUCCESS)
}
