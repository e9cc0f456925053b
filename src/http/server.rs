//! How briefbot listens on HTTP (the Discord interactions endpoint, the Telegram webhook):
//! safe to put on the open internet. `axum::serve` sets no header deadline and no connection
//! cap, so 300 connections that send one header byte a minute stay open for ever; here every
//! connection has a deadline for its request head (idle keep-alive included), every request a
//! deadline and a body limit, and the number of open connections is capped (the rest wait in
//! the kernel's backlog instead of taking file descriptors outbound deliveries need).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// What one listener allows. The defaults fit webhook traffic: small JSON bodies from a
/// platform that answers within seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to receive a request's head, counted from when the connection is ready for one
    /// (an idle keep-alive connection is closed after this too).
    pub header_read: Duration,
    /// Time to read the body and answer.
    pub request: Duration,
    /// Largest body read; Discord interactions and Telegram updates are a few KB.
    pub body_bytes: usize,
    /// Connections served at once.
    pub connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(30),
            body_bytes: 64 * 1024,
            connections: 256,
        }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then lets the
/// requests in flight finish (each within its own deadline).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let request_deadline = limits.request;
    let router = router
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            within(request_deadline, request, next)
        }));
    let slots = Arc::new(Semaphore::new(limits.connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            _ = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or a connection reset before accept: pause
                    // briefly rather than spin, and keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(router.clone());
        let mut stopping = stopping.clone();
        let header_read = limits.header_read;
        connections.spawn(async move {
            let _slot = slot;
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let stop_requested = async move {
                // The guard `wait_for` hands back must not live across the await below.
                let _ = stopping.wait_for(|stop| *stop).await.map(|_| ());
            };
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stop_requested => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%peer, %error, "connection closed with an error");
            }
        });
        // Reap finished connections so the set does not grow with every one ever served.
        while connections.try_join_next().is_some() {}
    }
    let _ = stop.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.request + limits.header_read, drain)
        .await
        .is_err()
    {
        tracing::warn!("connections still open at shutdown were closed");
    }
    Ok(())
}

async fn within(deadline: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "request took too long").into_response(),
    }
}

/// Compares a presented secret with the expected one in time that does not depend on where
/// they differ, so the secret cannot be guessed a byte at a time from response times.
pub fn secrets_match(presented: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    presented.len() == expected.len() && bool::from(presented.ct_eq(expected))
}
