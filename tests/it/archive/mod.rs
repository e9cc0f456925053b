//! The web archive of briefs: storage on both backends, when briefs are kept and linked from
//! chat, the HTML pages, the feeds (read back by feed-rs and by Python's feedparser, as
//! readers would) and the pages in a real browser (headless Chromium).
//!
//! Checks that need a tool this machine may lack (python3 with feedparser, chromium) print
//! that they skipped it instead of passing in silence.

pub mod browser;
mod delivery;
mod feeds;
mod pages;
mod storage;

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;

use briefbot::http::server::{self, Limits};
use briefbot::model::{Brief, Editorial, Link, Section, Story};
use briefbot::storage::Store;
use briefbot::web::{self, Site, SiteTopic};

/// What every hostile field of `hostile_brief` holds in some form.
pub const SCRIPT: &str = "<script>alert(1)</script>";

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

pub fn story(headline: &str, summary: &str, links: &[(&str, &str)]) -> Story {
    Story {
        headline: headline.into(),
        summary: summary.into(),
        key_entity: String::new(),
        published: at("2026-03-02T05:00:00Z"),
        topics: vec!["chips".into()],
        links: links
            .iter()
            .map(|(url, source)| Link {
                url: (*url).into(),
                source: (*source).into(),
                title: format!("{source} report"),
            })
            .collect(),
        score: 0.0,
        item_ids: Vec::new(),
        why: None,
    }
}

/// A brief of `topic` (`None`: the full brief) as of `as_of`, with one story per headline.
pub fn brief(topic: Option<&str>, as_of: &str, headlines: &[&str]) -> Brief {
    let as_of = at(as_of);
    let section = |id: &str, title: &str| Section {
        topic: id.into(),
        title: title.into(),
        stories: headlines
            .iter()
            .enumerate()
            .map(|(n, headline)| {
                story(
                    headline,
                    &format!("Summary of {headline}."),
                    &[(&format!("https://{id}.example/{n}"), "Chip Wire")],
                )
            })
            .collect(),
    };
    let sections = match topic {
        Some("models") => vec![section("models", "Models")],
        Some(_) => vec![section("chips", "Chips & Hardware")],
        None => vec![
            section("chips", "Chips & Hardware"),
            section("models", "Models"),
        ],
    };
    Brief {
        title: "AI Morning Brief".into(),
        topic: topic.map(str::to_string),
        as_of,
        window_start: as_of - chrono::Duration::hours(24),
        source_count: Brief::count_sources(&sections),
        sections,
        editorial: None,
        permalink: None,
    }
}

/// A full brief whose feed text tries every trick: markup, a script, a `javascript:` link,
/// a CDATA end, an entity that must stay literal, a mass mention.
pub fn hostile_brief(as_of: &str) -> Brief {
    let mut brief = brief(None, as_of, &[]);
    brief.sections[0].stories = vec![
        story(
            &format!("{SCRIPT} Nvidia ships B300 @everyone"),
            "Costs ]]> less &amp; more <img src=x onerror=alert(2)>",
            &[
                ("javascript:alert(3)", "Evil <b>Wire</b>"),
                ("https://chips.example/b300?a=1&b=\"2\"", "Chip Wire"),
            ],
        ),
        story(
            "TSMC lifts capex",
            "Plain news.",
            &[("https://fab.example/x", "Fab Daily")],
        ),
    ];
    brief.sections.truncate(1);
    brief.source_count = Brief::count_sources(&brief.sections);
    brief.editorial = Some(Editorial {
        overview: format!("Chips led the day {SCRIPT}."),
        bottom_line: "Watch ]]> and <b>this</b>.".into(),
    });
    brief
}

pub fn site(public_url: Option<&str>) -> Site {
    Site {
        title: "AI Morning Brief".into(),
        topics: vec![
            SiteTopic {
                id: "chips".into(),
                title: "Chips & Hardware".into(),
            },
            SiteTopic {
                id: "models".into(),
                title: "Models".into(),
            },
        ],
        public_url: public_url.and_then(|u| url::Url::parse(u).ok()),
    }
}

/// The archive served on a free port through the shared server, as `run` will mount it.
/// `public_url(base)` picks the site's public address once the port is known. Returns the
/// base URL (with a trailing `/`) and what stops the server when dropped.
pub async fn serve(
    store: Store,
    public_url: impl FnOnce(&str) -> Option<String>,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}/", listener.local_addr().expect("address"));
    let site = site(public_url(&base).as_deref());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(
        listener,
        web::router(store, site),
        Limits::default(),
        async {
            let _ = stopped.await;
        },
    ));
    (base, stop)
}

/// GET `url`: status, content type and body.
pub async fn get(url: &str) -> (u16, String, String, reqwest::header::HeaderMap) {
    let response = reqwest::get(url).await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.text().await.expect("body");
    (status, content_type, body, headers)
}

/// The shipped config, with `[http] public_url` as given.
pub fn config(public_url: Option<&str>) -> briefbot::config::Config {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml");
    let mut config = briefbot::config::Config::load(&path).expect("config");
    config.http.public_url = public_url.map(str::to_string);
    config
}
