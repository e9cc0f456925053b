//! Scheduled briefs into Discord through the real `Scheduler` and serenity client against the
//! fake Discord: channels and threads, no pings, pausing on lost access, nonces against
//! repeats, and Discord's rate-limit waits. Commands are in `discord.rs`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::support::discord_fixtures::{add_news, app, at, settings};
use crate::support::fake_discord::FakeDiscord;
use briefbot::app::App;
use briefbot::commands::{self, Caller, Command};
use briefbot::delivery::Messengers;
use briefbot::model::{Destination, Platform};
use briefbot::platforms::discord::DiscordMessenger;
use briefbot::schedule::clock::{Clock, ManualClock};
use briefbot::schedule::runner::Scheduler;
use briefbot::storage::DeliveryStatus;

/// Every masked link target in a text.
fn link_targets(text: &str) -> Vec<String> {
    text.match_indices("](")
        .map(|(index, _)| {
            text[index + 2..]
                .split(')')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

async fn subscribe(app: &App, destination: &Destination, words: &str, now: DateTime<Utc>) {
    let caller = Caller {
        destination: destination.clone(),
        is_admin: true,
        member: Some("100".into()),
    };
    let command = Command::Subscribe {
        args: words.split_whitespace().map(str::to_string).collect(),
    };
    commands::execute(app, &caller, &command, now).await;
}

fn scheduler(app: &Arc<App>, fake: &FakeDiscord, clock: &Arc<ManualClock>) -> Scheduler {
    let http = Arc::new(settings(fake).http());
    let messenger = DiscordMessenger::new(http)
        .expect("messenger")
        .with_rate(1000.0);
    Scheduler::new(
        app.clone(),
        Messengers::default().with(Arc::new(messenger)),
        clock.clone(),
    )
}

#[tokio::test]
async fn scheduled_briefs_arrive_in_channel_and_thread_without_pinging_anyone() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    let channel = Destination::new(Platform::Discord, "100", None);
    let thread = Destination::new(Platform::Discord, "100", Some("555"));
    subscribe(&app, &channel, "chips 07:00", clock.now()).await;
    subscribe(&app, &thread, "all 07:00", clock.now()).await;
    add_news(
        &app.store,
        at("2026-03-02T06:30:00Z"),
        &["b300", "h300"],
        "@everyone @here <@&123> <@5> **bold** [x](javascript:alert(1))",
    )
    .await;
    let worker = scheduler(&app, &fake, &clock);
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    assert_eq!(worker.work().await.expect("work").sent, 2);

    let to_channel = fake.requests_to("/channels/100/messages");
    let to_thread = fake.requests_to("/channels/555/messages");
    assert!(
        !to_channel.is_empty() && !to_thread.is_empty(),
        "{:?}",
        fake.requests()
    );
    for request in to_channel.iter().chain(&to_thread) {
        let body = &request.body;
        assert_eq!(
            body["allowed_mentions"],
            json!({"parse": [], "users": [], "roles": []})
        );
        assert_eq!(body["enforce_nonce"], true);
        assert!(body["nonce"].as_str().is_some_and(|n| n.starts_with("bb")));
        let text = body["embeds"].to_string();
        assert!(
            text.contains(r"\\@everyone") && text.contains(r"\\<\\@&123\\>"),
            "{text}"
        );
        assert!(!text.contains("@everyone @here"), "escaped: {text}");
        for target in link_targets(&text) {
            assert!(target.starts_with("https://"), "{target}");
        }
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn forbidden_pauses_without_retrying_and_a_retry_reuses_its_nonce() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    let gone = Destination::new(Platform::Discord, "300", None);
    let flaky = Destination::new(Platform::Discord, "400", None);
    subscribe(&app, &gone, "chips 07:00", clock.now()).await;
    subscribe(&app, &flaky, "chips 07:00", clock.now()).await;
    add_news(&app.store, at("2026-03-02T06:30:00Z"), &["mi500"], "").await;
    fake.fail_next(
        "/channels/300/",
        403,
        json!({"code": 50001, "message": "Missing Access"}),
    );
    fake.fail_next(
        "/channels/400/",
        502,
        json!({"message": "bad gateway", "code": 0}),
    );
    let worker = scheduler(&app, &fake, &clock);
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    let report = worker.work().await.expect("work");
    assert_eq!((report.failed, report.retried), (1, 1), "{report:?}");
    let paused = &app.store.subscriptions_for(&gone).await.expect("subs")[0];
    assert!(paused.paused);
    assert!(
        paused
            .paused_reason
            .as_deref()
            .unwrap_or("")
            .contains("50001")
    );

    clock.set(at("2026-03-02T07:02:00Z"));
    assert_eq!(worker.work().await.expect("work").sent, 1);
    let attempts = fake.requests_to("/channels/400/messages");
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        attempts[0].body["nonce"], attempts[1].body["nonce"],
        "same nonce on retry"
    );

    // The next day: the paused channel is not tried again.
    add_news(&app.store, at("2026-03-03T06:30:00Z"), &["mi600"], "").await;
    clock.set(at("2026-03-03T07:00:05Z"));
    worker.tick().await.expect("tick");
    worker.work().await.expect("work");
    assert_eq!(
        fake.requests_to("/channels/300/").len(),
        1,
        "403 is not retried"
    );
    let rows = app.store.deliveries(Some(&gone), 5).await.expect("ledger");
    assert!(rows.iter().all(|r| r.status != DeliveryStatus::Sent));
}

/// The last day's brief, for one topic or all, as of `now`.
fn day_request(topic: Option<&str>, now: DateTime<Utc>) -> briefbot::engine::BriefRequest {
    briefbot::engine::BriefRequest {
        topic: topic.map(str::to_string),
        as_of: now,
        window: Duration::from_secs(86_400),
        max_stories: 5,
        late_since: None,
        explain: false,
    }
}

#[tokio::test]
async fn a_repeated_delivery_is_deduplicated_by_its_nonce() {
    // A crash after sending but before recording: the same ledger row is sent again.
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let now = at("2026-03-02T07:00:00Z");
    add_news(&app.store, now - chrono::Duration::minutes(30), &["x1"], "").await;
    let brief = app
        .brief(
            &day_request(Some("chips"), now),
            briefbot::summarizer::Wait::CacheOnly,
        )
        .await
        .expect("brief");
    let messenger = DiscordMessenger::new(Arc::new(settings(&fake).http())).expect("messenger");
    let destination = Destination::new(Platform::Discord, "100", None);
    use briefbot::delivery::{Messenger, Outgoing};
    let outgoing = Outgoing::new(77, &destination, &brief);
    let first = messenger.send(outgoing).await.expect("sent");
    let second = messenger.send(outgoing).await.expect("sent again");
    assert_eq!(first, second, "Discord hands back the same message");
    assert_eq!(fake.created().len(), first.len(), "posted once");
}

#[tokio::test]
async fn rate_limits_come_back_with_discords_wait() {
    let fake = FakeDiscord::start().await;
    let (app, _dir) = app().await;
    let now = at("2026-03-02T07:00:00Z");
    add_news(&app.store, now - chrono::Duration::minutes(30), &["x1"], "").await;
    let brief = app
        .brief(
            &day_request(None, now),
            briefbot::summarizer::Wait::CacheOnly,
        )
        .await
        .expect("brief");
    fake.fail_next(
        "/channels/100/messages",
        429,
        json!({"message": "slow down", "retry_after": 2.5, "global": false}),
    );
    let messenger = DiscordMessenger::new(Arc::new(settings(&fake).http())).expect("messenger");
    let destination = Destination::new(Platform::Discord, "100", None);
    use briefbot::delivery::{Messenger, Outgoing, SendError};
    let result = messenger.send(Outgoing::new(1, &destination, &brief)).await;
    assert_eq!(
        result,
        Err(SendError::RateLimited {
            retry_after: Duration::from_millis(2500)
        })
    );
}

#[tokio::test]
async fn losing_a_server_channel_or_thread_pauses_its_subscriptions() {
    use briefbot::platforms::discord::gateway::Places;
    let (app, _dir) = app().await;
    let now = Utc::now();
    for (chat, thread) in [
        ("100", None),
        ("100", Some("555")),
        ("200", None),
        ("300", None),
    ] {
        subscribe(
            &app,
            &Destination::new(Platform::Discord, chat, thread),
            "chips 07:00",
            now,
        )
        .await;
    }
    let places = Places::new(app.store.clone());
    places.guild_seen(700, [100, 200]);
    assert_eq!(places.thread_deleted(100, 555).await, 1, "only the thread");
    assert_eq!(places.channel_deleted(700, 300).await, 1);
    assert_eq!(
        places.guild_removed(700).await,
        3,
        "channel 100 (with its thread) and 200"
    );
    for subscription in app.store.all_subscriptions().await.expect("subs") {
        assert!(subscription.paused, "{subscription:?}");
    }
}
