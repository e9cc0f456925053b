//! The HTTP interactions endpoint, `POST /discord/interactions`: Discord posts each
//! interaction here instead of sending it over the gateway, so several replicas can answer
//! behind a load balancer without a gateway connection each.
//!
//! Every request must carry a valid Ed25519 signature of timestamp + body made with the
//! application's key (Discord itself sends bad signatures to check we refuse them): anything
//! else gets 401 before the body is even parsed. PING is answered with PONG.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serenity::interactions_endpoint::Verifier;
use serenity::model::application::Interaction;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

use super::DiscordError;
use super::respond::{Initial, Responder};

/// The route Discord is configured to call.
pub const PATH: &str = "/discord/interactions";
/// Discord gives up on an answer after 3 s; waiting longer only holds a connection.
const ANSWER_DEADLINE: Duration = Duration::from_secs(3);

#[derive(Clone)]
struct Endpoint {
    responder: Responder,
    verifier: Arc<Verifier>,
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
        })
}

/// Serves the endpoint until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), DiscordError> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() {
                    break;
                }
            }
        })
        .await
        .map_err(|e| DiscordError::Serve(e.to_string()))
}

async fn interaction(
    State(endpoint): State<Endpoint>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (
        header("X-Signature-Ed25519"),
        header("X-Signature-Timestamp"),
    ) else {
        return (StatusCode::UNAUTHORIZED, "missing signature").into_response();
    };
    if endpoint
        .verifier
        .verify(signature, timestamp, &body)
        .is_err()
    {
        return (StatusCode::UNAUTHORIZED, "invalid request signature").into_response();
    }
    let interaction: Interaction = match serde_json::from_slice(&body) {
        Ok(interaction) => interaction,
        Err(error) => {
            tracing::warn!(%error, "unreadable interaction");
            return (StatusCode::BAD_REQUEST, "unreadable interaction").into_response();
        }
    };
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
