//! `briefbot sources` and `briefbot sources export`

use std::process::ExitCode;

use chrono::DateTime;
use clap::Subcommand;

use briefbot::app::App;
use briefbot::ingest::opml;

#[derive(Debug, Subcommand)]
pub enum SourcesAction {
    /// Print the configured sources as OPML, for importing into a feed reader.
    Export,
}

pub async fn run(app: &App, action: Option<&SourcesAction>) -> anyhow::Result<ExitCode> {
    let known = app.store.sources().await?;
    if let Some(SourcesAction::Export) = action {
        let names: Vec<(String, String)> = app
            .config
            .sources
            .iter()
            .map(|source| {
                let stored = known
                    .iter()
                    .find(|k| k.url == source.url)
                    .map(|k| k.name.clone());
                let name = source
                    .name
                    .clone()
                    .or(stored)
                    .unwrap_or_else(|| source.url.clone());
                (name, source.url.clone())
            })
            .collect();
        print!(
            "{}",
            opml::write_sources(
                &app.config.brief.title,
                names.iter().map(|(n, u)| (n.as_str(), u.as_str()))
            )?
        );
        println!();
        return Ok(ExitCode::SUCCESS);
    }
    if known.is_empty() {
        println!("No source has been fetched yet: run `briefbot ingest`.");
        return Ok(ExitCode::SUCCESS);
    }
    let time = |t: Option<i64>| {
        t.and_then(|s| DateTime::from_timestamp(s, 0))
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| "never".into())
    };
    println!(
        "{:<32} {:>6}  {:<20}  {:<20}  status",
        "source", "items", "last fetch", "last success"
    );
    for source in &known {
        let status = match &source.last_error {
            None if source.last_fetch_at.is_none() => "not fetched yet".to_string(),
            None => "ok".to_string(),
            Some(error) => format!(
                "failing ({} in a row): {error}; next try {}",
                source.consecutive_failures,
                time(Some(source.next_attempt_at))
            ),
        };
        let name: String = source.name.chars().take(32).collect();
        println!(
            "{name:<32} {:>6}  {:<20}  {:<20}  {status}",
            source.item_count,
            time(source.last_fetch_at),
            time(source.last_success_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}
