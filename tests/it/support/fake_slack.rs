//! A fake Slack on 127.0.0.1: the Web API under `/api/` and the `response_url`s of slash
//! commands under `/response/`.
//!
//! Every Web API call is checked against Slack's own OpenAPI description
//! (`tests/fixtures/specs/slack-web-openapi.json`): the method must exist with that HTTP
//! method and content type, every required argument must be there (the token may come as
//! `Authorization: Bearer`, as Slack allows), no argument the method does not take, and each
//! argument of the declared type. `blocks` must be a JSON array within Block Kit's limits (50
//! blocks, 3,000 characters per section, 150 per header, 10 context elements, ~13,000 in
//! all). A call that does not fit is answered `invalid_arguments` and recorded as a
//! violation, so tests assert `violations()` is empty.
//!
//! It also plays Slack where tests need it to: one message a second per channel (faster gets
//! HTTP 429 with `Retry-After`), scripted errors (`fail_next`), users who are or are not
//! admins, channels with creators, and slash commands signed as Slack signs them.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};

pub const TOKEN: &str = "xoxb-test-token";
pub const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

/// One accepted `chat.postMessage`.
#[derive(Debug, Clone)]
pub struct Posted {
    pub channel: String,
    pub thread_ts: Option<String>,
    pub text: String,
    pub blocks: Value,
    pub ts: String,
    pub at: Instant,
}

/// One JSON body posted to a `response_url`.
#[derive(Debug, Clone)]
pub struct Responded {
    pub id: String,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    spec: Value,
    calls: Mutex<Vec<(String, HashMap<String, String>)>>,
    violations: Mutex<Vec<String>>,
    failures: Mutex<VecDeque<(String, String)>>,
    posted: Mutex<Vec<Posted>>,
    responses: Mutex<Vec<Responded>>,
    last_post: Mutex<HashMap<String, Instant>>,
    admins: Mutex<HashMap<String, bool>>,
    creators: Mutex<HashMap<String, String>>,
    rate_limited: AtomicUsize,
    per_channel: Mutex<Duration>,
    next_ts: AtomicUsize,
}

#[derive(Clone)]
pub struct FakeSlack {
    /// Where the Web API is: `SLACK_API_URL`.
    pub api_url: String,
    pub url: String,
    inner: Arc<Inner>,
}

pub fn spec() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs/slack-web-openapi.json");
    let text = std::fs::read_to_string(&path).expect("the Slack Web API description");
    serde_json::from_str(&text).expect("spec JSON")
}

impl FakeSlack {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner {
            spec: spec(),
            per_channel: Mutex::new(Duration::from_secs(1)),
            next_ts: AtomicUsize::new(1),
            ..Inner::default()
        });
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            api_url: format!("{url}/api/"),
            url,
            inner,
        }
    }

    /// A member; `admin` makes them a workspace admin.
    pub fn add_user(&self, id: &str, admin: bool) {
        self.inner
            .admins
            .lock()
            .expect("lock")
            .insert(id.into(), admin);
    }

    /// A channel created by `creator`.
    pub fn add_channel(&self, id: &str, creator: &str) {
        self.inner
            .creators
            .lock()
            .expect("lock")
            .insert(id.into(), creator.into());
    }

    /// The next call of `method` answers `{"ok": false, "error": error}`.
    pub fn fail_next(&self, method: &str, error: &str) {
        self.inner
            .failures
            .lock()
            .expect("lock")
            .push_back((method.into(), error.into()));
    }

    pub fn violations(&self) -> Vec<String> {
        self.inner.violations.lock().expect("lock").clone()
    }

    pub fn posted(&self) -> Vec<Posted> {
        self.inner.posted.lock().expect("lock").clone()
    }

    /// Every Web API call with its arguments, in order.
    pub fn calls(&self) -> Vec<(String, HashMap<String, String>)> {
        self.inner.calls.lock().expect("lock").clone()
    }

    pub fn rate_limited(&self) -> usize {
        self.inner.rate_limited.load(Ordering::SeqCst)
    }

    /// A `response_url` for one slash command.
    pub fn response_url(&self, id: &str) -> String {
        format!("{}/response/{id}", self.url)
    }

    /// What was posted to `response_url(id)` so far.
    pub fn responses(&self, id: &str) -> Vec<Value> {
        self.inner
            .responses
            .lock()
            .expect("lock")
            .iter()
            .filter(|r| r.id == id)
            .map(|r| r.body.clone())
            .collect()
    }

    /// Waits up to five seconds for `count` answers at `response_url(id)`.
    pub async fn wait_for_responses(&self, id: &str, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let responses = self.responses(id);
            if responses.len() >= count || Instant::now() > deadline {
                return responses;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Slack's signature of a request: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
pub fn sign(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2_next::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v0={hex}")
}

/// A slash command's form body as Slack sends it.
pub fn command_form(fake: &FakeSlack, id: &str, user: &str, channel: &str, text: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", "deprecated-verification-token")
        .append_pair("team_id", "T0001")
        .append_pair("team_domain", "example")
        .append_pair("channel_id", channel)
        .append_pair("channel_name", "general")
        .append_pair("user_id", user)
        .append_pair("user_name", "ada")
        .append_pair("command", "/briefbot")
        .append_pair("text", text)
        .append_pair("api_app_id", "A0001")
        .append_pair("is_enterprise_install", "false")
        .append_pair("response_url", &fake.response_url(id))
        .append_pair("trigger_id", &format!("{id}.1.abc"))
        .finish()
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    if let Some(id) = path.strip_prefix("/response/") {
        return respond(&inner, id, &body);
    }
    let Some(name) = path.strip_prefix("/api/") else {
        return violation(&inner, format!("{path}: not under /api/"));
    };
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let args: HashMap<String, String> = if method == Method::GET {
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    } else {
        url::form_urlencoded::parse(&body).into_owned().collect()
    };
    inner
        .calls
        .lock()
        .expect("lock")
        .push((name.to_string(), args.clone()));
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let problems = check_call(
        &inner.spec,
        name,
        &method,
        &content_type,
        &args,
        bearer.is_some(),
    );
    if !problems.is_empty() {
        return violation(&inner, format!("{method} {name}: {}", problems.join("; ")));
    }
    if bearer.as_deref().or(args.get("token").map(String::as_str)) != Some(TOKEN) {
        return ok_false("invalid_auth");
    }
    if let Some(error) = take_failure(&inner, name) {
        return ok_false(&error);
    }
    match name {
        "chat.postMessage" => post_message(&inner, &args),
        "users.info" => {
            let user = args.get("user").cloned().unwrap_or_default();
            match inner.admins.lock().expect("lock").get(&user) {
                Some(admin) => reply(json!({"ok": true, "user": {
                    "id": user, "name": "ada", "profile": {}, "is_admin": admin,
                    "is_owner": false, "is_primary_owner": false, "is_bot": false}})),
                None => ok_false("user_not_found"),
            }
        }
        "conversations.info" => {
            let channel = args.get("channel").cloned().unwrap_or_default();
            match inner.creators.lock().expect("lock").get(&channel) {
                Some(creator) => reply(json!({"ok": true, "channel": {
                    "id": channel, "name": "general", "is_channel": true, "created": 1_600_000_000,
                    "creator": creator, "is_archived": false}})),
                None => ok_false("channel_not_found"),
            }
        }
        _ => reply(json!({"ok": true})),
    }
}

fn post_message(inner: &Inner, args: &HashMap<String, String>) -> Response {
    let channel = args.get("channel").cloned().unwrap_or_default();
    let now = Instant::now();
    let interval = *inner.per_channel.lock().expect("lock");
    {
        let mut last = inner.last_post.lock().expect("lock");
        if let Some(previous) = last.get(&channel)
            && now.duration_since(*previous) < interval
        {
            inner.rate_limited.fetch_add(1, Ordering::SeqCst);
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                [("content-type", "application/json")],
                json!({"ok": false, "error": "ratelimited"}).to_string(),
            )
                .into_response();
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
            return response;
        }
        last.insert(channel.clone(), now);
    }
    let ts = format!(
        "1712345678.{:06}",
        inner.next_ts.fetch_add(1, Ordering::SeqCst)
    );
    let text = args.get("text").cloned().unwrap_or_default();
    let blocks = args
        .get("blocks")
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    inner.posted.lock().expect("lock").push(Posted {
        channel: channel.clone(),
        thread_ts: args.get("thread_ts").cloned(),
        text: text.clone(),
        blocks,
        ts: ts.clone(),
        at: now,
    });
    reply(json!({"ok": true, "channel": channel, "ts": ts,
        "message": {"type": "message", "text": text, "ts": ts}}))
}

fn respond(inner: &Inner, id: &str, body: &[u8]) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return violation(inner, format!("response_url {id}: body is not JSON"));
    };
    let mut problems = Vec::new();
    if !matches!(
        body["response_type"].as_str(),
        Some("in_channel" | "ephemeral")
    ) {
        problems.push(format!("response_type {}", body["response_type"]));
    }
    problems.extend(check_message(&body["text"], &body["blocks"]));
    if !problems.is_empty() {
        return violation(inner, format!("response_url {id}: {}", problems.join("; ")));
    }
    let mut responses = inner.responses.lock().expect("lock");
    if responses.iter().filter(|r| r.id == id).count() >= 5 {
        return violation(inner, format!("response_url {id}: more than five answers"));
    }
    responses.push(Responded {
        id: id.to_string(),
        body,
    });
    (StatusCode::OK, "ok").into_response()
}

fn take_failure(inner: &Inner, method: &str) -> Option<String> {
    let mut failures = inner.failures.lock().expect("lock");
    let index = failures.iter().position(|(m, _)| m == method)?;
    failures.remove(index).map(|(_, error)| error)
}

fn reply(body: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn ok_false(error: &str) -> Response {
    reply(json!({"ok": false, "error": error}))
}

fn violation(inner: &Inner, problem: String) -> Response {
    inner.violations.lock().expect("lock").push(problem);
    ok_false("invalid_arguments")
}

/// A call against the method's description: HTTP method, content type, arguments and types.
fn check_call(
    spec: &Value,
    name: &str,
    method: &Method,
    content_type: &str,
    args: &HashMap<String, String>,
    has_bearer: bool,
) -> Vec<String> {
    let Some(operations) = spec["paths"][format!("/{name}")].as_object() else {
        return vec!["no such method".into()];
    };
    let verb = method.as_str().to_ascii_lowercase();
    let Some(operation) = operations.get(&verb) else {
        return vec![format!("{verb} is not how {name} is called")];
    };
    let mut problems = Vec::new();
    if verb == "post" {
        let consumes: Vec<&str> = operation["consumes"]
            .as_array()
            .map(|c| c.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let kind = content_type.split(';').next().unwrap_or("").trim();
        if kind != "application/x-www-form-urlencoded" || !consumes.contains(&kind) {
            problems.push(format!("content type {content_type:?}, takes {consumes:?}"));
        }
    }
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for parameter in &parameters {
        let name = parameter["name"].as_str().unwrap_or("");
        let present = args.contains_key(name) || (name == "token" && has_bearer);
        if parameter["required"] == json!(true) && !present {
            problems.push(format!("missing required {name}"));
        }
        if let Some(value) = args.get(name) {
            let fits = match parameter["type"].as_str() {
                Some("boolean") => matches!(value.as_str(), "true" | "false" | "1" | "0"),
                Some("integer") => value.parse::<i64>().is_ok(),
                Some("number") => value.parse::<f64>().is_ok(),
                _ => true,
            };
            if !fits {
                problems.push(format!("{name}={value:?} is not a {}", parameter["type"]));
            }
        }
    }
    for arg in args.keys() {
        if !parameters.iter().any(|p| p["name"] == json!(arg)) {
            problems.push(format!("{name} takes no argument {arg}"));
        }
    }
    if name == "chat.postMessage" {
        let blocks = match args.get("blocks") {
            None => Value::Null,
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(blocks) => blocks,
                Err(_) => {
                    problems.push("blocks is not JSON".into());
                    Value::Null
                }
            },
        };
        let text = args.get("text").map_or(Value::Null, |t| json!(t));
        problems.extend(check_message(&text, &blocks));
    }
    problems
}

/// Length as Slack counts it, erring long: UTF-16 code units.
fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Block Kit's limits for a message's `text` and `blocks`.
pub fn check_message(text: &Value, blocks: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let text = text.as_str().unwrap_or("");
    if text.trim().is_empty() && blocks.is_null() {
        problems.push("no_text".into());
    }
    if units(text) > 40_000 {
        problems.push(format!("text of {}", units(text)));
    }
    if blocks.is_null() {
        return problems;
    }
    let Some(blocks) = blocks.as_array() else {
        return vec!["blocks is not an array".into()];
    };
    if blocks.len() > 50 {
        problems.push(format!("{} blocks", blocks.len()));
    }
    let mut total = 0;
    for (index, block) in blocks.iter().enumerate() {
        let text_object =
            |object: &Value, max: usize, kinds: &[&str], problems: &mut Vec<String>| {
                let kind = object["type"].as_str().unwrap_or("");
                let body = object["text"].as_str().unwrap_or("");
                if !kinds.contains(&kind) || body.is_empty() || units(body) > max {
                    problems.push(format!(
                        "block {index}: {kind} text of {} (max {max})",
                        units(body)
                    ));
                }
                units(body)
            };
        match block["type"].as_str() {
            Some("header") => {
                total += text_object(&block["text"], 150, &["plain_text"], &mut problems);
            }
            Some("section") => {
                total += text_object(
                    &block["text"],
                    3000,
                    &["plain_text", "mrkdwn"],
                    &mut problems,
                );
            }
            Some("context") => {
                let elements = block["elements"].as_array().cloned().unwrap_or_default();
                if elements.is_empty() || elements.len() > 10 {
                    problems.push(format!(
                        "block {index}: {} context elements",
                        elements.len()
                    ));
                }
                for element in &elements {
                    total += text_object(element, 3000, &["plain_text", "mrkdwn"], &mut problems);
                }
            }
            Some("divider") => {}
            other => problems.push(format!("block {index}: unexpected type {other:?}")),
        }
    }
    // Slack refuses blocks holding much more than this in all (`msg_blocks_too_long`).
    if total > 13_000 {
        problems.push(format!("{total} characters across blocks"));
    }
    problems
}
