//! `briefbot brief [TOPIC]`

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;

use super::{UsageError, ingest, topics};
use briefbot::app::App;
use briefbot::config::{Config, SummarizerKind, parse_duration};
use briefbot::engine::BriefRequest;
use briefbot::ingest::Backoff;
use briefbot::model::TopicFilter;
use briefbot::render::{self, Format};
use briefbot::summarizer::{Stats, Wait, Written};

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
    /// extractive or openai: who writes the summaries for this run (default from the config).
    #[arg(long, value_name = "KIND")]
    pub summarizer: Option<String>,
    /// Say why each story is in its topics and why its reports were merged (in JSON: `why`).
    #[arg(long)]
    pub explain: bool,
}

/// Applies `--summarizer` to the config; a bad value or an incomplete `[summarizer]` section
/// is a usage error.
pub fn apply_summarizer_flag(config: &mut Config, args: &BriefArgs) -> anyhow::Result<()> {
    let Some(kind) = &args.summarizer else {
        return Ok(());
    };
    config.summarizer.kind = kind
        .parse::<SummarizerKind>()
        .map_err(|e| UsageError(format!("--summarizer: {e}")))?;
    config
        .validate_summarizer()
        .map_err(|e| UsageError(format!("--summarizer {kind}: {e}")))?;
    Ok(())
}

/// Validates the arguments into a request; every mistake is a usage error (exit 2).
pub fn request(config: &Config, args: &BriefArgs) -> anyhow::Result<BriefRequest> {
    let topic = match &args.topic {
        None => None,
        Some(name) if TopicFilter::means_all(name) => None,
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
        late_since: None,
        explain: args.explain,
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
    let (brief, written) = app
        .brief_and_report(request, Wait::Finish)
        .await
        .context("building the brief")?;
    let mut rendered = render::render(&brief, format);
    if !rendered.ends_with('\n') {
        rendered.push('\n');
    }
    print!("{rendered}");
    if request.explain && format != Format::Json {
        print!("{}", explanation(&brief));
    }
    if app.summarizer.is_enabled() {
        eprintln!("{}", summary_report(&written, &app.summarizer.stats()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The `why` of every story as plain text, after the brief.
fn explanation(brief: &briefbot::model::Brief) -> String {
    let mut out = String::from("\nWhy:\n");
    for story in brief.sections.iter().flat_map(|s| &s.stories) {
        let Some(why) = &story.why else { continue };
        out.push_str(&format!("\n* {}\n", story.headline));
        for topic in &why.topics {
            out.push_str(&format!(
                "  {}: {:.2} (threshold {:.2}; {} of {} reports placed it)\n",
                topic.topic,
                topic.score,
                topic.threshold,
                topic.reports_placed,
                why.reports.len()
            ));
        }
        if !why.shared.is_empty() {
            out.push_str(&format!("  merged on: {}\n", why.shared.join(", ")));
        }
        for report in &why.reports {
            let scores: Vec<String> = report
                .scores
                .iter()
                .map(|(topic, score)| format!("{topic} {score:.2}"))
                .collect();
            out.push_str(&format!("  - {} [{}]\n", report.url, scores.join(", ")));
            if !report.terms.is_empty() {
                out.push_str(&format!("    terms: {}\n", report.terms.join("; ")));
            }
            if !report.model.is_empty() {
                out.push_str(&format!("    model: {}\n", report.model.join(", ")));
            }
            if !report.entities.is_empty() {
                out.push_str(&format!("    entities: {}\n", report.entities.join(", ")));
            }
        }
    }
    out
}

/// "Summaries: 7 of 9 written by the model, overview included (2 calls, 3120 tokens); 2
/// extractive (ungrounded 1, timeout 1)."
fn summary_report(written: &Written, stats: &Stats) -> String {
    let total = written.model_summaries + written.extractive_summaries;
    let mut line = format!(
        "Summaries: {} of {total} written by the model{} ({} calls, {} tokens this run)",
        written.model_summaries,
        if written.editorial {
            ", with overview and bottom line"
        } else {
            ", no overview"
        },
        stats.calls,
        stats.tokens
    );
    if !stats.fallbacks.is_empty() {
        let reasons: Vec<String> = stats
            .fallbacks
            .iter()
            .map(|(reason, count)| format!("{reason} {count}"))
            .collect();
        line.push_str(&format!(
            "; fell back to extractive: {}",
            reasons.join(", ")
        ));
    }
    line.push('.');
    line
}
