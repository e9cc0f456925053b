//! One HTTP server for a replica (`[http] listen`): health and readiness for the
//! orchestrator, Prometheus metrics, the brief archive, and the platforms' inbound endpoints
//! (Discord interactions, the Telegram webhook) when those have no listener of their own.
//!
//! `server` is the hardened accept loop every listener uses; `Routes` puts the parts
//! together and refuses two parts that claim the same path, which axum would only find out
//! by panicking.

mod deferred;
mod health;
pub mod replay;
pub mod server;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use deferred::Deferred;
pub use health::Readiness;
pub use server::Limits;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("http.listen {listen:?} is not an address like 0.0.0.0:8080")]
    Address { listen: String },
    #[error("cannot listen on {address}: {cause}")]
    Bind {
        address: SocketAddr,
        cause: std::io::Error,
    },
    #[error(
        "{owner} wants the path {path:?}, which {taken_by} already serves; choose another path"
    )]
    PathTaken {
        owner: &'static str,
        path: String,
        taken_by: &'static str,
    },
}

/// The parts of the one server, each under paths it declares.
pub struct Routes {
    router: Router,
    claimed: Vec<(String, &'static str)>,
}

impl Routes {
    /// `/healthz`, `/readyz` and `/metrics`.
    pub fn new(readiness: Readiness) -> Self {
        let router = Router::new()
            .route("/healthz", get(|| async { "ok\n" }))
            .route(
                "/readyz",
                get(health::ready).with_state(Arc::new(readiness)),
            )
            .route("/metrics", get(metrics));
        Self {
            router,
            claimed: ["/healthz", "/readyz", "/metrics"]
                .into_iter()
                .map(|path| (path.to_string(), "briefbot"))
                .collect(),
        }
    }

    /// Adds `router`, which serves `paths` (exact paths, or prefixes ending in `/`).
    pub fn mount(
        mut self,
        owner: &'static str,
        paths: &[&str],
        router: Router,
    ) -> Result<Self, HttpError> {
        for path in paths {
            if let Some((_, taken_by)) = self
                .claimed
                .iter()
                .find(|(claimed, _)| overlaps(claimed, path))
            {
                return Err(HttpError::PathTaken {
                    owner,
                    path: path.to_string(),
                    taken_by,
                });
            }
        }
        self.claimed
            .extend(paths.iter().map(|path| (path.to_string(), owner)));
        self.router = self.router.merge(router);
        Ok(self)
    }

    pub fn into_router(self) -> Router {
        self.router
    }
}

/// Whether two claimed paths could route the same request. A path ending in `/` (other than
/// the root) claims everything under it; any other path only itself.
fn overlaps(a: &str, b: &str) -> bool {
    let covers = |prefix: &str, path: &str| {
        prefix.len() > 1
            && prefix.ends_with('/')
            && (path.starts_with(prefix) || path == prefix.trim_end_matches('/'))
    };
    a == b || covers(a, b) || covers(b, a)
}

async fn metrics() -> impl axum::response::IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::telemetry::render(),
    )
}

/// Binds `listen` and serves `routes` until `shutdown` turns true.
pub async fn start(
    listen: &str,
    routes: Routes,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>), HttpError> {
    let address: SocketAddr = listen.trim().parse().map_err(|_| HttpError::Address {
        listen: listen.to_string(),
    })?;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|cause| HttpError::Bind { address, cause })?;
    let bound = listener.local_addr().unwrap_or(address);
    // Archive pages and feeds are larger than webhook bodies, but requests stay small.
    let limits = Limits::default();
    let router = routes.into_router();
    let task = tokio::spawn(async move {
        let stopped = async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        };
        if let Err(error) = server::serve(listener, router, limits, stopped).await {
            tracing::error!(%error, "HTTP server failed");
        }
    });
    tracing::info!(address = %bound, "HTTP server listening (/healthz, /readyz, /metrics)");
    Ok((bound, task))
}

#[cfg(test)]
mod tests {
    use super::overlaps;

    #[test]
    fn paths_overlap_when_equal_or_nested() {
        assert!(overlaps("/metrics", "/metrics"));
        assert!(overlaps("/feeds/", "/feeds/chips.atom"));
        assert!(overlaps("/telegram/hook", "/telegram/"));
        assert!(overlaps("/", "/"));
        assert!(!overlaps("/", "/anything"));
        assert!(!overlaps("/feeds/", "/feedsx"));
        assert!(!overlaps("/discord/interactions", "/telegram/webhook"));
    }
}
