//! The engine over 10,000 items: classify + merge + rank + summarise, as `build_brief` runs them.
//!
//! Items are synthetic but shaped like a day of heavy news: ~2,000 events, each told by one to
//! eight outlets with reworded headlines, plus off-topic noise. Generated from a fixed seed so
//! every run measures the same work.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use briefbot::config::Config;
use briefbot::engine::{BriefRequest, Engine};
use briefbot::model::Item;

const COMPANIES: &[&str] = &[
    "Nvidia",
    "AMD",
    "Intel",
    "TSMC",
    "OpenAI",
    "Anthropic",
    "Google",
    "Meta",
    "Mistral",
    "DeepSeek",
    "Alibaba",
    "Samsung",
    "SK Hynix",
    "Micron",
    "Cerebras",
    "Groq",
    "xAI",
    "Microsoft",
    "Amazon",
    "Baidu",
    "Huawei",
    "Qualcomm",
];
const EVENTS: &[(&str, &str)] = &[
    (
        "unveils new GPU for data centers",
        "The accelerator doubles memory bandwidth for AI training.",
    ),
    (
        "raises {amount} in funding round",
        "Investors valued the AI company sharply higher.",
    ),
    (
        "releases open-weights language model",
        "The model tops coding benchmarks and ships under a permissive license.",
    ),
    (
        "faces new export controls on AI chips",
        "Regulators in Washington widened restrictions on advanced semiconductors.",
    ),
    (
        "reports record quarterly revenue",
        "Data center sales drove the results, beating analyst estimates.",
    ),
    (
        "discloses jailbreak in its AI assistant",
        "Security researchers bypassed the chatbot's guardrails with a prompt injection.",
    ),
    (
        "signs HBM supply deal",
        "The memory contract covers high-bandwidth memory for next year's accelerators.",
    ),
    (
        "files for IPO",
        "The AI lab filed confidentially with regulators to go public.",
    ),
];
const NOISE: &[&str] = &[
    "Potato chips maker lifts prices",
    "City council votes on new bike lanes",
    "Fashion model opens runway show in Milan",
    "Local team wins derby as Blackwell scores twice",
    "Heavy rain expected across the region",
];
const REWORDINGS: &[&str] = &[
    "",
    "Report: ",
    "Exclusive: ",
    "",
    "Update: ",
    "",
    "",
    "Breaking: ",
];

/// A small deterministic generator (xorshift), so the bench needs no extra crate.
struct Seed(u64);

impl Seed {
    fn next(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

fn items(count: usize, as_of: DateTime<Utc>) -> Vec<Item> {
    let mut seed = Seed(0x9E37_79B9_7F4A_7C15);
    let mut items = Vec::with_capacity(count);
    let mut event = 0usize;
    while items.len() < count {
        event += 1;
        let company = COMPANIES[seed.next(COMPANIES.len())];
        let (what, background) = EVENTS[seed.next(EVENTS.len())];
        let amount = format!("${} billion", 1 + seed.next(40));
        let outlets = 1 + seed.next(8);
        let minutes = seed.next(24 * 60) as i64;
        for (outlet, rewording) in REWORDINGS.iter().enumerate().take(outlets) {
            if items.len() >= count {
                break;
            }
            let noise = seed.next(10) == 0;
            let title = if noise {
                format!("{} {event}", NOISE[seed.next(NOISE.len())])
            } else {
                format!(
                    "{}{company} {} (event {event})",
                    rewording,
                    what.replace("{amount}", &amount)
                )
            };
            items.push(Item {
                id: items.len() as i64 + 1,
                source_name: format!("Outlet {outlet}"),
                source_weight: 1.0,
                title,
                summary: format!("{company} said on Monday that {background} Analysts expect more news on event {event}."),
                link: format!("https://outlet{outlet}.example/{event}"),
                published: as_of - chrono::Duration::minutes(minutes + outlet as i64),
                first_seen: as_of,
                language: Some("en".into()),
            });
        }
    }
    items
}

fn bench_engine(c: &mut Criterion) {
    let config_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml");
    let config = Config::load(&config_path).expect("shipped config");
    let engine = Engine::new(&config);
    let as_of = DateTime::from_timestamp(1_772_434_800, 0).expect("valid time");
    let items = items(10_000, as_of);
    let request = BriefRequest {
        topic: None,
        as_of,
        window: Duration::from_secs(24 * 3600),
        max_stories: 0,
        late_since: None,
        explain: false,
    };
    let mut group = c.benchmark_group("engine");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(items.len() as u64));
    group.bench_function("build_brief_10k_items", |b| {
        b.iter(|| engine.build_brief(&items, &request))
    });
    group.bench_function("classify_10k_items", |b| {
        b.iter(|| {
            items
                .iter()
                .map(|item| {
                    engine
                        .classifier()
                        .classify(&item.title, &item.summary)
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_engine);
criterion_main!(benches);
