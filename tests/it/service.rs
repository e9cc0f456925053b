//! `briefbot run` as a service: the one HTTP server (`[http] listen`) answers health,
//! readiness and Prometheus metrics while the process delivers a scheduled brief for real.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use chrono::Utc;

use briefbot::model::{Destination, Platform};
use briefbot::storage::{NewSubscription, Store};

/// A feed with two chip stories published within the last hours, so a brief due now holds
/// them; one carries markup and a mass mention, as hostile feeds do.
fn write_feed(dir: &Path) {
    let hour_ago = (Utc::now() - chrono::Duration::hours(1)).to_rfc2822();
    let two_hours_ago = (Utc::now() - chrono::Duration::hours(2)).to_rfc2822();
    let feed = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Service Test Wire</title><link>https://wire.example/</link>
<item><title>Nvidia unveils a new AI accelerator for data-centre training</title>
<link>https://wire.example/nvidia-accelerator</link><pubDate>{hour_ago}</pubDate>
<description>The GPU doubles memory bandwidth with HBM4 for AI training clusters. &lt;script&gt;alert(1)&lt;/script&gt; @everyone</description></item>
<item><title>TSMC starts 2nm production of AI chips for cloud customers</title>
<link>https://wire.example/tsmc-2nm</link><pubDate>{two_hours_ago}</pubDate>
<description>The foundry's semiconductor output targets AI accelerators and GPUs.</description></item>
</channel></rss>"#
    );
    std::fs::write(dir.join("wire.xml"), feed).expect("feed");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port()
}

/// A webhook receiver counting what arrives.
async fn receiver(received: Arc<Mutex<usize>>) -> String {
    refusing_receiver(received, 0).await
}

/// A webhook receiver that answers the first `refuse` posts with 429 and `Retry-After: 2`,
/// and counts what it accepts after that.
async fn refusing_receiver(received: Arc<Mutex<usize>>, refuse: usize) -> String {
    let refused = Arc::new(Mutex::new(0usize));
    let router = Router::new()
        .route(
            "/hook",
            post(
                move |State(received): State<Arc<Mutex<usize>>>| async move {
                    let mut refused = refused.lock().expect("lock");
                    if *refused < refuse {
                        *refused += 1;
                        return (
                            axum::http::StatusCode::TOO_MANY_REQUESTS,
                            [("retry-after", "2")],
                            "slow down",
                        )
                            .into_response();
                    }
                    *received.lock().expect("lock") += 1;
                    "ok".into_response()
                },
            ),
        )
        .with_state(received);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    format!("http://{address}/hook")
}

struct Service {
    child: tokio::process::Child,
    base: String,
    client: reqwest::Client,
}

impl Service {
    /// Ingests the feed, subscribes a webhook whose brief fell due a few seconds ago, and
    /// starts `briefbot run` with the HTTP server on a free port.
    async fn start(dir: &Path, database: &str, hook: &str) -> Self {
        write_feed(dir);
        let port = free_port();
        let config = dir.join("service.toml");
        std::fs::write(
            &config,
            format!(
                "[database]\nurl = \"{database}\"\n\n[schedule]\ntick = \"200ms\"\n\n[http]\nlisten = \"127.0.0.1:{port}\"\n\n[[sources]]\nurl = \"wire.xml\"\nname = \"Service Test Wire\"\n"
            ),
        )
        .expect("config");
        let ingest = assert_cmd::Command::cargo_bin("briefbot")
            .expect("binary")
            .env_remove("BRIEFBOT_DATABASE_URL")
            .env_remove("BRIEFBOT_HTTP_LISTEN")
            .arg("--config")
            .arg(&config)
            .arg("ingest")
            .output()
            .expect("ingest");
        assert!(
            ingest.status.success(),
            "ingest failed: {}",
            String::from_utf8_lossy(&ingest.stderr)
        );
        let store = Store::open(database).await.expect("store");
        let now = Utc::now().timestamp();
        store
            .upsert_subscription(
                &NewSubscription {
                    destination: Destination::new(Platform::Webhook, hook, None),
                    topic: "all".into(),
                    schedule: "08:00".into(),
                    timezone: "UTC".into(),
                    skip_if_empty: false,
                    max_window_secs: 48 * 3600,
                    next_run_at: now - 5,
                    created_by: None,
                },
                now,
            )
            .await
            .expect("subscribe");
        store.close().await;
        let child = tokio::process::Command::new(assert_cmd::cargo::cargo_bin("briefbot"))
            .env_remove("BRIEFBOT_DATABASE_URL")
            .env_remove("BRIEFBOT_HTTP_LISTEN")
            .arg("--config")
            .arg(&config)
            .args(["run", "--no-ingest"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start briefbot run");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
        }
    }

    /// Status and body, or `None` while nothing listens yet.
    async fn get(&self, path: &str) -> Option<(u16, String)> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.ok()?))
    }

    /// Polls `path` until `done` holds for its answer, or fails naming the last answer.
    async fn wait_for(&self, path: &str, mut done: impl FnMut(u16, &str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let mut last = None;
        loop {
            if let Some((status, body)) = self.get(path).await {
                if done(status, &body) {
                    return body;
                }
                last = Some((status, body));
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting on {path}; last answer: {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // SIGTERM: the graceful path systemd and Kubernetes take.
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
        let status = tokio::time::timeout(Duration::from_secs(40), self.child.wait())
            .await
            .expect("run stops on SIGTERM")
            .expect("reap");
        assert!(status.success(), "run exited with {status}");
    }
}

/// One sample of the Prometheus text format: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the text exposition format strictly enough that a malformed line fails the test.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim_start();
            assert!(
                comment.starts_with("HELP ") || comment.starts_with("TYPE "),
                "unexpected comment line {line:?}"
            );
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value in {line:?}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("value of {line:?} is not a number"));
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels in {line:?}"));
                let labels = body
                    .split(',')
                    .filter(|pair| !pair.is_empty())
                    .map(|pair| {
                        let (key, quoted) = pair
                            .split_once('=')
                            .unwrap_or_else(|| panic!("label without = in {line:?}"));
                        let value = quoted
                            .strip_prefix('"')
                            .and_then(|v| v.strip_suffix('"'))
                            .unwrap_or_else(|| panic!("unquoted label in {line:?}"));
                        (key.to_string(), value.to_string())
                    })
                    .collect();
                (name, labels)
            }
            None => (series, BTreeMap::new()),
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name in {line:?}"
        );
        samples.push((name.to_string(), labels, value));
    }
    samples
}

fn sample(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, value)| *value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_serves_health_readiness_and_metrics_that_count_a_scheduled_delivery() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("service.db").display());
    let received = Arc::new(Mutex::new(0));
    let hook = receiver(received.clone()).await;
    let service = Service::start(dir.path(), &database, &hook).await;

    service
        .wait_for("/healthz", |status, _| status == 200)
        .await;
    service.wait_for("/readyz", |status, _| status == 200).await;
    let metrics = service
        .wait_for("/metrics", |status, body| {
            status == 200
                && sample(
                    &parse_prometheus(body),
                    "briefbot_deliveries_total",
                    &[("platform", "webhook"), ("outcome", "sent")],
                )
                .is_some()
        })
        .await;
    assert_eq!(*received.lock().expect("lock"), 1, "one brief delivered");
    let samples = parse_prometheus(&metrics);
    assert_eq!(
        sample(
            &samples,
            "briefbot_deliveries_total",
            &[("platform", "webhook"), ("outcome", "sent")]
        ),
        Some(1.0)
    );
    assert!(
        sample(
            &samples,
            "briefbot_send_duration_seconds_count",
            &[("platform", "webhook")]
        ) == Some(1.0),
        "the send is timed:\n{metrics}"
    );
    // Delivered, so nothing due is waiting.
    let oldest = sample(&samples, "briefbot_oldest_due_delivery_age_seconds", &[]);
    assert!(oldest.is_some(), "the lateness gauge is exported");
    let tick = sample(
        &samples,
        "briefbot_scheduler_last_tick_timestamp_seconds",
        &[],
    )
    .unwrap_or_default();
    assert!(
        (tick - Utc::now().timestamp() as f64).abs() < 60.0,
        "the scheduler's last round is recent: {tick}"
    );
    assert!(
        metrics.contains("# HELP briefbot_deliveries_total"),
        "metrics are described"
    );
    let (status, _) = service.get("/no-such-page").await.expect("answer");
    assert_eq!(status, 404);

    // The brief that went out is in the archive, in its feed, and renders in a browser.
    let headlines = [
        "Nvidia unveils a new AI accelerator for data-centre training",
        "TSMC starts 2nm production of AI chips for cloud customers",
    ];
    let (status, home) = service.get("/").await.expect("home page");
    assert_eq!(status, 200);
    for headline in headlines {
        assert!(home.contains(headline), "{headline} on /:\n{home}");
    }
    let (status, atom) = service.get("/feeds/all.atom").await.expect("feed");
    assert_eq!(status, 200);
    let feed = feed_rs::parser::parse(atom.as_bytes()).expect("the Atom feed parses");
    assert_eq!(feed.entries.len(), 1, "one brief went out");
    let entry_html = feed.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap_or_default();
    for headline in headlines {
        assert!(
            entry_html.contains(headline),
            "{headline} in the feed entry"
        );
    }
    if let Some(browser) = crate::archive::browser::chromium().await {
        let url = format!("{}/", service.base);
        let dom = crate::archive::browser::run(&browser, (1280, 900), "--dump-dom", &url).await;
        for headline in headlines {
            assert!(dom.contains(headline), "{headline} in the rendered DOM");
        }
        assert!(!dom.contains("<script"), "no script element: {dom}");
        let shot = crate::archive::browser::artefacts().join("service-home.png");
        crate::archive::browser::run(
            &browser,
            (390, 844),
            &format!("--screenshot={}", shot.display()),
            &url,
        )
        .await;
        assert!(shot.exists(), "screenshot kept");
        eprintln!("screenshot of the served home page: {}", shot.display());
    }
    service.stop().await;
}

/// `/readyz` turns 503 when the database goes away, and says why; `/healthz` stays 200 (the
/// process is alive, restarting it would not bring the database back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_is_gone() {
    let Some(database) = crate::support::fresh_postgres("readyz").await else {
        eprintln!(
            "skipped readiness_fails_when_the_database_is_gone: no PostgreSQL server reachable"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let received = Arc::new(Mutex::new(0));
    let hook = receiver(received.clone()).await;
    let service = Service::start(dir.path(), &database, &hook).await;
    service.wait_for("/readyz", |status, _| status == 200).await;

    let name = database.rsplit('/').next().expect("database name");
    crate::support::drop_postgres(name).await;
    let why = service.wait_for("/readyz", |status, _| status == 503).await;
    assert!(
        why.contains("database"),
        "readiness names the database: {why}"
    );
    let (status, _) = service.get("/healthz").await.expect("alive");
    assert_eq!(status, 200);
}

/// `/readyz`'s verdict, on both backends: not before the scheduler's first round, ready after
/// a recent one, not ready once the scheduler has been quiet longer than 3 ticks + 30 s (a
/// wedged scheduler), and not ready while shutting down.
#[tokio::test]
async fn readiness_follows_the_scheduler_heartbeat() {
    for (backend, store, _dir) in crate::support::stores("readiness_heartbeat").await {
        let mut config = briefbot::config::Config::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"),
        )
        .expect("config");
        config.schedule.tick = Duration::from_secs(10);
        let app = Arc::new(briefbot::app::App::with_store(config, store));
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let readiness = briefbot::http::Readiness::new(app.clone(), stopping);
        let now = Utc::now().timestamp();

        let first = readiness.check().await.expect_err("no round yet");
        assert!(
            first.contains("has not completed a round"),
            "{backend}: {first}"
        );

        app.heartbeat.beat(now - 5);
        assert_eq!(readiness.check().await, Ok(()), "{backend}");

        // 3 ticks of 10 s + 30 s = 60 s of quiet is the most a working scheduler shows.
        app.heartbeat.beat(now - 600);
        let stuck = readiness.check().await.expect_err("stuck scheduler");
        assert!(
            stuck.contains("last completed a round"),
            "{backend}: {stuck}"
        );

        app.heartbeat.beat(now);
        stop.send(true).expect("readiness listening");
        let stopping = readiness.check().await.expect_err("shutting down");
        assert_eq!(stopping, "shutting down", "{backend}");
    }
}

/// A 429 from a platform shows in the metrics: one refusal and the seconds it asked for, and
/// the brief still goes out once the wait is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_a_refused_send_and_the_wait_it_asked_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("service.db").display());
    let received = Arc::new(Mutex::new(0));
    let hook = refusing_receiver(received.clone(), 1).await;
    let service = Service::start(dir.path(), &database, &hook).await;
    let metrics = service
        .wait_for("/metrics", |status, body| {
            status == 200
                && sample(
                    &parse_prometheus(body),
                    "briefbot_deliveries_total",
                    &[("platform", "webhook"), ("outcome", "sent")],
                )
                .is_some()
        })
        .await;
    let samples = parse_prometheus(&metrics);
    let webhook = [("platform", "webhook")];
    assert_eq!(
        sample(&samples, "briefbot_rate_limited_total", &webhook),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        sample(&samples, "briefbot_rate_limit_wait_seconds_total", &webhook),
        Some(2.0),
        "{metrics}"
    );
    assert_eq!(
        *received.lock().expect("lock"),
        1,
        "delivered after the wait"
    );
    service.stop().await;
}
