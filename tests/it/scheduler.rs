//! The scheduler and delivery ledger with a held clock and a scripted messenger, on SQLite and
//! (when reachable) PostgreSQL.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use briefbot::app::App;
use briefbot::commands::{self, Caller, Command, ReplyBody};
use briefbot::config::Config;
use briefbot::delivery::{MessageIds, Messenger, Messengers, Outgoing, SendError};
use briefbot::model::{Destination, Platform};
use briefbot::schedule::clock::{Clock, ManualClock};
use briefbot::schedule::runner::Scheduler;
use briefbot::storage::{DeliveryStatus, LedgerAction, NewItem, Store};

/// A messenger that answers from a script (then succeeds) and records what it was asked.
#[derive(Default)]
struct Scripted {
    answers: Mutex<VecDeque<Result<(), SendError>>>,
    sent: Mutex<Vec<(i64, Destination, usize)>>,
    attempts: Mutex<usize>,
}

impl Scripted {
    fn answering(answers: Vec<Result<(), SendError>>) -> Arc<Self> {
        Arc::new(Self {
            answers: Mutex::new(answers.into()),
            ..Self::default()
        })
    }

    fn sent(&self) -> Vec<(i64, Destination, usize)> {
        self.sent.lock().expect("lock").clone()
    }

    fn attempts(&self) -> usize {
        *self.attempts.lock().expect("lock")
    }
}

impl Messenger for Scripted {
    fn platform(&self) -> Platform {
        Platform::Telegram
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            *self.attempts.lock().expect("lock") += 1;
            let answer = self
                .answers
                .lock()
                .expect("lock")
                .pop_front()
                .unwrap_or(Ok(()));
            answer?;
            self.sent.lock().expect("lock").push((
                outgoing.delivery_id,
                outgoing.destination.clone(),
                outgoing.brief.story_count(),
            ));
            Ok(vec![format!("m{}", outgoing.delivery_id)])
        })
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

fn config() -> Config {
    let mut config =
        Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"))
            .expect("config");
    config.schedule.retry_backoff = Duration::from_secs(60);
    config.schedule.lease = Duration::from_secs(120);
    config
}

fn app(store: Store) -> Arc<App> {
    let config = config();
    Arc::new(App::with_store(config, store))
}

/// Stores chip news published shortly before `published`.
async fn add_chip_news(store: &Store, published: DateTime<Utc>, keys: &[&str]) {
    let source = store
        .upsert_source("https://chips.example/feed", Some("Chip Wire"), 1.0)
        .await
        .expect("source");
    let items: Vec<NewItem> = keys
        .iter()
        .enumerate()
        .map(|(index, key)| NewItem {
            key: key.to_string(),
            title: format!("Nvidia ships new {key} GPU for AI data centers"),
            summary: format!("The {key} accelerator doubles memory bandwidth."),
            link: format!("https://chips.example/{key}"),
            language: None,
            published_at: published.timestamp() - 60 * (index as i64 + 1),
        })
        .collect();
    store
        .insert_items(source.id, &items, published.timestamp())
        .await
        .expect("items");
}

async fn subscribe(app: &App, destination: &Destination, words: &[&str], now: DateTime<Utc>) {
    let caller = Caller {
        destination: destination.clone(),
        is_admin: true,
        member: Some("100".into()),
    };
    let command = Command::Subscribe {
        args: words.iter().map(|w| w.to_string()).collect(),
    };
    let reply = commands::execute(app, &caller, &command, now).await;
    assert!(matches!(reply.body, ReplyBody::Text(_)), "{reply:?}");
}

fn scheduler(app: &Arc<App>, messenger: &Arc<Scripted>, clock: &Arc<ManualClock>) -> Scheduler {
    let messengers = Messengers::default().with(messenger.clone());
    Scheduler::new(app.clone(), messengers, clock.clone())
}

#[tokio::test]
async fn repeated_ticks_and_two_schedulers_create_one_delivery() {
    for (backend, store, _dir) in crate::support::stores("ticks_once").await {
        let app = app(store);
        let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
        let chat = Destination::new(Platform::Telegram, "42", None);
        subscribe(
            &app,
            &chat,
            &["chips", "08:00", "Europe/Berlin"],
            clock.now(),
        )
        .await;
        add_chip_news(&app.store, at("2026-03-02T06:30:00Z"), &["b300"]).await;

        let messenger = Scripted::answering(vec![]);
        let (first, second) = (
            scheduler(&app, &messenger, &clock),
            scheduler(&app, &messenger, &clock),
        );
        assert_eq!(
            first.tick().await.expect("tick").scheduled,
            0,
            "{backend}: not due yet"
        );
        clock.set(at("2026-03-02T07:00:30Z")); // 08:00:30 in Berlin
        let (a, b) = tokio::join!(first.tick(), second.tick());
        let created = a.expect("tick").scheduled + b.expect("tick").scheduled;
        assert_eq!(created, 1, "{backend}: two schedulers, one row");
        assert_eq!(
            first.tick().await.expect("tick").scheduled,
            0,
            "{backend}: a third tick adds nothing"
        );

        let (a, b) = tokio::join!(first.work(), second.work());
        assert_eq!(
            a.expect("work").sent + b.expect("work").sent,
            1,
            "{backend}"
        );
        let sent = messenger.sent();
        assert_eq!(sent.len(), 1, "{backend}");
        assert_eq!(sent[0].1, chat);
        assert!(
            sent[0].2 >= 1,
            "{backend}: the brief carries the chip story"
        );
        let rows = app.store.deliveries(None, 10).await.expect("ledger");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status, DeliveryStatus::Sent);
        assert_eq!(
            rows[0].scheduled_at,
            at("2026-03-02T07:00:00Z").timestamp(),
            "{backend}: 08:00 Berlin is 07:00 UTC in March"
        );
    }
}

#[tokio::test]
async fn a_dead_workers_claim_is_taken_over_after_its_lease() {
    for (backend, store, _dir) in crate::support::stores("lease_takeover").await {
        let app = app(store);
        let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
        let chat = Destination::new(Platform::Telegram, "7", None);
        subscribe(&app, &chat, &["all", "07:00"], clock.now()).await;
        add_chip_news(&app.store, at("2026-03-02T06:30:00Z"), &["h300"]).await;
        clock.set(at("2026-03-02T07:00:05Z"));
        let messenger = Scripted::answering(vec![]);
        let survivor = scheduler(&app, &messenger, &clock);
        survivor.tick().await.expect("tick");

        // A worker claims the row and dies without sending.
        let claimed = app
            .store
            .claim_deliveries("dead-worker", clock.now().timestamp(), 120, 10)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1, "{backend}");
        assert_eq!(
            survivor.work().await.expect("work").total(),
            0,
            "{backend}: the lease still holds"
        );
        clock.set(at("2026-03-02T07:03:00Z"));
        assert_eq!(
            survivor.work().await.expect("work").sent,
            1,
            "{backend}: taken over after the lease"
        );
        assert_eq!(messenger.sent().len(), 1);

        // The dead worker comes back: its claim is gone, so whatever it writes changes nothing.
        let late = LedgerAction::Finish {
            status: DeliveryStatus::Failed,
            reason: "late verdict".into(),
        };
        let written = app
            .store
            .apply(&claimed[0], &late, clock.now().timestamp())
            .await
            .expect("apply");
        assert!(!written, "{backend}: a lost claim writes nothing");
        let rows = app.store.deliveries(None, 10).await.expect("ledger");
        assert_eq!(rows[0].status, DeliveryStatus::Sent, "{backend}: {rows:?}");
    }
}

/// A messenger whose sends wait until the test lets them go.
struct Gated {
    started: tokio::sync::Notify,
    release: tokio::sync::Notify,
    sent: Mutex<usize>,
}

impl Messenger for Gated {
    fn platform(&self) -> Platform {
        Platform::Telegram
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            self.started.notify_one();
            self.release.notified().await;
            *self.sent.lock().expect("lock") += 1;
            Ok(vec![format!("m{}", outgoing.delivery_id)])
        })
    }
}

#[tokio::test]
async fn a_slow_send_renews_its_lease_so_no_other_worker_sends_it_again() {
    for (backend, store, _dir) in crate::support::stores("lease_renewal").await {
        let mut config = config();
        config.schedule.lease = Duration::from_secs(3);
        let app = Arc::new(App::with_store(config, store));
        let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
        let chat = Destination::new(Platform::Telegram, "8", None);
        subscribe(&app, &chat, &["all", "07:00"], clock.now()).await;
        add_chip_news(&app.store, at("2026-03-02T06:30:00Z"), &["h400"]).await;
        clock.set(at("2026-03-02T07:00:05Z"));
        let messenger = Arc::new(Gated {
            started: tokio::sync::Notify::new(),
            release: tokio::sync::Notify::new(),
            sent: Mutex::new(0),
        });
        let messengers = Messengers::default().with(messenger.clone());
        let slow = Scheduler::new(app.clone(), messengers, clock.clone()).with_worker("slow");
        slow.tick().await.expect("tick");
        let work = tokio::spawn(async move { slow.work().await });
        messenger.started.notified().await;

        // Well past the first lease, as a send waiting out 429s would be; the renewals (every
        // lease/3 of real time) keep extending it from the clock's now.
        clock.set(at("2026-03-02T07:01:00Z"));
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        let stolen = app
            .store
            .claim_deliveries("other-replica", clock.now().timestamp(), 3, 10)
            .await
            .expect("claim");
        assert!(
            stolen.is_empty(),
            "{backend}: the row was re-claimed mid-send: {stolen:?}"
        );

        messenger.release.notify_one();
        let report = work.await.expect("task").expect("work");
        assert_eq!(report.sent, 1, "{backend}: {report:?}");
        assert_eq!(*messenger.sent.lock().expect("lock"), 1);
    }
}

#[tokio::test]
async fn gone_pauses_rate_limit_waits_transient_retries_and_moved_follows() {
    for (backend, store, _dir) in crate::support::stores("send_errors").await {
        let app = app(store);
        let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
        let blocked = Destination::new(Platform::Telegram, "100", None);
        subscribe(&app, &blocked, &["chips", "07:00"], clock.now()).await;
        add_chip_news(&app.store, at("2026-03-02T06:30:00Z"), &["mi500"]).await;
        let messenger = Scripted::answering(vec![Err(SendError::Gone {
            reason: "bot was blocked by the user".into(),
        })]);
        let worker = scheduler(&app, &messenger, &clock);
        clock.set(at("2026-03-02T07:00:10Z"));
        worker.tick().await.expect("tick");
        assert_eq!(worker.work().await.expect("work").failed, 1, "{backend}");
        let subscription = &app.store.subscriptions_for(&blocked).await.expect("subs")[0];
        assert!(subscription.paused, "{backend}: gone pauses");
        assert_eq!(
            subscription.paused_reason.as_deref(),
            Some("bot was blocked by the user")
        );
        clock.set(at("2026-03-03T07:00:10Z"));
        worker.tick().await.expect("tick");
        worker.work().await.expect("work");
        assert_eq!(
            messenger.attempts(),
            1,
            "{backend}: a paused destination is not attempted again"
        );

        // Rate limited twice, then a transient failure, then success: one delivery, on time
        // as the platform allows.
        let limited = Destination::new(Platform::Telegram, "200", None);
        subscribe(&app, &limited, &["chips", "08:00"], clock.now()).await;
        add_chip_news(&app.store, at("2026-03-03T07:30:00Z"), &["tpu9"]).await;
        let messenger = Scripted::answering(vec![
            Err(SendError::RateLimited {
                retry_after: Duration::from_secs(30),
            }),
            Err(SendError::RateLimited {
                retry_after: Duration::from_secs(30),
            }),
            Err(SendError::Transient {
                reason: "HTTP 502".into(),
            }),
        ]);
        let worker = scheduler(&app, &messenger, &clock);
        clock.set(at("2026-03-03T08:00:01Z"));
        worker.tick().await.expect("tick");
        assert_eq!(worker.work().await.expect("work").retried, 1);
        clock.set(at("2026-03-03T08:00:20Z"));
        assert_eq!(
            worker.work().await.expect("work").total(),
            0,
            "{backend}: waits exactly as long as asked"
        );
        clock.set(at("2026-03-03T08:00:32Z"));
        assert_eq!(worker.work().await.expect("work").retried, 1);
        clock.set(at("2026-03-03T08:01:10Z"));
        assert_eq!(
            worker.work().await.expect("work").retried,
            1,
            "{backend}: transient"
        );
        clock.set(at("2026-03-03T08:01:40Z"));
        assert_eq!(
            worker.work().await.expect("work").total(),
            0,
            "{backend}: backoff"
        );
        clock.set(at("2026-03-03T08:02:20Z"));
        assert_eq!(worker.work().await.expect("work").sent, 1);
        assert_eq!(
            messenger.sent().len(),
            1,
            "{backend}: delivered exactly once"
        );

        // A chat that moved: the subscription follows and the brief is resent there.
        let old = Destination::new(Platform::Telegram, "300", None);
        subscribe(&app, &old, &["chips", "09:00"], clock.now()).await;
        add_chip_news(&app.store, at("2026-03-03T08:30:00Z"), &["npu4"]).await;
        let messenger = Scripted::answering(vec![Err(SendError::Moved {
            new_chat_id: "-100300".into(),
        })]);
        let worker = scheduler(&app, &messenger, &clock);
        clock.set(at("2026-03-03T09:00:01Z"));
        worker.tick().await.expect("tick");
        worker.work().await.expect("work");
        worker.work().await.expect("work");
        let sent = messenger.sent();
        assert_eq!(sent.len(), 1, "{backend}");
        assert_eq!(
            sent[0].1.chat_id, "-100300",
            "{backend}: resent to the new chat id"
        );
        assert!(
            app.store
                .subscriptions_for(&old)
                .await
                .expect("subs")
                .is_empty()
        );
    }
}

#[tokio::test]
async fn downtime_skips_stale_briefs_and_nothing_new_is_not_sent() {
    for (backend, store, _dir) in crate::support::stores("downtime").await {
        let app = app(store);
        let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
        let chat = Destination::new(Platform::Telegram, "55", None);
        subscribe(&app, &chat, &["chips", "07:00"], clock.now()).await;
        add_chip_news(&app.store, at("2026-03-02T06:30:00Z"), &["a1", "a2"]).await;
        let messenger = Scripted::answering(vec![]);
        let worker = scheduler(&app, &messenger, &clock);

        // Down from before 07:00 until 19:00: the morning brief is stale.
        clock.set(at("2026-03-02T19:00:00Z"));
        let tick = worker.tick().await.expect("tick");
        assert_eq!((tick.scheduled, tick.missed), (0, 1), "{backend}");
        let rows = app.store.deliveries(Some(&chat), 5).await.expect("ledger");
        assert_eq!(rows[0].status, DeliveryStatus::Skipped);
        assert!(
            rows[0]
                .reason
                .as_deref()
                .unwrap_or("")
                .contains("grace period"),
            "{:?}",
            rows[0].reason
        );

        // Back within grace the next day: sent late, once.
        add_chip_news(&app.store, at("2026-03-03T06:00:00Z"), &["b1", "b2"]).await;
        clock.set(at("2026-03-03T08:30:00Z"));
        worker.tick().await.expect("tick");
        assert_eq!(worker.work().await.expect("work").sent, 1, "{backend}");

        // Nothing new by the day after: skipped with the reason, not sent empty.
        clock.set(at("2026-03-04T07:00:05Z"));
        worker.tick().await.expect("tick");
        assert_eq!(worker.work().await.expect("work").skipped, 1, "{backend}");
        let rows = app.store.deliveries(Some(&chat), 5).await.expect("ledger");
        assert_eq!(
            rows[0].reason.as_deref(),
            Some("no new stories since the last brief")
        );
        assert_eq!(messenger.sent().len(), 1);

        // The next brief covers everything since the last one that went out (the skipped day
        // included), so news from the evening of the 4th arrives on the 5th.
        add_chip_news(&app.store, at("2026-03-04T20:00:00Z"), &["c1"]).await;
        clock.set(at("2026-03-05T07:00:05Z"));
        worker.tick().await.expect("tick");
        assert_eq!(worker.work().await.expect("work").sent, 1, "{backend}");
    }
}

#[tokio::test]
async fn only_admins_change_subscriptions_and_mistakes_are_explained() {
    let (_, store, _dir) = crate::support::stores("commands")
        .await
        .into_iter()
        .next()
        .expect("sqlite");
    let app = app(store);
    let now = at("2026-03-02T06:00:00Z");
    let group = Destination::new(Platform::Telegram, "-1001", Some("9"));
    let member = Caller {
        destination: group.clone(),
        is_admin: false,
        member: Some("100".into()),
    };
    let admin = Caller {
        destination: group.clone(),
        is_admin: true,
        member: Some("100".into()),
    };
    let subscribe = |words: &str| Command::Subscribe {
        args: words.split_whitespace().map(str::to_string).collect(),
    };
    let refused =
        commands::execute(&app, &member, &subscribe("chips 08:00 Europe/Berlin"), now).await;
    assert!(
        matches!(&refused.body, ReplyBody::Error(m) if m.contains("administrators")),
        "{refused:?}"
    );
    assert!(
        app.store
            .subscriptions_for(&group)
            .await
            .expect("subs")
            .is_empty()
    );

    for (words, expected) in [
        (
            "chips 25:00",
            "Could not read \"25:00\" as a time — try 08:00",
        ),
        ("potato 08:00", "Unknown topic \"potato\""),
        (
            "chips 08:00 Mars/Olympus",
            "Unknown time zone \"Mars/Olympus\"",
        ),
    ] {
        let reply = commands::execute(&app, &admin, &subscribe(words), now).await;
        assert!(
            matches!(&reply.body, ReplyBody::Error(m) if m.contains(expected)),
            "{words}: {reply:?}"
        );
    }
    let ok = commands::execute(
        &app,
        &admin,
        &subscribe("hardware weekdays 8am europe/berlin"),
        now,
    )
    .await;
    assert!(
        matches!(&ok.body, ReplyBody::Text(m) if m.contains("Chips & Hardware") && m.contains("Europe/Berlin")),
        "{ok:?}"
    );
    let zone_without_slash =
        commands::execute(&app, &admin, &subscribe("markets 07:00 Japan"), now).await;
    assert!(
        matches!(&zone_without_slash.body, ReplyBody::Text(m) if m.contains("Japan")),
        "{zone_without_slash:?}"
    );
    commands::execute(
        &app,
        &admin,
        &Command::Unsubscribe {
            topic: Some("markets".into()),
        },
        now,
    )
    .await;
    let stored = app.store.subscriptions_for(&group).await.expect("subs");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].destination.thread_id.as_deref(),
        Some("9"),
        "a subscription made in a thread delivers there"
    );
    assert_eq!(stored[0].schedule, "weekdays 08:00");

    let brief = commands::execute(
        &app,
        &member,
        &Command::Brief {
            topic: Some("chips".into()),
        },
        now,
    )
    .await;
    assert!(
        matches!(brief.body, ReplyBody::Brief(_)),
        "anyone may ask for a brief"
    );
    let picker = commands::execute(&app, &admin, &Command::Subscribe { args: vec![] }, now).await;
    assert!(
        matches!(&picker.body, ReplyBody::TopicPicker { choices, .. } if choices.iter().any(|c| c.id == "chips" && c.subscribed))
    );
}

/// Stores one chip story published at `published` but fetched (first seen) at `seen`.
async fn add_fetched_late(
    store: &Store,
    key: &str,
    published: DateTime<Utc>,
    seen: DateTime<Utc>,
) -> i64 {
    let source = store
        .upsert_source("https://late.example/feed", Some("Late Wire"), 1.0)
        .await
        .expect("source");
    let link = format!("https://late.example/{key}");
    store
        .insert_items(
            source.id,
            &[NewItem {
                key: key.to_string(),
                title: format!("AMD ships {key} AI accelerator to data centers"),
                summary: format!("The {key} GPU carries more HBM memory."),
                link: link.clone(),
                language: None,
                published_at: published.timestamp(),
            }],
            seen.timestamp(),
        )
        .await
        .expect("item");
    store
        .items_between(published - chrono::Duration::seconds(1), published)
        .await
        .expect("items")
        .into_iter()
        .find(|item| item.link == link)
        .map(|item| item.id)
        .expect("stored item")
}

#[tokio::test]
async fn news_published_before_a_brief_but_fetched_after_it_goes_into_the_next_one() {
    for (backend, store, _dir) in crate::support::stores("late_news").await {
        let app = app(store);
        let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
        let chat = Destination::new(Platform::Telegram, "77", None);
        subscribe(&app, &chat, &["chips", "07:00", "UTC"], clock.now()).await;
        add_chip_news(&app.store, at("2026-03-02T06:30:00Z"), &["a1"]).await;
        let messenger = Scripted::answering(vec![]);
        let worker = scheduler(&app, &messenger, &clock);
        clock.set(at("2026-03-02T07:00:05Z"));
        worker.tick().await.expect("tick");
        assert_eq!(worker.work().await.expect("work").sent, 1, "{backend}");

        // Published five minutes before the 07:00 brief, fetched ten minutes after it.
        let late = add_fetched_late(
            &app.store,
            "mi455",
            at("2026-03-02T06:55:00Z"),
            at("2026-03-02T07:10:00Z"),
        )
        .await;
        // A newly added feed's day-old item: backfill, not news this chat missed.
        let backfill = add_fetched_late(
            &app.store,
            "mi300",
            at("2026-03-01T05:00:00Z"),
            at("2026-03-02T07:10:00Z"),
        )
        .await;
        clock.set(at("2026-03-03T07:00:05Z"));
        worker.tick().await.expect("tick");
        assert_eq!(
            worker.work().await.expect("work").sent,
            1,
            "{backend}: the late story makes the second brief"
        );
        let delivered = app
            .store
            .delivered_item_ids("telegram:77", 0)
            .await
            .expect("delivered");
        assert!(delivered.contains(&late), "{backend}: {delivered:?}");
        assert!(!delivered.contains(&backfill), "{backend}: {delivered:?}");

        // An on-demand brief is not part of the series and keeps to its window.
        let request = briefbot::engine::BriefRequest {
            topic: Some("chips".into()),
            as_of: at("2026-03-03T07:00:00Z"),
            window: Duration::from_secs(12 * 3600),
            max_stories: 5,
            late_since: None,
            explain: false,
        };
        let brief = app
            .brief(&request, briefbot::summarizer::Wait::CacheOnly)
            .await
            .expect("brief");
        assert!(brief.is_empty(), "{backend}");
    }
}

fn reply_text(reply: &commands::Reply) -> String {
    match &reply.body {
        ReplyBody::Text(text) | ReplyBody::Error(text) | ReplyBody::Failure(text) => text.clone(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn chat_schedules_run_at_most_hourly_and_subscriptions_are_capped() {
    for (backend, store, _dir) in crate::support::stores("subscription_caps").await {
        let mut config = config();
        config.schedule.max_subscriptions_per_chat = 2;
        config.schedule.max_subscriptions_per_user = 3;
        config.schedule.max_subscriptions = 5;
        let app = Arc::new(App::with_store(config, store));
        let now = at("2026-03-02T06:00:00Z");
        let member = |chat: &str, user: Option<&str>| Caller {
            destination: Destination::new(Platform::Discord, chat, None),
            is_admin: true,
            member: user.map(str::to_string),
        };
        // As a chat message arrives: words split on spaces.
        let subscribe = |words: &[&str]| Command::Subscribe {
            args: words
                .iter()
                .flat_map(|w| w.split_whitespace())
                .map(str::to_string)
                .collect(),
        };
        let run = |caller: Caller, command: Command| {
            let app = app.clone();
            async move { commands::execute(&app, &caller, &command, now).await }
        };

        // Every second from a DM: refused, with what to do instead.
        for cron in ["* * * * *", "cron * * * * * *", "*/5 * * * *"] {
            let reply = run(member("dm-1", Some("u1")), subscribe(&["all", cron])).await;
            assert!(
                matches!(reply.body, ReplyBody::Error(_)),
                "{backend}: {cron}: {reply:?}"
            );
            assert!(reply_text(&reply).contains("at most hourly"), "{reply:?}");
        }
        let hourly = run(member("dm-1", Some("u1")), subscribe(&["all", "0 * * * *"])).await;
        assert!(
            matches!(hourly.body, ReplyBody::Text(_)),
            "{backend}: {hourly:?}"
        );
        // The operator keeps full cron.
        let operator = run(member("ops", None), subscribe(&["all", "* * * * *"])).await;
        assert!(
            matches!(operator.body, ReplyBody::Text(_)),
            "{backend}: {operator:?}"
        );

        // Per chat: two; a new schedule for a topic the chat has is a replacement, not a third.
        for topic in ["chips", "models"] {
            let reply = run(member("room", Some("u2")), subscribe(&[topic, "08:00"])).await;
            assert!(
                matches!(reply.body, ReplyBody::Text(_)),
                "{backend}: {reply:?}"
            );
        }
        let third = run(member("room", Some("u2")), subscribe(&["policy", "08:00"])).await;
        assert!(
            reply_text(&third).contains("the most it may have"),
            "{backend}: {third:?}"
        );
        let moved = run(member("room", Some("u2")), subscribe(&["chips", "09:30"])).await;
        assert!(
            matches!(moved.body, ReplyBody::Text(_)),
            "{backend}: {moved:?}"
        );

        // Per member: u2 has two, may make one more anywhere, then not.
        let elsewhere = run(member("room-2", Some("u2")), subscribe(&["chips", "08:00"])).await;
        assert!(
            matches!(elsewhere.body, ReplyBody::Text(_)),
            "{backend}: {elsewhere:?}"
        );
        let fourth = run(member("room-3", Some("u2")), subscribe(&["chips", "08:00"])).await;
        assert!(
            reply_text(&fourth).contains("the most one member may make"),
            "{backend}: {fourth:?}"
        );

        // In all: five exist (dm-1, ops, two in room, room-2); nobody else may add one.
        let total = run(member("room-4", Some("u3")), subscribe(&["chips", "08:00"])).await;
        assert!(
            reply_text(&total).contains("max_subscriptions"),
            "{backend}: {total:?}"
        );
        assert_eq!(app.store.all_subscriptions().await.expect("all").len(), 5);
    }
}

#[tokio::test]
async fn a_schedule_that_runs_its_last_delivers_it_and_pauses_nothing() {
    for (backend, store, _dir) in crate::support::stores("one_shot").await {
        let app = app(store);
        let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
        let chat = Destination::new(Platform::Telegram, "77", None);
        let operator = Caller {
            destination: chat.clone(),
            is_admin: true,
            member: None,
        };
        // Seconds, minutes, hours, day, month, weekday, year: once, on 2 March 2026 at 07:00.
        for words in [
            &["chips", "cron 0 0 7 2 3 * 2026"][..],
            &["models", "08:00"],
        ] {
            let command = Command::Subscribe {
                args: words.iter().map(|w| w.to_string()).collect(),
            };
            let reply = commands::execute(&app, &operator, &command, clock.now()).await;
            assert!(
                matches!(reply.body, ReplyBody::Text(_)),
                "{backend}: {reply:?}"
            );
        }
        add_chip_news(&app.store, at("2026-03-02T06:30:00Z"), &["once"]).await;
        let messenger = Scripted::answering(vec![]);
        let worker = scheduler(&app, &messenger, &clock);
        clock.set(at("2026-03-02T07:00:05Z"));
        assert_eq!(worker.tick().await.expect("tick").scheduled, 1, "{backend}");
        assert_eq!(
            worker.work().await.expect("work").sent,
            1,
            "{backend}: the last run goes out"
        );

        let subscriptions = app.store.subscriptions_for(&chat).await.expect("subs");
        assert!(
            subscriptions.iter().all(|s| !s.paused),
            "{backend}: nothing in the chat is paused: {subscriptions:?}"
        );
        let finished = subscriptions
            .iter()
            .find(|s| s.topic == "chips")
            .expect("chips");
        assert!(
            commands::describe_subscription(&app, finished).contains("no further runs"),
            "{backend}"
        );
        clock.set(at("2026-03-03T08:00:05Z"));
        assert_eq!(
            worker.tick().await.expect("tick").scheduled,
            1,
            "{backend}: only the daily one is due the next day"
        );
    }
}

/// A messenger with a bug that panics on one chat.
struct PanicsOnChat13;

impl Messenger for PanicsOnChat13 {
    fn platform(&self) -> Platform {
        Platform::Telegram
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            assert_ne!(outgoing.destination.chat_id, "13", "a bug on chat 13");
            Ok(vec![format!("m{}", outgoing.delivery_id)])
        })
    }
}

#[tokio::test]
async fn a_delivery_that_panics_fails_its_row_and_the_worker_goes_on() {
    let (_, store, _dir) = crate::support::stores("panic")
        .await
        .into_iter()
        .next()
        .expect("sqlite");
    let app = app(store);
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    for chat in ["13", "14"] {
        let destination = Destination::new(Platform::Telegram, chat, None);
        subscribe(&app, &destination, &["all", "07:00"], clock.now()).await;
    }
    add_chip_news(&app.store, at("2026-03-02T06:30:00Z"), &["p1"]).await;
    let messengers = Messengers::default().with(Arc::new(PanicsOnChat13));
    let worker = Scheduler::new(app.clone(), messengers, clock.clone());
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    let report = worker.work().await.expect("the worker survives");
    assert_eq!((report.sent, report.failed), (1, 1), "{report:?}");
    let rows = app.store.deliveries(None, 5).await.expect("ledger");
    let failed = rows
        .iter()
        .find(|r| r.status == DeliveryStatus::Failed)
        .expect("a failed row");
    assert!(
        failed
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("a bug on chat 13"),
        "{failed:?}"
    );
}
