//! The `briefbot` command line: argument definitions and dispatch. Each subcommand lives in
//! its own file; all of them are thin wrappers over the library.

mod brief;
mod check;
mod ingest;
mod run;
mod sources;
mod subscriptions;
mod topics;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use briefbot::app::App;
use briefbot::config::{self, Config, ConfigSource, DATABASE_URL_ENV};

#[derive(Debug, Parser)]
#[command(
    name = "briefbot",
    version,
    about = "News feeds in, short cited topic briefs out."
)]
pub struct Cli {
    /// Configuration file. Without one: ./config/briefbot.toml, then
    /// $XDG_CONFIG_HOME/briefbot/briefbot.toml, then /etc/briefbot/briefbot.toml, then the
    /// built-in defaults.
    #[arg(long, global = true, env = "BRIEFBOT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL (sqlite://FILE or postgres://…); overrides the config and BRIEFBOT_DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// Log more detail to stderr (or set BRIEFBOT_LOG, e.g. BRIEFBOT_LOG=briefbot=debug).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch feeds and store their new items.
    Ingest(ingest::IngestArgs),
    /// Print a brief: one topic (by id or alias) or, without TOPIC, every topic.
    Brief(brief::BriefArgs),
    /// List the topics and their aliases.
    Topics,
    /// Show each source's health, or export the sources as OPML.
    Sources {
        #[command(subcommand)]
        action: Option<sources::SourcesAction>,
    },
    /// Validate the configuration and exit.
    Check,
    /// Apply database migrations and exit (other commands apply them on start too).
    Migrate,
    /// Run the bot: ingest on an interval, deliver scheduled briefs, answer commands.
    Run(run::RunArgs),
    /// Subscribe a destination to a topic on a schedule.
    Subscribe(subscriptions::SubscribeArgs),
    /// Remove a destination's subscription to a topic (or `all`).
    Unsubscribe(subscriptions::UnsubscribeArgs),
    /// List subscriptions.
    Subscriptions(subscriptions::ListArgs),
    /// Recent deliveries with their status and the reason when a brief did not go out.
    Deliveries(subscriptions::ListArgs),
    /// Rebuild the topic model from labelled corpora (see README, "Topics").
    TrainClassifier(train::TrainArgs),
    /// Score topic briefs and merging against labelled corpora.
    Evaluate(train::EvaluateArgs),
}

/// An error the user caused and can fix; exits with status 2 like a usage error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn exit_code_for(error: &anyhow::Error) -> u8 {
    if error.downcast_ref::<UsageError>().is_some() {
        2
    } else {
        1
    }
}

pub async fn run(args: Cli) -> anyhow::Result<ExitCode> {
    let (mut config, source) = load_config(&args)?;
    match args.command {
        Command::Topics => topics::run(&config),
        Command::TrainClassifier(train_args) => train::train(&config, &train_args),
        Command::Evaluate(evaluate_args) => train::evaluate(&config, &evaluate_args),
        Command::Check => check::run(&config, &source).await,
        Command::Ingest(ingest_args) => ingest::run(&open(config).await?, &ingest_args).await,
        Command::Brief(brief_args) => {
            // Resolve the topic before touching the database so a typo answers instantly.
            let request = brief::request(&config, &brief_args)?;
            brief::apply_summarizer_flag(&mut config, &brief_args)?;
            brief::run(&open(config).await?, &brief_args, &request).await
        }
        Command::Sources { action } => sources::run(&open(config).await?, action.as_ref()).await,
        Command::Migrate => {
            let url = briefbot::redact::database_url(&config.database.url);
            let store = briefbot::storage::Store::connect(&config.database.url).await?;
            store
                .migrate()
                .await
                .with_context(|| format!("migrating {url}"))?;
            println!("{url}: migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(run_args) => {
            let url = briefbot::redact::database_url(&config.database.url);
            let app = App::open_with(config, !run_args.no_migrate)
                .await
                .with_context(|| format!("opening database {url}"))?;
            run::run(app, &run_args).await
        }
        Command::Subscribe(sub_args) => {
            subscriptions::subscribe(&open(config).await?, &sub_args).await
        }
        Command::Unsubscribe(unsub_args) => {
            subscriptions::unsubscribe(&open(config).await?, &unsub_args).await
        }
        Command::Subscriptions(list_args) => {
            subscriptions::list(&open(config).await?, &list_args).await
        }
        Command::Deliveries(list_args) => {
            subscriptions::deliveries(&open(config).await?, &list_args).await
        }
    }
}

fn load_config(args: &Cli) -> anyhow::Result<(Config, ConfigSource)> {
    let source = config::locate(args.config.as_deref());
    let mut config = Config::load_from(&source)?;
    if let Some(url) = &args.database {
        config.database.url = url.clone();
    }
    tracing::debug!(config = %source, env = DATABASE_URL_ENV, "configuration loaded");
    Ok((config, source))
}

async fn open(config: Config) -> anyhow::Result<App> {
    let url = briefbot::redact::database_url(&config.database.url);
    App::open(config)
        .await
        .with_context(|| format!("opening database {url}"))
}
