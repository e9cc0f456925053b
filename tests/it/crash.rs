//! Crash test: `briefbot run` as a real process fans one scheduled brief out to 200 webhook
//! destinations on a local server, and is killed with SIGKILL mid fan-out three times. Every due
//! delivery must arrive, and none twice except the one in flight at each kill. The same holds
//! for Slack channels, through `chat.postMessage` to the fake Slack.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::routing::post;

use briefbot::storage::{DeliveryStatus, Store};

const DESTINATIONS: usize = 200;
const KILLS: usize = 3;

#[derive(Default)]
struct Received {
    /// Destination number → delivery ids received (a repeat shows up twice).
    by_destination: HashMap<usize, Vec<String>>,
    total: usize,
}

async fn hook(
    State(received): State<Arc<Mutex<Received>>>,
    UrlPath(number): UrlPath<usize>,
    headers: HeaderMap,
) -> &'static str {
    // Slow enough that a kill lands mid fan-out, fast enough to finish in seconds.
    tokio::time::sleep(Duration::from_millis(15)).await;
    let id = headers
        .get("x-briefbot-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("?")
        .to_string();
    let mut received = received.lock().expect("lock");
    received.by_destination.entry(number).or_default().push(id);
    received.total += 1;
    "ok"
}

async fn serve(received: Arc<Mutex<Received>>) -> String {
    let app = Router::new()
        .route("/hook/{number}", post(hook))
        .with_state(received);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{address}")
}

fn start(config: &Path) -> tokio::process::Child {
    start_with(config, &[])
}

fn start_with(config: &Path, env: &[(&str, &str)]) -> tokio::process::Child {
    tokio::process::Command::new(assert_cmd::cargo::cargo_bin("briefbot"))
        .env_remove("BRIEFBOT_DATABASE_URL")
        .envs(env.iter().copied())
        .arg("--config")
        .arg(config)
        .args(["run", "--no-ingest"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start briefbot run")
}

fn total(received: &Arc<Mutex<Received>>) -> usize {
    received.lock().expect("lock").total
}

fn distinct(received: &Arc<Mutex<Received>>) -> usize {
    received.lock().expect("lock").by_destination.len()
}

async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_fan_out_loses_nothing_and_repeats_only_the_brief_in_flight() {
    let received = Arc::new(Mutex::new(Received::default()));
    let base = serve(received.clone()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("crash.db").display());
    let config = dir.path().join("crash.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{database}\"\n\n[schedule]\ntick = \"100ms\"\nlease = \"30s\"\nconcurrency = 1\nretry_backoff = \"1s\"\n\n[webhook]\nper_second = 0\n"
        ),
    )
    .expect("config");

    // 200 subscriptions whose 08:00 brief fell due a few seconds ago.
    let store = Store::open(&database).await.expect("store");
    crate::support::due_webhook_subscriptions(&store, &base, DESTINATIONS).await;

    let mut killed_at = Vec::new();
    for kill in 0..KILLS {
        let mut child = start(&config);
        // Kill at a different point of the fan-out each time.
        let target = total(&received) + 20 + kill * 15;
        wait_for(
            "deliveries before the kill",
            Duration::from_secs(60),
            || total(&received) >= target,
        )
        .await;
        child.start_kill().expect("SIGKILL");
        child.wait().await.expect("reap");
        killed_at.push(total(&received));
    }
    assert!(
        distinct(&received) < DESTINATIONS,
        "the kills landed before the fan-out finished"
    );

    let mut child = start(&config);
    wait_for("every destination", Duration::from_secs(120), || {
        distinct(&received) == DESTINATIONS
    })
    .await;
    // Let it settle: nothing more should arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = child.id().expect("pid");
    let status = tokio::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .expect("kill -TERM");
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("graceful stop")
        .expect("exit");
    assert!(exit.success(), "SIGTERM is a clean shutdown: {exit:?}");

    let received = std::mem::take(&mut *received.lock().expect("lock"));
    let repeats: Vec<(&usize, &Vec<String>)> = received
        .by_destination
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .collect();
    eprintln!(
        "killed after {killed_at:?} posts; {} posts in all to {DESTINATIONS} destinations; repeats: {repeats:?}",
        received.total
    );
    assert_eq!(
        received.by_destination.len(),
        DESTINATIONS,
        "every due brief arrived"
    );
    assert!(
        repeats.len() <= KILLS,
        "at most the brief in flight at each kill arrives twice: {repeats:?}"
    );
    for (_, ids) in &repeats {
        assert!(
            ids.windows(2).all(|w| w[0] == w[1]),
            "a repeat is the same delivery, resent: {ids:?}"
        );
        assert!(ids.len() <= 2);
    }

    let rows = store.deliveries(None, 1_000).await.expect("ledger");
    assert_eq!(rows.len(), DESTINATIONS, "one ledger row per destination");
    assert!(
        rows.iter().all(|row| row.status == DeliveryStatus::Sent),
        "all recorded as sent"
    );
}

/// Posts per Slack channel the fake accepted.
fn slack_posts(fake: &crate::support::fake_slack::FakeSlack) -> HashMap<String, Vec<String>> {
    let mut by_channel: HashMap<String, Vec<String>> = HashMap::new();
    for post in fake.posted() {
        by_channel.entry(post.channel).or_default().push(post.text);
    }
    by_channel
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_slack_fan_out_loses_nothing_and_repeats_only_the_brief_in_flight() {
    use crate::support::fake_slack::{FakeSlack, TOKEN};
    use briefbot::model::{Destination, Platform};
    // Slack paces posts at four a second in all: 40 channels take ten seconds.
    const CHANNELS: usize = 40;
    let fake = FakeSlack::start().await;
    let env = [
        ("SLACK_BOT_TOKEN", TOKEN),
        ("SLACK_API_URL", fake.api_url.as_str()),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("crash.db").display());
    let config = dir.path().join("crash.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{database}\"\n\n[schedule]\ntick = \"100ms\"\nlease = \"30s\"\nconcurrency = 1\nretry_backoff = \"1s\"\n"
        ),
    )
    .expect("config");
    let store = Store::open(&database).await.expect("store");
    let destinations: Vec<Destination> = (0..CHANNELS)
        .map(|n| Destination::new(Platform::Slack, &format!("C{n:08}"), None))
        .collect();
    crate::support::due_subscriptions(&store, &destinations).await;

    let posted = || fake.posted().len();
    for kill in 0..KILLS {
        let mut child = start_with(&config, &env);
        let target = posted() + 4 + kill * 3;
        wait_for("posts before the kill", Duration::from_secs(60), || {
            posted() >= target
        })
        .await;
        child.start_kill().expect("SIGKILL");
        child.wait().await.expect("reap");
    }
    assert!(
        slack_posts(&fake).len() < CHANNELS,
        "the kills landed before the fan-out finished"
    );
    let mut child = start_with(&config, &env);
    wait_for("every channel", Duration::from_secs(120), || {
        slack_posts(&fake).len() == CHANNELS
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.start_kill().expect("SIGKILL");
    child.wait().await.expect("reap");

    let by_channel = slack_posts(&fake);
    let repeats: Vec<(&String, &Vec<String>)> = by_channel
        .iter()
        .filter(|(_, texts)| texts.len() > 1)
        .collect();
    eprintln!(
        "{} posts to {CHANNELS} Slack channels; repeats: {repeats:?}",
        fake.posted().len()
    );
    assert_eq!(by_channel.len(), CHANNELS, "every due brief arrived");
    assert!(
        repeats.len() <= KILLS,
        "at most one repeat per kill: {repeats:?}"
    );
    for (_, texts) in &repeats {
        assert!(
            texts.len() <= 2 && texts.windows(2).all(|w| w[0] == w[1]),
            "{texts:?}"
        );
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    let rows = store.deliveries(None, 1_000).await.expect("ledger");
    assert_eq!(rows.len(), CHANNELS);
    assert!(
        rows.iter().all(|row| row.status == DeliveryStatus::Sent),
        "{rows:?}"
    );
}
