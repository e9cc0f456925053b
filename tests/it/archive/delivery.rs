//! When briefs are kept: once per shared scheduled build (every chat's copy links to it), once
//! per topic and hour on demand, and never at the cost of a delivery.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use briefbot::app::App;
use briefbot::commands::{self, Caller, Command, ReplyBody};
use briefbot::delivery::{MessageIds, Messenger, Messengers, Outgoing, SendError};
use briefbot::model::{Destination, Platform};
use briefbot::schedule::clock::{Clock, ManualClock};
use briefbot::schedule::runner::Scheduler;
use briefbot::storage::{NewItem, Store};

use super::{at, config};

const PUBLIC: &str = "https://brief.example.org/news/";

/// Records which chat got a brief and the link it carried.
#[derive(Default)]
struct Recording {
    sent: Mutex<Vec<(String, Option<String>, usize)>>,
}

impl Messenger for Recording {
    fn platform(&self) -> Platform {
        Platform::Telegram
    }

    fn send<'a>(&'a self, outgoing: Outgoing<'a>) -> BoxFuture<'a, Result<MessageIds, SendError>> {
        Box::pin(async move {
            self.sent.lock().expect("lock").push((
                outgoing.destination.chat_id.clone(),
                outgoing.brief.permalink.as_ref().map(|u| u.to_string()),
                outgoing.brief.story_count(),
            ));
            Ok(vec![format!("m{}", outgoing.delivery_id)])
        })
    }
}

async fn add_chip_news(store: &Store, published: DateTime<Utc>) {
    let source = store
        .upsert_source("https://chips.example/feed", Some("Chip Wire"), 1.0)
        .await
        .expect("source");
    let items: Vec<NewItem> = ["b300", "h300"]
        .iter()
        .enumerate()
        .map(|(n, key)| NewItem {
            key: key.to_string(),
            title: format!("Nvidia ships new {key} GPU for AI data centers"),
            summary: format!("The {key} accelerator doubles memory bandwidth."),
            link: format!("https://chips.example/{key}"),
            language: None,
            published_at: published.timestamp() - 600 * (n as i64 + 1),
        })
        .collect();
    store
        .insert_items(source.id, &items, published.timestamp())
        .await
        .expect("items");
}

fn caller(chat: &str) -> Caller {
    Caller {
        destination: Destination::new(Platform::Telegram, chat, None),
        is_admin: true,
        member: Some("100".into()),
    }
}

async fn subscribe(app: &App, chat: &str, now: DateTime<Utc>) {
    let command = Command::Subscribe {
        args: vec!["chips".into(), "08:00".into(), "UTC".into()],
    };
    let reply = commands::execute(app, &caller(chat), &command, now).await;
    assert!(matches!(reply.body, ReplyBody::Text(_)), "{reply:?}");
}

/// Delivers the 08:00 chips brief to chats 1 and 2; what each was sent.
async fn deliver_morning(app: &Arc<App>) -> Vec<(String, Option<String>, usize)> {
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    subscribe(app, "1", clock.now()).await;
    subscribe(app, "2", clock.now()).await;
    add_chip_news(&app.store, at("2026-03-02T07:30:00Z")).await;
    clock.set(at("2026-03-02T08:00:30Z"));
    let messenger = Arc::new(Recording::default());
    let scheduler = Scheduler::new(
        app.clone(),
        Messengers::default().with(messenger.clone()),
        clock,
    );
    scheduler.tick().await.expect("tick");
    assert_eq!(scheduler.work().await.expect("work").sent, 2);
    let mut sent = messenger.sent.lock().expect("lock").clone();
    sent.sort();
    sent
}

async fn ask(app: &App, topic: Option<&str>, now: &str) -> Option<String> {
    let command = Command::Brief {
        topic: topic.map(str::to_string),
    };
    let reply = commands::execute(app, &caller("9"), &command, at(now)).await;
    match reply.body {
        ReplyBody::Brief(brief) => {
            assert!(brief.story_count() > 0, "the news is in the brief");
            brief.permalink.map(|u| u.to_string())
        }
        other => panic!("not a brief: {other:?}"),
    }
}

#[tokio::test]
async fn a_scheduled_brief_is_kept_once_and_every_chat_links_to_it() {
    for (backend, store, _dir) in crate::support::stores("archive_scheduled").await {
        let app = Arc::new(App::with_store(config(Some(PUBLIC)), store));
        let sent = deliver_morning(&app).await;
        let kept = app
            .store
            .latest_brief(Some("chips"))
            .await
            .expect("read")
            .expect("kept");
        let link = format!("{PUBLIC}briefs/{}", kept.id);
        assert_eq!(
            sent,
            vec![
                (
                    "1".to_string(),
                    Some(link.clone()),
                    kept.brief.story_count()
                ),
                ("2".to_string(), Some(link), kept.brief.story_count()),
            ],
            "{backend}"
        );
        assert_eq!(
            app.store.archived_brief_count().await.expect("count"),
            1,
            "{backend}"
        );
        assert_eq!(kept.brief.as_of, at("2026-03-02T08:00:00Z"), "{backend}");
        assert_eq!(
            kept.brief.permalink, None,
            "{backend}: the link is not stored"
        );
        app.store.close().await;
    }
}

#[tokio::test]
async fn an_on_demand_brief_is_kept_once_per_topic_and_hour() {
    for (backend, store, _dir) in crate::support::stores("archive_on_demand").await {
        let app = App::with_store(config(Some(PUBLIC)), store);
        add_chip_news(&app.store, at("2026-03-02T07:30:00Z")).await;
        let first = ask(&app, Some("chips"), "2026-03-02T08:05:00Z").await;
        let again = ask(&app, Some("hardware"), "2026-03-02T08:55:00Z").await;
        let full = ask(&app, None, "2026-03-02T08:56:00Z").await;
        let next_hour = ask(&app, Some("chips"), "2026-03-02T09:01:00Z").await;
        let first = first.expect("a link");
        assert!(first.starts_with(&format!("{PUBLIC}briefs/")), "{first}");
        assert_eq!(
            again.as_deref(),
            Some(first.as_str()),
            "{backend}: same hour, same copy"
        );
        assert!(
            full.is_some() && full.as_deref() != Some(first.as_str()),
            "{backend}"
        );
        assert!(
            next_hour.is_some() && next_hour != again,
            "{backend}: a new hour"
        );
        assert_eq!(
            app.store.archived_brief_count().await.expect("count"),
            3,
            "{backend}"
        );
        app.store.close().await;
    }
}

#[tokio::test]
async fn without_a_public_url_briefs_are_kept_but_not_linked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let app = App::with_store(config(None), Store::open(&url).await.expect("store"));
    add_chip_news(&app.store, at("2026-03-02T07:30:00Z")).await;
    assert_eq!(ask(&app, Some("chips"), "2026-03-02T08:05:00Z").await, None);
    assert_eq!(app.store.archived_brief_count().await.expect("count"), 1);
}

#[tokio::test]
async fn a_broken_archive_never_holds_up_a_delivery_or_a_reply() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let app = Arc::new(App::with_store(
        config(Some(PUBLIC)),
        Store::open(&url).await.expect("store"),
    ));
    let mut connection = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("connect");
    sqlx::query("DROP TABLE briefs")
        .execute(&mut connection)
        .await
        .expect("drop the archive");
    let sent = deliver_morning(&app).await;
    assert_eq!(sent.len(), 2, "both chats still get the brief");
    assert!(
        sent.iter()
            .all(|(_, link, stories)| link.is_none() && *stories > 0),
        "{sent:?}"
    );
    assert_eq!(ask(&app, Some("chips"), "2026-03-02T08:05:00Z").await, None);
}
