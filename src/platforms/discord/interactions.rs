//! The HTTP interactions endpoint, `POST /discord/interactions`: Discord posts each
//! interaction here instead of sending it over the gateway, so several replicas can answer
//! behind a load balancer without a gateway connection each.
//!
//! Every request must carry a valid Ed25519 signature of timestamp + body made with the
//! application's key (Discord itself sends bad signatures to check we refuse them): anything
//! else gets 401. The headers and the timestamp are checked before the body is read, a
//! timestamp more than five minutes from now is refused, and an interaction id seen within
//! that window is refused again, so a captured request cannot be replayed. PING is answered
//! with PONG.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{RequestExt, Router};
use serenity::interactions_endpoint::Verifier;
use serenity::model::application::Interaction;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

use super::DiscordError;
use super::respond::{Initial, Responder};
use crate::http::replay::Seen;
use crate::http::server::{self, Limits};

/// The route Discord is configured to call.
pub const PATH: &str = "/discord/interactions";
/// Discord gives up on an answer after 3 s; waiting longer only holds a connection.
const ANSWER_DEADLINE: Duration = Duration::from_secs(3);

/// How far a signed timestamp may be from now, either way.
const FRESHNESS: Duration = Duration::from_secs(5 * 60);
#[derive(Clone)]
struct Endpoint {
    responder: Responder,
    verifier: Arc<Verifier>,
    seen: Arc<Seen>,
}

/// Reads the application's public key as Discord shows it (64 hex digits).
pub fn verifier(public_key_hex: &str) -> Result<Verifier, DiscordError> {
    let hex = public_key_hex.trim();
    let invalid = || DiscordError::PublicKey("expected 64 hex digits".into());
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(invalid());
    }
    let mut key = [0u8; 32];
    for (index, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[index * 2..index * 2 + 2], 16).map_err(|_| invalid())?;
    }
    Verifier::try_new(key).map_err(|_| DiscordError::PublicKey("not an Ed25519 key".into()))
}

pub fn router(responder: Responder, verifier: Verifier) -> Router {
    Router::new()
        .route(PATH, post(interaction))
        .with_state(Endpoint {
            responder,
            verifier: Arc::new(verifier),
            seen: Arc::new(Seen::new(FRESHNESS)),
        })
}

/// Serves the endpoint until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), DiscordError> {
    let stopped = async move {
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
    };
    server::serve(listener, router, Limits::default(), stopped)
        .await
        .map_err(|e| DiscordError::Serve(e.to_string()))
}

fn refuse(why: &'static str) -> Response {
    (StatusCode::UNAUTHORIZED, why).into_response()
}

async fn interaction(State(endpoint): State<Endpoint>, request: Request) -> Response {
    // The listener's body limit, applied to the raw body read below.
    let (parts, body) = request.with_limited_body().into_parts();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (
        header("X-Signature-Ed25519"),
        header("X-Signature-Timestamp"),
    ) else {
        return refuse("missing signature");
    };
    let now = endpoint.responder.clock.now().timestamp();
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|signed| signed.abs_diff(now) <= FRESHNESS.as_secs());
    if !fresh {
        return refuse("stale or unreadable signature timestamp");
    }
    // Only now is the body read, within the listener's body limit.
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large or cut short").into_response();
    };
    if endpoint
        .verifier
        .verify(signature, timestamp, &body)
        .is_err()
    {
        return refuse("invalid request signature");
    }
    let interaction: Interaction = match serde_json::from_slice(&body) {
        Ok(interaction) => interaction,
        Err(error) => {
            tracing::warn!(%error, "unreadable interaction");
            return (StatusCode::BAD_REQUEST, "unreadable interaction").into_response();
        }
    };
    let id = interaction_id(&body).unwrap_or_else(|| signature.to_string());
    if !endpoint.seen.first_sighting(&id, now) {
        tracing::warn!(%id, "a signed interaction was replayed");
        return refuse("interaction already answered");
    }
    let (answer, answered) = oneshot::channel();
    let responder = endpoint.responder.clone();
    // The handler keeps running after the first answer (edits, follow-ups).
    tokio::spawn(async move {
        responder
            .handle(interaction, Initial::HttpReply(answer))
            .await
    });
    match tokio::time::timeout(ANSWER_DEADLINE, answered).await {
        Ok(Ok(response)) => match serde_json::to_vec(&response) {
            Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "unencodable answer").into_response(),
        },
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "no answer").into_response(),
    }
}

/// The id every interaction carries, whatever its kind (serenity's enum has kinds it cannot
/// name, and an unnamed kind must not share one id with all the others).
fn interaction_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    serde_json::from_slice::<Id>(body).ok().map(|i| i.id)
}
