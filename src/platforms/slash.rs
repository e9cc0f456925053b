//! One slash command that takes the command's words, as Slack and Mattermost apps have it:
//! `/briefbot brief chips`, `/briefbot subscribe policy weekdays 08:00 Europe/Berlin`. The words
//! are the shared `commands` words; what differs is how a reply names them, so help and hints
//! such as "try /unsubscribe chips" are rewritten to "try /briefbot unsubscribe chips".

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::commands::{self, COMMANDS, Caller, Command, Reply};
use crate::model::Destination;

/// The command name when a request carries none we can show.
pub const DEFAULT_COMMAND: &str = "/briefbot";

/// The command as the platform sent it (`/briefbot`, or whatever the workspace named it), if
/// it looks like one; anything else falls back to [`DEFAULT_COMMAND`] rather than being shown.
pub fn command_name(sent: Option<&str>) -> String {
    match sent.map(str::trim) {
        Some(name)
            if name.len() > 1
                && name.len() <= 32
                && name.starts_with('/')
                && name[1..]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            name.to_string()
        }
        _ => DEFAULT_COMMAND.to_string(),
    }
}

/// The words after the command as a `Command`; no words is a request for help. An unknown
/// word is answered with the way to the list, in this command's own terms.
pub fn parse(text: &str, command: &str) -> Result<Command, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Command::Help);
    }
    match commands::parse(text, None) {
        Some(Ok(parsed)) => Ok(parsed),
        _ => {
            let word = text
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_start_matches('/');
            let word: String = word.chars().take(40).collect();
            Err(format!(
                "Unknown command \"{word}\". Try {command} help for the list."
            ))
        }
    }
}

/// Answers one slash command sent by `user` in `destination`: help from the command table,
/// then the shared `commands` module. `may_manage` (an API call or two) is asked only for a
/// command that changes subscriptions.
pub async fn reply<F, Fut>(
    app: &App,
    now: DateTime<Utc>,
    destination: Destination,
    user: &str,
    text: &str,
    name: &str,
    may_manage: F,
) -> Reply
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = bool>,
{
    let command = match parse(text, name) {
        Ok(command) => command,
        Err(message) => return Reply::error(message),
    };
    if matches!(command, Command::Help | Command::Start) {
        return Reply::text(help_text(app, name));
    }
    let is_admin = command.spec().admin_only && may_manage().await;
    let caller = Caller {
        destination,
        is_admin,
        member: Some(user.to_string()),
    };
    commands::execute(app, &caller, &command, now).await
}

/// The help text with every command written as this platform types it.
pub fn help_text(app: &App, command: &str) -> String {
    let mut text = format!(
        "{} — news briefs on demand and on schedule.\n\n",
        app.config.brief.title
    );
    for spec in COMMANDS {
        text.push_str(&format!(
            "{command} {} — {}\n",
            spec.name,
            words(spec.description, command)
        ));
    }
    text.push_str(&format!("\nTopics: {}.", app.config.topic_ids().join(", ")));
    text
}

/// `text` with each `/name` of a known command (or alias) rewritten to `{command} name`. A
/// slash inside a word (`Europe/Berlin`, `*/5`, a URL) is left alone.
pub fn words(text: &str, command: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    let mut previous: Option<char> = None;
    while let Some(index) = rest.find('/') {
        let (before, from_slash) = rest.split_at(index);
        out.push_str(before);
        let previous_char = before.chars().last().or(previous);
        let after = &from_slash[1..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        let name = &after[..name_len];
        let starts_word = previous_char.is_none_or(|c| c.is_whitespace() || "(\"'“‘".contains(c));
        match commands::find(name) {
            Some(_) if starts_word && !name.is_empty() => {
                out.push_str(command);
                out.push(' ');
                out.push_str(&name.to_ascii_lowercase());
                previous = name.chars().last();
                rest = &after[name_len..];
            }
            _ => {
                out.push('/');
                previous = Some('/');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_subcommands_of_the_one_command() {
        assert_eq!(
            words(
                "Only chat administrators can change subscriptions here. Anyone can ask for /brief.",
                "/briefbot"
            ),
            "Only chat administrators can change subscriptions here. Anyone can ask for /briefbot brief."
        );
        assert_eq!(
            words("Which one? /unsubscribe TOPIC, or /unsubscribe all.", "/bb"),
            "Which one? /bb unsubscribe TOPIC, or /bb unsubscribe all."
        );
        // Slashes that are not commands stay as they are.
        assert_eq!(
            words(
                "Europe/Berlin at */5 see https://x.example/brief and /frob",
                "/b"
            ),
            "Europe/Berlin at */5 see https://x.example/brief and /frob"
        );
        assert_eq!(words("(/resume)", "/b"), "(/b resume)");
    }

    #[test]
    fn the_words_after_the_command_parse_like_everywhere_else() {
        assert_eq!(parse("", "/b"), Ok(Command::Help));
        assert_eq!(
            parse("brief chips", "/b"),
            Ok(Command::Brief {
                topic: Some("chips".into())
            })
        );
        assert_eq!(
            parse("sub policy weekdays 08:00", "/b"),
            Ok(Command::Subscribe {
                args: vec!["policy".into(), "weekdays".into(), "08:00".into()]
            })
        );
        let refused = parse("frobnicate now", "/briefbot")
            .err()
            .unwrap_or_default();
        assert!(refused.contains("\"frobnicate\"") && refused.contains("/briefbot help"));
    }

    #[test]
    fn only_plausible_command_names_are_shown() {
        assert_eq!(command_name(Some("/news")), "/news");
        assert_eq!(command_name(Some("/news <!channel>")), DEFAULT_COMMAND);
        assert_eq!(command_name(Some("news")), DEFAULT_COMMAND);
        assert_eq!(command_name(None), DEFAULT_COMMAND);
    }
}
