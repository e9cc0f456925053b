//! What a command answers, before any platform has rendered it.

use crate::model::Brief;

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub body: ReplyBody,
    /// Only the caller should see it (Discord ephemeral replies); platforms without the notion
    /// ignore it.
    pub private: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReplyBody {
    Brief(Box<Brief>),
    /// Plain text; the platform escapes it.
    Text(String),
    /// A mistake the user can fix, phrased for them.
    Error(String),
    /// Our failure, not theirs (the database is down): an apology to the user; the cause is
    /// in the log.
    Failure(String),
    /// "Which topic?" with the current state of each, for buttons that toggle subscriptions.
    TopicPicker {
        prompt: String,
        choices: Vec<TopicChoice>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TopicChoice {
    /// Topic id, or `all`.
    pub id: String,
    pub title: String,
    pub subscribed: bool,
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            body: ReplyBody::Text(text.into()),
            private: false,
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self {
            body: ReplyBody::Error(text.into()),
            private: true,
        }
    }

    pub fn failure(text: impl Into<String>) -> Self {
        Self {
            body: ReplyBody::Failure(text.into()),
            private: true,
        }
    }

    /// A mistake or a failure: either way the command did not do what was asked.
    pub fn is_error(&self) -> bool {
        matches!(self.body, ReplyBody::Error(_) | ReplyBody::Failure(_))
    }

    pub fn private(mut self) -> Self {
        self.private = true;
        self
    }

    /// The reply as plain text, for platforms or logs without richer rendering.
    pub fn plain_text(&self) -> String {
        match &self.body {
            ReplyBody::Brief(brief) => crate::render::render(brief, crate::render::Format::Text),
            ReplyBody::Text(text) | ReplyBody::Error(text) | ReplyBody::Failure(text) => {
                text.clone()
            }
            ReplyBody::TopicPicker { prompt, choices } => {
                let lines: Vec<String> = choices
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {} ({})",
                            if c.subscribed { "✓" } else { "·" },
                            c.title,
                            c.id
                        )
                    })
                    .collect();
                format!("{prompt}\n{}", lines.join("\n"))
            }
        }
    }
}
