//! A fake Discord REST API on 127.0.0.1 for serenity pointed at it with
//! `HttpBuilder::proxy(url).ratelimiter_disabled(true)`.
//!
//! Every request is checked against Discord's own OpenAPI description
//! (`tests/fixtures/specs/discord-openapi.json`): the route and method must exist and a JSON body
//! must fit the request schema (required fields, types, enums, lengths, item counts, numeric
//! bounds), plus the one limit a schema cannot say — 6000 characters across a message's
//! embeds. A request that does not fit is answered 400 like Discord would and recorded as a
//! violation, so tests assert `violations()` is empty.
//!
//! It also plays Discord where tests need it to: messages deduplicated by nonce when
//! `enforce_nonce` is set, scripted failures (`fail_next`), and optional rate limits (a global
//! bucket and a per-channel bucket for create-message) answered with 429 and `retry_after`.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path without the `/api/v10` prefix.
    pub path: String,
    /// The spec's route template it matched.
    pub route: String,
    pub body: Value,
}

/// Discord-like rate limits, scaled in time if the test likes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests per `window` across all routes.
    pub global: usize,
    /// Create-message requests per channel per `window * per_channel_windows`.
    pub per_channel: usize,
    pub window: Duration,
    /// Discord's per-channel bucket is 5 per 5 s: 5 global windows.
    pub per_channel_windows: u32,
}

struct Failure {
    path_contains: String,
    status: u16,
    body: Value,
}

struct Inner {
    spec: Value,
    requests: Mutex<Vec<Recorded>>,
    violations: Mutex<Vec<String>>,
    failures: Mutex<VecDeque<Failure>>,
    limits: Option<Limits>,
    global_window: Mutex<VecDeque<Instant>>,
    channel_windows: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// (channel, nonce) → message id, for `enforce_nonce`.
    nonces: Mutex<HashMap<(String, String), String>>,
    created: Mutex<Vec<(Instant, String)>>,
    rate_limited: AtomicUsize,
    next_id: AtomicU64,
    /// What `GET /gateway` and `/gateway/bot` hand out (a test's fake gateway).
    gateway_url: Mutex<String>,
}

#[derive(Clone)]
pub struct FakeDiscord {
    pub url: String,
    inner: Arc<Inner>,
}

pub fn spec() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs/discord-openapi.json");
    let text = std::fs::read_to_string(&path).expect("the Discord OpenAPI description");
    serde_json::from_str(&text).expect("spec JSON")
}

impl FakeDiscord {
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    pub async fn start_with(limits: Option<Limits>) -> Self {
        let inner = Arc::new(Inner {
            spec: spec(),
            requests: Mutex::default(),
            violations: Mutex::default(),
            failures: Mutex::default(),
            limits,
            global_window: Mutex::default(),
            channel_windows: Mutex::default(),
            nonces: Mutex::default(),
            created: Mutex::default(),
            rate_limited: AtomicUsize::new(0),
            next_id: AtomicU64::new(1_000_000),
            gateway_url: Mutex::new("ws://127.0.0.1:9".into()),
        });
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, inner }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.requests.lock().expect("lock").clone()
    }

    /// Requests whose path contains `part`.
    pub fn requests_to(&self, part: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.contains(part))
            .collect()
    }

    pub fn violations(&self) -> Vec<String> {
        self.inner.violations.lock().expect("lock").clone()
    }

    /// The next request whose path contains `path_contains` gets this answer.
    pub fn fail_next(&self, path_contains: &str, status: u16, body: Value) {
        self.inner
            .failures
            .lock()
            .expect("lock")
            .push_back(Failure {
                path_contains: path_contains.into(),
                status,
                body,
            });
    }

    /// Messages actually created (a deduplicated repeat does not count), with when.
    pub fn created(&self) -> Vec<(Instant, String)> {
        self.inner.created.lock().expect("lock").clone()
    }

    /// Sends serenity's gateway connection to this URL.
    pub fn set_gateway_url(&self, url: &str) {
        *self.inner.gateway_url.lock().expect("lock") = url.to_string();
    }

    pub fn rate_limited(&self) -> usize {
        self.inner.rate_limited.load(Ordering::SeqCst)
    }

    /// Checks a body against a route's request schema, as the server does.
    pub fn check(&self, method: &str, route: &str, body: &Value) -> Vec<String> {
        check_body(&self.inner.spec, method, route, body)
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_start_matches("/api/v10").to_string();
    let method = method.as_str().to_ascii_lowercase();
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(error) => {
                return violation(
                    &inner,
                    format!("{method} {path}: body is not JSON: {error}"),
                );
            }
        }
    };
    let Some(route) = find_route(&inner.spec, &path) else {
        return violation(&inner, format!("{method} {path}: no such route"));
    };
    inner.requests.lock().expect("lock").push(Recorded {
        method: method.clone(),
        path: path.clone(),
        route: route.clone(),
        body: body.clone(),
    });
    let problems = check_body(&inner.spec, &method, &route, &body);
    if !problems.is_empty() {
        return violation(&inner, format!("{method} {path}: {}", problems.join("; ")));
    }
    if let Some(failure) = take_failure(&inner, &path) {
        return json_reply(failure.status, failure.body);
    }
    if let Some(limited) = rate_limit(&inner, &method, &route, &path) {
        return limited;
    }
    answer(&inner, &method, &route, &path, &body)
}

fn violation(inner: &Inner, problem: String) -> Response {
    inner.violations.lock().expect("lock").push(problem.clone());
    json_reply(
        400,
        json!({"code": 50035, "message": format!("Invalid Form Body: {problem}")}),
    )
}

fn json_reply(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn take_failure(inner: &Inner, path: &str) -> Option<Failure> {
    let mut failures = inner.failures.lock().expect("lock");
    let index = failures
        .iter()
        .position(|f| path.contains(&f.path_contains))?;
    failures.remove(index)
}

/// Sliding windows: a request is refused when its bucket already holds `limit` requests that
/// started within the window; `retry_after` is when the oldest leaves it.
fn rate_limit(inner: &Inner, method: &str, route: &str, path: &str) -> Option<Response> {
    let limits = inner.limits?;
    let now = Instant::now();
    let over = |window: &mut VecDeque<Instant>, limit: usize, span: Duration| {
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= span)
        {
            window.pop_front();
        }
        if window.len() >= limit {
            let oldest = *window.front().expect("non-empty");
            return Some(span.saturating_sub(now.duration_since(oldest)));
        }
        None
    };
    {
        let mut global = inner.global_window.lock().expect("lock");
        if let Some(wait) = over(&mut global, limits.global, limits.window) {
            inner.rate_limited.fetch_add(1, Ordering::SeqCst);
            return Some(limited(wait, true));
        }
        global.push_back(now);
    }
    if method == "post" && route == "/channels/{channel_id}/messages" {
        let mut channels = inner.channel_windows.lock().expect("lock");
        let window = channels.entry(path.to_string()).or_default();
        let span = limits.window * limits.per_channel_windows;
        if let Some(wait) = over(window, limits.per_channel, span) {
            inner.rate_limited.fetch_add(1, Ordering::SeqCst);
            return Some(limited(wait, false));
        }
        window.push_back(now);
    }
    None
}

fn limited(wait: Duration, global: bool) -> Response {
    let seconds = (wait.as_secs_f64() * 1000.0).ceil() / 1000.0;
    let mut response = json_reply(
        429,
        json!({"message": "You are being rate limited.", "retry_after": seconds, "global": global}),
    );
    if let Ok(value) = format!("{}", seconds.ceil() as u64).parse() {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

fn answer(inner: &Inner, method: &str, route: &str, path: &str, body: &Value) -> Response {
    let id = || inner.next_id.fetch_add(1, Ordering::SeqCst).to_string();
    let segments: Vec<&str> = path.split('/').collect();
    match (method, route) {
        ("post", "/channels/{channel_id}/messages") => {
            let channel = segments.get(2).copied().unwrap_or("0").to_string();
            let nonce = body["nonce"].as_str().map(str::to_string);
            if body["enforce_nonce"] == json!(true)
                && let Some(nonce) = &nonce
                && let Some(existing) = inner
                    .nonces
                    .lock()
                    .expect("lock")
                    .get(&(channel.clone(), nonce.clone()))
            {
                return json_reply(200, message(existing, &channel));
            }
            let new_id = id();
            if let Some(nonce) = nonce {
                inner
                    .nonces
                    .lock()
                    .expect("lock")
                    .insert((channel.clone(), nonce), new_id.clone());
            }
            inner
                .created
                .lock()
                .expect("lock")
                .push((Instant::now(), channel.clone()));
            json_reply(200, message(&new_id, &channel))
        }
        ("post", "/interactions/{interaction_id}/{interaction_token}/callback") => {
            StatusCode::NO_CONTENT.into_response()
        }
        ("patch", _) | ("post", "/webhooks/{webhook_id}/{webhook_token}") => {
            json_reply(200, message(&id(), "100"))
        }
        ("put", "/applications/{application_id}/commands") => {
            let app = segments.get(2).copied().unwrap_or("1");
            let commands: Vec<Value> = body
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|mut c| {
                    c["id"] = json!(id());
                    c["application_id"] = json!(app);
                    c["version"] = json!("1");
                    if c.get("type").is_none() {
                        c["type"] = json!(1);
                    }
                    c
                })
                .collect();
            json_reply(200, Value::Array(commands))
        }
        ("get", "/gateway") => {
            let url = inner.gateway_url.lock().expect("lock").clone();
            json_reply(200, json!({ "url": url }))
        }
        ("get", "/gateway/bot") => {
            let url = inner.gateway_url.lock().expect("lock").clone();
            json_reply(
                200,
                json!({"url": url, "shards": 1,
                       "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}}),
            )
        }
        _ => json_reply(200, json!({})),
    }
}

/// A message as serenity parses it.
pub fn message(id: &str, channel: &str) -> Value {
    json!({
        "id": id, "channel_id": channel, "type": 0, "content": "",
        "author": {"id": "42", "username": "briefbot", "discriminator": "0000", "avatar": null, "bot": true},
        "timestamp": "2026-03-02T07:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "flags": 0
    })
}

/// The spec route whose template matches `path`, preferring literal segments over parameters.
fn find_route(spec: &Value, path: &str) -> Option<String> {
    let wanted: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let paths = spec["paths"].as_object()?;
    paths
        .keys()
        .filter_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != wanted.len() {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&wanted) {
                if part.starts_with('{') {
                    if segment.is_empty() {
                        return None;
                    }
                } else if part == segment {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, template.clone()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, template)| template)
}

fn check_body(spec: &Value, method: &str, route: &str, body: &Value) -> Vec<String> {
    let operation = &spec["paths"][route][method];
    if operation.is_null() {
        return vec![format!("{method} is not allowed on {route}")];
    }
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return Vec::new();
    }
    if body.is_null() && operation["requestBody"]["required"] == json!(true) {
        return vec!["a body is required".into()];
    }
    let mut problems = Vec::new();
    validate(spec, schema, body, "$", &mut problems);
    for (index, embeds) in message_embeds(body).into_iter().enumerate() {
        let total: usize = embeds.iter().map(embed_chars).sum();
        if total > 6000 {
            problems.push(format!(
                "message {index}: {total} characters across embeds (max 6000)"
            ));
        }
    }
    problems
}

/// The embeds of each message a body carries (a message, or an interaction callback's data).
fn message_embeds(body: &Value) -> Vec<Vec<Value>> {
    [&body["embeds"], &body["data"]["embeds"]]
        .into_iter()
        .filter_map(|e| e.as_array().cloned())
        .collect()
}

fn embed_chars(embed: &Value) -> usize {
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    len(&embed["title"])
        + len(&embed["description"])
        + len(&embed["footer"]["text"])
        + len(&embed["author"]["name"])
        + embed["fields"].as_array().map_or(0, |fields| {
            fields
                .iter()
                .map(|f| len(&f["name"]) + len(&f["value"]))
                .sum()
        })
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let mut node = spec;
            for part in reference.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            resolve(spec, node)
        }
        None => schema,
    }
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

/// A JSON Schema subset: enough of Discord's request schemas to catch what a bot gets wrong.
/// `oneOf` is checked like `anyOf` (some of Discord's alternatives overlap); `pattern` and
/// `format` are not checked.
fn validate(spec: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    match &schema["type"] {
        Value::String(kind) if !type_matches(kind, value) => {
            problems.push(format!("{at}: expected {kind}, got {value}"));
            return;
        }
        Value::Array(kinds)
            if !kinds
                .iter()
                .filter_map(Value::as_str)
                .any(|k| type_matches(k, value)) =>
        {
            problems.push(format!("{at}: expected one of {kinds:?}, got {value}"));
            return;
        }
        _ => {}
    }
    if let Some(choices) = schema["enum"].as_array()
        && !choices.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {choices:?}"));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema[key].as_array() {
            let mut best: Option<Vec<String>> = None;
            for option in options {
                let mut found = Vec::new();
                validate(spec, option, value, at, &mut found);
                if found.is_empty() {
                    best = Some(Vec::new());
                    break;
                }
                if best.as_ref().is_none_or(|b| found.len() < b.len()) {
                    best = Some(found);
                }
            }
            if let Some(found) = best
                && !found.is_empty()
            {
                problems.push(format!(
                    "{at}: fits none of the {key} alternatives (closest: {})",
                    found.join("; ")
                ));
            }
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            validate(spec, part, value, at, problems);
        }
    }
    match value {
        Value::String(text) => {
            let chars = text.chars().count() as u64;
            if let Some(max) = schema["maxLength"].as_u64()
                && chars > max
            {
                problems.push(format!("{at}: {chars} characters, max {max}"));
            }
            if let Some(min) = schema["minLength"].as_u64()
                && chars < min
            {
                problems.push(format!("{at}: {chars} characters, min {min}"));
            }
        }
        Value::Number(number) => {
            if let (Some(max), Some(n)) = (schema["maximum"].as_f64(), number.as_f64())
                && n > max
            {
                problems.push(format!("{at}: {n} > {max}"));
            }
            if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), number.as_f64())
                && n < min
            {
                problems.push(format!("{at}: {n} < {min}"));
            }
        }
        Value::Array(items) => {
            let count = items.len() as u64;
            if let Some(max) = schema["maxItems"].as_u64()
                && count > max
            {
                problems.push(format!("{at}: {count} items, max {max}"));
            }
            if let Some(min) = schema["minItems"].as_u64()
                && count < min
            {
                problems.push(format!("{at}: {count} items, min {min}"));
            }
            if !schema["items"].is_null() {
                for (index, item) in items.iter().enumerate() {
                    validate(
                        spec,
                        &schema["items"],
                        item,
                        &format!("{at}[{index}]"),
                        problems,
                    );
                }
            }
        }
        Value::Object(fields) => {
            if let Some(required) = schema["required"].as_array() {
                for name in required.iter().filter_map(Value::as_str) {
                    if !fields.contains_key(name) {
                        problems.push(format!("{at}: missing required {name}"));
                    }
                }
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, field) in fields {
                    match properties.get(name) {
                        Some(property) => {
                            validate(spec, property, field, &format!("{at}.{name}"), problems)
                        }
                        None if schema["additionalProperties"] == json!(false) => {
                            problems.push(format!("{at}: unknown field {name}"));
                        }
                        None => {}
                    }
                }
            }
        }
        _ => {}
    }
}
