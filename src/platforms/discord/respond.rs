//! Answering an interaction, the same way whether it came over the gateway or the HTTP
//! endpoint: a few lines of glue between serenity, `crate::commands` and `render`.
//!
//! Discord wants a first answer within 3 seconds. The command runs for up to `defer_after`;
//! if it is done by then its reply is the first answer, otherwise the first answer is "thinking…"
//! (a deferral) and the reply replaces it when ready. Replies longer than one message continue
//! as follow-up messages.

use std::sync::Arc;
use std::time::Duration;

use serenity::builder::{
    CreateAllowedMentions, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, EditInteractionResponse,
};
use serenity::http::Http;
use serenity::model::application::{CommandInteraction, Interaction};
use tokio::sync::oneshot;

use super::commands::{autocomplete, caller, private_reply, to_command};
use super::messenger::to_serenity;
use super::render::{self, Embed};
use crate::app::App;
use crate::commands::{self, Reply, ReplyBody};
use crate::schedule::clock::Clock;

/// Time a command may take before we defer; leaves room within Discord's 3 s for the network.
pub const DEFER_AFTER: Duration = Duration::from_millis(2000);
/// A follow-up can race Discord's processing of an HTTP-endpoint reply; one retry after this.
const FOLLOWUP_RETRY: Duration = Duration::from_secs(1);

/// Where the first answer goes.
pub enum Initial {
    /// Gateway: `POST /interactions/{id}/{token}/callback`.
    Callback,
    /// HTTP endpoint: the body of the reply to Discord's request.
    HttpReply(oneshot::Sender<CreateInteractionResponse>),
}

/// What answering needs: the app, a REST client for callbacks and edits, the time.
#[derive(Clone)]
pub struct Responder {
    pub app: Arc<App>,
    pub http: Arc<Http>,
    pub clock: Arc<dyn Clock>,
    pub defer_after: Duration,
}

/// One message of a reply: plain text or embeds.
enum Part {
    Content(String),
    Embeds(Vec<Embed>),
}

impl Responder {
    pub fn new(app: Arc<App>, http: Arc<Http>, clock: Arc<dyn Clock>) -> Self {
        Self {
            app,
            http,
            clock,
            defer_after: DEFER_AFTER,
        }
    }

    /// Answers one interaction; returns when every message of the answer is out.
    pub async fn handle(&self, interaction: Interaction, initial: Initial) {
        match interaction {
            Interaction::Ping(_) => {
                self.first(None, CreateInteractionResponse::Pong, initial)
                    .await
            }
            Interaction::Autocomplete(command) => {
                let choices = autocomplete(&self.app, &command);
                let response = CreateInteractionResponse::Autocomplete(choices);
                self.first(Some(&command), response, initial).await;
            }
            Interaction::Command(command) => self.command(command, initial).await,
            other => {
                tracing::debug!(kind = ?other.kind(), "ignoring an interaction we never asked for");
                let reply = Reply::error("This bot only answers slash commands.");
                self.first(None, first_message(&reply), initial).await;
            }
        }
    }

    async fn command(&self, command: CommandInteraction, initial: Initial) {
        let caller = caller(&command);
        let parsed = match to_command(&command) {
            Ok(parsed) => parsed,
            Err(message) => {
                let reply = Reply::error(message);
                return self
                    .first(Some(&command), first_message(&reply), initial)
                    .await;
            }
        };
        let now = self.clock.now();
        let work = commands::execute(&self.app, &caller, &parsed, now);
        tokio::pin!(work);
        // A zero `defer_after` means "always defer" (and makes the deferral testable).
        let early = if self.defer_after.is_zero() {
            None
        } else {
            tokio::select! {
                reply = &mut work => Some(reply),
                _ = tokio::time::sleep(self.defer_after) => None,
            }
        };
        // `initial` is still unused when the reply came in time; a deferral used it up.
        let (reply, initial) = match early {
            Some(reply) => (reply, Some(initial)),
            None => {
                let private = private_reply(&command.data.name);
                let defer = CreateInteractionResponseMessage::new().ephemeral(private);
                self.first(
                    Some(&command),
                    CreateInteractionResponse::Defer(defer),
                    initial,
                )
                .await;
                (work.await, None)
            }
        };
        let mut parts = parts(&reply).into_iter();
        let Some(head) = parts.next() else {
            return;
        };
        if let Some(initial) = initial {
            let response = CreateInteractionResponse::Message(message(head, reply.private));
            self.first(Some(&command), response, initial).await;
        } else {
            let edit = match head {
                Part::Content(text) => EditInteractionResponse::new().content(text),
                Part::Embeds(embeds) => {
                    EditInteractionResponse::new().embeds(embeds.iter().map(to_serenity).collect())
                }
            }
            .allowed_mentions(CreateAllowedMentions::new());
            if let Err(error) = command.edit_response(&self.http, edit).await {
                tracing::warn!(%error, "could not replace the deferred answer");
                return;
            }
        }
        for part in parts {
            self.followup(&command, part, reply.private).await;
        }
    }

    async fn first(
        &self,
        command: Option<&CommandInteraction>,
        response: CreateInteractionResponse,
        initial: Initial,
    ) {
        match (initial, command) {
            (Initial::HttpReply(reply), _) => {
                // The endpoint may have given up waiting (Discord's deadline passed).
                let _ = reply.send(response);
            }
            (Initial::Callback, Some(command)) => {
                if let Err(error) = command.create_response(&self.http, response).await {
                    tracing::warn!(%error, command = %command.data.name, "could not answer");
                }
            }
            (Initial::Callback, None) => {}
        }
    }

    async fn followup(&self, command: &CommandInteraction, part: Part, private: bool) {
        let builder = match part {
            Part::Content(text) => CreateInteractionResponseFollowup::new().content(text),
            Part::Embeds(embeds) => CreateInteractionResponseFollowup::new()
                .embeds(embeds.iter().map(to_serenity).collect()),
        }
        .allowed_mentions(CreateAllowedMentions::new())
        .ephemeral(private);
        if command
            .create_followup(&self.http, builder.clone())
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(FOLLOWUP_RETRY).await;
        if let Err(error) = command.create_followup(&self.http, builder).await {
            tracing::warn!(%error, "could not send the rest of a reply");
        }
    }
}

/// A reply that fits one message, as a first answer.
fn first_message(reply: &Reply) -> CreateInteractionResponse {
    let head = parts(reply)
        .into_iter()
        .next()
        .unwrap_or(Part::Content("Done.".into()));
    CreateInteractionResponse::Message(message(head, reply.private))
}

fn message(part: Part, private: bool) -> CreateInteractionResponseMessage {
    match part {
        Part::Content(text) => CreateInteractionResponseMessage::new().content(text),
        Part::Embeds(embeds) => {
            CreateInteractionResponseMessage::new().embeds(embeds.iter().map(to_serenity).collect())
        }
    }
    .allowed_mentions(CreateAllowedMentions::new())
    .ephemeral(private)
}

fn parts(reply: &Reply) -> Vec<Part> {
    match &reply.body {
        ReplyBody::Brief(brief) => render::brief_messages(brief)
            .into_iter()
            .map(|m| Part::Embeds(m.embeds))
            .collect(),
        ReplyBody::Error(text) | ReplyBody::Failure(text) => {
            vec![Part::Content(render::text_content(&format!("⚠️ {text}")))]
        }
        ReplyBody::Text(text) => vec![Part::Content(render::text_content(text))],
        ReplyBody::TopicPicker { .. } => {
            vec![Part::Content(render::text_content(&reply.plain_text()))]
        }
    }
}
