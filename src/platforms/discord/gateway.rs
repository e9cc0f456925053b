//! Gateway mode (the default): one websocket connection delivers interactions and tells us
//! when the bot loses a place to post — removed from a server, a channel or thread deleted —
//! so the subscriptions there are paused at once rather than after a failed delivery.
//!
//! Discord does not say which channels a server had when the bot leaves it, so the channels
//! of each server are remembered from its GUILD_CREATE (sent for every server on connect).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serenity::all::{
    ClientBuilder, Context, EventHandler, GatewayIntents, Guild, GuildChannel, Interaction,
    PartialGuildChannel, UnavailableGuild,
};
use serenity::async_trait;
use serenity::http::Http;
use tokio::sync::watch;

use super::respond::{Initial, Responder};
use super::{DiscordError, PLATFORM};
use crate::model::Destination;
use crate::storage::Store;

/// Server events: GUILD_CREATE/DELETE and CHANNEL/THREAD events. Not a privileged intent.
const INTENTS: GatewayIntents = GatewayIntents::GUILDS;

/// What to do when a place to post goes away.
pub struct Places {
    store: Store,
    channels_by_guild: Mutex<HashMap<u64, HashSet<u64>>>,
}

impl Places {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            channels_by_guild: Mutex::new(HashMap::new()),
        }
    }

    fn channels(&self) -> std::sync::MutexGuard<'_, HashMap<u64, HashSet<u64>>> {
        // A panic elsewhere while holding the lock leaves plain data; keep using it.
        self.channels_by_guild
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The bot is in a server with these channels (and threads).
    pub fn guild_seen(&self, guild: u64, channels: impl IntoIterator<Item = u64>) {
        self.channels().entry(guild).or_default().extend(channels);
    }

    pub fn channel_seen(&self, guild: u64, channel: u64) {
        self.channels().entry(guild).or_default().insert(channel);
    }

    /// The bot was removed from a server (not an outage): pause every channel we knew there.
    pub async fn guild_removed(&self, guild: u64) -> u64 {
        let channels = self.channels().remove(&guild).unwrap_or_default();
        let mut paused = 0;
        for channel in channels {
            paused += self
                .pause(&channel.to_string(), "the bot was removed from the server")
                .await;
        }
        paused
    }

    /// A channel was deleted: its subscriptions, threads included, are paused.
    pub async fn channel_deleted(&self, guild: u64, channel: u64) -> u64 {
        if let Some(channels) = self.channels().get_mut(&guild) {
            channels.remove(&channel);
        }
        self.pause(&channel.to_string(), "the channel was deleted")
            .await
    }

    /// A thread was deleted: only the thread's subscriptions are paused.
    pub async fn thread_deleted(&self, parent: u64, thread: u64) -> u64 {
        let destination =
            Destination::new(PLATFORM, &parent.to_string(), Some(&thread.to_string()));
        match self
            .store
            .set_destination_paused(&destination, true, Some("the thread was deleted"))
            .await
        {
            Ok(paused) => paused,
            Err(error) => {
                tracing::error!(%error, %destination, "could not pause a deleted thread");
                0
            }
        }
    }

    async fn pause(&self, channel: &str, reason: &str) -> u64 {
        match self.store.pause_chat(PLATFORM, channel, reason).await {
            Ok(paused) => {
                if paused > 0 {
                    tracing::warn!(channel, reason, paused, "paused Discord subscriptions");
                }
                paused
            }
            Err(error) => {
                tracing::error!(%error, channel, "could not pause subscriptions");
                0
            }
        }
    }
}

struct Handler {
    responder: Responder,
    places: Arc<Places>,
}

#[async_trait]
impl EventHandler for Handler {
    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        let responder = self.responder.clone();
        // Answer in the background: the next event should not wait for a brief to build.
        tokio::spawn(async move { responder.handle(interaction, Initial::Callback).await });
    }

    async fn guild_create(&self, _ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let channels = guild.channels.keys().map(|id| id.get());
        let threads = guild.threads.iter().map(|t| t.id.get());
        self.places
            .guild_seen(guild.id.get(), channels.chain(threads));
    }

    async fn channel_create(&self, _ctx: Context, channel: GuildChannel) {
        self.places
            .channel_seen(channel.guild_id.get(), channel.id.get());
    }

    async fn guild_delete(&self, _ctx: Context, incomplete: UnavailableGuild, _: Option<Guild>) {
        // `unavailable` means a Discord outage; the bot is still a member.
        if !incomplete.unavailable {
            self.places.guild_removed(incomplete.id.get()).await;
        }
    }

    async fn channel_delete(
        &self,
        _ctx: Context,
        channel: GuildChannel,
        _: Option<Vec<serenity::all::Message>>,
    ) {
        self.places
            .channel_deleted(channel.guild_id.get(), channel.id.get())
            .await;
    }

    async fn thread_delete(
        &self,
        _ctx: Context,
        thread: PartialGuildChannel,
        _: Option<GuildChannel>,
    ) {
        self.places
            .thread_deleted(thread.parent_id.get(), thread.id.get())
            .await;
    }
}

/// Connects to the gateway and handles events until `shutdown` turns true.
pub async fn run(
    http: Http,
    responder: Responder,
    places: Arc<Places>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), DiscordError> {
    let mut client = ClientBuilder::new_with_http(http, INTENTS)
        .event_handler(Handler { responder, places })
        .await
        .map_err(|e| DiscordError::Gateway(e.to_string()))?;
    let shards = client.shard_manager.clone();
    tokio::select! {
        result = client.start() => result.map_err(|e| DiscordError::Gateway(e.to_string())),
        _ = async move {
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() { break; }
            }
        } => {
            shards.shutdown_all().await;
            Ok(())
        }
    }
}
