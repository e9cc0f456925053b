//! A route whose handler arrives after the server starts: the Telegram webhook's router is
//! made by the bot task once it has checked its token, but the shared server must be up (for
//! `/healthz`) before then. Until the router is set, the path answers 503, which Telegram
//! retries. When the bot stops it takes the router back, which closes teloxide's update
//! stream (the router holds its sending end), and the path answers 503 again.

use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use tower::ServiceExt;

#[derive(Clone, Default)]
pub struct Deferred {
    router: Arc<RwLock<Option<Router>>>,
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deferred")
            .field("set", &current(&self.router).is_some())
            .finish()
    }
}

impl Deferred {
    /// Hands over the real router.
    pub fn set(&self, router: Router) {
        if let Ok(mut slot) = self.router.write() {
            *slot = Some(router);
        }
    }

    /// Takes the router back; requests in flight finish with their own copy.
    pub fn clear(&self) {
        if let Ok(mut slot) = self.router.write() {
            *slot = None;
        }
    }

    /// A router serving `path` through whatever router has been set by then.
    pub fn route(&self, path: &str) -> Router {
        let cell = self.router.clone();
        Router::new().route(
            path,
            any(move |request: Request| {
                let cell = cell.clone();
                async move { forward(&cell, request).await }
            }),
        )
    }
}

async fn forward(cell: &RwLock<Option<Router>>, request: Request) -> Response {
    match current(cell) {
        Some(router) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => (StatusCode::SERVICE_UNAVAILABLE, "not serving this path now").into_response(),
    }
}

fn current(cell: &RwLock<Option<Router>>) -> Option<Router> {
    cell.read().ok().and_then(|router| router.clone())
}
