//! `briefbot check`: the config already parsed and validated on load; this reports what it
//! found and the problems only a look at the sources and the model endpoint can show.

use std::path::Path;
use std::process::ExitCode;

use briefbot::config::{Config, ConfigSource, SummarizerKind};
use briefbot::summarizer::{API_KEY_ENV, ChatClient, Summarizer};

pub async fn run(config: &Config, source: &ConfigSource) -> anyhow::Result<ExitCode> {
    let mut problems = Vec::new();
    for source in &config.sources {
        let location = source.url.as_str();
        if location.starts_with("http://") || location.starts_with("https://") {
            if url::Url::parse(location).is_err() {
                problems.push(format!("source {location:?}: not a valid URL"));
            }
        } else if location.contains("://") && !location.starts_with("file://") {
            problems.push(format!(
                "source {location:?}: use http(s)://, file:// or a path"
            ));
        } else if !Path::new(location.trim_start_matches("file://")).exists() {
            problems.push(format!("source {location:?}: file not found"));
        }
    }
    println!(
        "{source}: {} topics, {} sources, database {}",
        config.topics.len(),
        config.sources.len(),
        briefbot::redact::database_url(&config.database.url)
    );
    match config.summarizer.kind {
        SummarizerKind::Extractive => println!("summaries: extractive"),
        SummarizerKind::Openai => {
            if ChatClient::api_key_from_env().is_none() {
                println!(
                    "summaries: no {API_KEY_ENV} set; fine for a local server such as Ollama, refused by hosted APIs"
                );
            }
            match Summarizer::new(&config.summarizer).check().await {
                Ok(answer) => println!("summaries: {answer}"),
                Err(error) => problems.push(format!(
                    "summarizer endpoint {}: {error} (briefs fall back to extractive summaries)",
                    config.summarizer.base_url
                )),
            }
        }
    }
    if problems.is_empty() {
        println!("config OK");
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        eprintln!("problem: {problem}");
    }
    Ok(ExitCode::FAILURE)
}
