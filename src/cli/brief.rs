//! `briefbot brief [TOPIC]`

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;

use super::{UsageError, ingest, topics};
use briefbot::app::App;
use briefbot::config::{Config, parse_duration};
use briefbot::engine::BriefRequest;
use briefbot::ingest::Backoff;
use briefbot::render::{self, Format};

#[derive(Debug, Args)]
pub struct BriefArgs {
    /// Topic id or alias (e.g. chips, hardware); all topics when omitted.
    pub topic: Option<String>,
    /// Build the brief as of this instant (RFC 3339, e.g. 2026-03-02T07:00:00Z); default now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// How far back to look, e.g. 24h, 90m, 2d; default from the config.
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// Stories per section; 0 means no cap. Default from the config.
    #[arg(long, value_name = "N")]
    pub max_stories: Option<usize>,
    /// text, markdown or json.
    #[arg(long, default_value = "text")]
    pub format: String,
}

/// Validates the arguments into a request; every mistake is a usage error (exit 2).
pub fn request(config: &Config, args: &BriefArgs) -> anyhow::Result<BriefRequest> {
    let topic = match &args.topic {
        None => None,
        Some(name) if name.eq_ignore_ascii_case("all") => None,
        Some(name) => match config.find_topic(name) {
            Some(topic) => Some(topic.id.clone()),
            None => {
                return Err(UsageError(format!(
                    "unknown topic {name:?}. Available topics:\n{}",
                    topics::topic_list(config).trim_end()
                ))
                .into());
            }
        },
    };
    let as_of = match &args.at {
        None => Utc::now(),
        Some(text) => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                UsageError(format!(
                    "cannot read --at {text:?} as an RFC 3339 time ({e}); try 2026-03-02T07:00:00Z"
                ))
            })?,
    };
    let window: Duration = match &args.window {
        None => config.brief.window,
        Some(text) => parse_duration(text).map_err(|e| UsageError(format!("--window: {e}")))?,
    };
    args.format
        .parse::<Format>()
        .map_err(|e| UsageError(format!("--format: {e}")))?;
    Ok(BriefRequest {
        topic,
        as_of,
        window,
        max_stories: args.max_stories.unwrap_or(config.brief.stories_per_section),
    })
}

pub async fn run(app: &App, args: &BriefArgs, request: &BriefRequest) -> anyhow::Result<ExitCode> {
    let format: Format = args
        .format
        .parse()
        .map_err(|e| UsageError(format!("--format: {e}")))?;
    if app.store.item_count().await? == 0 && !app.config.sources.is_empty() {
        // A first run on an empty database would otherwise print an empty brief and leave the
        // user wondering; fetch the configured sources once instead.
        eprintln!(
            "The database has no items yet; ingesting the {} configured sources first…",
            app.config.sources.len()
        );
        let reports =
            ingest::ingest_with_progress(app, &app.configured_sources(), Backoff::Ignore).await?;
        ingest::print_summary(&reports, &mut std::io::stderr())?;
    }
    let brief = app.brief(request).await.context("building the brief")?;
    let mut rendered = render::render(&brief, format);
    if !rendered.ends_with('\n') {
        rendered.push('\n');
    }
    print!("{rendered}");
    Ok(ExitCode::SUCCESS)
}
