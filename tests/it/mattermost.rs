//! The Mattermost adapter end to end against a fake Mattermost (`support::fake_mattermost`,
//! which follows the documented REST API v4): slash commands with the command's token
//! through the shared HTTP server, scheduled posts to a channel and a thread through the
//! `Scheduler`, pausing a channel the bot was removed from, feed text that must not mention
//! anyone. The `mattermost-webhook:` destination is in `work_webhooks.rs`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::Value;

use crate::support::discord_fixtures::{add_news, app, at};
use crate::support::fake_mattermost::{BOT_TOKEN, COMMAND_TOKEN, FakeMattermost, id};
use briefbot::app::App;
use briefbot::commands::{self, Caller, Command};
use briefbot::delivery::Messengers;
use briefbot::model::{Destination, Platform};
use briefbot::platforms::mattermost::{self, MattermostMessenger, render::MAX_POST};
use briefbot::schedule::clock::{Clock, ManualClock};
use briefbot::schedule::runner::Scheduler;

fn api(fake: &FakeMattermost) -> mattermost::api::MattermostApi {
    let base = mattermost::server_url(&fake.url).expect("URL");
    mattermost::api::MattermostApi::new(base, SecretString::new(BOT_TOKEN.into())).expect("client")
}

struct Endpoint {
    url: String,
    client: reqwest::Client,
    _stop: tokio::sync::watch::Sender<bool>,
}

async fn endpoint(app: &Arc<App>, fake: &FakeMattermost, clock: Arc<dyn Clock>) -> Endpoint {
    let responder =
        mattermost::commands::Responder::new(app.clone(), api(fake), clock).expect("responder");
    let router =
        mattermost::commands::router(responder, SecretString::new(COMMAND_TOKEN.to_string()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let routes =
        briefbot::http::Routes::new(briefbot::http::Readiness::new(app.clone(), stopped.clone()))
            .mount("Mattermost", &[mattermost::commands::PATH], router)
            .expect("mount");
    let (address, _task) = briefbot::http::start("127.0.0.1:0", routes, stopped)
        .await
        .expect("shared server");
    Endpoint {
        url: format!("http://{address}{}", mattermost::commands::PATH),
        client: reqwest::Client::new(),
        _stop: stop,
    }
}

/// The form Mattermost posts for `/briefbot {text}`.
fn form(user: &str, channel: &str, text: &str, token: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("channel_id", channel)
        .append_pair("channel_name", "town-square")
        .append_pair("command", "/briefbot")
        .append_pair("response_url", "http://127.0.0.1:9/hooks/commands/x")
        .append_pair("team_domain", "team")
        .append_pair("team_id", &id("team"))
        .append_pair("text", text)
        .append_pair("token", token)
        .append_pair("trigger_id", "trigger")
        .append_pair("user_id", user)
        .append_pair("user_name", "ada")
        .finish()
}

impl Endpoint {
    /// Posts a command with the token in the header (as Mattermost does) and the form.
    async fn command(&self, user: &str, channel: &str, text: &str) -> (u16, Value) {
        let body = form(user, channel, text, COMMAND_TOKEN);
        self.post(&body, Some(COMMAND_TOKEN)).await
    }

    async fn post(&self, body: &str, header_token: Option<&str>) -> (u16, Value) {
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string());
        if let Some(token) = header_token {
            request = request.header("authorization", format!("Token {token}"));
        }
        let response = request.send().await.expect("endpoint answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// Whether Mattermost would find `@word` mentions in `text` (a word after `@`, no joiner).
fn mentions(text: &str) -> Vec<String> {
    text.match_indices('@')
        .filter_map(|(index, _)| {
            let rest = &text[index + 1..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            (!word.is_empty()).then_some(word)
        })
        .collect()
}

/// Every Markdown link target in a text (an escaped `\]` closes no link text).
fn link_targets(text: &str) -> Vec<String> {
    text.match_indices("](")
        .filter(|(index, _)| !text[..*index].ends_with('\\'))
        .map(|(index, _)| {
            text[index + 2..]
                .split(')')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn brief_chips_answers_in_the_channel_with_chip_stories_only() {
    let fake = FakeMattermost::start().await;
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
    let (status, answer) = endpoint
        .command(&id("member"), &id("town"), "brief chips")
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["response_type"], "in_channel", "{answer}");
    assert_eq!(answer["skip_slack_parsing"], true);
    let text = answer["text"].as_str().unwrap_or("");
    assert!(text.starts_with("#### AI Morning Brief — Chips"), "{text}");
    let stories: Vec<&str> = text.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(stories.len(), 2, "{text}");
    assert!(stories.iter().all(|s| s.contains("Nvidia")), "{stories:?}");
    assert!(!text.contains("language model"), "{text}");
    assert!(text.chars().count() <= MAX_POST);
    assert_eq!(fake.lookups(), 0, "a brief needs no admin look-up");
}

#[tokio::test]
async fn subscribe_is_for_system_and_channel_admins() {
    let fake = FakeMattermost::start().await;
    let channel = id("town");
    fake.add_channel(&channel, true);
    fake.add_user(&id("member"), "system_user", &channel, false);
    fake.add_user(&id("chanadmin"), "system_user", &channel, true);
    fake.add_user(&id("sysadmin"), "system_user system_admin", &channel, false);
    let (app, _dir) = app().await;
    let endpoint = endpoint(&app, &fake, Arc::new(ManualClock::new(Utc::now()))).await;
    let destination = Destination::new(Platform::Mattermost, &channel, None);
    let words = "subscribe policy weekdays 08:00 Europe/Berlin";

    let (_, refused) = endpoint.command(&id("member"), &channel, words).await;
    assert_eq!(refused["response_type"], "ephemeral", "{refused}");
    let text = refused["text"].as_str().unwrap_or("");
    assert!(
        text.contains("administrators") && text.contains("/briefbot brief"),
        "{text}"
    );
    assert!(
        app.store
            .subscriptions_for(&destination)
            .await
            .expect("subs")
            .is_empty()
    );

    let (_, done) = endpoint.command(&id("sysadmin"), &channel, words).await;
    assert_eq!(done["response_type"], "ephemeral", "{done}");
    assert_eq!(
        app.store
            .subscriptions_for(&destination)
            .await
            .expect("subs")
            .len(),
        1
    );

    let (_, done) = endpoint
        .command(&id("chanadmin"), &channel, "unsubscribe policy")
        .await;
    assert!(
        done["text"].as_str().unwrap_or("").contains("Unsubscribed"),
        "{done}"
    );
    assert!(
        app.store
            .subscriptions_for(&destination)
            .await
            .expect("subs")
            .is_empty()
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn a_wrong_or_missing_command_token_gets_401() {
    let fake = FakeMattermost::start().await;
    let (app, _dir) = app().await;
    let endpoint = endpoint(&app, &fake, Arc::new(ManualClock::new(Utc::now()))).await;
    let (user, channel) = (id("member"), id("town"));
    let cases = [
        (
            "wrong header",
            form(&user, &channel, "help", COMMAND_TOKEN),
            Some("nope"),
        ),
        (
            "wrong form token",
            form(&user, &channel, "help", "nope"),
            None,
        ),
        ("no token", form(&user, &channel, "help", ""), None),
        // The header decides when present: a right form token does not rescue a wrong header.
        (
            "wrong header, right form",
            form(&user, &channel, "help", COMMAND_TOKEN),
            Some("x"),
        ),
    ];
    for (what, body, header) in &cases {
        let (status, _) = endpoint.post(body, *header).await;
        assert_eq!(status, 401, "{what}");
    }
    let (status, answer) = endpoint
        .post(&form(&user, &channel, "help", COMMAND_TOKEN), None)
        .await;
    assert_eq!(status, 200, "the form's token alone is enough: {answer}");
    assert!(
        answer["text"]
            .as_str()
            .unwrap_or("")
            .contains("/briefbot subscribe")
    );
}

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

fn scheduler(app: &Arc<App>, fake: &FakeMattermost, clock: &Arc<ManualClock>) -> Scheduler {
    let messenger = MattermostMessenger::new(api(fake), 100);
    Scheduler::new(
        app.clone(),
        Messengers::default().with(Arc::new(messenger)),
        clock.clone(),
    )
}

#[tokio::test]
async fn scheduled_briefs_reach_a_channel_and_a_thread_and_mention_nobody() {
    let fake = FakeMattermost::start().await;
    let channel = id("town");
    fake.add_channel(&channel, true);
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    let in_channel = Destination::new(Platform::Mattermost, &channel, None);
    let in_thread = Destination::new(Platform::Mattermost, &channel, Some(&id("rootpost")));
    subscribe(&app, &in_channel, "chips 07:00", clock.now()).await;
    subscribe(&app, &in_thread, "all 07:00", clock.now()).await;
    let hostile = "@channel @here @all @ada **bold** [x](javascript:alert(1)) <img src=x>";
    add_news(
        &app.store,
        at("2026-03-02T06:30:00Z"),
        &["b300", "h300"],
        hostile,
    )
    .await;
    let worker = scheduler(&app, &fake, &clock);
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    assert_eq!(worker.work().await.expect("work").sent, 2);

    let posts = fake.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(
        posts
            .iter()
            .filter(|p| p.root_id.as_deref() == Some(id("rootpost").as_str()))
            .count(),
        1
    );
    for post in &posts {
        assert!(post.message.contains("Nvidia"), "{}", post.message);
        assert!(
            post.message.contains("\\@\u{2060}channel"),
            "shown, inert: {}",
            post.message
        );
        assert_eq!(
            mentions(&post.message),
            Vec::<String>::new(),
            "{}",
            post.message
        );
        for target in link_targets(&post.message) {
            assert!(target.starts_with("https://"), "{target}");
        }
        assert!(
            !post.message.replace("\\<", "").contains('<'),
            "HTML only as escaped text: {}",
            post.message
        );
    }
    let rows = app
        .store
        .deliveries(Some(&in_thread), 5)
        .await
        .expect("ledger");
    let thread_post = posts
        .iter()
        .find(|p| p.root_id.is_some())
        .expect("thread post");
    assert_eq!(
        rows[0].message_ids.as_deref(),
        Some(thread_post.id.as_str())
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn a_channel_the_bot_was_removed_from_pauses_its_subscriptions() {
    let fake = FakeMattermost::start().await;
    let (kept, removed, archived) = (id("kept"), id("removed"), id("archived"));
    fake.add_channel(&kept, true);
    fake.add_channel(&removed, false);
    fake.add_channel(&archived, true);
    fake.archive_channel(&archived);
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    for channel in [&kept, &removed, &archived] {
        subscribe(
            &app,
            &Destination::new(Platform::Mattermost, channel, None),
            "chips 07:00",
            clock.now(),
        )
        .await;
    }
    add_news(&app.store, at("2026-03-02T06:30:00Z"), &["mi500"], "").await;
    let worker = scheduler(&app, &fake, &clock);
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    let report = worker.work().await.expect("work");
    assert_eq!((report.sent, report.failed), (1, 2), "{report:?}");
    for (channel, why) in [(&removed, "403"), (&archived, "deleted")] {
        let subscription = &app
            .store
            .subscriptions_for(&Destination::new(Platform::Mattermost, channel, None))
            .await
            .expect("subs")[0];
        assert!(subscription.paused, "{subscription:?}");
        assert!(
            subscription
                .paused_reason
                .as_deref()
                .unwrap_or("")
                .contains(why),
            "{subscription:?}"
        );
    }
}
