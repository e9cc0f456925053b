//! The incoming-webhook destinations of the work messengers, `slack-webhook:URL` and
//! `mattermost-webhook:URL`, through the `Scheduler` against a local receiver: each gets the
//! brief rendered for its messenger (Block Kit; Markdown in `{"text": …}`), not briefbot's
//! JSON, and the URL — the webhook's secret — is never shown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::support::discord_fixtures::{add_news, app, at};
use crate::support::fake_slack;
use briefbot::app::App;
use briefbot::commands::{self, Caller, Command};
use briefbot::delivery::Messengers;
use briefbot::model::Destination;
use briefbot::platforms::mattermost;
use briefbot::platforms::slack::{self, pacing::Pace};
use briefbot::schedule::clock::{Clock, ManualClock};
use briefbot::schedule::runner::Scheduler;

async fn subscribe(app: &App, destination: &Destination, words: &str, now: DateTime<Utc>) {
    let caller = Caller {
        destination: destination.clone(),
        is_admin: true,
        member: None,
    };
    let command = Command::Subscribe {
        args: words.split_whitespace().map(str::to_string).collect(),
    };
    assert!(
        !commands::execute(app, &caller, &command, now)
            .await
            .is_error()
    );
}

/// Every text in a message's blocks.
fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::Object(fields) => fields
            .iter()
            .flat_map(|(key, field)| match (key.as_str(), field) {
                ("text", Value::String(text)) => vec![text.clone()],
                _ => texts(field),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(texts).collect(),
        _ => Vec::new(),
    }
}

/// `@word` mentions Mattermost would find (a word right after `@`, no joiner between).
fn mentions(text: &str) -> Vec<String> {
    text.match_indices('@')
        .filter_map(|(index, _)| {
            let word: String = text[index + 1..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            (!word.is_empty()).then_some(word)
        })
        .collect()
}

#[derive(Default)]
struct Hooks {
    bodies: std::sync::Mutex<Vec<Value>>,
}

async fn hook(State(hooks): State<Arc<Hooks>>, body: axum::body::Bytes) -> &'static str {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    hooks.bodies.lock().expect("lock").push(value);
    "ok"
}

/// A local receiver standing in for an incoming webhook; its URL ends in `SECRET`.
async fn webhook_receiver() -> (String, Arc<Hooks>) {
    let hooks = Arc::new(Hooks::default());
    let app = Router::new()
        .route("/services/T1/B1/SECRET", post(hook))
        .with_state(hooks.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/services/T1/B1/SECRET",
        listener.local_addr().expect("address")
    );
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (url, hooks)
}

#[tokio::test]
async fn a_slack_webhook_gets_block_kit_not_briefbots_json() {
    let (url, hooks) = webhook_receiver().await;
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    let destination = Destination::parse(&format!("slack-webhook:{url}")).expect("destination");
    assert!(!destination.to_string().contains("SECRET"));
    subscribe(&app, &destination, "chips 07:00", clock.now()).await;
    add_news(
        &app.store,
        at("2026-03-02T06:30:00Z"),
        &["b300"],
        "<!channel>",
    )
    .await;
    let webhook =
        slack::webhook::SlackWebhook::new(Duration::from_secs(5), Pace::slack()).expect("webhook");
    let worker = Scheduler::new(
        app.clone(),
        Messengers::default().with(Arc::new(webhook)),
        clock.clone(),
    );
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    assert_eq!(worker.work().await.expect("work").sent, 1);

    let bodies = hooks.bodies.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let body = &bodies[0];
    assert!(
        body.get("stories").is_none() && body.get("sections").is_none(),
        "{body}"
    );
    assert_eq!(body["unfurl_links"], false);
    assert_eq!(
        fake_slack::check_message(&body["text"], &body["blocks"]),
        Vec::<String>::new()
    );
    let all = texts(&body["blocks"]).join("\n");
    assert!(
        all.contains("Nvidia") && all.contains("&lt;!channel&gt;"),
        "{all}"
    );
    let rows = app
        .store
        .deliveries(Some(&destination), 5)
        .await
        .expect("ledger");
    assert!(
        rows.iter()
            .all(|r| !r.reason.as_deref().unwrap_or("").contains("SECRET"))
    );
}

#[tokio::test]
async fn a_mattermost_webhook_gets_markdown_text_not_briefbots_json() {
    let (url, hooks) = webhook_receiver().await;
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    let destination =
        Destination::parse(&format!("mattermost-webhook:{url}")).expect("destination");
    subscribe(&app, &destination, "chips 07:00", clock.now()).await;
    add_news(
        &app.store,
        at("2026-03-02T06:30:00Z"),
        &["b300"],
        "@channel",
    )
    .await;
    let webhook =
        mattermost::webhook::MattermostWebhook::new(Duration::from_secs(5)).expect("hook");
    let worker = Scheduler::new(
        app.clone(),
        Messengers::default().with(Arc::new(webhook)),
        clock.clone(),
    );
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    assert_eq!(worker.work().await.expect("work").sent, 1);
    let bodies = hooks.bodies.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 1);
    let body = bodies[0].as_object().expect("object");
    assert_eq!(body.keys().collect::<Vec<_>>(), vec!["text"], "{body:?}");
    let text = body["text"].as_str().unwrap_or("");
    assert!(
        text.starts_with("#### AI Morning Brief") && text.contains("Nvidia"),
        "{text}"
    );
    assert_eq!(mentions(text), Vec::<String>::new(), "{text}");
}
