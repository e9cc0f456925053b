//! A fake Mattermost server on 127.0.0.1 following the documented REST API v4 for what briefbot
//! calls (https://developers.mattermost.com/api-documentation/):
//!
//! - `POST /api/v4/posts` — JSON body with `channel_id` and `message` (strings, required),
//!   optional `root_id` (string), `file_ids` (array of at most 10 strings), `props` and
//!   `metadata` (objects); no other field. The message is at most 16,383 characters. `201`
//!   with the created post; `403` when the bot is not in the channel, `404` for a channel
//!   that does not exist, `400 …can_not_post_to_deleted…` for an archived one.
//! - `GET /api/v4/users/{user_id}` — the user with its space-separated `roles`, or `404`.
//! - `GET /api/v4/channels/{channel_id}/members/{user_id}` — the membership with its `roles`,
//!   or `404`.
//!
//! Every request needs `Authorization: Bearer <bot token>` (else `401`). A request that does
//! not fit is answered `400` and recorded as a violation, so tests assert `violations()` is
//! empty.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const BOT_TOKEN: &str = "mm-bot-token";
pub const COMMAND_TOKEN: &str = "mm-command-token";

/// One created post.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: String,
    pub channel_id: String,
    pub root_id: Option<String>,
    pub message: String,
}

#[derive(Default)]
struct Channel {
    bot_member: bool,
    deleted: bool,
    admins: HashSet<String>,
    members: HashSet<String>,
}

#[derive(Default)]
struct Inner {
    violations: Mutex<Vec<String>>,
    posts: Mutex<Vec<Created>>,
    channels: Mutex<HashMap<String, Channel>>,
    users: Mutex<HashMap<String, String>>,
    failures: Mutex<VecDeque<(String, u16, String)>>,
    lookups: AtomicUsize,
    next_id: AtomicUsize,
}

#[derive(Clone)]
pub struct FakeMattermost {
    pub url: String,
    inner: Arc<Inner>,
}

/// A 26-character Mattermost id made from a short name, for readable tests.
pub fn id(name: &str) -> String {
    let mut id: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .take(26)
        .collect();
    while id.len() < 26 {
        id.push('0');
    }
    id
}

impl FakeMattermost {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
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

    /// A channel the bot is (or is not) a member of.
    pub fn add_channel(&self, channel: &str, bot_member: bool) {
        self.inner.channels.lock().expect("lock").insert(
            channel.into(),
            Channel {
                bot_member,
                ..Channel::default()
            },
        );
    }

    pub fn archive_channel(&self, channel: &str) {
        if let Some(c) = self.inner.channels.lock().expect("lock").get_mut(channel) {
            c.deleted = true;
        }
    }

    /// A user with these system roles (`system_user`, `system_admin`), member of `channel`,
    /// as its admin when `channel_admin`.
    pub fn add_user(&self, user: &str, roles: &str, channel: &str, channel_admin: bool) {
        self.inner
            .users
            .lock()
            .expect("lock")
            .insert(user.into(), roles.into());
        if let Some(c) = self.inner.channels.lock().expect("lock").get_mut(channel) {
            c.members.insert(user.into());
            if channel_admin {
                c.admins.insert(user.into());
            }
        }
    }

    /// The next request whose path contains `path_contains` gets this status and error id.
    pub fn fail_next(&self, path_contains: &str, status: u16, error_id: &str) {
        self.inner.failures.lock().expect("lock").push_back((
            path_contains.into(),
            status,
            error_id.into(),
        ));
    }

    pub fn posts(&self) -> Vec<Created> {
        self.inner.posts.lock().expect("lock").clone()
    }

    pub fn violations(&self) -> Vec<String> {
        self.inner.violations.lock().expect("lock").clone()
    }

    /// User and membership look-ups answered so far.
    pub fn lookups(&self) -> usize {
        self.inner.lookups.load(Ordering::SeqCst)
    }
}

fn reply(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error(status: u16, id: &str) -> Response {
    reply(
        status,
        json!({"id": id, "message": "fake Mattermost refused", "detailed_error": "",
               "request_id": "r", "status_code": status}),
    )
}

fn violation(inner: &Inner, problem: String) -> Response {
    inner.violations.lock().expect("lock").push(problem);
    error(400, "api.context.invalid_body_param.app_error")
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let authorised = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {BOT_TOKEN}"));
    if !authorised {
        return error(401, "api.context.session_expired.app_error");
    }
    {
        let mut failures = inner.failures.lock().expect("lock");
        if let Some(index) = failures
            .iter()
            .position(|(p, _, _)| path.contains(p.as_str()))
        {
            let (_, status, id) = failures.remove(index).expect("present");
            return error(status, &id);
        }
    }
    let segments: Vec<&str> = path.trim_start_matches("/api/v4/").split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["posts"]) => create_post(&inner, &headers, &body),
        ("GET", ["users", user]) => {
            inner.lookups.fetch_add(1, Ordering::SeqCst);
            match inner.users.lock().expect("lock").get(*user) {
                Some(roles) => reply(200, json!({"id": user, "username": "ada", "roles": roles})),
                None => error(404, "app.user.missing_account.const"),
            }
        }
        ("GET", ["channels", channel, "members", user]) => {
            inner.lookups.fetch_add(1, Ordering::SeqCst);
            let channels = inner.channels.lock().expect("lock");
            match channels.get(*channel) {
                Some(c) if c.members.contains(*user) => {
                    let roles = if c.admins.contains(*user) {
                        "channel_user channel_admin"
                    } else {
                        "channel_user"
                    };
                    reply(
                        200,
                        json!({"channel_id": channel, "user_id": user, "roles": roles,
                        "last_viewed_at": 0, "msg_count": 0, "mention_count": 0,
                        "notify_props": {}, "last_update_at": 0}),
                    )
                }
                _ => error(404, "app.channel.get_member.missing.app_error"),
            }
        }
        _ => violation(
            &inner,
            format!("{method} {path}: not part of the API briefbot uses"),
        ),
    }
}

fn create_post(inner: &Inner, headers: &HeaderMap, body: &[u8]) -> Response {
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let Ok(post) = serde_json::from_slice::<Value>(body) else {
        return violation(inner, "POST /posts: body is not JSON".into());
    };
    let mut problems = Vec::new();
    if !json_body {
        problems.push("content type is not application/json".to_string());
    }
    let Some(fields) = post.as_object() else {
        return violation(inner, "POST /posts: body is not an object".into());
    };
    for (name, value) in fields {
        let fits = match name.as_str() {
            "channel_id" | "message" | "root_id" => value.is_string(),
            "file_ids" => value
                .as_array()
                .is_some_and(|ids| ids.len() <= 10 && ids.iter().all(Value::is_string)),
            "props" | "metadata" => value.is_object(),
            _ => false,
        };
        if !fits {
            problems.push(format!("field {name} = {value}"));
        }
    }
    for required in ["channel_id", "message"] {
        if !fields.contains_key(required) {
            problems.push(format!("missing {required}"));
        }
    }
    let message = post["message"].as_str().unwrap_or("").to_string();
    if message.chars().count() > 16_383 {
        problems.push(format!("message of {} characters", message.chars().count()));
    }
    if !problems.is_empty() {
        return violation(inner, format!("POST /posts: {}", problems.join("; ")));
    }
    let channel_id = post["channel_id"].as_str().unwrap_or("").to_string();
    {
        let channels = inner.channels.lock().expect("lock");
        match channels.get(&channel_id) {
            None => return error(404, "app.channel.get.existing.app_error"),
            Some(c) if !c.bot_member => return error(403, "api.context.permissions.app_error"),
            Some(c) if c.deleted => {
                return error(400, "api.post.create_post.can_not_post_to_deleted.error");
            }
            Some(_) => {}
        }
    }
    let id = format!("post{:022}", inner.next_id.fetch_add(1, Ordering::SeqCst));
    let root_id = post["root_id"].as_str().map(str::to_string);
    inner.posts.lock().expect("lock").push(Created {
        id: id.clone(),
        channel_id: channel_id.clone(),
        root_id: root_id.clone(),
        message: message.clone(),
    });
    reply(
        201,
        json!({"id": id, "create_at": 1, "update_at": 1, "delete_at": 0, "edit_at": 0,
               "user_id": "bot", "channel_id": channel_id, "root_id": root_id.unwrap_or_default(),
               "message": message, "type": "", "props": {}}),
    )
}
