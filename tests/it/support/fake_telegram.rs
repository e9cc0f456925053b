//! A fake Telegram Bot API server on 127.0.0.1 for driving the real teloxide client.
//!
//! - Serves `getUpdates` from a script of updates (`push_update`), answering at once when there
//!   is nothing (so a stopping bot never waits out a long poll).
//! - Answers like Telegram: `getMe`, `sendMessage` (a `Message` back, or a scripted error per
//!   chat), `getChatMember` from a table of statuses, `true` for the rest.
//! - Records every call and checks it against `tests/fixtures/specs/telegram-bot-api.json`: an
//!   unknown method, a missing required field, an unknown field or a wrongly typed one is a
//!   violation, and so is HTML Telegram would reject or a message over 4096 characters.
//!   `assert_valid` fails the test on any.
//! - Optionally enforces Telegram's send limits and counts the 429s it answered.
//!
//! Never answers 5xx: teloxide sleeps 10 s on a 5xx.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::Notify;

pub const BOT_USERNAME: &str = "briefbot_test";
pub const BOT_ID: i64 = 900_000_001;
/// Telegram's limit on a message's text after entity parsing (UTF-16 code units).
pub const MESSAGE_LIMIT: usize = 4096;

/// One recorded Bot API call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The spec's name (`sendMessage`), whatever case the client used.
    pub method: String,
    pub params: Value,
    /// What the fake answered: 200 or an error code.
    pub status: u16,
}

/// An error a `sendMessage` to one chat answers with, once.
#[derive(Debug, Clone)]
pub enum Failure {
    /// Lets this send through (to fail a later part of a brief).
    Pass,
    /// A 500, as Telegram answers when it has trouble of its own.
    ServerError,
    RetryAfter(u64),
    Blocked,
    ChatNotFound,
    MigrateTo(i64),
}

/// Telegram's limits on sends, counted at arrival.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    pub overall_per_sec: usize,
    pub chat_per_sec: usize,
    pub group_per_min: usize,
}

#[derive(Default)]
struct Inner {
    updates: VecDeque<Value>,
    next_update_id: i64,
    calls: Vec<Call>,
    violations: Vec<String>,
    members: HashMap<(i64, i64), String>,
    failures: HashMap<i64, VecDeque<Failure>>,
    next_message_id: i64,
    limits: Option<RateLimits>,
    overall: VecDeque<Instant>,
    per_chat: HashMap<i64, VecDeque<Instant>>,
    too_many: usize,
}

struct Shared {
    inner: Mutex<Inner>,
    updated: Notify,
}

pub struct FakeTelegram {
    pub address: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                next_update_id: 1,
                next_message_id: 1,
                ..Inner::default()
            }),
            updated: Notify::new(),
        });
        let app = Router::new()
            .route("/{bot}/{method}", post(handle))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake telegram");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            address,
            shared,
            server,
        }
    }

    /// The URL to hand to `Bot::set_api_url`.
    pub fn url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.address)).expect("url")
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues an update (`{"message": {...}}`); its `update_id` is assigned here.
    pub fn push_update(&self, mut update: Value) {
        {
            let mut inner = self.inner();
            update["update_id"] = json!(inner.next_update_id);
            inner.next_update_id += 1;
            inner.updates.push_back(update);
        }
        self.shared.updated.notify_waiters();
    }

    pub fn set_member(&self, chat: i64, user: i64, status: &str) {
        self.inner()
            .members
            .insert((chat, user), status.to_string());
    }

    pub fn fail_next(&self, chat: i64, failure: Failure) {
        self.inner()
            .failures
            .entry(chat)
            .or_default()
            .push_back(failure);
    }

    pub fn enforce_limits(&self, limits: RateLimits) {
        self.inner().limits = Some(limits);
    }

    /// How many 429s the rate limits answered.
    pub fn too_many_requests(&self) -> usize {
        self.inner().too_many
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner().calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// Successful `sendMessage` calls to `chat`.
    pub fn messages_to(&self, chat: i64) -> Vec<Value> {
        self.calls_to("sendMessage")
            .into_iter()
            .filter(|c| c.status == 200 && c.params["chat_id"] == json!(chat))
            .map(|c| c.params)
            .collect()
    }

    /// Waits until `done` holds for the recorded calls; panics after 10 s.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Call]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if done(&self.inner().calls) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Fails the test if any call broke the spec or Telegram's rules.
    pub fn assert_valid(&self) {
        let inner = self.inner();
        assert!(
            inner.violations.is_empty(),
            "Bot API violations:\n{}",
            inner.violations.join("\n")
        );
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    UrlPath((bot, method)): UrlPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, axum::Json<Value>) {
    if !bot.starts_with("bot") {
        return reply(
            404,
            json!({"ok": false, "error_code": 404, "description": "Not Found"}),
        );
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let params: Value = if body.is_empty() {
        json!({})
    } else if let Some(boundary) = content_type.split("boundary=").nth(1) {
        // teloxide sends methods that may carry files (setWebhook) as multipart forms.
        multipart(&body, boundary.trim_matches('"'), spec().method(&method))
    } else {
        match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(error) => {
                return violation(
                    &shared,
                    &method,
                    json!(null),
                    format!("body ({content_type}) is not JSON: {error}"),
                );
            }
        }
    };
    let Some(spec_method) = spec().method(&method) else {
        return violation(&shared, &method, params, format!("unknown method {method}"));
    };
    let name = spec_method.name.clone();
    let problems = spec().check_fields(&spec_method.fields, &params, &name);
    if !problems.is_empty() {
        return violation(&shared, &name, params, problems.join("; "));
    }
    if name == "getUpdates" {
        return get_updates(&shared, params).await;
    }
    let (status, answer) = answer(&shared, &name, &params);
    let mut inner = shared.inner.lock().unwrap_or_else(|p| p.into_inner());
    inner.calls.push(Call {
        method: name,
        params,
        status,
    });
    reply(status, answer)
}

/// A multipart form as JSON params: text parts that the spec types as strings stay strings,
/// the rest are read as JSON (numbers, booleans, objects).
fn multipart(body: &[u8], boundary: &str, method: Option<&Method>) -> Value {
    let text = String::from_utf8_lossy(body);
    let mut params = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let is_string = method
            .and_then(|m| m.fields.iter().find(|f| f.name == name))
            .is_some_and(|f| f.types.iter().any(|t| t == "String"));
        let value = if is_string {
            json!(value)
        } else {
            serde_json::from_str(value).unwrap_or_else(|_| json!(value))
        };
        params.insert(name.to_string(), value);
    }
    Value::Object(params)
}

fn reply(status: u16, body: Value) -> (StatusCode, axum::Json<Value>) {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(body),
    )
}

fn violation(
    shared: &Shared,
    method: &str,
    params: Value,
    problem: String,
) -> (StatusCode, axum::Json<Value>) {
    let mut inner = shared.inner.lock().unwrap_or_else(|p| p.into_inner());
    inner.violations.push(format!("{method}: {problem}"));
    inner.calls.push(Call {
        method: method.to_string(),
        params,
        status: 400,
    });
    reply(
        400,
        json!({"ok": false, "error_code": 400, "description": format!("Bad Request: {problem}")}),
    )
}

async fn get_updates(shared: &Shared, params: Value) -> (StatusCode, axum::Json<Value>) {
    let offset = params["offset"].as_i64().unwrap_or(0);
    // Wait a little for updates, never the client's whole long-poll timeout.
    let deadline = Instant::now() + Duration::from_millis(200);
    loop {
        let notified = shared.updated.notified();
        {
            let mut inner = shared.inner.lock().unwrap_or_else(|p| p.into_inner());
            inner
                .updates
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            if !inner.updates.is_empty() || Instant::now() >= deadline {
                let updates: Vec<Value> = inner.updates.iter().cloned().collect();
                return reply(200, json!({"ok": true, "result": updates}));
            }
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
    }
}

fn answer(shared: &Shared, method: &str, params: &Value) -> (u16, Value) {
    let mut inner = shared.inner.lock().unwrap_or_else(|p| p.into_inner());
    match method {
        "getMe" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Briefbot", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "getChatMember" => {
            let chat = params["chat_id"].as_i64().unwrap_or(0);
            let user = params["user_id"].as_i64().unwrap_or(0);
            let status = inner
                .members
                .get(&(chat, user))
                .cloned()
                .unwrap_or_else(|| "member".into());
            ok(chat_member(user, &status))
        }
        "sendMessage" => send_message(&mut inner, params),
        "editMessageReplyMarkup" => {
            let chat = params["chat_id"].as_i64().unwrap_or(0);
            let id = params["message_id"].as_i64().unwrap_or(0);
            ok(message_json(chat, id, "", None))
        }
        _ => ok(json!(true)),
    }
}

fn ok(result: Value) -> (u16, Value) {
    (200, json!({"ok": true, "result": result}))
}

fn error(code: u16, description: &str, parameters: Option<Value>) -> (u16, Value) {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(parameters) = parameters {
        body["parameters"] = parameters;
    }
    (code, body)
}

fn send_message(inner: &mut Inner, params: &Value) -> (u16, Value) {
    let chat = params["chat_id"].as_i64().unwrap_or(0);
    let text = params["text"].as_str().unwrap_or_default();
    if params["parse_mode"] == json!("HTML") {
        match validate_html(text) {
            Err(problem) => {
                inner.violations.push(format!("sendMessage: {problem}"));
                return error(
                    400,
                    &format!("Bad Request: can't parse entities: {problem}"),
                    None,
                );
            }
            Ok(len) if len > MESSAGE_LIMIT => {
                inner
                    .violations
                    .push(format!("sendMessage: {len} characters after parsing"));
                return error(400, "Bad Request: message is too long", None);
            }
            Ok(_) => {}
        }
    }
    if let Some(failure) = inner.failures.get_mut(&chat).and_then(VecDeque::pop_front) {
        let answer = match failure {
            Failure::Pass => None,
            Failure::ServerError => Some(error(500, "Internal Server Error", None)),
            Failure::RetryAfter(secs) => Some(error(
                429,
                &format!("Too Many Requests: retry after {secs}"),
                Some(json!({"retry_after": secs})),
            )),
            Failure::Blocked => Some(error(403, "Forbidden: bot was blocked by the user", None)),
            Failure::ChatNotFound => Some(error(400, "Bad Request: chat not found", None)),
            Failure::MigrateTo(to) => Some(error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                Some(json!({"migrate_to_chat_id": to})),
            )),
        };
        if let Some(answer) = answer {
            return answer;
        }
    }
    if let Some(limits) = inner.limits
        && let Some(wait) = over_limit(inner, limits, chat)
    {
        inner.too_many += 1;
        return error(
            429,
            &format!("Too Many Requests: retry after {wait}"),
            Some(json!({"retry_after": wait})),
        );
    }
    let id = inner.next_message_id;
    inner.next_message_id += 1;
    let thread = params["message_thread_id"].as_i64();
    ok(message_json(chat, id, text, thread))
}

/// `Some(seconds to wait)` when sending now would break a limit; else records the send.
fn over_limit(inner: &mut Inner, limits: RateLimits, chat: i64) -> Option<u64> {
    let now = Instant::now();
    let second = now.checked_sub(Duration::from_secs(1)).unwrap_or(now);
    let minute = now.checked_sub(Duration::from_secs(60)).unwrap_or(now);
    while inner.overall.front().is_some_and(|t| *t < second) {
        inner.overall.pop_front();
    }
    if inner.overall.len() >= limits.overall_per_sec {
        return Some(1);
    }
    let history = inner.per_chat.entry(chat).or_default();
    while history.front().is_some_and(|t| *t < minute) {
        history.pop_front();
    }
    if history.iter().filter(|t| **t >= second).count() >= limits.chat_per_sec {
        return Some(1);
    }
    if chat < 0 && history.len() >= limits.group_per_min {
        return Some(60);
    }
    history.push_back(now);
    inner.overall.push_back(now);
    None
}

fn chat_json(id: i64) -> Value {
    if id > 0 {
        json!({"id": id, "type": "private", "first_name": "User"})
    } else if id < -1_000_000_000_000 {
        json!({"id": id, "type": "supergroup", "title": "Group", "is_forum": true})
    } else {
        json!({"id": id, "type": "group", "title": "Group"})
    }
}

fn message_json(chat: i64, id: i64, text: &str, thread: Option<i64>) -> Value {
    let mut message = json!({
        "message_id": id,
        "date": 1_772_434_800,
        "chat": chat_json(chat),
        "from": {"id": BOT_ID, "is_bot": true, "first_name": "Briefbot", "username": BOT_USERNAME},
        "text": text,
    });
    if let Some(thread) = thread {
        message["message_thread_id"] = json!(thread);
        message["is_topic_message"] = json!(true);
    }
    message
}

fn chat_member(user: i64, status: &str) -> Value {
    let user = json!({"id": user, "is_bot": false, "first_name": "Member"});
    match status {
        "creator" => json!({"status": "creator", "user": user, "is_anonymous": false}),
        "administrator" => json!({
            "status": "administrator", "user": user, "can_be_edited": false,
            "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
            "can_manage_video_chats": true, "can_restrict_members": true,
            "can_promote_members": false, "can_change_info": true, "can_invite_users": true,
            "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false
        }),
        other => json!({"status": other, "user": user}),
    }
}

// ---- updates a test can push ----

pub fn user(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": format!("User{id}")})
}

/// A text message from `from` in `chat` (in forum topic `thread` if given).
pub fn message(chat: i64, from: Option<i64>, text: &str, thread: Option<i64>) -> Value {
    static NEXT: OnceLock<Mutex<i64>> = OnceLock::new();
    let mut next = NEXT
        .get_or_init(|| Mutex::new(10_000))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    *next += 1;
    let mut message = json!({
        "message_id": *next,
        "date": 1_772_434_800,
        "chat": chat_json(chat),
        "text": text,
    });
    if let Some(from) = from {
        message["from"] = user(from);
    }
    if let Some(thread) = thread {
        message["message_thread_id"] = json!(thread);
        message["is_topic_message"] = json!(true);
    }
    if text.starts_with('/') {
        let command_len = text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .encode_utf16()
            .count();
        message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": command_len}]);
    }
    message
}

pub fn channel_post(chat: i64, text: &str) -> Value {
    let mut post = message(chat, None, text, None);
    post["chat"] = json!({"id": chat, "type": "channel", "title": "Channel"});
    post["sender_chat"] = post["chat"].clone();
    json!({"channel_post": post})
}

/// A press on an inline button with `data`, under the bot's message `message_id` in `chat`.
pub fn callback(id: &str, from: i64, chat: i64, message_id: i64, data: &str) -> Value {
    json!({"callback_query": {
        "id": id,
        "from": user(from),
        "chat_instance": "ci",
        "data": data,
        "message": message_json(chat, message_id, "Which topic?", None),
    }})
}

// ---- Telegram HTML ----

/// Checks text the way Telegram parses `parse_mode=HTML`, restricted to what briefbot may
/// send: only `b i u s a code pre blockquote`, balanced, `a` only with an http(s) `href`, only
/// the entities Telegram knows. Returns the length after parsing in UTF-16 code units.
pub fn validate_html(html: &str) -> Result<usize, String> {
    const ALLOWED: [&str; 8] = ["b", "i", "u", "s", "a", "code", "pre", "blockquote"];
    let mut open: Vec<String> = Vec::new();
    let mut visible = 0usize;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or("unclosed tag")?;
                let tag = &rest[1..end];
                rest = &rest[end + 1..];
                if let Some(name) = tag.strip_prefix('/') {
                    match open.pop() {
                        Some(top) if top == name => {}
                        other => return Err(format!("</{name}> closes {other:?}")),
                    }
                    continue;
                }
                let (name, attributes) = tag.split_once(' ').unwrap_or((tag, ""));
                if !ALLOWED.contains(&name) {
                    return Err(format!("tag <{name}> is not allowed"));
                }
                if name == "a" {
                    let href = attributes
                        .strip_prefix("href=\"")
                        .and_then(|a| a.strip_suffix('"'))
                        .ok_or_else(|| format!("<a {attributes}> has no quoted href"))?;
                    if href.contains('"') || href.contains('<') {
                        return Err(format!("unescaped href {href}"));
                    }
                    let href = decode_entities(href)?;
                    let lower = href.to_ascii_lowercase();
                    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                        return Err(format!("link to non-http(s) URL {href:?}"));
                    }
                } else if !attributes.is_empty() {
                    return Err(format!("<{name}> has attributes"));
                }
                open.push(name.to_string());
            }
            '>' => return Err("bare >".into()),
            '&' => {
                let end = rest.find(';').ok_or("bare &")?;
                let decoded = decode_entities(&rest[..=end])?;
                visible += decoded.encode_utf16().count();
                rest = &rest[end + 1..];
            }
            c => {
                visible += c.len_utf16();
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(tag) = open.pop() {
        return Err(format!("<{tag}> is never closed"));
    }
    Ok(visible)
}

fn decode_entities(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find(';')
            .ok_or_else(|| format!("bare & in {text:?}"))?
            + start;
        let entity = &rest[start + 1..end];
        let decoded = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            e if e.starts_with('#') => {
                let number = e[1..]
                    .strip_prefix('x')
                    .map(|h| u32::from_str_radix(h, 16))
                    .unwrap_or_else(|| e[1..].parse());
                number
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("bad entity &{e};"))?
            }
            other => return Err(format!("unsupported entity &{other};")),
        };
        out.push(decoded);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

// ---- the API description ----

struct Field {
    name: String,
    types: Vec<String>,
    required: bool,
}

struct Method {
    name: String,
    fields: Vec<Field>,
}

struct Spec {
    methods: HashMap<String, Method>,
    /// Object types with fields, and abstract types with their subtypes.
    types: HashMap<String, (Vec<Field>, Vec<String>)>,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/specs/telegram-bot-api.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let value: Value = serde_json::from_str(&text).expect("spec is JSON");
        let fields = |v: &Value| -> Vec<Field> {
            v["fields"]
                .as_array()
                .map(|fields| {
                    fields
                        .iter()
                        .map(|f| Field {
                            name: f["name"].as_str().unwrap_or_default().to_string(),
                            types: f["types"]
                                .as_array()
                                .map(|t| {
                                    t.iter()
                                        .filter_map(|t| t.as_str().map(String::from))
                                        .collect()
                                })
                                .unwrap_or_default(),
                            required: f["required"].as_bool().unwrap_or(false),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let methods = value["methods"]
            .as_object()
            .expect("methods")
            .values()
            .map(|m| {
                let name = m["name"].as_str().unwrap_or_default().to_string();
                (
                    name.to_lowercase(),
                    Method {
                        name,
                        fields: fields(m),
                    },
                )
            })
            .collect();
        let types = value["types"]
            .as_object()
            .expect("types")
            .iter()
            .map(|(name, t)| {
                let subtypes = t["subtypes"]
                    .as_array()
                    .map(|s| {
                        s.iter()
                            .filter_map(|s| s.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                (name.clone(), (fields(t), subtypes))
            })
            .collect();
        Spec { methods, types }
    })
}

impl Spec {
    /// Method names are matched case-insensitively: teloxide sends `SendMessage`.
    fn method(&self, name: &str) -> Option<&Method> {
        self.methods.get(&name.to_lowercase())
    }

    fn check_fields(&self, fields: &[Field], value: &Value, at: &str) -> Vec<String> {
        let Some(object) = value.as_object() else {
            return vec![format!("{at} is not an object")];
        };
        let mut problems = Vec::new();
        for field in fields {
            match object.get(&field.name) {
                None | Some(Value::Null) if field.required => {
                    problems.push(format!("{at}: missing required field {}", field.name))
                }
                None | Some(Value::Null) => {}
                Some(v) => {
                    if !field.types.iter().any(|t| self.has_type(v, t)) {
                        problems.push(format!(
                            "{at}.{}: {v} is not {}",
                            field.name,
                            field.types.join(" or ")
                        ));
                    }
                }
            }
        }
        for key in object.keys() {
            if !fields.iter().any(|f| &f.name == key) {
                problems.push(format!("{at}: unknown field {key}"));
            }
        }
        problems
    }

    fn has_type(&self, value: &Value, ty: &str) -> bool {
        if let Some(inner) = ty.strip_prefix("Array of ") {
            return value
                .as_array()
                .is_some_and(|items| items.iter().all(|v| self.has_type(v, inner)));
        }
        match ty {
            "Integer" => value.is_i64() || value.is_u64(),
            "Float" => value.is_number(),
            "String" => value.is_string(),
            "Boolean" => value.is_boolean(),
            // Files go as multipart or a string (file id / URL).
            "InputFile" => value.is_string(),
            name => match self.types.get(name) {
                Some((_, subtypes)) if !subtypes.is_empty() => {
                    subtypes.iter().any(|s| self.has_type(value, s))
                }
                Some((fields, _)) if !fields.is_empty() => {
                    self.check_fields(fields, value, name).is_empty()
                }
                _ => value.is_object(),
            },
        }
    }
}
