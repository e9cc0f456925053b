//! `briefbot ingest`

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use briefbot::app::App;
use briefbot::ingest::{Backoff, Ingestor, Outcome, SourceReport, SourceSpec, opml};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Ingest this feed instead of the configured ones (http(s) URL, file:// URL or path); repeatable.
    #[arg(long = "feed", value_name = "URL_OR_PATH")]
    pub feeds: Vec<String>,
    /// Ingest the feeds listed in this OPML file instead of the configured ones; repeatable.
    #[arg(long, value_name = "FILE")]
    pub opml: Vec<PathBuf>,
}

pub async fn run(app: &App, args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let mut sources: Vec<SourceSpec> = args
        .feeds
        .iter()
        .map(|url| SourceSpec {
            url: url.clone(),
            name: None,
            weight: 1.0,
        })
        .collect();
    for path in &args.opml {
        sources.extend(opml::read_sources(path)?);
    }
    if sources.is_empty() {
        sources = app.configured_sources();
    }
    if sources.is_empty() {
        eprintln!("No sources: add [[sources]] to the config, or pass --feed URL or --opml FILE.");
        return Ok(ExitCode::FAILURE);
    }
    // An explicit ingest is the operator asking "try now", so backoff from earlier failures
    // does not hold it back.
    let reports = ingest_with_progress(app, &sources, Backoff::Ignore).await?;
    print_summary(&reports, &mut std::io::stdout())?;
    let any_worked = reports
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Fetched { .. } | Outcome::Unchanged));
    Ok(if any_worked {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Ingests with a progress bar on stderr when stderr is a terminal.
pub async fn ingest_with_progress(
    app: &App,
    sources: &[SourceSpec],
    backoff: Backoff,
) -> anyhow::Result<Vec<SourceReport>> {
    let ingestor = Ingestor::new(&app.store, &app.config.ingest)?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(sources.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} feeds {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let on_done = |report: &SourceReport| {
        bar.set_message(report.name.clone());
        bar.inc(1);
    };
    let reports = ingestor
        .ingest(sources, Utc::now(), backoff, &on_done)
        .await
        .context("ingesting feeds")?;
    bar.finish_and_clear();
    Ok(reports)
}

pub fn print_summary(reports: &[SourceReport], out: &mut dyn Write) -> std::io::Result<()> {
    let (mut new_total, mut failed) = (0, 0);
    for report in reports {
        let line = match &report.outcome {
            Outcome::Fetched { new, total } => {
                new_total += new;
                format!("ok        {:<32} {new} new of {total} items", report.name)
            }
            Outcome::FetchedElsewhere => format!(
                "shared    {:<32} fetched recently by another replica",
                report.name
            ),
            Outcome::Unchanged => format!(
                "unchanged {:<32} not modified since last fetch",
                report.name
            ),
            Outcome::Skipped { until } => format!(
                "resting   {:<32} after earlier errors, until {}",
                report.name,
                until.format("%Y-%m-%d %H:%M UTC")
            ),
            Outcome::Failed { error } => {
                failed += 1;
                format!("error     {:<32} {error} ({})", report.name, report.url)
            }
        };
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "{} sources: {new_total} new items, {failed} failed",
        reports.len()
    )
}
