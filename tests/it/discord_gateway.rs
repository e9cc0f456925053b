//! Gateway mode end to end: serenity's real client asks the fake REST API for the gateway URL,
//! connects to a small fake gateway on 127.0.0.1, identifies, and then receives dispatches —
//! an INTERACTION_CREATE it must answer through the REST callback, and a CHANNEL_DELETE that
//! must pause the subscriptions in that channel.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use crate::support::fake_discord::FakeDiscord;
use briefbot::app::App;
use briefbot::commands::{self, Caller, Command};
use briefbot::config::Config;
use briefbot::model::{Destination, Platform};
use briefbot::platforms::discord::Settings;
use briefbot::platforms::discord::gateway::{self, Places};
use briefbot::platforms::discord::respond::Responder;
use briefbot::schedule::clock::SystemClock;
use briefbot::storage::Store;

const APP_ID: u64 = 4242;

fn dispatch(sequence: u64, kind: &str, data: Value) -> Message {
    Message::Text(json!({"op": 0, "s": sequence, "t": kind, "d": data}).to_string())
}

/// Accepts one connection: HELLO, waits for IDENTIFY, READY, then the given dispatches, and
/// keeps acknowledging heartbeats until the client goes.
async fn fake_gateway(listener: TcpListener, dispatches: Vec<Message>) {
    let Ok((stream, _)) = listener.accept().await else {
        return;
    };
    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 45000}});
    let _ = socket.send(Message::Text(hello.to_string())).await;
    while let Some(Ok(message)) = socket.next().await {
        let Ok(text) = message.to_text() else {
            continue;
        };
        let Ok(payload) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        match payload["op"].as_u64() {
            Some(2) => {
                let ready = json!({
                    "v": 10, "session_id": "session", "resume_gateway_url": "ws://127.0.0.1:9",
                    "guilds": [{"id": "700", "unavailable": true}], "shard": [0, 1],
                    "user": {"id": APP_ID.to_string(), "username": "briefbot", "discriminator": "0000",
                             "avatar": null, "bot": true, "global_name": null,
                             "verified": true, "mfa_enabled": false},
                    "application": {"id": APP_ID.to_string(), "flags": 0}
                });
                let _ = socket.send(dispatch(1, "READY", ready)).await;
                for message in dispatches.clone() {
                    let _ = socket.send(message).await;
                }
            }
            Some(1) => {
                let _ = socket
                    .send(Message::Text(json!({"op": 11}).to_string()))
                    .await;
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_interactions_are_answered_and_deleted_channels_paused() {
    let fake = FakeDiscord::start().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    fake.set_gateway_url(&format!("ws://{}", listener.local_addr().expect("address")));

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("store");
    let config = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"))
        .expect("config");
    let app = Arc::new(App::with_store(config, store));
    let doomed = Destination::new(Platform::Discord, "300", None);
    let caller = Caller {
        destination: doomed.clone(),
        is_admin: true,
        member: Some("100".into()),
    };
    let subscribe = Command::Subscribe {
        args: vec!["chips".into(), "07:00".into()],
    };
    commands::execute(&app, &caller, &subscribe, chrono::Utc::now()).await;

    let interaction = json!({
        "id": "900", "application_id": APP_ID.to_string(), "type": 2, "token": "gtoken",
        "version": 1, "locale": "en-US", "entitlements": [], "attachment_size_limit": 8388608,
        "guild_id": "700", "channel_id": "100", "channel": {"id": "100", "type": 0},
        "app_permissions": "0", "authorizing_integration_owners": {},
        "member": {"user": {"id": "5", "username": "ada", "discriminator": "0", "avatar": null},
                   "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false,
                   "mute": false, "flags": 0, "permissions": "0"},
        "data": {"id": "901", "name": "topics", "type": 1}
    });
    let deleted = json!({
        "id": "300", "type": 0, "guild_id": "700", "position": 0, "permission_overwrites": [],
        "name": "news", "nsfw": false, "parent_id": null, "topic": null, "last_message_id": null,
        "rate_limit_per_user": 0, "flags": 0
    });
    tokio::spawn(fake_gateway(
        listener,
        vec![
            dispatch(2, "INTERACTION_CREATE", interaction),
            dispatch(3, "CHANNEL_DELETE", deleted),
        ],
    ));

    let settings = Settings {
        token: "gateway-token".to_string().into(),
        application_id: APP_ID,
        api_url: Some(fake.url.clone()),
        public_key: None,
        interactions_listen: None,
    };
    let responder = Responder::new(
        app.clone(),
        Arc::new(settings.http()),
        Arc::new(SystemClock),
    );
    let places = Arc::new(Places::new(app.store.clone()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let client = tokio::spawn(gateway::run(settings.http(), responder, places, stopped));

    let mut answered = false;
    let mut paused = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        answered = !fake
            .requests_to("/interactions/900/gtoken/callback")
            .is_empty();
        paused = app
            .store
            .subscriptions_for(&doomed)
            .await
            .expect("subs")
            .iter()
            .all(|s| s.paused);
        if answered && paused {
            break;
        }
    }
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), client).await;
    assert!(
        answered,
        "the interaction was answered: {:?}",
        fake.requests()
    );
    assert!(paused, "the deleted channel's subscription is paused");
    let callback = &fake.requests_to("/callback")[0];
    assert_eq!(callback.body["type"], 4);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
