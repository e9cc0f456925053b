//! Slash commands: their definitions (registered globally on start) and how an interaction
//! becomes a shared `commands::Command` with a `Caller`. Deciding what to answer is left to
//! `crate::commands`, so Discord and Telegram behave the same.

use serenity::builder::{CreateAutocompleteResponse, CreateCommand, CreateCommandOption};
use serenity::model::application::{
    CommandDataOption, CommandDataOptionValue, CommandInteraction, CommandOptionType,
};
use serenity::model::channel::ChannelType;
use serenity::model::permissions::Permissions;

use super::PLATFORM;
use crate::app::App;
use crate::commands::{self, COMMANDS, Caller, Command};
use crate::model::{Destination, TopicFilter};

/// Discord shows at most 25 autocomplete choices (names and values cut to 100 by `short`).
const MAX_CHOICES: usize = 25;

/// Who may change a channel's subscriptions: Discord hides these commands from other members
/// (`default_member_permissions`), and `caller` checks again because server admins can
/// override that default.
pub const MANAGE: Permissions = Permissions::MANAGE_CHANNELS;

/// Whether a command's reply is shown to the caller alone (the shared table says).
pub fn private_reply(name: &str) -> bool {
    commands::find(name).is_some_and(|spec| spec.private_reply)
}

/// Every command, described from the shared `COMMANDS` table.
pub fn definitions() -> Vec<CreateCommand> {
    COMMANDS
        .iter()
        .map(|spec| {
            let mut command = CreateCommand::new(spec.name).description(short(spec.description));
            if spec.admin_only {
                command = command.default_member_permissions(MANAGE);
            }
            for option in options(spec.name) {
                command = command.add_option(option);
            }
            command
        })
        .collect()
}

fn options(command: &str) -> Vec<CreateCommandOption> {
    let text = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::String, name, description).max_length(100)
    };
    match command {
        "brief" => vec![text("topic", "A topic, or all").set_autocomplete(true)],
        "subscribe" => vec![
            text("topic", "A topic, or all")
                .required(true)
                .set_autocomplete(true),
            text("time", "Time of day, like 08:00 or 7:30am (default 08:00)"),
            text(
                "days",
                "daily, weekdays, weekends, or days like mon,wed,fri",
            ),
            text("timezone", "Time zone, like Europe/Berlin").set_autocomplete(true),
        ],
        "unsubscribe" => vec![
            text("topic", "A topic, or all")
                .required(true)
                .set_autocomplete(true),
        ],
        _ => Vec::new(),
    }
}

/// Discord allows 100 characters of description.
fn short(description: &str) -> String {
    description.chars().take(100).collect()
}

/// The string value of an option (typed or being autocompleted).
fn option<'a>(options: &'a [CommandDataOption], name: &str) -> Option<&'a str> {
    options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| match &o.value {
            CommandDataOptionValue::String(value) => Some(value.as_str()),
            CommandDataOptionValue::Autocomplete { value, .. } => Some(value.as_str()),
            _ => None,
        })
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The shared command an interaction asks for; `Err` with a message for one we do not know.
pub fn to_command(interaction: &CommandInteraction) -> Result<Command, String> {
    let options = &interaction.data.options;
    let topic = || option(options, "topic").map(str::to_string);
    let name = interaction.data.name.as_str();
    let unknown = || format!("Unknown command /{name}. Try /help for the list.");
    let spec = commands::find(name).ok_or_else(unknown)?;
    Ok(match spec.name {
        "subscribe" => {
            // The shared parser wants words: topic, schedule words, then a zone with a '/'.
            let mut args: Vec<String> = Vec::new();
            args.extend(topic());
            for name in ["days", "time", "timezone"] {
                if let Some(value) = option(options, name) {
                    args.extend(value.split_whitespace().map(str::to_string));
                }
            }
            Command::Subscribe { args }
        }
        // Discord's other options are the words the text form takes.
        _ => commands::parse_args(spec, name, topic().into_iter().collect()).ok_or_else(unknown)?,
    })
}

/// Who asked, from where. A command in a thread delivers to that thread (inside its parent
/// channel, so removing the channel pauses the thread's subscriptions too).
pub fn caller(interaction: &CommandInteraction) -> Caller {
    let channel = interaction.channel_id.to_string();
    let thread_parent = interaction.channel.as_ref().and_then(|c| {
        let is_thread = matches!(
            c.kind,
            ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
        );
        is_thread.then_some(c.parent_id).flatten()
    });
    let destination = match thread_parent {
        Some(parent) => Destination::new(PLATFORM, &parent.to_string(), Some(&channel)),
        None => Destination::new(PLATFORM, &channel, None),
    };
    let is_admin = match &interaction.member {
        // In a server: the member's permissions in this channel, as Discord computed them.
        Some(member) => member
            .permissions
            .is_some_and(|p| p.contains(MANAGE) || p.administrator()),
        // A direct message: the user owns the conversation.
        None => interaction.guild_id.is_none(),
    };
    Caller {
        destination,
        is_admin,
        member: Some(interaction.user.id.to_string()),
    }
}

/// Choices for the option being typed: topics (and their aliases) or time zones.
pub fn autocomplete(app: &App, interaction: &CommandInteraction) -> CreateAutocompleteResponse {
    let Some(focused) = interaction.data.autocomplete() else {
        return CreateAutocompleteResponse::new();
    };
    let choices = match focused.name {
        "timezone" => timezone_choices(focused.value),
        _ => topic_choices(app, focused.value),
    };
    choices.into_iter().fold(
        CreateAutocompleteResponse::new(),
        |response, (name, value)| response.add_string_choice(short(&name), short(&value)),
    )
}

/// (shown name, value) of each topic whose id, title or alias contains what was typed.
pub fn topic_choices(app: &App, typed: &str) -> Vec<(String, String)> {
    let typed = typed.trim().to_lowercase();
    let mut choices = vec![("All topics".to_string(), TopicFilter::All.to_string())];
    for topic in &app.config.topics {
        let names = std::iter::once(&topic.id)
            .chain(std::iter::once(&topic.title))
            .chain(&topic.aliases);
        let matched = names.map(|n| n.to_lowercase()).find(|n| n.contains(&typed));
        if let Some(name) = matched {
            let shown = if name == topic.id.to_lowercase() || name == topic.title.to_lowercase() {
                format!("{} ({})", topic.title, topic.id)
            } else {
                format!("{} ({}, also {name})", topic.title, topic.id)
            };
            choices.push((shown, topic.id.clone()));
        }
    }
    if !typed.is_empty() && !"all topics".contains(&typed) {
        choices.remove(0);
    }
    choices.truncate(MAX_CHOICES);
    choices
}

/// IANA zone names containing what was typed (`berl` → Europe/Berlin). Only names the shared
/// parser reads as a zone: with a `/`, or UTC.
pub fn timezone_choices(typed: &str) -> Vec<(String, String)> {
    let typed = typed.trim().to_lowercase().replace(' ', "_");
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| zone.name())
        .filter(|name| name.contains('/') || *name == "UTC")
        .filter(|name| name.to_lowercase().contains(&typed))
        .take(MAX_CHOICES)
        .map(|name| (name.to_string(), name.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_fit_discords_rules() {
        let json = serde_json::to_value(definitions()).unwrap_or_default();
        let commands = json.as_array().cloned().unwrap_or_default();
        assert_eq!(commands.len(), COMMANDS.len());
        for command in &commands {
            let name = command["name"].as_str().unwrap_or("");
            assert!(!name.is_empty() && name.len() <= 32, "{name}");
            let description = command["description"].as_str().unwrap_or("");
            assert!((1..=100).contains(&description.chars().count()));
        }
        let subscribe = commands.iter().find(|c| c["name"] == "subscribe");
        assert_eq!(
            subscribe.map(|c| c["default_member_permissions"].clone()),
            Some(serde_json::json!("16"))
        );
    }

    #[test]
    fn time_zones_autocomplete() {
        let choices = timezone_choices("berl");
        assert_eq!(choices.first().map(|c| c.1.as_str()), Some("Europe/Berlin"));
        assert!(timezone_choices("").len() <= MAX_CHOICES);
        assert!(timezone_choices("zzzz").is_empty());
    }
}
