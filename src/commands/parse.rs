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

/// One chat command: everything every platform needs to know about it, in one place. The
/// parser, the help text, Telegram's command menu, Discord's registration and the admin checks
/// all read this table; a new command is one entry here plus its arm in `parse_args` and its
/// handler in `execute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    pub name: &'static str,
    /// Other words that run it (`/sub`).
    pub aliases: &'static [&'static str],
    /// One line for help texts and command menus.
    pub description: &'static str,
    /// Changes this chat's subscriptions: only its admins may run it.
    pub admin_only: bool,
    /// Shows this chat's subscription set-up: the reply goes to the caller alone where the
    /// platform can do that.
    pub private_reply: bool,
}

const fn spec(
    name: &'static str,
    aliases: &'static [&'static str],
    description: &'static str,
    admin_only: bool,
    private_reply: bool,
) -> CommandSpec {
    CommandSpec {
        name,
        aliases,
        description,
        admin_only,
        private_reply,
    }
}

/// Every command, in menu order.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "brief",
        &[],
        "Today's brief, or one topic: /brief chips",
        false,
        false,
    ),
    spec("topics", &[], "The topics you can ask for", false, false),
    spec(
        "subscribe",
        &["sub"],
        "Daily brief here: /subscribe chips weekdays 08:00 Europe/Berlin",
        true,
        true,
    ),
    spec(
        "unsubscribe",
        &["unsub"],
        "Stop a subscription: /unsubscribe chips (or all)",
        true,
        true,
    ),
    spec(
        "subscriptions",
        &["subs"],
        "What this chat is subscribed to",
        false,
        true,
    ),
    spec(
        "pause",
        &[],
        "Pause this chat's scheduled briefs",
        true,
        true,
    ),
    spec(
        "resume",
        &[],
        "Resume this chat's scheduled briefs",
        true,
        true,
    ),
    spec("help", &["start"], "How to use the bot", false, false),
];

/// The command a word names (its name or an alias, any case).
pub fn find(word: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|spec| {
        spec.name.eq_ignore_ascii_case(word)
            || spec.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
    })
}

impl Command {
    /// This command's entry in [`COMMANDS`].
    pub fn spec(&self) -> &'static CommandSpec {
        let name = match self {
            Command::Start | Command::Help => "help",
            Command::Brief { .. } => "brief",
            Command::Topics => "topics",
            Command::Subscribe { .. } => "subscribe",
            Command::Unsubscribe { .. } => "unsubscribe",
            Command::Subscriptions => "subscriptions",
            Command::Pause => "pause",
            Command::Resume => "resume",
        };
        find(name).unwrap_or(&COMMANDS[0])
    }
}

/// Builds a command from its table entry and its argument words.
pub fn parse_args(spec: &CommandSpec, name: &str, args: Vec<String>) -> Option<Command> {
    let first = args.first().cloned();
    Some(match spec.name {
        "help" if name.eq_ignore_ascii_case("start") => Command::Start,
        "help" => Command::Help,
        "brief" => Command::Brief { topic: first },
        "topics" => Command::Topics,
        "subscribe" => Command::Subscribe { args },
        "unsubscribe" => Command::Unsubscribe { topic: first },
        "subscriptions" => Command::Subscriptions,
        "pause" => Command::Pause,
        "resume" => Command::Resume,
        _ => return None,
    })
}

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
    match find(name).and_then(|spec| parse_args(spec, name, args)) {
        Some(command) => Some(Ok(command)),
        None if text.starts_with('/') => Some(Err(format!(
            "Unknown command /{}. Try /help for the list.",
            name.to_lowercase()
        ))),
        None => None,
    }
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
