//! The Slack adapter end to end against a fake Slack (`support::fake_slack`, which checks every
//! Web API call against Slack's OpenAPI description and Block Kit's limits): slash commands
//! signed as Slack signs them, through the shared HTTP server; scheduled briefs to channels
//! and threads through the `Scheduler`; pausing a channel the bot lost; feed text that must
//! never ping or link; and Slack's 429. The `slack-webhook:` destination is in `work_webhooks.rs`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::Value;

use crate::support::discord_fixtures::{add_news, app, at};
use crate::support::fake_slack::{FakeSlack, SIGNING_SECRET, TOKEN, command_form, sign};
use briefbot::app::App;
use briefbot::commands::{self, Caller, Command};
use briefbot::delivery::{Messenger, Messengers, Outgoing, SendError};
use briefbot::model::{Destination, Platform};
use briefbot::platforms::slack::api::SlackApi;
use briefbot::platforms::slack::pacing::Pace;
use briefbot::platforms::slack::{self, SlackMessenger};
use briefbot::schedule::clock::{Clock, ManualClock};
use briefbot::schedule::runner::Scheduler;
use briefbot::storage::NewItem;

const CHANNEL: &str = "C0100AAAA";
const ADMIN: &str = "U0ADMIN01";
const MEMBER: &str = "U0MEMBER1";
const CREATOR: &str = "U0CREATOR";

fn api(fake: &FakeSlack) -> SlackApi {
    let base = slack::api_url(&fake.api_url).expect("API URL");
    SlackApi::new(base, SecretString::new(TOKEN.into())).expect("client")
}

/// The command endpoint mounted on the shared HTTP server, as `briefbot run` does.
struct Endpoint {
    url: String,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    _stop: tokio::sync::watch::Sender<bool>,
}

async fn endpoint(app: &Arc<App>, fake: &FakeSlack, clock: Arc<dyn Clock>) -> Endpoint {
    let responder =
        slack::commands::Responder::new(app.clone(), api(fake), clock.clone()).expect("responder");
    let router = slack::commands::router(responder, SecretString::new(SIGNING_SECRET.to_string()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let routes =
        briefbot::http::Routes::new(briefbot::http::Readiness::new(app.clone(), stopped.clone()))
            .mount("Slack", &[slack::commands::PATH], router)
            .expect("mount");
    let (address, _task) = briefbot::http::start("127.0.0.1:0", routes, stopped)
        .await
        .expect("shared server");
    Endpoint {
        url: format!("http://{address}{}", slack::commands::PATH),
        clock,
        client: reqwest::Client::new(),
        _stop: stop,
    }
}

impl Endpoint {
    /// Posts `body` with the given headers; the status and the body of the answer.
    async fn post(
        &self,
        body: &str,
        timestamp: Option<&str>,
        signature: Option<&str>,
    ) -> (u16, String) {
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string());
        if let Some(timestamp) = timestamp {
            request = request.header("X-Slack-Request-Timestamp", timestamp);
        }
        if let Some(signature) = signature {
            request = request.header("X-Slack-Signature", signature);
        }
        let response = request.send().await.expect("endpoint answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// `/briefbot {text}` from `user` in `channel`, signed now; answers go to `response_url(id)`.
    async fn command(&self, fake: &FakeSlack, id: &str, user: &str, text: &str) -> (u16, String) {
        let body = command_form(fake, id, user, CHANNEL, text);
        let timestamp = self.clock.now().timestamp().to_string();
        let signature = sign(SIGNING_SECRET, &timestamp, &body);
        self.post(&body, Some(&timestamp), Some(&signature)).await
    }
}

/// Every text in a message's blocks, and its fallback text.
fn texts(message: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(fields) => {
                for (key, field) in fields {
                    match (key.as_str(), field) {
                        ("text", Value::String(text)) => out.push(text.clone()),
                        _ => walk(field, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(message, &mut out);
    out
}

/// Every `<…>` token Slack would act on in a text.
fn tokens(text: &str) -> Vec<String> {
    text.match_indices('<')
        .map(|(index, _)| {
            let rest = &text[index..];
            rest[..rest.find('>').map_or(rest.len(), |end| end + 1)].to_string()
        })
        .collect()
}

#[tokio::test]
async fn brief_chips_answers_in_the_channel_with_chip_stories_only() {
    let fake = FakeSlack::start().await;
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

    let started = std::time::Instant::now();
    let (status, body) = endpoint
        .command(&fake, "brief", MEMBER, "brief chips")
        .await;
    assert_eq!(
        (status, body.as_str()),
        (200, ""),
        "an empty acknowledgement"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "within Slack's 3 s"
    );

    let answers = fake.wait_for_responses("brief", 1).await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    let answer = &answers[0];
    assert_eq!(answer["response_type"], "in_channel");
    let blocks = answer["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "header");
    assert!(
        blocks[0]["text"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Chips"),
        "{answer}"
    );
    let stories: Vec<&str> = blocks
        .iter()
        .filter(|b| b["type"] == "section")
        .filter_map(|b| b["text"]["text"].as_str())
        .filter(|t| t.contains("https://wire.example/"))
        .collect();
    assert_eq!(stories.len(), 2, "{answer}");
    assert!(stories.iter().all(|s| s.contains("Nvidia")), "{stories:?}");
    assert!(
        !answer.to_string().contains("language model"),
        "no model story: {answer}"
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn subscribe_is_for_workspace_admins_and_the_channels_creator() {
    let fake = FakeSlack::start().await;
    fake.add_user(ADMIN, true);
    fake.add_user(MEMBER, false);
    fake.add_user(CREATOR, false);
    fake.add_channel(CHANNEL, CREATOR);
    let (app, _dir) = app().await;
    let endpoint = endpoint(&app, &fake, Arc::new(ManualClock::new(Utc::now()))).await;
    let channel = Destination::new(Platform::Slack, CHANNEL, None);
    let words = "subscribe policy weekdays 08:00 Europe/Berlin";

    endpoint.command(&fake, "member", MEMBER, words).await;
    let refused = fake.wait_for_responses("member", 1).await;
    assert_eq!(refused[0]["response_type"], "ephemeral", "{refused:?}");
    let text = refused[0]["text"].as_str().unwrap_or("");
    assert!(
        text.contains("administrators") && text.contains("/briefbot brief"),
        "in Slack's words: {text}"
    );
    assert!(
        app.store
            .subscriptions_for(&channel)
            .await
            .expect("subs")
            .is_empty()
    );

    endpoint.command(&fake, "admin", ADMIN, words).await;
    let done = fake.wait_for_responses("admin", 1).await;
    assert_eq!(done[0]["response_type"], "ephemeral", "{done:?}");
    let stored = app.store.subscriptions_for(&channel).await.expect("subs");
    assert_eq!(stored.len(), 1, "{done:?}");
    assert_eq!(
        (
            stored[0].topic.as_str(),
            stored[0].schedule.as_str(),
            stored[0].timezone.as_str()
        ),
        ("policy", "weekdays 08:00", "Europe/Berlin")
    );

    endpoint
        .command(&fake, "creator", CREATOR, "unsubscribe policy")
        .await;
    let done = fake.wait_for_responses("creator", 1).await;
    assert!(
        done[0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Unsubscribed"),
        "{done:?}"
    );
    assert!(
        app.store
            .subscriptions_for(&channel)
            .await
            .expect("subs")
            .is_empty()
    );

    // Everyone may ask for a brief or for help, and only admin commands cost admin look-ups.
    let before = fake.calls().len();
    endpoint.command(&fake, "help", MEMBER, "").await;
    let help = fake.wait_for_responses("help", 1).await;
    assert!(
        help[0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("/briefbot subscribe"),
        "{help:?}"
    );
    assert_eq!(fake.calls().len(), before, "help needs no Web API call");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn bad_stale_replayed_or_tampered_requests_get_401_and_no_answer() {
    let fake = FakeSlack::start().await;
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let endpoint = endpoint(&app, &fake, clock.clone()).await;
    let body = command_form(&fake, "attack", MEMBER, CHANNEL, "help");
    let now = clock.now().timestamp();
    let fresh = now.to_string();
    let good = sign(SIGNING_SECRET, &fresh, &body);

    let cases = [
        ("no headers", None, None, body.clone()),
        ("no signature", Some(fresh.clone()), None, body.clone()),
        (
            "another secret",
            Some(fresh.clone()),
            Some(sign("not-the-secret", &fresh, &body)),
            body.clone(),
        ),
        (
            "six minutes old, correctly signed",
            Some((now - 360).to_string()),
            Some(sign(SIGNING_SECRET, &(now - 360).to_string(), &body)),
            body.clone(),
        ),
        (
            "six minutes ahead",
            Some((now + 360).to_string()),
            Some(sign(SIGNING_SECRET, &(now + 360).to_string(), &body)),
            body.clone(),
        ),
        (
            "tampered body",
            Some(fresh.clone()),
            Some(good.clone()),
            body.replace("help", "subscribe"),
        ),
        (
            "garbage signature",
            Some(fresh.clone()),
            Some("v0=zz".into()),
            body.clone(),
        ),
    ];
    for (what, timestamp, signature, body) in &cases {
        let (status, _) = endpoint
            .post(body, timestamp.as_deref(), signature.as_deref())
            .await;
        assert_eq!(status, 401, "{what}");
    }
    let (status, _) = endpoint.post(&body, Some(&fresh), Some(&good)).await;
    assert_eq!(status, 200, "the genuine request");
    let (status, _) = endpoint.post(&body, Some(&fresh), Some(&good)).await;
    assert_eq!(status, 401, "the same request again is a replay");
    let answers = fake.wait_for_responses("attack", 2).await;
    assert_eq!(
        answers.len(),
        1,
        "only the genuine request is answered: {answers:?}"
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
    let reply = commands::execute(app, &caller, &command, now).await;
    assert!(!reply.is_error(), "{reply:?}");
}

fn scheduler(app: &Arc<App>, fake: &FakeSlack, clock: &Arc<ManualClock>) -> Scheduler {
    let messenger = SlackMessenger::new(api(fake), Pace::slack());
    Scheduler::new(
        app.clone(),
        Messengers::default().with(Arc::new(messenger)),
        clock.clone(),
    )
}

#[tokio::test]
async fn scheduled_briefs_reach_a_channel_and_a_thread_paced_per_channel() {
    let fake = FakeSlack::start().await;
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    let channel = Destination::new(Platform::Slack, CHANNEL, None);
    let thread = Destination::parse(&format!("slack:{CHANNEL}/1712345678.000100")).expect("thread");
    subscribe(&app, &channel, "chips 07:00", clock.now()).await;
    subscribe(&app, &thread, "all 07:00", clock.now()).await;
    add_news(
        &app.store,
        at("2026-03-02T06:30:00Z"),
        &["b300", "h300"],
        "",
    )
    .await;
    let worker = scheduler(&app, &fake, &clock);
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    assert_eq!(worker.work().await.expect("work").sent, 2);

    let posted = fake.posted();
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert!(posted.iter().all(|p| p.channel == CHANNEL));
    let in_thread: Vec<_> = posted.iter().filter(|p| p.thread_ts.is_some()).collect();
    assert_eq!(in_thread.len(), 1);
    assert_eq!(in_thread[0].thread_ts.as_deref(), Some("1712345678.000100"));
    assert!(
        posted[1].at.duration_since(posted[0].at) >= Duration::from_secs(1),
        "one message a second per channel"
    );
    assert_eq!(fake.rate_limited(), 0);
    for message in &posted {
        assert!(!message.text.is_empty(), "a fallback text");
        assert!(message.blocks.as_array().is_some_and(|b| !b.is_empty()));
    }
    let calls = fake.calls();
    let post = &calls
        .iter()
        .find(|(m, _)| m == "chat.postMessage")
        .expect("a post")
        .1;
    assert_eq!(post.get("unfurl_links").map(String::as_str), Some("false"));
    let rows = app
        .store
        .deliveries(Some(&thread), 5)
        .await
        .expect("ledger");
    assert_eq!(
        rows[0].message_ids.as_deref(),
        Some(in_thread[0].ts.as_str()),
        "{rows:?}"
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn a_channel_the_bot_lost_pauses_its_subscriptions() {
    let fake = FakeSlack::start().await;
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    let gone = Destination::new(Platform::Slack, "C0GONE001", None);
    subscribe(&app, &gone, "chips 07:00", clock.now()).await;
    add_news(&app.store, at("2026-03-02T06:30:00Z"), &["mi500"], "").await;
    fake.fail_next("chat.postMessage", "channel_not_found");
    let worker = scheduler(&app, &fake, &clock);
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    let report = worker.work().await.expect("work");
    assert_eq!(report.failed, 1, "{report:?}");
    let paused = &app.store.subscriptions_for(&gone).await.expect("subs")[0];
    assert!(paused.paused);
    assert!(
        paused
            .paused_reason
            .as_deref()
            .unwrap_or("")
            .contains("channel_not_found"),
        "{paused:?}"
    );
}

#[tokio::test]
async fn hostile_feed_text_never_mentions_or_links() {
    let fake = FakeSlack::start().await;
    let (app, _dir) = app().await;
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    let channel = Destination::new(Platform::Slack, CHANNEL, None);
    subscribe(&app, &channel, "all 07:00", clock.now()).await;
    let hostile = "<!channel> <!here> @here @channel <@U123> <#C999> <script>alert(1)</script> \
                   <javascript:alert(1)|click> <https://evil.example|trusted> &lt;!everyone&gt;";
    add_news(&app.store, at("2026-03-02T06:30:00Z"), &["b300"], hostile).await;
    let source = app
        .store
        .upsert_source(
            "https://evil.example/feed",
            Some("Evil <!here> | Feed"),
            1.0,
        )
        .await
        .expect("source");
    app.store
        .insert_items(
            source.id,
            &[NewItem {
                key: "evil-1".into(),
                title: format!("Nvidia GPU shortage deepens {hostile}"),
                summary: format!("AI chips are scarce. {hostile}"),
                link: "javascript:alert(document.cookie)".into(),
                language: None,
                published_at: at("2026-03-02T06:40:00Z").timestamp(),
            }],
            at("2026-03-02T06:40:00Z").timestamp(),
        )
        .await
        .expect("item");
    let worker = scheduler(&app, &fake, &clock);
    clock.set(at("2026-03-02T07:00:05Z"));
    worker.tick().await.expect("tick");
    assert_eq!(worker.work().await.expect("work").sent, 1);

    let posted = fake.posted();
    assert!(!posted.is_empty());
    let mut seen_hostile = false;
    for message in &posted {
        let mut all = texts(&message.blocks);
        all.push(message.text.clone());
        for text in &all {
            seen_hostile |= text.contains("&lt;!channel&gt;");
            for token in tokens(text) {
                assert!(
                    token.starts_with("<https://") || token.starts_with("<http://"),
                    "only web links may be tokens: {token} in {text}"
                );
                assert_eq!(token.matches('|').count(), 1, "one label: {token}");
            }
            assert!(
                !text.contains("@here") && !text.contains("@channel"),
                "{text}"
            );
            assert!(
                !text.contains("javascript:alert(document"),
                "no link to it: {text}"
            );
        }
    }
    assert!(
        seen_hostile,
        "the hostile text is shown as text: {posted:?}"
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn slacks_429_comes_back_with_its_wait() {
    let fake = FakeSlack::start().await;
    let (app, _dir) = app().await;
    let now = at("2026-03-02T07:00:00Z");
    add_news(&app.store, now - chrono::Duration::minutes(30), &["x1"], "").await;
    let request = briefbot::engine::BriefRequest {
        topic: Some("chips".into()),
        as_of: now,
        window: Duration::from_secs(86_400),
        max_stories: 5,
        late_since: None,
        explain: false,
    };
    let brief = app
        .brief(&request, briefbot::summarizer::Wait::CacheOnly)
        .await
        .expect("brief");
    // No pacing of our own: the fake's one-a-second limit answers the second post.
    let unpaced = Pace {
        per_channel: Duration::from_micros(1),
        overall_per_second: 1000.0,
    };
    let messenger = SlackMessenger::new(api(&fake), unpaced);
    let destination = Destination::new(Platform::Slack, CHANNEL, None);
    messenger
        .send(Outgoing::new(1, &destination, &brief))
        .await
        .expect("first");
    let second = messenger.send(Outgoing::new(2, &destination, &brief)).await;
    assert_eq!(
        second,
        Err(SendError::RateLimited {
            retry_after: Duration::from_secs(1)
        })
    );
    assert_eq!(fake.rate_limited(), 1);
}

#[tokio::test]
async fn an_operator_notice_is_inert_text_in_the_channel() {
    let fake = FakeSlack::start().await;
    let messenger = SlackMessenger::new(api(&fake), Pace::slack());
    let destination = Destination::new(Platform::Slack, CHANNEL, None);
    messenger
        .notify(
            &destination,
            "Feed <!channel> failing since 06:00: <https://x.example|x> @here",
        )
        .await
        .expect("notice");
    let posted = fake.posted();
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].text,
        "Feed &lt;!channel&gt; failing since 06:00: &lt;https://x.example|x&gt; @\u{2060}here"
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
