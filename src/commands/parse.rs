//! Reading a chat message as a command: `/brief chips`, `/brief@BriefBot chips`, `brief chips`.

/// A command with its arguments still as words: `execute` interprets them so that every
/// mistake gets a message naming the word at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Start,
    Help,
    Brief { topic: Option<String> },
    Topics,
    Subscribe { args: Vec<String> },
    Unsubscribe { topic: Option<String> },
    Subscriptions,
    Pause,
    Resume,
}

/// Every command with a one-line description, for help texts and platform command menus.
pub const COMMANDS: &[(&str, &str)] = &[
    ("brief", "Today's brief, or one topic: /brief chips"),
    ("topics", "The topics you can ask for"),
    (
        "subscribe",
        "Daily brief here: /subscribe chips weekdays 08:00 Europe/Berlin",
    ),
    (
        "unsubscribe",
        "Stop a subscription: /unsubscribe chips (or all)",
    ),
    ("subscriptions", "What this chat is subscribed to"),
    ("pause", "Pause this chat's scheduled briefs"),
    ("resume", "Resume this chat's scheduled briefs"),
    ("help", "How to use the bot"),
];

/// Parses a message. `None` when it is not a command, or a command addressed to another bot
/// (`/brief@OtherBot`). `Some(Err)` for a command we do not know, with a helpful message.
pub fn parse(text: &str, bot_username: Option<&str>) -> Option<Result<Command, String>> {
    let text = text.trim();
    let body = text.strip_prefix('/').unwrap_or(text);
    let mut words = body.split_whitespace();
    let head = words.next()?;
    let (name, addressee) = match head.split_once('@') {
        Some((name, addressee)) => (name, Some(addressee)),
        None => (head, None),
    };
    if let (Some(addressee), Some(us)) = (addressee, bot_username)
        && !addressee.eq_ignore_ascii_case(us.trim_start_matches('@'))
    {
        return None;
    }
    let args: Vec<String> = words.map(str::to_string).collect();
    let first = args.first().cloned();
    let command = match name.to_lowercase().as_str() {
        "start" => Command::Start,
        "help" => Command::Help,
        "brief" => Command::Brief { topic: first },
        "topics" => Command::Topics,
        "subscribe" | "sub" => Command::Subscribe { args },
        "unsubscribe" | "unsub" => Command::Unsubscribe { topic: first },
        "subscriptions" | "subs" => Command::Subscriptions,
        "pause" => Command::Pause,
        "resume" => Command::Resume,
        other if text.starts_with('/') => {
            return Some(Err(format!(
                "Unknown command /{other}. Try /help for the list."
            )));
        }
        _ => return None,
    };
    Some(Ok(command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_and_without_the_bot_name() {
        assert_eq!(
            parse("/brief chips", None),
            Some(Ok(Command::Brief {
                topic: Some("chips".into())
            }))
        );
        assert_eq!(
            parse("/brief@BriefBot chips", Some("briefbot")),
            Some(Ok(Command::Brief {
                topic: Some("chips".into())
            }))
        );
        assert_eq!(parse("/brief@OtherBot chips", Some("BriefBot")), None);
        assert_eq!(
            parse("/brief", None),
            Some(Ok(Command::Brief { topic: None }))
        );
        assert_eq!(
            parse("subscribe chips weekdays 08:00 Europe/Berlin", None),
            Some(Ok(Command::Subscribe {
                args: vec![
                    "chips".into(),
                    "weekdays".into(),
                    "08:00".into(),
                    "Europe/Berlin".into()
                ]
            }))
        );
        assert_eq!(parse("hello there", None), None);
        assert!(
            matches!(parse("/frobnicate", None), Some(Err(message)) if message.contains("/help"))
        );
    }
}
