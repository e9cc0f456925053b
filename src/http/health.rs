//! `/readyz`: a replica is ready for traffic when its database answers and its scheduler has
//! completed a round recently; `/healthz` (in `mod.rs`) only says the process serves HTTP.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use tokio::sync::watch;

use crate::app::App;

/// How long the database may take to answer a readiness probe.
const DATABASE_DEADLINE: Duration = Duration::from_secs(2);

pub struct Readiness {
    app: Arc<App>,
    stopping: watch::Receiver<bool>,
}

impl Readiness {
    pub fn new(app: Arc<App>, stopping: watch::Receiver<bool>) -> Self {
        Self { app, stopping }
    }

    /// The longest quiet spell of a working scheduler.
    fn stale_after(&self) -> Duration {
        crate::schedule::runner::replica_liveness(&self.app.config.schedule)
    }

    /// `Ok` when ready, else why not.
    pub async fn check(&self) -> Result<(), String> {
        if *self.stopping.borrow() {
            return Err("shutting down".into());
        }
        match tokio::time::timeout(DATABASE_DEADLINE, self.app.store.ping()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(format!("database: {error}")),
            Err(_) => {
                return Err(format!(
                    "database did not answer within {}s",
                    DATABASE_DEADLINE.as_secs()
                ));
            }
        }
        let now = chrono::Utc::now().timestamp();
        match self.app.heartbeat.last() {
            None => Err("scheduler has not completed a round yet".into()),
            Some(at) if now.saturating_sub(at) > self.stale_after().as_secs() as i64 => Err(
                format!("scheduler last completed a round {}s ago", now - at),
            ),
            Some(_) => Ok(()),
        }
    }
}

pub(super) async fn ready(State(readiness): State<Arc<Readiness>>) -> (StatusCode, String) {
    match readiness.check().await {
        Ok(()) => (StatusCode::OK, "ready\n".into()),
        Err(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {why}\n"),
        ),
    }
}
