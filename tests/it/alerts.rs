//! Feed-health notices: one "failing" notice per outage after `[alerts] after`, one
//! "recovered" when the feed works again, to the operator's destination only, once across
//! replicas, and again next round when the destination was down.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use chrono::{DateTime, Utc};
use serde_json::Value;

use briefbot::alerts::Alerts;
use briefbot::delivery::Messengers;
use briefbot::delivery::webhook::Webhook;
use briefbot::model::{Destination, Platform};
use briefbot::storage::Store;

#[derive(Default)]
struct Inbox {
    notices: Vec<String>,
    /// Answer 503 to this many posts first (the operator's endpoint is down).
    refuse: usize,
}

async fn inbox(inbox: Arc<Mutex<Inbox>>) -> String {
    let router = Router::new()
        .route(
            "/ops",
            post(
                |State(inbox): State<Arc<Mutex<Inbox>>>, body: String| async move {
                    let mut inbox = inbox.lock().expect("lock");
                    if inbox.refuse > 0 {
                        inbox.refuse -= 1;
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let body: Value = serde_json::from_str(&body).expect("JSON notice");
                    inbox
                        .notices
                        .push(body["notice"].as_str().expect("notice text").to_string());
                    StatusCode::OK
                },
            ),
        )
        .with_state(inbox);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    format!("http://{address}/ops")
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("time")
}

const URL: &str = "https://feeds.example/wire.xml";
const T0: i64 = 1_790_000_000;
const HOUR: i64 = 3600;

async fn fail(store: &Store, id: i64, now: i64) {
    store
        .record_fetch_failure(id, "HTTP 503 Service Unavailable", now, now + 300)
        .await
        .expect("record failure");
}

#[tokio::test]
async fn one_notice_per_outage_and_one_on_recovery_on_both_backends() {
    for (backend, store, _dir) in crate::support::stores("alerts").await {
        let received = Arc::new(Mutex::new(Inbox::default()));
        let hook = inbox(received.clone()).await;
        let messengers = Messengers::default().with(Arc::new(
            Webhook::new(Duration::from_secs(5)).expect("client"),
        ));
        let alerts = Alerts {
            destination: Destination::new(Platform::Webhook, &hook, None),
            after: Duration::from_secs(6 * HOUR as u64),
        };
        let configured: HashSet<String> = [URL.to_string()].into();
        let source = store
            .upsert_source(URL, Some("Wire"), 1.0)
            .await
            .expect("source");
        let notices = || received.lock().expect("lock").notices.clone();

        // Failing for 5 hours: nobody is told yet.
        fail(&store, source.id, T0).await;
        fail(&store, source.id, T0 + 5 * HOUR).await;
        let checked = alerts
            .check(&store, &messengers, &configured, at(T0 + 5 * HOUR))
            .await
            .expect("check");
        assert_eq!(checked.failing, 0, "{backend}");
        assert!(notices().is_empty(), "{backend}");

        // Past 6 hours, with the operator's endpoint down once: the notice waits, then goes
        // out once.
        received.lock().expect("lock").refuse = 1;
        let checked = alerts
            .check(&store, &messengers, &configured, at(T0 + 7 * HOUR))
            .await
            .expect("check");
        assert_eq!(checked.unsent, 1, "{backend}");
        for _ in 0..3 {
            alerts
                .check(&store, &messengers, &configured, at(T0 + 8 * HOUR))
                .await
                .expect("check");
        }
        let sent = notices();
        assert_eq!(sent.len(), 1, "{backend}: {sent:?}");
        assert!(
            sent[0].contains("feed failing")
                && sent[0].contains("Wire")
                && sent[0].contains("HTTP 503"),
            "{backend}: {}",
            sent[0]
        );

        // Failing on: still one notice. Then it works again: one "recovered", once.
        fail(&store, source.id, T0 + 9 * HOUR).await;
        store
            .record_not_modified(source.id, T0 + 10 * HOUR)
            .await
            .expect("success");
        for _ in 0..3 {
            alerts
                .check(&store, &messengers, &configured, at(T0 + 10 * HOUR))
                .await
                .expect("check");
        }
        let sent = notices();
        assert_eq!(sent.len(), 2, "{backend}: {sent:?}");
        assert!(sent[1].contains("feed recovered"), "{backend}: {}", sent[1]);

        // A new outage is a new notice; a source no longer configured is nobody's news.
        fail(&store, source.id, T0 + 11 * HOUR).await;
        let nobody: HashSet<String> = HashSet::new();
        alerts
            .check(&store, &messengers, &nobody, at(T0 + 20 * HOUR))
            .await
            .expect("check");
        assert_eq!(notices().len(), 2, "{backend}");
        alerts
            .check(&store, &messengers, &configured, at(T0 + 20 * HOUR))
            .await
            .expect("check");
        assert_eq!(notices().len(), 3, "{backend}");
    }
}

/// Two replicas checking at the same moment send each notice once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_checking_together_send_each_notice_once() {
    for (backend, store, _dir) in crate::support::stores("alerts_replicas").await {
        let received = Arc::new(Mutex::new(Inbox::default()));
        let hook = inbox(received.clone()).await;
        let messengers = Messengers::default().with(Arc::new(
            Webhook::new(Duration::from_secs(5)).expect("client"),
        ));
        let alerts = Alerts {
            destination: Destination::new(Platform::Webhook, &hook, None),
            after: Duration::from_secs(HOUR as u64),
        };
        let mut configured = HashSet::new();
        for number in 0..20 {
            let url = format!("https://feeds.example/{number}.xml");
            let source = store.upsert_source(&url, None, 1.0).await.expect("source");
            fail(&store, source.id, T0).await;
            configured.insert(url);
        }
        let check = || alerts.check(&store, &messengers, &configured, at(T0 + 2 * HOUR));
        let (a, b) = tokio::join!(check(), check());
        let (a, b) = (a.expect("replica a"), b.expect("replica b"));
        assert_eq!(a.failing + b.failing, 20, "{backend}");
        assert_eq!(
            received.lock().expect("lock").notices.len(),
            20,
            "{backend}"
        );
    }
}
