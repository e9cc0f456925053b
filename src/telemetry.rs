//! What `run` reports to Prometheus (`GET /metrics`): every metric's name, labels and meaning
//! in one place, recorded through the `metrics` facade so the code that counts does not know
//! who reads. Without a recorder installed (the CLI commands, the unit tests) recording costs
//! a branch and nothing is kept.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::ingest::Outcome as IngestOutcome;
use crate::schedule::deliver::Outcome as DeliveryOutcome;

pub const DELIVERIES: &str = "briefbot_deliveries_total";
pub const SEND_SECONDS: &str = "briefbot_send_duration_seconds";
pub const RATE_LIMITED: &str = "briefbot_rate_limited_total";
pub const RATE_LIMIT_WAIT: &str = "briefbot_rate_limit_wait_seconds_total";
pub const OLDEST_DUE: &str = "briefbot_oldest_due_delivery_age_seconds";
pub const SCHEDULER_TICK: &str = "briefbot_scheduler_last_tick_timestamp_seconds";
pub const INGESTS: &str = "briefbot_ingest_total";
pub const ITEMS_STORED: &str = "briefbot_items_stored_total";
pub const MODEL_CALLS: &str = "briefbot_model_calls_total";
pub const MODEL_TOKENS: &str = "briefbot_model_tokens_total";
pub const MODEL_FALLBACKS: &str = "briefbot_model_fallbacks_total";
pub const SUMMARY_CACHE: &str = "briefbot_summary_cache_total";
pub const ALERTS: &str = "briefbot_alerts_total";

/// Send times from a fast local webhook to a brief of many parts paced by a platform.
const SEND_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// The process's Prometheus recorder, installed on first use. `None` when another recorder
/// was installed first (an embedding application's own): its exporter serves the metrics.
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(SEND_SECONDS.into()), SEND_BUCKETS)
                .ok()?;
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

/// The text exposition of every metric recorded so far.
pub fn render() -> String {
    match prometheus() {
        Some(handle) => {
            // Without the exporter's own HTTP listener nothing else drains histogram samples.
            handle.run_upkeep();
            handle.render()
        }
        None => String::new(),
    }
}

fn describe() {
    describe_counter!(
        DELIVERIES,
        "Scheduled deliveries finished or rescheduled, by platform and outcome (sent, skipped, retry, failed)."
    );
    describe_histogram!(
        SEND_SECONDS,
        Unit::Seconds,
        "Time to send one brief, all its parts, by platform."
    );
    describe_counter!(
        RATE_LIMITED,
        "Sends a platform refused with 429 (rate limited), by platform."
    );
    describe_counter!(
        RATE_LIMIT_WAIT,
        Unit::Seconds,
        "Seconds the platforms' 429 answers asked us to wait, by platform."
    );
    describe_gauge!(
        OLDEST_DUE,
        Unit::Seconds,
        "Age of the oldest brief that is due and not yet delivered; 0 when none is waiting."
    );
    describe_gauge!(
        SCHEDULER_TICK,
        Unit::Seconds,
        "Unix time the scheduler last looked for due briefs."
    );
    describe_counter!(
        INGESTS,
        "Feed fetches by source and outcome (fetched, unchanged, skipped, elsewhere, failed)."
    );
    describe_counter!(ITEMS_STORED, "Feed items stored for the first time.");
    describe_counter!(
        MODEL_CALLS,
        "Calls to the summary model, by outcome (ok, error)."
    );
    describe_counter!(MODEL_TOKENS, "Tokens the summary model reported using.");
    describe_counter!(
        MODEL_FALLBACKS,
        "Summaries left extractive instead of model-written, by reason."
    );
    describe_counter!(
        SUMMARY_CACHE,
        "Story summaries looked up in the cache for a brief, by result (hit, miss)."
    );
    describe_counter!(
        ALERTS,
        "Feed-health notices sent to the operator, by kind (failing, recovered)."
    );
}

pub fn delivery(platform: &str, outcome: DeliveryOutcome) {
    let outcome = match outcome {
        DeliveryOutcome::Sent => "sent",
        DeliveryOutcome::Skipped => "skipped",
        DeliveryOutcome::Retry => "retry",
        DeliveryOutcome::Failed => "failed",
    };
    counter!(DELIVERIES, "platform" => platform.to_string(), "outcome" => outcome).increment(1);
}

pub fn send_took(platform: &str, took: Duration) {
    histogram!(SEND_SECONDS, "platform" => platform.to_string()).record(took.as_secs_f64());
}

pub fn rate_limited(platform: &str, wait: Duration) {
    counter!(RATE_LIMITED, "platform" => platform.to_string()).increment(1);
    counter!(RATE_LIMIT_WAIT, "platform" => platform.to_string()).increment(wait.as_secs());
}

pub fn oldest_due_age(age: Duration) {
    gauge!(OLDEST_DUE).set(age.as_secs_f64());
}

pub fn scheduler_ticked(unix_seconds: i64) {
    gauge!(SCHEDULER_TICK).set(unix_seconds as f64);
}

pub fn ingested(source: &str, outcome: &IngestOutcome) {
    let label = match outcome {
        IngestOutcome::Fetched { new, .. } => {
            counter!(ITEMS_STORED).increment(*new as u64);
            "fetched"
        }
        IngestOutcome::Unchanged => "unchanged",
        IngestOutcome::Skipped { .. } => "skipped",
        IngestOutcome::FetchedElsewhere => "elsewhere",
        IngestOutcome::Failed { .. } => "failed",
    };
    counter!(INGESTS, "source" => source.to_string(), "outcome" => label).increment(1);
}

pub fn model_called(ok: bool, tokens: u64) {
    counter!(MODEL_CALLS, "outcome" => if ok { "ok" } else { "error" }).increment(1);
    counter!(MODEL_TOKENS).increment(tokens);
}

pub fn model_fell_back(reason: &'static str, count: usize) {
    counter!(MODEL_FALLBACKS, "reason" => reason).increment(count as u64);
}

pub fn summary_cache(hits: usize, misses: usize) {
    counter!(SUMMARY_CACHE, "result" => "hit").increment(hits as u64);
    counter!(SUMMARY_CACHE, "result" => "miss").increment(misses as u64);
}

pub fn alert_sent(kind: &'static str) {
    counter!(ALERTS, "kind" => kind).increment(1);
}
