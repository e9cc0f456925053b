//! Fan-out measurement (ignored by default; it takes about 40 s and proves nothing by timing):
//! one brief to 10,000 chats through `TelegramMessenger` (teloxide `Throttle`, `no_retry`)
//! against the fake Bot API enforcing Telegram's limits, counted at arrival.
//!
//! Time is scaled down by `FANOUT_SCALE` (default 10): the throttle is configured for, and
//! the fake enforces, that many times Telegram's rates (30/s overall, 1/s per chat, 20/min per group), so the same
//! algorithm runs that many times faster. A 429 is handled as the delivery ledger does: wait
//! `retry_after` (scaled down too), then send again.
//!
//! Run: `cargo test --release --test telegram_fanout -- --ignored --nocapture`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{TimeZone, Utc};
use futures::StreamExt;

use crate::support::fake_telegram::{FakeTelegram, RateLimits};
use briefbot::delivery::{Messenger, Outgoing, SendError};
use briefbot::model::{Brief, Destination, Link, Platform, Section, Story};
use briefbot::platforms::telegram::{TelegramMessenger, TelegramSettings, telegram_limits};

/// One in ten destinations is a supergroup, the rest private chats.
const GROUP_EVERY: usize = 10;

/// `FANOUT_CHATS` (default 10,000) and `FANOUT_SCALE` (default 10) override the defaults.
fn setting(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

fn brief() -> Brief {
    let as_of = Utc
        .with_ymd_and_hms(2026, 3, 2, 7, 0, 0)
        .single()
        .expect("date");
    Brief {
        title: "AI Morning Brief".into(),
        topic: None,
        as_of,
        window_start: as_of - chrono::Duration::hours(24),
        sections: vec![Section {
            topic: "chips".into(),
            title: "Chips & Hardware".into(),
            stories: vec![Story {
                headline: "Nvidia ships B300".into(),
                summary: "Memory bandwidth doubles.".into(),
                key_entity: "Nvidia".into(),
                published: as_of,
                topics: vec!["chips".into()],
                links: vec![Link {
                    url: "https://chips.example/b300".into(),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement harness; run with --ignored --nocapture"]
async fn fan_out_to_ten_thousand_chats_within_telegram_limits() {
    let chats = setting("FANOUT_CHATS", 10_000) as usize;
    let scale = setting("FANOUT_SCALE", 10);
    let fake = FakeTelegram::start().await;
    let base = telegram_limits();
    let limits = teloxide::adaptors::throttle::Limits {
        messages_per_sec_chat: base.messages_per_sec_chat * scale,
        messages_per_min_chat: base.messages_per_min_chat * scale,
        messages_per_min_channel_or_supergroup: base.messages_per_min_channel_or_supergroup * scale,
        messages_per_sec_overall: base.messages_per_sec_overall * scale,
    };
    fake.enforce_limits(RateLimits {
        overall_per_sec: limits.messages_per_sec_overall as usize,
        chat_per_sec: limits.messages_per_sec_chat as usize,
        group_per_min: limits.messages_per_min_channel_or_supergroup as usize,
    });
    let mut settings = TelegramSettings::new("123456:FANOUT");
    settings.api_url = Some(fake.url());
    settings.limits = limits;
    let messenger = Arc::new(TelegramMessenger::new(settings.bot(), limits));
    // As many as the scheduler runs at once for this messenger.
    let in_flight = messenger.deliveries_in_flight();
    let brief = Arc::new(brief());
    let destinations: Vec<Destination> = (0..chats)
        .map(|i| {
            let chat = if i % GROUP_EVERY == 0 {
                -1_000_000_000_000 - i as i64
            } else {
                1_000 + i as i64
            };
            Destination::new(Platform::Telegram, &chat.to_string(), None)
        })
        .collect();

    let retries = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let delivered: usize = futures::stream::iter(destinations.into_iter().enumerate())
        .map(|(id, destination)| {
            let (messenger, brief, retries) = (messenger.clone(), brief.clone(), retries.clone());
            async move {
                loop {
                    let outgoing = Outgoing::new(id as i64, &destination, &brief);
                    match messenger.send(outgoing).await {
                        Ok(ids) => return ids.len(),
                        Err(SendError::RateLimited { retry_after }) => {
                            retries.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(retry_after / scale).await;
                        }
                        Err(other) => panic!("{destination}: {other}"),
                    }
                }
            }
        })
        .buffer_unordered(in_flight)
        .fold(0, |sum, sent| async move { sum + sent })
        .await;
    let elapsed = started.elapsed().as_secs_f64();

    let allowed = f64::from(limits.messages_per_sec_overall);
    let achieved = delivered as f64 / elapsed;
    println!(
        "fan-out of one brief to {chats} chats ({} supergroups), time scaled ×{scale}",
        chats.div_ceil(GROUP_EVERY)
    );
    println!("  delivered messages     {delivered}");
    println!(
        "  elapsed                {elapsed:.1} s (≈ {:.0} s at real rates)",
        elapsed * f64::from(scale)
    );
    println!("  achieved rate          {achieved:.1}/s (allowed {allowed:.0}/s)");
    println!("  achieved ÷ allowed     {:.3}", achieved / allowed);
    println!(
        "  last delivery ÷ physical minimum (messages ÷ allowed rate)  {:.3}",
        elapsed / (delivered as f64 / allowed)
    );
    println!("  deliveries in flight   {in_flight}");
    println!("  429s answered          {}", fake.too_many_requests());
    println!(
        "  ledger-style retries   {}",
        retries.load(Ordering::Relaxed)
    );
    assert_eq!(delivered, chats, "every chat got its brief");
    fake.assert_valid();
}
