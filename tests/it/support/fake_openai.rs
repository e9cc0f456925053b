//! A fake OpenAI-compatible Chat Completions server on 127.0.0.1 for the summarizer tests.
//!
//! - `POST /v1/chat/completions` answers from a script of `Reply`s, then with `Reply::Auto`:
//!   a grounded answer made from the request's own data (each story's first report title as
//!   its summary; the first headlines as the overview), so a test can tell model text from
//!   extractive text and the guard accepts it.
//! - Checks each request the way the real API does (no OpenAPI description of it is in
//!   `tests/fixtures/specs/`, so the rules follow OpenAI's API reference): `model` a string,
//!   `messages` a non-empty list of `{role, content}` with a known role, `max_tokens` /
//!   `max_completion_tokens` a positive integer, `temperature` within 0–2, `response_format`
//!   `text` or `json_object` (and then some message must say "JSON"), no unknown fields. A
//!   violation is answered with OpenAI's 400 error shape and recorded.
//! - With `expect_key`, a missing or wrong bearer token gets OpenAI's 401, which echoes the
//!   key it was given (so tests can check briefbot never repeats it).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// How the fake answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A grounded answer built from the request (see the module docs).
    Auto,
    /// A 200 completion with this message content.
    Content(String),
    /// This HTTP status with an OpenAI-style error body.
    Status(u16),
    /// A 200 whose body is not JSON at all.
    BrokenBody,
    /// Waits, then answers as the inner reply.
    Delayed(Duration, Box<Reply>),
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub authorization: Option<String>,
    pub body: Value,
    /// Why the fake refused it as the real API would; `None` when it was valid.
    pub violation: Option<String>,
}

impl Request {
    pub fn system(&self) -> &str {
        self.body["messages"][0]["content"].as_str().unwrap_or("")
    }

    pub fn user(&self) -> &str {
        self.body["messages"][1]["content"].as_str().unwrap_or("")
    }

    pub fn is_overview(&self) -> bool {
        self.system().contains("bottom_line")
    }

    /// Story requests: how many stories were asked for.
    pub fn story_count(&self) -> usize {
        self.user()
            .lines()
            .filter(|line| line.starts_with("Story "))
            .count()
    }
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    /// Answer used when the script is empty.
    fallback: Mutex<Option<Reply>>,
    requests: Mutex<Vec<Request>>,
    expect_key: Mutex<Option<String>>,
}

pub struct FakeOpenAi {
    /// The base URL to configure: `http://127.0.0.1:PORT/v1`.
    pub base_url: String,
    shared: Arc<Shared>,
}

impl FakeOpenAi {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake OpenAI");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{address}/v1"),
            shared,
        }
    }

    /// Answers the next requests with these replies, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script.lock().expect("lock").extend(replies);
    }

    /// Answers every request after the script with `reply` (default `Reply::Auto`).
    pub fn always(&self, reply: Reply) {
        *self.shared.fallback.lock().expect("lock") = Some(reply);
    }

    pub fn expect_key(&self, key: &str) {
        *self.shared.expect_key.lock().expect("lock") = Some(key.to_string());
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().expect("lock").clone()
    }

    pub fn count(&self) -> usize {
        self.shared.requests.lock().expect("lock").len()
    }

    /// Fails the test when any request broke the API's rules.
    pub fn assert_valid(&self) {
        for request in self.requests() {
            assert!(
                request.violation.is_none(),
                "invalid request {:?}: {}",
                request.violation,
                request.body
            );
        }
    }
}

async fn completions(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let violation = violation(&parsed);
    let reply = {
        let next = shared.script.lock().expect("lock").pop_front();
        next.or_else(|| shared.fallback.lock().expect("lock").clone())
            .unwrap_or(Reply::Auto)
    };
    shared.requests.lock().expect("lock").push(Request {
        authorization: authorization.clone(),
        body: parsed.clone(),
        violation: violation.clone(),
    });
    if let Some(expected) = shared.expect_key.lock().expect("lock").clone() {
        let given = authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .unwrap_or("");
        if given != expected {
            return error(
                401,
                &format!(
                    "Incorrect API key provided: {given}. You can find your API key at https://platform.openai.com/account/api-keys."
                ),
            );
        }
    }
    if let Some(message) = violation {
        return error(400, &message);
    }
    answer(reply, &parsed).await
}

async fn answer(reply: Reply, request: &Value) -> Response {
    let mut reply = reply;
    while let Reply::Delayed(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    match reply {
        Reply::Auto => completion(request, &auto_content(request)),
        Reply::Content(content) => completion(request, &content),
        Reply::Status(status) => error(status, "scripted failure"),
        Reply::BrokenBody => (StatusCode::OK, "<html>502 Bad Gateway</html>").into_response(),
        Reply::Delayed(..) => unreachable!("unwrapped above"),
    }
}

fn completion(request: &Value, content: &str) -> Response {
    let prompt_chars: usize = request["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["content"].as_str().map_or(0, str::len))
                .sum()
        })
        .unwrap_or(0);
    let (prompt_tokens, completion_tokens) = (prompt_chars / 4 + 1, content.len() / 4 + 1);
    axum::Json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_772_434_800,
        "model": request["model"],
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens
        }
    }))
    .into_response()
}

fn error(status: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let kind = match status {
        400 => "invalid_request_error",
        401 => "invalid_api_key",
        429 => "rate_limit_exceeded",
        _ => "server_error",
    };
    (
        code,
        axum::Json(
            json!({"error": {"message": message, "type": kind, "param": null, "code": null}}),
        ),
    )
        .into_response()
}

/// What the real API would refuse in this request body.
fn violation(body: &Value) -> Option<String> {
    const KNOWN: &[&str] = &[
        "model",
        "messages",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "response_format",
        "stream",
        "stop",
        "n",
        "seed",
        "user",
    ];
    let Some(object) = body.as_object() else {
        return Some("We could not parse the JSON body of your request.".into());
    };
    if let Some(unknown) = object.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Some(format!("Unrecognized request argument supplied: {unknown}"));
    }
    if !body["model"].is_string() {
        return Some("you must provide a model parameter".into());
    }
    let Some(messages) = body["messages"].as_array().filter(|m| !m.is_empty()) else {
        return Some("'messages' must be a non-empty array".into());
    };
    for (index, message) in messages.iter().enumerate() {
        let role_ok = matches!(
            message["role"].as_str(),
            Some("system" | "developer" | "user" | "assistant")
        );
        if !role_ok || !message["content"].is_string() {
            return Some(format!("Invalid value for 'messages[{index}]'"));
        }
    }
    for field in ["max_tokens", "max_completion_tokens"] {
        if let Some(value) = body.get(field)
            && value.as_u64().is_none_or(|n| n < 1)
        {
            return Some(format!(
                "Invalid '{field}': expected an integer of at least 1"
            ));
        }
    }
    if let Some(temperature) = body.get("temperature")
        && !temperature
            .as_f64()
            .is_some_and(|t| (0.0..=2.0).contains(&t))
    {
        return Some("Invalid 'temperature': expected a number between 0 and 2".into());
    }
    if let Some(format) = body.get("response_format") {
        match format["type"].as_str() {
            Some("text") => {}
            Some("json_object") => {
                let says_json = messages.iter().any(|m| {
                    m["content"]
                        .as_str()
                        .is_some_and(|c| c.to_lowercase().contains("json"))
                });
                if !says_json {
                    return Some("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.".into());
                }
            }
            _ => return Some("Invalid 'response_format.type'".into()),
        }
    }
    None
}

/// A grounded answer from the request's data block.
fn auto_content(request: &Value) -> String {
    let system = request["messages"][0]["content"].as_str().unwrap_or("");
    let user = request["messages"][1]["content"].as_str().unwrap_or("");
    let data: Vec<&str> = user
        .lines()
        .skip_while(|line| *line != "<<<DATA")
        .skip(1)
        .take_while(|line| *line != "DATA>>>")
        .collect();
    if system.contains("bottom_line") {
        // A well-behaved model follows the prompt's style rules; a headline that speaks to
        // the reader ("…mailing out your inbox") is not one it would copy into an overview.
        let headlines: Vec<String> = data
            .iter()
            .filter_map(|line| line.strip_prefix("- "))
            .map(|line| sentence(line.split(" (").next().unwrap_or(line)))
            .filter(|headline| {
                !headline
                    .split(|c: char| !c.is_alphanumeric() && c != '\'')
                    .any(|word| {
                        matches!(
                            word.to_lowercase().as_str(),
                            "you" | "your" | "you're" | "yours"
                        )
                    })
            })
            .collect();
        let overview = headlines
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let bottom_line = headlines.last().cloned().unwrap_or_default();
        return json!({"overview": overview, "bottom_line": bottom_line}).to_string();
    }
    let mut stories = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for line in data {
        if let Some(number) = line.strip_prefix("Story ") {
            if let Some((id, summary)) = current.take() {
                stories.push(json!({"id": id, "summary": summary}));
            }
            current = Some((number.trim().parse().unwrap_or(0), String::new()));
        } else if let Some(report) = line.strip_prefix("- ")
            && let Some((_, summary)) = current.as_mut()
            && summary.is_empty()
        {
            let text = report.split_once(": ").map_or(report, |(_, t)| t);
            let title = text.split(" — ").next().unwrap_or(text);
            *summary = sentence(title);
        }
    }
    if let Some((id, summary)) = current {
        stories.push(json!({"id": id, "summary": summary}));
    }
    json!({ "stories": stories }).to_string()
}

fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}
