//! The Telegram adapter end to end: the real teloxide client against the fake Bot API in
//! `support::fake_telegram`, real SQLite, the real scheduler with a held clock.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::support::fake_telegram::{self, Failure, FakeTelegram};
use briefbot::app::App;
use briefbot::config::Config;
use briefbot::delivery::{Messenger, Messengers, Outgoing};
use briefbot::model::{Destination, Platform};
use briefbot::platforms::telegram::{
    TelegramBot, TelegramMessenger, TelegramSettings, WebhookSettings, bot,
};
use briefbot::schedule::clock::{Clock, ManualClock};
use briefbot::schedule::runner::Scheduler;
use briefbot::storage::{DeliveryStatus, NewItem, Store};
use teloxide::adaptors::throttle::Limits;

const CHIPS_HEADLINE: &str = "Nvidia ships new B300 GPU for AI data centers";
const MODELS_HEADLINE: &str = "OpenAI releases GPT-6 language model with longer context";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

struct Harness {
    fake: FakeTelegram,
    app: Arc<App>,
    clock: Arc<ManualClock>,
    bot: TelegramBot,
    _dir: tempfile::TempDir,
}

/// Limits loose enough that tests do not wait on the throttle, which the fan-out harness
/// measures instead.
fn test_limits() -> Limits {
    Limits {
        messages_per_sec_chat: 50,
        messages_per_min_chat: 1000,
        messages_per_min_channel_or_supergroup: 1000,
        messages_per_sec_overall: 1000,
    }
}

async fn harness() -> Harness {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("store");
    let config = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"))
        .expect("config");
    let app = Arc::new(App::with_store(config, store));
    let clock = Arc::new(ManualClock::new(at("2026-03-02T06:00:00Z")));
    add_news(&app.store, at("2026-03-02T05:30:00Z")).await;
    let mut settings = TelegramSettings::new("123456:TEST-TOKEN");
    settings.api_url = Some(fake.url());
    settings.limits = test_limits();
    let bot = settings.bot();
    Harness {
        fake,
        app,
        clock,
        bot,
        _dir: dir,
    }
}

async fn add_news(store: &Store, published: DateTime<Utc>) {
    for (feed, name, key, title, summary) in [
        (
            "https://chips.example/feed",
            "Chip Wire",
            "b300",
            CHIPS_HEADLINE,
            "The B300 accelerator doubles memory bandwidth for AI training.",
        ),
        (
            "https://models.example/feed",
            "Model Watch",
            "gpt6",
            MODELS_HEADLINE,
            "The new large language model is available in the API today.",
        ),
    ] {
        let source = store
            .upsert_source(feed, Some(name), 1.0)
            .await
            .expect("source");
        let item = NewItem {
            key: format!("{key}-{}", published.timestamp()),
            title: title.to_string(),
            summary: summary.to_string(),
            link: format!(
                "https://{}/{key}",
                feed.trim_start_matches("https://")
                    .split('/')
                    .next()
                    .unwrap_or("x")
            ),
            language: None,
            published_at: published.timestamp(),
        };
        store
            .insert_items(source.id, &[item], published.timestamp())
            .await
            .expect("items");
    }
}

impl Harness {
    /// Runs the bot (long polling, or the webhook) until the returned sender says stop.
    fn run_bot(
        &self,
        webhook: Option<WebhookSettings>,
    ) -> (watch::Sender<bool>, tokio::task::JoinHandle<()>) {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(bot::run(
            self.app.clone(),
            self.clock.clone(),
            self.bot.clone(),
            webhook,
            stopped,
        ));
        let task = tokio::spawn(async move {
            task.await.expect("bot task").expect("bot runs");
        });
        (stop, task)
    }

    fn scheduler(&self) -> Scheduler {
        let messengers = Messengers::default().with(Arc::new(TelegramMessenger::new(
            self.bot.clone(),
            test_limits(),
        )));
        Scheduler::new(self.app.clone(), messengers, self.clock.clone())
    }

    async fn said(&self, chat: i64, count: usize) -> Vec<Value> {
        self.fake
            .wait_for(&format!("{count} message(s) to {chat}"), |calls| {
                calls
                    .iter()
                    .filter(|c| {
                        c.method == "sendMessage"
                            && c.status == 200
                            && c.params["chat_id"] == json!(chat)
                    })
                    .count()
                    >= count
            })
            .await;
        self.fake.messages_to(chat)
    }
}

async fn stop(stop: watch::Sender<bool>, task: tokio::task::JoinHandle<()>) {
    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(15), task)
        .await
        .expect("the bot stops when told")
        .expect("bot task");
}

fn text(message: &Value) -> &str {
    message["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn brief_command_answers_with_only_that_topic_and_explains_mistakes() {
    let h = harness().await;
    let (stopper, task) = h.run_bot(None);
    let chat = 501;
    h.fake.push_update(
        json!({"message": fake_telegram::message(chat, Some(chat), "/brief chips", None)}),
    );
    let replies = h.said(chat, 1).await;
    let reply = &replies[0];
    assert!(text(reply).contains("Nvidia"), "{reply}");
    assert!(text(reply).contains("Chips &amp; Hardware"), "{reply}");
    assert!(
        !text(reply).contains("GPT-6"),
        "only chips stories: {reply}"
    );
    assert_eq!(reply["parse_mode"], "HTML");
    assert_eq!(reply["link_preview_options"]["is_disabled"], true);

    h.fake.push_update(
        json!({"message": fake_telegram::message(chat, Some(chat), "/brief potato", None)}),
    );
    let replies = h.said(chat, 2).await;
    let error = text(&replies[1]);
    assert!(
        error.contains("Unknown topic &quot;potato&quot;") && error.contains("chips"),
        "{error}"
    );

    // In a group: our @name works, another bot's is not ours, plain talk is ignored.
    let group = -4001;
    for words in [
        "/brief@OtherBot chips",
        "help me",
        "/brief@BriefBot_Test models",
    ] {
        h.fake
            .push_update(json!({"message": fake_telegram::message(group, Some(7), words, None)}));
    }
    let replies = h.said(group, 1).await;
    assert!(text(&replies[0]).contains("GPT-6"), "{}", replies[0]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        h.fake.messages_to(group).len(),
        1,
        "only the addressed command is answered"
    );

    // The command menu: private chats and groups, names without '/'.
    let menus = h.fake.calls_to("setMyCommands");
    let scopes: Vec<&Value> = menus.iter().map(|c| &c.params["scope"]["type"]).collect();
    assert_eq!(
        scopes,
        [&json!("all_private_chats"), &json!("all_group_chats")]
    );
    let names: Vec<&str> = menus[0].params["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["command"].as_str())
        .collect();
    assert!(
        names.contains(&"brief") && names.iter().all(|n| !n.starts_with('/')),
        "{names:?}"
    );
    stop(stopper, task).await;
    h.fake.assert_valid();
}

#[tokio::test]
async fn only_group_admins_subscribe_and_forum_topic_deliveries_arrive_there() {
    let h = harness().await;
    let (stopper, task) = h.run_bot(None);
    let group = -1_001_234_567_890;
    let (member, admin) = (71, 72);
    h.fake.set_member(group, admin, "administrator");
    let subscribe = "/subscribe@briefbot_test chips 08:00 Europe/Berlin";
    h.fake.push_update(
        json!({"message": fake_telegram::message(group, Some(member), subscribe, Some(42))}),
    );
    let replies = h.said(group, 1).await;
    assert!(
        text(&replies[0]).contains("administrators"),
        "{}",
        replies[0]
    );
    assert_eq!(replies[0]["message_thread_id"], 42, "answered in the topic");
    let topic = Destination::new(Platform::Telegram, &group.to_string(), Some("42"));
    assert!(
        h.app
            .store
            .subscriptions_for(&topic)
            .await
            .expect("subs")
            .is_empty()
    );

    h.fake.push_update(
        json!({"message": fake_telegram::message(group, Some(admin), subscribe, Some(42))}),
    );
    let replies = h.said(group, 2).await;
    assert!(text(&replies[1]).contains("Subscribed"), "{}", replies[1]);
    let stored = h.app.store.subscriptions_for(&topic).await.expect("subs");
    assert_eq!(stored.len(), 1, "stored for the forum topic");
    assert_eq!(h.fake.calls_to("getChatMember").len(), 2);

    // A channel post comes from a channel admin.
    let channel = -1_009_999_999_999;
    h.fake.push_update(fake_telegram::channel_post(
        channel,
        "/subscribe models 07:30",
    ));
    let replies = h.said(channel, 1).await;
    assert!(text(&replies[0]).contains("Subscribed"), "{}", replies[0]);
    stop(stopper, task).await;

    // 08:00 Berlin is 07:00 UTC: the scheduled brief goes to the group's topic.
    h.clock.set(at("2026-03-02T07:00:30Z"));
    let scheduler = h.scheduler();
    scheduler.tick().await.expect("tick");
    assert_eq!(scheduler.work().await.expect("work").sent, 1);
    let delivered = h.fake.messages_to(group);
    let brief = delivered.last().expect("delivered");
    assert_eq!(brief["message_thread_id"], 42);
    assert!(
        text(brief).contains("Nvidia") && !text(brief).contains("GPT-6"),
        "{brief}"
    );
    h.fake.assert_valid();
}

#[tokio::test]
async fn subscribe_keyboard_toggles_topics_for_admins_only() {
    let h = harness().await;
    let (stopper, task) = h.run_bot(None);
    let chat = 777;
    h.fake.push_update(
        json!({"message": fake_telegram::message(chat, Some(chat), "/subscribe", None)}),
    );
    let replies = h.said(chat, 1).await;
    let buttons = &replies[0]["reply_markup"]["inline_keyboard"];
    assert!(
        buttons
            .to_string()
            .contains("\"callback_data\":\"sub:chips\""),
        "{buttons}"
    );
    let picker_id = 1; // the fake numbers the bot's messages from 1
    h.fake.push_update(fake_telegram::callback(
        "cb1",
        chat,
        chat,
        picker_id,
        "sub:chips",
    ));
    h.fake
        .wait_for("the keyboard redrawn", |calls| {
            calls.iter().any(|c| c.method == "editMessageReplyMarkup")
        })
        .await;
    let private = Destination::new(Platform::Telegram, &chat.to_string(), None);
    let stored = h.app.store.subscriptions_for(&private).await.expect("subs");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].topic, "chips");
    let answer = &h.fake.calls_to("answerCallbackQuery")[0].params;
    assert!(
        answer["text"].as_str().unwrap_or("").contains("Subscribed"),
        "{answer}"
    );
    let redrawn = &h.fake.calls_to("editMessageReplyMarkup")[0].params;
    assert!(
        redrawn.to_string().contains("✅ Chips & Hardware"),
        "{redrawn}"
    );

    // Pressed again: unsubscribed.
    h.fake.push_update(fake_telegram::callback(
        "cb2",
        chat,
        chat,
        picker_id,
        "sub:chips",
    ));
    h.fake
        .wait_for("the second answer", |calls| {
            calls
                .iter()
                .filter(|c| c.method == "answerCallbackQuery")
                .count()
                >= 2
        })
        .await;
    assert!(
        h.app
            .store
            .subscriptions_for(&private)
            .await
            .expect("subs")
            .is_empty()
    );

    // In a group, a member's press is refused.
    let group = -5005;
    h.fake
        .push_update(fake_telegram::callback("cb3", 99, group, 3, "sub:chips"));
    h.fake
        .wait_for("the refusal", |calls| {
            calls
                .iter()
                .filter(|c| c.method == "answerCallbackQuery")
                .count()
                >= 3
        })
        .await;
    let refusal = &h.fake.calls_to("answerCallbackQuery")[2].params;
    assert_eq!(refusal["show_alert"], true, "{refusal}");
    assert!(
        refusal["text"]
            .as_str()
            .unwrap_or("")
            .contains("administrators")
    );
    let group_destination = Destination::new(Platform::Telegram, &group.to_string(), None);
    assert!(
        h.app
            .store
            .subscriptions_for(&group_destination)
            .await
            .expect("subs")
            .is_empty()
    );
    stop(stopper, task).await;
    h.fake.assert_valid();
}

async fn subscribe_admin(h: &Harness, chat: i64, time: &str) {
    let caller = briefbot::commands::Caller {
        destination: Destination::new(Platform::Telegram, &chat.to_string(), None),
        is_admin: true,
        member: Some("100".into()),
    };
    let command = briefbot::commands::Command::Subscribe {
        args: vec!["chips".into(), time.into()],
    };
    briefbot::commands::execute(&h.app, &caller, &command, h.clock.now()).await;
}

#[tokio::test]
async fn rate_limits_wait_blocked_chats_pause_and_migrated_groups_move() {
    let h = harness().await;
    let (limited, blocked, old_group, new_group) = (601, 602, -603, -1_000_000_000_603);
    for chat in [limited, blocked, old_group] {
        subscribe_admin(&h, chat, "07:00").await;
    }
    h.fake.fail_next(limited, Failure::RetryAfter(3));
    h.fake.fail_next(blocked, Failure::Blocked);
    h.fake.fail_next(old_group, Failure::MigrateTo(new_group));
    let scheduler = h.scheduler();
    h.clock.set(at("2026-03-02T07:00:10Z"));
    scheduler.tick().await.expect("tick");
    let first = scheduler.work().await.expect("work");
    assert_eq!((first.retried, first.failed), (2, 1), "{first:?}");

    // The migrated group's brief is resent to the new id straight away.
    let report = scheduler.work().await.expect("work");
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(h.fake.messages_to(new_group).len(), 1);
    assert!(h.fake.messages_to(old_group).is_empty());

    // The rate-limited one waits its 3 s, then goes exactly once.
    h.clock.set(at("2026-03-02T07:00:11Z"));
    assert_eq!(
        scheduler.work().await.expect("work").total(),
        0,
        "still waiting"
    );
    h.clock.set(at("2026-03-02T07:00:14Z"));
    assert_eq!(scheduler.work().await.expect("work").sent, 1);
    assert_eq!(
        h.fake.messages_to(limited).len(),
        1,
        "delivered exactly once"
    );

    // The blocked chat is paused with Telegram's reason and not tried again.
    let paused = &h
        .app
        .store
        .subscriptions_for(&Destination::new(
            Platform::Telegram,
            &blocked.to_string(),
            None,
        ))
        .await
        .expect("subs")[0];
    assert!(paused.paused);
    assert!(
        paused
            .paused_reason
            .as_deref()
            .unwrap_or("")
            .contains("blocked"),
        "{paused:?}"
    );
    add_news(&h.app.store, at("2026-03-03T06:00:00Z")).await;
    h.clock.set(at("2026-03-03T07:00:10Z"));
    scheduler.tick().await.expect("tick");
    scheduler.work().await.expect("work");
    let attempts = h
        .fake
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.params["chat_id"] == json!(blocked))
        .count();
    assert_eq!(attempts, 1, "a paused chat is not retried");
    let rows = h.app.store.deliveries(None, 20).await.expect("ledger");
    assert!(rows.iter().any(|r| r.status == DeliveryStatus::Failed));
    h.fake.assert_valid();
}

/// With `[http] listen` and no `webhook_listen`, the webhook lives on the one shared port,
/// next to `/healthz`, with the same secret check; a webhook path that collides with one of
/// briefbot's own is refused by name.
#[tokio::test]
async fn webhook_is_served_by_the_shared_http_server() {
    let h = harness().await;
    let (_stop_server, server_stopped) = watch::channel(false);
    let readiness = || briefbot::http::Readiness::new(h.app.clone(), server_stopped.clone());
    let collision = briefbot::http::Routes::new(readiness()).mount(
        "the Telegram webhook",
        &["/metrics"],
        axum::Router::new(),
    );
    let refused = collision.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        refused.contains("/metrics") && refused.contains("the Telegram webhook"),
        "{refused}"
    );

    let deferred = briefbot::http::Deferred::default();
    let routes = briefbot::http::Routes::new(readiness())
        .mount(
            "the Telegram webhook",
            &["/telegram/hook"],
            deferred.route("/telegram/hook"),
        )
        .expect("mount");
    let (address, _server) = briefbot::http::start("127.0.0.1:0", routes, server_stopped.clone())
        .await
        .expect("shared server");
    let client = reqwest::Client::new();
    let endpoint = format!("http://{address}/telegram/hook");
    // Before the bot hands its router over, Telegram is asked to come back later.
    let early = client
        .post(&endpoint)
        .body("{}")
        .send()
        .await
        .expect("post");
    assert_eq!(early.status().as_u16(), 503);

    let url = url::Url::parse("https://bot.example/telegram/hook").expect("url");
    let (stopper, task) = h.run_bot(Some(WebhookSettings {
        url,
        listen: None,
        secret: Some("s3cret".to_string().into()),
        shared: Some(deferred),
    }));
    h.fake
        .wait_for("setWebhook", |calls| {
            calls.iter().any(|c| c.method == "setWebhook")
        })
        .await;
    let update =
        json!({"update_id": 1, "message": fake_telegram::message(32, Some(32), "/start", None)});
    let post = |secret: &str| {
        client
            .post(&endpoint)
            .header("content-type", "application/json")
            .header("X-Telegram-Bot-Api-Secret-Token", secret)
            .body(update.to_string())
            .send()
    };
    assert_eq!(post("guess").await.expect("post").status().as_u16(), 401);
    assert_eq!(post("s3cret").await.expect("post").status().as_u16(), 200);
    let replies = h.said(32, 1).await;
    assert!(text(&replies[0]).contains("/brief"), "{}", replies[0]);
    let health = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
    stop(stopper, task).await;
    let after = post("s3cret").await.expect("post");
    assert_eq!(
        after.status().as_u16(),
        503,
        "a stopped bot takes no updates"
    );
    h.fake.assert_valid();
}

#[tokio::test]
async fn webhook_refuses_a_wrong_secret_and_serves_the_right_one() {
    let h = harness().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let listen: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let url = url::Url::parse("https://bot.example/telegram/hook").expect("url");
    let (stopper, task) = h.run_bot(Some(WebhookSettings {
        url,
        listen: Some(listen),
        secret: Some("s3cret".to_string().into()),
        shared: None,
    }));
    h.fake
        .wait_for("setWebhook", |calls| {
            calls.iter().any(|c| c.method == "setWebhook")
        })
        .await;
    let registered = &h.fake.calls_to("setWebhook")[0].params;
    assert_eq!(registered["secret_token"], "s3cret");
    assert_eq!(registered["url"], "https://bot.example/telegram/hook");

    let client = reqwest::Client::new();
    let endpoint = format!("http://{listen}/telegram/hook");
    let update =
        json!({"update_id": 1, "message": fake_telegram::message(31, Some(31), "/start", None)});
    let post = |secret: Option<&str>| {
        let mut request = client
            .post(&endpoint)
            .header("content-type", "application/json")
            .body(update.to_string());
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        request.send()
    };
    // The server may need a moment after setWebhook to accept connections.
    let mut wrong = None;
    for _ in 0..50 {
        if let Ok(response) = post(Some("guess")).await {
            wrong = Some(response.status().as_u16());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(wrong, Some(401), "wrong secret");
    assert_eq!(
        post(None).await.expect("post").status().as_u16(),
        401,
        "no secret"
    );
    assert_eq!(
        post(Some("s3cret")).await.expect("post").status().as_u16(),
        200
    );
    let replies = h.said(31, 1).await;
    assert!(text(&replies[0]).contains("/brief"), "{}", replies[0]);
    stop(stopper, task).await;
    assert!(
        h.fake.calls_to("deleteWebhook").is_empty(),
        "other replicas keep the webhook"
    );
    h.fake.assert_valid();
}

#[tokio::test]
async fn a_long_brief_arrives_as_several_valid_messages() {
    let h = harness().await;
    let mut brief = briefbot::model::Brief {
        title: "AI Morning Brief".into(),
        topic: None,
        as_of: at("2026-03-02T07:00:00Z"),
        window_start: at("2026-03-01T07:00:00Z"),
        sections: Vec::new(),
        source_count: 3,
        editorial: None,
        permalink: None,
    };
    for (topic, title) in [
        ("chips", "Chips & Hardware"),
        ("models", "Models & Releases"),
    ] {
        let stories = (0..30)
            .map(|i| briefbot::model::Story {
                headline: format!("Story {i} about <{topic}> & \"quotes\" that runs long"),
                summary: "A summary sentence with some detail. ".repeat(12),
                key_entity: "Story".into(),
                published: at("2026-03-02T05:00:00Z"),
                topics: vec![topic.into()],
                links: vec![briefbot::model::Link {
                    url: format!("https://news.example/{topic}/{i}?a=1&b=\"2\""),
                    source: "News & Co".into(),
                    title: String::new(),
                }],
                score: 1.0,
                item_ids: vec![i],
                why: None,
            })
            .collect();
        brief.sections.push(briefbot::model::Section {
            topic: topic.into(),
            title: title.into(),
            stories,
        });
    }
    let messenger = TelegramMessenger::new(h.bot.clone(), test_limits());
    let destination = Destination::new(Platform::Telegram, "-100777", Some("5"));
    let ids = messenger
        .send(Outgoing::new(1, &destination, &brief))
        .await
        .expect("sent");
    let messages = h.fake.messages_to(-100777);
    assert!(messages.len() >= 5, "{} messages", messages.len());
    assert_eq!(ids.len(), messages.len(), "every message id is returned");
    for message in &messages {
        let length = fake_telegram::validate_html(text(message)).expect("valid Telegram HTML");
        assert!(length <= fake_telegram::MESSAGE_LIMIT);
        assert_eq!(message["message_thread_id"], 5);
    }
    for i in 0..30 {
        let needle = format!("<b>Story</b> {i} about &lt;chips&gt;");
        let holding = messages
            .iter()
            .filter(|m| text(m).contains(&needle))
            .count();
        assert_eq!(holding, 1, "story {i} is whole in one message");
    }
    h.fake.assert_valid();
}

/// News for every topic, long enough that the full brief needs several Telegram messages.
async fn add_many_stories(store: &Store, published: DateTime<Utc>) {
    let headlines = [
        "Nvidia ships B300 GPU for AI data centers",
        "TSMC starts 2nm chip production at its Arizona fab",
        "AMD unveils MI400 accelerator with HBM4 memory",
        "US tightens export controls on advanced AI chips to China",
        "Intel delays its Falcon Shores AI processor to 2027",
        "OpenAI releases GPT-6 language model with longer context",
        "Anthropic launches Claude 5 model for coding agents",
        "Google DeepMind unveils Gemini 3 multimodal model",
        "Meta open-sources Llama 5 weights for researchers",
        "Mistral releases an open-weight reasoning model",
        "EU AI Act obligations for general-purpose models take effect",
        "US Senate passes AI safety bill requiring independent audits",
        "UK AI Security Institute publishes frontier model evaluations",
        "California regulators propose rules on automated decisions",
        "China issues new rules for labelling generative AI content",
        "Anthropic raises $5 billion at a $180 billion valuation",
        "Nvidia shares hit a record after quarterly earnings beat",
        "Perplexity valued at $20 billion in new funding round",
        "SoftBank commits $10 billion investment in OpenAI",
        "Databricks files confidentially for an IPO",
    ];
    for (index, headline) in headlines.iter().enumerate() {
        let source = store
            .upsert_source(
                &format!("https://outlet{index}.example/feed"),
                Some(&format!("Outlet {index}")),
                1.0,
            )
            .await
            .expect("source");
        let item = NewItem {
            key: format!("story-{index}"),
            title: headline.to_string(),
            // One long sentence: extractive summaries keep whole sentences.
            summary: format!(
                "{headline}, the company said on Monday in a statement that set out timing, \
                 pricing and availability in each region, which analysts and customers had been \
                 asking about for months and which rivals are expected to answer within weeks, \
                 according to filings and to people familiar with the plans."
            ),
            link: format!("https://outlet{index}.example/story/{index}"),
            language: None,
            published_at: published.timestamp() - index as i64 * 60,
        };
        store
            .insert_items(source.id, &[item], published.timestamp())
            .await
            .expect("items");
    }
}

#[tokio::test]
async fn a_brief_that_fails_part_way_resumes_at_the_first_unsent_part() {
    let h = harness().await;
    let chat = 901;
    add_many_stories(&h.app.store, at("2026-03-02T05:45:00Z")).await;
    // Every story, with its whole summary: a brief of several messages.
    let mut config = h.app.config.clone();
    config.brief.stories_per_section = 20;
    config.brief.summary_chars = 1_000;
    let app = Arc::new(App::with_store(config, h.app.store.clone()));
    let caller = briefbot::commands::Caller {
        destination: Destination::new(Platform::Telegram, &chat.to_string(), None),
        is_admin: true,
        member: Some("100".into()),
    };
    let command = briefbot::commands::Command::Subscribe {
        args: vec!["all".into(), "07:00".into()],
    };
    briefbot::commands::execute(&app, &caller, &command, h.clock.now()).await;
    // Part 1 goes out, part 2 meets a 500.
    h.fake.fail_next(chat, Failure::Pass);
    h.fake.fail_next(chat, Failure::ServerError);
    let messengers = Messengers::default().with(Arc::new(TelegramMessenger::new(
        h.bot.clone(),
        test_limits(),
    )));
    let scheduler = Scheduler::new(app.clone(), messengers, h.clock.clone());
    h.clock.set(at("2026-03-02T07:00:10Z"));
    scheduler.tick().await.expect("tick");
    let first = scheduler.work().await.expect("work");
    assert_eq!(first.retried, 1, "{first:?}");
    assert_eq!(h.fake.messages_to(chat).len(), 1, "part 1 went out");

    h.clock.set(at("2026-03-02T07:05:00Z"));
    let second = scheduler.work().await.expect("work");
    assert_eq!(second.sent, 1, "{second:?}");
    let messages = h.fake.messages_to(chat);
    assert!(
        messages.len() >= 2,
        "a brief of several parts: {}",
        messages.len()
    );
    let texts: Vec<&str> = messages.iter().map(text).collect();
    for (index, part) in texts.iter().enumerate() {
        assert_eq!(
            texts.iter().filter(|t| *t == part).count(),
            1,
            "part {} reached the chat more than once",
            index + 1
        );
    }
    let rows = app.store.deliveries(None, 5).await.expect("ledger");
    let ids = rows[0].message_ids.as_deref().unwrap_or_default();
    assert_eq!(
        ids.split(',').count(),
        messages.len(),
        "the ledger keeps every part's id: {ids}"
    );
    h.fake.assert_valid();
}
