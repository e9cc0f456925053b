//! Measurement harness, ignored by default (it takes ~25 s and measures, it does not judge):
//! one brief fanned out to 10,000 channels against the fake Discord enforcing Discord's limits
//! — 50 requests/s globally and 5 messages per 5 s per channel — scaled in time by
//! `DISCORD_FANOUT_SCALE` (default 10: 500 requests/s, 5 per 0.5 s). 429s are handled the way
//! the delivery ledger does: wait `retry_after`, send again.
//!
//! Run: `cargo test --release --test discord_fanout -- --ignored --nocapture`
//! (`DISCORD_FANOUT_CHANNELS` changes the 10,000).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use futures::StreamExt;

use crate::support::fake_discord::{FakeDiscord, Limits};
use briefbot::delivery::{Messenger, Outgoing, SendError};
use briefbot::model::{Brief, Destination, Link, Platform, Section, Story};
use briefbot::platforms::discord::messenger::DEFAULT_RATE;
use briefbot::platforms::discord::{DiscordMessenger, Settings};

const DISCORD_GLOBAL_PER_SECOND: f64 = 50.0;

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn brief() -> Brief {
    let at = Utc
        .with_ymd_and_hms(2026, 3, 2, 7, 0, 0)
        .single()
        .unwrap_or_default();
    Brief {
        title: "AI Morning Brief".into(),
        topic: Some("chips".into()),
        as_of: at,
        window_start: at - chrono::Duration::hours(24),
        sections: vec![Section {
            topic: "chips".into(),
            title: "Chips & Hardware".into(),
            stories: vec![Story {
                headline: "Nvidia ships B300".into(),
                summary: "Shipments began this week.".into(),
                key_entity: "Nvidia".into(),
                published: at,
                topics: vec!["chips".into()],
                links: vec![Link {
                    url: "https://chip-wire.example/b300".into(),
                    source: "Chip Wire".into(),
                    title: String::new(),
                }],
                score: 1.0,
                item_ids: vec![1],
                why: None,
            }],
        }],
        source_count: 1,
        editorial: None,
        permalink: None,
    }
}

async fn fan_out(label: &str, pace_per_second: f64, scale: f64, channels: usize) {
    let window = Duration::from_secs_f64(1.0 / scale);
    let fake = FakeDiscord::start_with(Some(Limits {
        global: DISCORD_GLOBAL_PER_SECOND as usize,
        per_channel: 5,
        window,
        per_channel_windows: 5,
    }))
    .await;
    let settings = Settings {
        token: "t".to_string().into(),
        application_id: 1,
        api_url: Some(fake.url.clone()),
        public_key: None,
        interactions_listen: None,
    };
    let messenger = Arc::new(
        DiscordMessenger::new(Arc::new(settings.http()))
            .expect("messenger")
            .with_rate(pace_per_second),
    );
    let brief = Arc::new(brief());
    let retries = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    futures::stream::iter(0..channels)
        .map(|index| {
            let (messenger, brief, retries) = (messenger.clone(), brief.clone(), retries.clone());
            async move {
                let destination =
                    Destination::new(Platform::Discord, &(10_000 + index).to_string(), None);
                loop {
                    let outgoing = Outgoing::new(index as i64, &destination, &brief);
                    match messenger.send(outgoing).await {
                        Ok(_) => break,
                        Err(SendError::RateLimited { retry_after }) => {
                            retries.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(retry_after).await;
                        }
                        Err(other) => panic!("{other}"),
                    }
                }
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<()>>()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let created = fake.created().len();
    let allowed = DISCORD_GLOBAL_PER_SECOND * scale;
    let achieved = created as f64 / elapsed;
    println!(
        "{label}: {created} messages to {channels} channels in {elapsed:.2} s (time ×{scale}); \
         achieved {achieved:.1}/s of {allowed:.0}/s allowed = {:.3}; 429s: {}; violations: {}",
        achieved / allowed,
        fake.rate_limited(),
        fake.violations().len()
    );
    assert_eq!(created, channels);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; run with --ignored --nocapture"]
async fn fan_out_to_ten_thousand_channels() {
    let scale = env_number("DISCORD_FANOUT_SCALE", 10.0);
    let channels = env_number("DISCORD_FANOUT_CHANNELS", 10_000.0) as usize;
    fan_out("paced (default)", DEFAULT_RATE * scale, scale, channels).await;
    fan_out(
        "unpaced (2x the limit)",
        2.0 * DISCORD_GLOBAL_PER_SECOND * scale,
        scale,
        channels,
    )
    .await;
}
