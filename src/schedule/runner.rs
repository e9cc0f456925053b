//! The scheduler: turns due schedules into ledger rows (`tick`), and claims and delivers those
//! rows (`work`). Several processes may run both at once; the ledger's unique key and claim
//! leases keep every brief to one delivery.
//!
//! Send first, then record as sent: a crash between the two repeats that one brief when the
//! lease runs out (and the platforms that can, drop the repeat by its idempotency key) — a
//! crash never loses one.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use chrono::DateTime;
use futures::{FutureExt, StreamExt};
use tokio::sync::watch;

use super::clock::Clock;
use super::deliver::{Outcome, deliver};
use super::policy::format_duration;
use super::shared_briefs::SharedBriefs;
use super::spec::Schedule;
use crate::app::App;
use crate::delivery::Messengers;
use crate::periodic::Rounds;
use crate::storage::{
    Backend, ClaimedDelivery, DeliveryStatus, DueRow, DueRows, LedgerAction, NEVER, StorageError,
    Subscription,
};
use crate::telemetry;

/// Missed occurrences recorded per subscription after downtime; older ones are not listed.
const MAX_BACKFILL: usize = 24;
/// Due subscriptions read per tick.
const TICK_BATCH: i64 = 1_000;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    /// Deliveries newly due.
    pub scheduled: usize,
    /// Occurrences missed by more than the grace period, recorded as skipped.
    pub missed: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WorkReport {
    pub sent: usize,
    pub retried: usize,
    pub skipped: usize,
    pub failed: usize,
}

impl WorkReport {
    pub fn total(&self) -> usize {
        self.sent + self.retried + self.skipped + self.failed
    }
}

pub struct Scheduler {
    app: Arc<App>,
    messengers: Messengers,
    clock: Arc<dyn Clock>,
    worker: String,
    /// Briefs built during a fan-out, shared by the destinations that get the same one.
    shared_briefs: SharedBriefs,
    /// When `beat` last asked the database for the oldest due brief.
    last_metered: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Scheduler {
    pub fn new(app: Arc<App>, messengers: Messengers, clock: Arc<dyn Clock>) -> Self {
        let worker = worker_id();
        Self {
            app,
            messengers,
            clock,
            worker,
            shared_briefs: SharedBriefs::default(),
            last_metered: std::sync::Mutex::default(),
        }
    }

    /// The same scheduler under another worker name: several in one process (tests, or
    /// tools) must not share one name, since a claim belongs to a name.
    pub fn with_worker(mut self, worker: &str) -> Self {
        self.worker = worker.to_string();
        self
    }

    pub fn worker_id(&self) -> &str {
        &self.worker
    }

    /// Records every occurrence that has come, once per (subscription, time).
    pub async fn tick(&self) -> Result<TickReport, StorageError> {
        let now = self.clock.now();
        let mut report = TickReport::default();
        loop {
            let due = self
                .app
                .store
                .due_subscriptions(now.timestamp(), TICK_BATCH)
                .await?;
            let batch_was_full = due.len() as i64 == TICK_BATCH;
            let mut plans = Vec::with_capacity(due.len());
            for subscription in &due {
                if let Some(plan) = self.plan_due(subscription, now, &mut report).await? {
                    plans.push(plan);
                }
            }
            let created = self.app.store.record_due(&plans, now.timestamp()).await?;
            report.scheduled += created.iter().sum::<usize>();
            // Every subscription handled is advanced past `now` or paused, so the next batch
            // holds only ones not seen yet.
            if !batch_was_full {
                return Ok(report);
            }
        }
    }

    /// What one due subscription adds to the ledger, or `None` when it was paused instead
    /// (an unreadable schedule).
    async fn plan_due(
        &self,
        subscription: &Subscription,
        now: DateTime<chrono::Utc>,
        report: &mut TickReport,
    ) -> Result<Option<DueRows>, StorageError> {
        let grace = chrono::Duration::from_std(self.app.config.schedule.grace)
            .unwrap_or(chrono::Duration::hours(3));
        let Some((schedule, zone)) = self.schedule_of(subscription).await? else {
            return Ok(None);
        };
        let mut occurrences = Vec::new();
        let mut next = DateTime::from_timestamp(subscription.next_run_at, 0);
        while let Some(due) = next.filter(|t| *t <= now) {
            occurrences.push(due);
            next = schedule.next_after(due, zone);
        }
        // A schedule that has run its last (a cron with a year now past) still delivers the
        // occurrences it had, and then is simply never due again; nothing else in the chat
        // is touched.
        let next_run = next.map_or(NEVER, |next| next.timestamp());
        // Only the rows for the latest few occurrences: a bot down for a month explains the
        // last day of gaps, it does not write a thousand rows.
        let skip_older = occurrences.len().saturating_sub(MAX_BACKFILL);
        let rows = occurrences
            .into_iter()
            .skip(skip_older)
            .map(|due| {
                let late_by = now - due;
                if late_by <= grace {
                    return DueRow {
                        scheduled_at: due.timestamp(),
                        status: DeliveryStatus::Pending,
                        reason: None,
                    };
                }
                report.missed += 1;
                DueRow {
                    scheduled_at: due.timestamp(),
                    status: DeliveryStatus::Skipped,
                    reason: Some(format!(
                        "missed: briefbot was not running at {} and {} is past the {} grace period",
                        due.format("%Y-%m-%d %H:%M UTC"),
                        format_duration(late_by),
                        format_duration(grace)
                    )),
                }
            })
            .collect();
        Ok(Some(DueRows {
            subscription_id: subscription.id,
            rows,
            advance_from: subscription.next_run_at,
            advance_to: next_run,
        }))
    }

    async fn schedule_of(
        &self,
        subscription: &Subscription,
    ) -> Result<Option<(Schedule, chrono_tz::Tz)>, StorageError> {
        match subscription.timing() {
            Ok(timing) => Ok(Some(timing)),
            Err(error) => {
                let reason = format!("stored schedule is unreadable: {error}");
                tracing::error!(subscription = subscription.id, %reason, "pausing subscription");
                self.app
                    .store
                    .set_destination_paused(&subscription.destination, true, Some(&reason))
                    .await?;
                Ok(None)
            }
        }
    }

    /// Claims a batch of due deliveries and delivers them, `concurrency` at a time.
    pub async fn work(&self) -> Result<WorkReport, StorageError> {
        let settings = &self.app.config.schedule;
        let now = self.clock.now();
        // Enough deliveries at once to fill the busiest platform's budget: each waits out
        // its chat's pacing between parts, so a fixed handful would leave the budget idle.
        let concurrency = settings
            .concurrency
            .max(self.messengers.deliveries_in_flight())
            .max(1);
        let claimed = self
            .app
            .store
            .claim_deliveries(
                &self.worker,
                now.timestamp(),
                settings.lease.as_secs().max(1) as i64,
                concurrency as i64 * 4,
            )
            .await?;
        let outcomes: Vec<Result<Outcome, StorageError>> = futures::stream::iter(claimed)
            .map(|delivery| async move {
                let attempt = deliver(
                    &self.app,
                    &self.messengers,
                    self.clock.as_ref(),
                    &self.shared_briefs,
                    &delivery,
                );
                // A bug that panics on one brief fails that row, with the reason; the worker
                // and every other delivery go on.
                match AssertUnwindSafe(attempt).catch_unwind().await {
                    Ok(outcome) => outcome,
                    Err(panic) => {
                        let message = panic_message(panic.as_ref());
                        self.fail_panicked(&delivery, message).await
                    }
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let mut report = WorkReport::default();
        for outcome in outcomes {
            match outcome? {
                Outcome::Sent => report.sent += 1,
                Outcome::Retry => report.retried += 1,
                Outcome::Skipped => report.skipped += 1,
                Outcome::Failed => report.failed += 1,
            }
        }
        Ok(report)
    }

    async fn fail_panicked(
        &self,
        delivery: &ClaimedDelivery,
        message: String,
    ) -> Result<Outcome, StorageError> {
        tracing::error!(delivery = delivery.id, %message, "delivery panicked");
        let action = LedgerAction::Finish {
            status: DeliveryStatus::Failed,
            reason: format!("internal error while delivering ({message}); please report it"),
        };
        self.app
            .store
            .apply(delivery, &action, self.clock.now().timestamp())
            .await?;
        Ok(Outcome::Failed)
    }

    /// Records a completed round for `/readyz`, and how late the oldest due brief is for
    /// `/metrics`.
    async fn beat(&self) {
        let now = self.clock.now().timestamp();
        self.app.heartbeat.beat(now);
        // A big fan-out runs many rounds a second; once a second is plenty for the database.
        if let Ok(mut last) = self.last_metered.lock() {
            if last.is_some_and(|at| at.elapsed() < METER_EVERY) {
                return;
            }
            *last = Some(std::time::Instant::now());
        }
        match self.app.store.oldest_due_scheduled_at(now).await {
            Ok(oldest) => telemetry::oldest_due_age(std::time::Duration::from_secs(
                oldest.map_or(0, |at| now.saturating_sub(at).max(0) as u64),
            )),
            Err(error) => tracing::warn!(%error, "cannot read the oldest due delivery"),
        }
    }

    /// Records this replica as alive and sets the platforms' budgets to its share.
    async fn count_replicas(&self) {
        let now = self.clock.now().timestamp();
        let live_since = now - replica_liveness(&self.app.config.schedule).as_secs() as i64;
        match self
            .app
            .store
            .replica_heartbeat(&self.worker, now, live_since)
            .await
        {
            Ok(live) => self.app.replicas.set_replicas(live),
            Err(error) => tracing::warn!(%error, "cannot count the live replicas"),
        }
    }

    /// Ticks and works until `shutdown` turns true, then hands back any rows it still holds.
    /// A failing database is logged and retried next round; the loop itself never gives up.
    pub async fn run(&self, shutdown: watch::Receiver<bool>) {
        // SQLite serves one process (the run lock), which has every budget to itself.
        if self.app.store.backend() == Backend::Postgres {
            // A newcomer announces itself and sends nothing until every running replica has
            // recounted and slowed to its new share; otherwise the first second of a join runs
            // above the shared budget.
            self.count_replicas().await;
            let mut stopped = shutdown.clone();
            tokio::select! {
                _ = tokio::time::sleep(RECOUNT_EVERY + JOIN_MARGIN) => {}
                _ = stopped.wait_for(|stop| *stop) => {}
            }
            // The count goes on beside the work, so a long fan-out batch never delays it.
            let mut recounts = Rounds::every(RECOUNT_EVERY, shutdown.clone());
            let counting = async {
                while recounts.next().await {
                    self.count_replicas().await;
                }
            };
            tokio::join!(counting, self.work_until(shutdown));
            if let Err(error) = self.app.store.leave_replicas(&self.worker).await {
                tracing::warn!(%error, "could not leave the replica count; the others notice when it goes stale");
            }
        } else {
            self.work_until(shutdown).await;
        }
        match self
            .app
            .store
            .release_claims(Some(&self.worker), self.clock.now().timestamp())
            .await
        {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "released claimed deliveries on shutdown"),
            Err(error) => {
                tracing::error!(%error, "could not release claimed deliveries; their leases will expire")
            }
        }
    }

    async fn work_until(&self, shutdown: watch::Receiver<bool>) {
        let mut rounds = Rounds::every(self.app.config.schedule.tick, shutdown.clone());
        while rounds.next().await {
            match self.tick().await {
                Ok(_) => self.beat().await,
                Err(error) => tracing::error!(%error, "scheduler tick failed"),
            }
            // Keep working while there is work, so a big fan-out does not wait a tick per batch.
            loop {
                match self.work().await {
                    Ok(report) if report.total() > 0 && !*shutdown.borrow() => {
                        tracing::info!(?report, "deliveries processed");
                        self.beat().await;
                    }
                    Ok(_) => break,
                    Err(error) => {
                        tracing::error!(%error, "delivery work failed");
                        break;
                    }
                }
            }
        }
    }
}

/// How often a replica recounts the live replicas (and so how soon the others slow down for a
/// newcomer).
const RECOUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// How often `beat` reads the oldest due brief for `/metrics`.
const METER_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// A newcomer's wait beyond one recount: a round's own database time.
const JOIN_MARGIN: std::time::Duration = std::time::Duration::from_millis(250);

/// How long a replica counts as live after its last round (and stays ready, `/readyz`): a
/// few ticks, plus a slow round.
pub fn replica_liveness(schedule: &crate::config::ScheduleConfig) -> std::time::Duration {
    schedule.tick * 3 + std::time::Duration::from_secs(30)
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

/// This process's name in leases and claims: host and process id.
pub fn worker_id() -> String {
    format!("{}-{}", hostname(), std::process::id())
}

fn hostname() -> String {
    crate::env::var("HOSTNAME")
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "briefbot".into())
}
