//! Webhook mode: Telegram POSTs updates to our listener instead of us polling, so several
//! replicas can run behind one URL. teloxide's axum router checks
//! `X-Telegram-Bot-Api-Secret-Token` (a wrong or missing secret gets 401); we serve it.
//!
//! The webhook is registered on start but never deleted on stop: with several replicas, one
//! stopping must not cut the others off. `briefbot run` without a webhook URL (polling)
//! deletes it.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use secrecy::ExposeSecret;

use teloxide::payloads::SetWebhookSetters;
use teloxide::prelude::Requester;
use teloxide::update_listeners::UpdateListener;
use teloxide::update_listeners::webhooks::{Options, axum_no_setup};
use tokio::task::JoinHandle;

use super::{DEFAULT_WEBHOOK_LISTEN, TelegramBot, TelegramError, WebhookSettings};
use crate::http::server::{self, Limits};

/// Where Telegram puts the secret given to `setWebhook`.
const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Starts serving the webhook (on its own listener, or through the shared HTTP server), then
/// registers it with Telegram. Our own listener stops serving (gracefully) once the
/// dispatcher stops the returned update listener; the shared server stops with the process.
pub async fn listen(
    bot: &TelegramBot,
    settings: WebhookSettings,
) -> Result<
    (
        impl UpdateListener<Err = Infallible>,
        Option<JoinHandle<()>>,
    ),
    TelegramError,
> {
    let listen = match settings.listen {
        Some(listen) => listen,
        None => DEFAULT_WEBHOOK_LISTEN
            .parse()
            .map_err(|_| TelegramError::Config("default webhook address".into()))?,
    };
    let mut options = Options::new(listen, settings.url.clone());
    if let Some(secret) = settings.secret {
        options = options.secret_token(secret.expose_secret().clone());
    } else {
        tracing::warn!(
            "TELEGRAM_WEBHOOK_SECRET is unset: using a random secret, which other replicas do not share"
        );
    }
    let secret = options.get_or_gen_secret_token().to_string();
    let (listener, stopped, router) = axum_no_setup(options);
    // teloxide reads the whole body before it compares the secret (and not in constant
    // time): check the secret first, so an unauthenticated sender costs us a header.
    let expected = Arc::new(secret.clone().into_bytes());
    let router = router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let expected = expected.clone();
        async move {
            let presented = request
                .headers()
                .get(SECRET_HEADER)
                .map(|value| value.as_bytes())
                .unwrap_or_default();
            if server::secrets_match(presented, &expected) {
                next.run(request).await
            } else {
                (StatusCode::UNAUTHORIZED, "wrong or missing secret token").into_response()
            }
        }
    }));
    let server = match settings.shared {
        Some(shared) => {
            shared.set(router);
            // The dispatcher's stop resolves `stopped`; dropping the router then ends the
            // update stream, as our own server's shutdown does.
            Some(tokio::spawn(async move {
                stopped.await;
                shared.clear();
            }))
        }
        None => {
            let tcp = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|source| TelegramError::Listen {
                    address: listen,
                    cause: source,
                })?;
            Some(tokio::spawn(async move {
                // Without graceful shutdown tied to the listener's stop, shutdown would hang on
                // keep-alive connections.
                if let Err(error) = server::serve(tcp, router, Limits::default(), stopped).await {
                    tracing::error!(%error, "telegram webhook server failed");
                }
            }))
        }
    };
    // Registered once we serve it, so Telegram's first POST finds us listening.
    bot.set_webhook(settings.url.clone())
        .secret_token(secret)
        .await?;
    Ok((listener, server))
}

/// Waits for our own server, if any, to finish its requests in flight.
pub async fn finish(server: Option<JoinHandle<()>>) {
    if let Some(server) = server
        && let Err(error) = server.await
    {
        tracing::error!(%error, "telegram webhook server task failed");
    }
}
