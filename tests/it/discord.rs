//! The Discord adapter's commands end to end with the real serenity client against a fake
//! Discord (`support::fake_discord`, which checks every request against Discord's OpenAPI
//! description): slash commands over the signed HTTP endpoint and as raw gateway
//! INTERACTION_CREATE payloads. Scheduled delivery is in `discord_delivery.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use serenity::model::application::Interaction;

use crate::support::discord_fixtures::{APP_ID, add_news, app, settings};
use crate::support::fake_discord::FakeDiscord;
use briefbot::app::App;
use briefbot::model::{Destination, Platform};
use briefbot::platforms::discord::interactions;
use briefbot::platforms::discord::respond::{Initial, Responder};
use briefbot::schedule::clock::{Clock, ManualClock};

const EPHEMERAL: u64 = 64;

/// A raw interaction as Discord sends it. `permissions` is the member's computed permission
/// bitfield in the channel; `thread_parent` makes the channel a public thread.
fn interaction(
    kind: u8,
    name: &str,
    options: Value,
    permissions: &str,
    channel: &str,
    thread_parent: Option<&str>,
) -> Value {
    let channel_object = match thread_parent {
        Some(parent) => json!({"id": channel, "type": 11, "parent_id": parent,
            "thread_metadata": {"archived": false, "auto_archive_duration": 1440,
                "archive_timestamp": "2026-03-01T00:00:00.000000+00:00", "locked": false}}),
        None => json!({"id": channel, "type": 0}),
    };
    // Each interaction has its own id, as Discord's do: the endpoint refuses an id twice.
    static NEXT_ID: AtomicU64 = AtomicU64::new(900);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed).to_string();
    json!({
        "id": id, "application_id": APP_ID.to_string(), "type": kind, "token": "itoken",
        "version": 1, "locale": "en-US", "guild_locale": "en-US", "entitlements": [],
        "attachment_size_limit": 8388608, "guild_id": "700", "channel_id": channel,
        "channel": channel_object, "app_permissions": "0",
        "authorizing_integration_owners": {},
        "member": {
            "user": {"id": "5", "username": "ada", "discriminator": "0", "avatar": null, "global_name": "Ada"},
            "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
            "flags": 0, "permissions": permissions
        },
        "data": {"id": "901", "name": name, "type": 1, "options": options}
    })
}

fn topic(value: &str) -> Value {
    json!([{"name": "topic", "type": 3, "value": value}])
}

/// The signed HTTP endpoint on a free port, answering through the fake.
struct Endpoint {
    url: String,
    key: SigningKey,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
}

async fn endpoint(app: &Arc<App>, fake: &FakeDiscord, clock: Arc<dyn Clock>) -> Endpoint {
    let (router, key) = endpoint_router(app, fake, clock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}{}",
        listener.local_addr().expect("address"),
        interactions::PATH
    );
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _keep = _stop;
        let _ = interactions::serve(listener, router, stopped).await;
    });
    Endpoint {
        url,
        key,
        client: reqwest::Client::new(),
        clock,
    }
}

/// The same endpoint mounted on the shared HTTP server (`[http] listen`).
async fn shared_endpoint(
    app: &Arc<App>,
    fake: &FakeDiscord,
    clock: Arc<dyn Clock>,
) -> (Endpoint, tokio::sync::watch::Sender<bool>) {
    let (router, key) = endpoint_router(app, fake, clock.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let routes =
        briefbot::http::Routes::new(briefbot::http::Readiness::new(app.clone(), stopped.clone()))
            .mount("Discord", &[interactions::PATH], router)
            .expect("mount");
    let (address, _task) = briefbot::http::start("127.0.0.1:0", routes, stopped)
        .await
        .expect("shared server");
    let endpoint = Endpoint {
        url: format!("http://{address}{}", interactions::PATH),
        key,
        client: reqwest::Client::new(),
        clock,
    };
    (endpoint, stop)
}

fn endpoint_router(
    app: &Arc<App>,
    fake: &FakeDiscord,
    clock: Arc<dyn Clock>,
) -> (axum::Router, SigningKey) {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public: String = key
        .verifying_key()
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let http = Arc::new(settings(fake).http());
    let responder = Responder::new(app.clone(), http, clock);
    let router = interactions::router(responder, interactions::verifier(&public).expect("key"));
    (router, key)
}

impl Endpoint {
    async fn post(&self, body: &Value) -> (u16, Value) {
        let timestamp = self.clock.now().timestamp().to_string();
        self.post_at(body, &timestamp).await
    }

    /// Posts `body` signed with the application's key as of `timestamp`.
    async fn post_at(&self, body: &Value, timestamp: &str) -> (u16, Value) {
        let body = body.to_string();
        let signature = self.sign(&format!("{timestamp}{body}"));
        self.post_signed(&body, Some(&signature), Some(timestamp))
            .await
    }

    fn sign(&self, message: &str) -> String {
        self.key
            .sign(message.as_bytes())
            .to_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    async fn post_signed(
        &self,
        body: &str,
        signature: Option<&str>,
        timestamp: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(signature) = signature {
            request = request.header("X-Signature-Ed25519", signature);
        }
        if let Some(timestamp) = timestamp {
            request = request.header("X-Signature-Timestamp", timestamp);
        }
        let response = request.send().await.expect("endpoint answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn brief_chips_over_http_holds_only_chips_stories_and_fits_the_spec() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let now = Utc::now();
    add_news(
        &app.store,
        now - chrono::Duration::hours(1),
        &["b300", "h300"],
        "",
    )
    .await;
    let endpoint = endpoint(&app, &fake, Arc::new(ManualClock::new(now))).await;

    let (status, reply) = endpoint
        .post(&interaction(2, "brief", topic("chips"), "0", "100", None))
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["type"], 4, "answered at once: {reply}");
    assert_eq!(
        fake.check(
            "post",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            &reply
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        reply["data"]["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": []})
    );
    let embeds = reply["data"]["embeds"].as_array().expect("embeds");
    let titles: Vec<&str> = embeds.iter().filter_map(|e| e["title"].as_str()).collect();
    assert!(titles[0].contains("Chips"), "{titles:?}");
    assert!(
        titles[1..].iter().all(|t| t.contains("Chips")),
        "only the chips section: {titles:?}"
    );
    let stories: Vec<String> = embeds
        .iter()
        .flat_map(|e| e["fields"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f["name"].as_str().map(str::to_string))
        .collect();
    assert!(!stories.is_empty());
    assert!(stories.iter().all(|s| s.contains("Nvidia")), "{stories:?}");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn topic_and_time_zone_autocomplete() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let endpoint = endpoint(&app, &fake, Arc::new(ManualClock::new(Utc::now()))).await;
    let focused = |name: &str, value: &str| {
        json!([{"name": "topic", "type": 3, "value": "chips"},
               {"name": name, "type": 3, "value": value, "focused": true}])
    };
    let (status, reply) = endpoint
        .post(&interaction(
            4,
            "brief",
            json!([{"name": "topic", "type": 3, "value": "hard", "focused": true}]),
            "0",
            "100",
            None,
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(reply["type"], 8, "{reply}");
    let choices = reply["data"]["choices"].as_array().expect("choices");
    assert_eq!(choices.len(), 1, "{choices:?}");
    assert_eq!(
        choices[0]["value"], "chips",
        "the alias 'hardware' finds chips"
    );
    assert_eq!(
        fake.check(
            "post",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            &reply
        ),
        Vec::<String>::new()
    );

    let (_, reply) = endpoint
        .post(&interaction(
            4,
            "subscribe",
            focused("timezone", "berl"),
            "16",
            "100",
            None,
        ))
        .await;
    assert_eq!(
        reply["data"]["choices"][0]["value"], "Europe/Berlin",
        "{reply}"
    );
}

#[tokio::test]
async fn unknown_topic_is_a_helpful_ephemeral_error() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let endpoint = endpoint(&app, &fake, Arc::new(ManualClock::new(Utc::now()))).await;
    let (_, reply) = endpoint
        .post(&interaction(2, "brief", topic("potato"), "0", "100", None))
        .await;
    assert_eq!(reply["type"], 4);
    assert_eq!(
        reply["data"]["flags"], EPHEMERAL,
        "only the caller sees it: {reply}"
    );
    let content = reply["data"]["content"].as_str().unwrap_or("");
    assert!(
        content.contains("Unknown topic") && content.contains("chips"),
        "{content}"
    );
}

#[tokio::test]
async fn the_shared_http_server_serves_interactions_with_the_same_checks() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let (endpoint, _stop) =
        shared_endpoint(&app, &fake, Arc::new(ManualClock::new(Utc::now()))).await;
    let ping = json!({"id": "1", "application_id": APP_ID.to_string(), "type": 1, "token": "t", "version": 1});
    let (status, reply) = endpoint.post(&ping).await;
    assert_eq!((status, &reply["type"]), (200, &json!(1)), "PONG");
    let forged = "00".repeat(64);
    let now = endpoint.clock.now().timestamp().to_string();
    let (status, _) = endpoint
        .post_signed(&ping.to_string(), Some(&forged), Some(now.as_str()))
        .await;
    assert_eq!(status, 401, "bad signature");
}

#[tokio::test]
async fn signatures_are_checked_and_ping_gets_pong() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let endpoint = endpoint(&app, &fake, Arc::new(ManualClock::new(Utc::now()))).await;
    let ping = json!({"id": "1", "application_id": APP_ID.to_string(), "type": 1, "token": "t", "version": 1});
    let (status, reply) = endpoint.post(&ping).await;
    assert_eq!((status, &reply["type"]), (200, &json!(1)), "PONG");
    assert_eq!(
        fake.check(
            "post",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            &reply
        ),
        Vec::<String>::new()
    );

    let body = ping.to_string();
    let now = endpoint.clock.now().timestamp().to_string();
    let forged = "00".repeat(64);
    let (status, _) = endpoint
        .post_signed(&body, Some(&forged), Some(now.as_str()))
        .await;
    assert_eq!(status, 401, "bad signature");
    let (status, _) = endpoint.post_signed(&body, None, None).await;
    assert_eq!(status, 401, "missing signature");
    // A valid signature over another body does not cover this one.
    let signature = endpoint.sign(&format!("{now}{{}}"));
    let (status, _) = endpoint
        .post_signed(&body, Some(&signature), Some(now.as_str()))
        .await;
    assert_eq!(status, 401, "tampered body");
}

#[tokio::test]
async fn subscribe_needs_manage_channels_and_a_thread_gets_its_own_subscription() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let endpoint = endpoint(&app, &fake, Arc::new(ManualClock::new(Utc::now()))).await;
    let options = json!([
        {"name": "topic", "type": 3, "value": "chips"},
        {"name": "time", "type": 3, "value": "08:00"},
        {"name": "days", "type": 3, "value": "weekdays"},
        {"name": "timezone", "type": 3, "value": "Europe/Berlin"}
    ]);
    let (_, reply) = endpoint
        .post(&interaction(
            2,
            "subscribe",
            options.clone(),
            "0",
            "100",
            None,
        ))
        .await;
    assert_eq!(reply["data"]["flags"], EPHEMERAL);
    assert!(
        reply["data"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("administrators"),
        "{reply}"
    );
    let channel = Destination::new(Platform::Discord, "100", None);
    assert!(
        app.store
            .subscriptions_for(&channel)
            .await
            .expect("subs")
            .is_empty()
    );

    // MANAGE_CHANNELS (16) in a thread of channel 100.
    let (_, reply) = endpoint
        .post(&interaction(
            2,
            "subscribe",
            options,
            "16",
            "555",
            Some("100"),
        ))
        .await;
    assert_eq!(reply["data"]["flags"], EPHEMERAL, "{reply}");
    let thread = Destination::new(Platform::Discord, "100", Some("555"));
    let stored = app.store.subscriptions_for(&thread).await.expect("subs");
    assert_eq!(stored.len(), 1, "{reply}");
    assert_eq!(stored[0].schedule, "weekdays 08:00");
    assert_eq!(stored[0].timezone, "Europe/Berlin");
}

#[tokio::test]
async fn gateway_payloads_are_answered_by_callback_and_slow_ones_deferred_then_edited() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let now = Utc::now();
    add_news(&app.store, now - chrono::Duration::hours(1), &["b300"], "").await;
    let http = Arc::new(settings(&fake).http());
    let mut responder = Responder::new(app.clone(), http, Arc::new(ManualClock::new(now)));

    let raw = interaction(2, "topics", json!([]), "0", "100", None);
    let parsed: Interaction = serde_json::from_value(raw).expect("INTERACTION_CREATE payload");
    responder.handle(parsed, Initial::Callback).await;
    let callbacks = fake.requests_to("/callback");
    assert_eq!(callbacks.len(), 1);
    assert_eq!(callbacks[0].body["type"], 4);

    // Pretend building takes longer than we may wait: defer, then edit the original.
    responder.defer_after = Duration::ZERO;
    let raw = interaction(2, "brief", topic("chips"), "0", "100", None);
    let parsed: Interaction = serde_json::from_value(raw).expect("payload");
    responder.handle(parsed, Initial::Callback).await;
    let callbacks = fake.requests_to("/callback");
    assert_eq!(
        callbacks.last().map(|c| c.body["type"].clone()),
        Some(json!(5))
    );
    let edits = fake.requests_to("/messages/@original");
    assert_eq!(edits.len(), 1, "{:?}", fake.requests());
    assert_eq!(edits[0].method, "patch");
    assert!(
        edits[0].body["embeds"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    assert_eq!(edits[0].body["allowed_mentions"]["parse"], json!([]));
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn commands_register_globally_within_the_spec() {
    let fake = FakeDiscord::start().await;
    let http = settings(&fake).http();
    briefbot::platforms::discord::register_commands(&http)
        .await
        .expect("registered");
    let puts = fake.requests_to(&format!("/applications/{APP_ID}/commands"));
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].method, "put");
    let names: Vec<&str> = puts[0]
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "brief",
            "topics",
            "subscribe",
            "unsubscribe",
            "subscriptions",
            "pause",
            "resume",
            "help"
        ]
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn stale_replayed_and_unsigned_requests_are_refused_before_the_body_is_read() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let endpoint = endpoint(&app, &fake, Arc::new(ManualClock::new(Utc::now()))).await;
    let ping = |id: &str| json!({"id": id, "application_id": APP_ID.to_string(), "type": 1, "token": "t", "version": 1});

    // Signed with the right key, but in 1970: a captured request replayed years later.
    let (status, _) = endpoint.post_at(&ping("1"), "1").await;
    assert_eq!(status, 401, "a stale timestamp");
    let now = endpoint.clock.now().timestamp();
    let (status, _) = endpoint.post_at(&ping("2"), &(now - 301).to_string()).await;
    assert_eq!(status, 401, "five minutes and a second old");

    // The same signed request twice within the window: answered once.
    let timestamp = now.to_string();
    let (first, _) = endpoint.post_at(&ping("3"), &timestamp).await;
    let (again, _) = endpoint.post_at(&ping("3"), &timestamp).await;
    assert_eq!((first, again), (200, 401), "a replay within the window");

    // Headers that promise 1.9 MB and never send it: an unsigned request is answered at once,
    // without waiting for (or buffering) the body.
    let address = endpoint.url.trim_start_matches("http://");
    let (host, path) = address.split_once('/').expect("host and path");
    let head = |extra: &str| {
        format!(
            "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}Content-Length: 1900000\r\n\r\n"
        )
    };
    let fake_signature = format!("X-Signature-Ed25519: {}\r\n", "00".repeat(64));
    for extra in [
        String::new(),
        format!("{fake_signature}X-Signature-Timestamp: 1\r\n"),
    ] {
        let answer = raw_exchange(host, &head(&extra), b"").await;
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
    // Fresh headers: the body is read, but only up to the 64 KB limit.
    let fresh = format!("{fake_signature}X-Signature-Timestamp: {timestamp}\r\n");
    let answer = raw_exchange(host, &head(&fresh), &vec![b' '; 64 * 1024 + 1]).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

/// Writes a request head and part of a body, and returns the start of the answer, which
/// must come within five seconds.
async fn raw_exchange(host: &str, head: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut answer = vec![0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer without the rest of the body")
        .expect("read");
    String::from_utf8_lossy(&answer[..read]).into_owned()
}
