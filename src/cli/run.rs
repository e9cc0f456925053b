//! `briefbot run`: feeds fetched on an interval, schedules turned into deliveries, deliveries
//! sent — until SIGINT or SIGTERM, which finishes the deliveries in flight and hands back the
//! rest.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use clap::Args;
use tokio::sync::watch;

use briefbot::app::App;
use briefbot::delivery::Messengers;
use briefbot::delivery::console::Console;
use briefbot::delivery::limit::{Limited, Rate};
use briefbot::delivery::webhook::Webhook;
use briefbot::http::{self, Routes};
use briefbot::ingest::{Backoff, Ingestor, Shared};
use briefbot::periodic::Rounds;
use briefbot::platforms::{discord, mattermost, slack};
use briefbot::schedule::clock::SystemClock;
use briefbot::schedule::runner::{self, Scheduler};
use briefbot::storage::retention::Cutoffs;
use briefbot::storage::{Backend, run_lock};

/// How long shutdown waits for deliveries in flight before leaving their leases to expire.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Do not fetch feeds (another process or replica ingests).
    #[arg(long)]
    pub no_ingest: bool,
    /// Do not apply database migrations on start (run `briefbot migrate` once instead).
    #[arg(long)]
    pub no_migrate: bool,
}

pub async fn run(app: App, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let app = Arc::new(app);
    // Held until `run` returns; the operating system frees it if the process dies.
    let _run_lock = run_lock::lock(&app.config.database.url, &runner::worker_id())?;
    if app.store.backend() == Backend::Sqlite {
        // SQLite serves one `run` process (the lock above makes sure), so anything still
        // claimed was ours before a crash.
        let released = app
            .store
            .release_claims(None, Utc::now().timestamp())
            .await?;
        if released > 0 {
            tracing::warn!(
                released,
                "re-queued deliveries that were in flight when briefbot last stopped"
            );
        }
    }
    // Counted from the start, so the first scrape of /metrics sees everything since.
    briefbot::telemetry::prometheus();
    let (stop, stopped) = watch::channel(false);
    let webhook = &app.config.webhook;
    let webhooks = Limited::new(
        Webhook::new(webhook.timeout)?,
        Some(Rate::per_second(webhook.per_second)),
        Some(Rate::per_minute(webhook.per_destination_per_minute)),
    )
    .sharing(app.replicas.clone());
    let messengers = Messengers::default()
        .with(Arc::new(Console))
        .with(webhooks.shared());
    let http_listen = app.config.http.listen();
    let shared_server = http_listen.is_some();
    // Discord is on when DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID are set: it registers
    // the slash commands and answers them over the gateway, or over HTTP when
    // DISCORD_PUBLIC_KEY is set, and stops with the rest on `stopped`.
    let (messengers, discord, discord_routes) =
        match discord::Settings::from_env(&app.config.discord)? {
            Some(settings) => {
                let started =
                    discord::start(app.clone(), &settings, shared_server, stopped.clone()).await?;
                (
                    messengers.with(started.messenger),
                    started.task,
                    started.routes,
                )
            }
            None => (messengers, None, None),
        };
    // Slack is on when SLACK_BOT_TOKEN is set, Mattermost when MATTERMOST_URL and
    // MATTERMOST_BOT_TOKEN are; their slash commands (SLACK_SIGNING_SECRET,
    // MATTERMOST_COMMAND_TOKEN) are served by the shared HTTP server. Their incoming-webhook
    // destinations need no settings.
    let (messengers, work_chat_routes) = work_chats(&app, messengers, shared_server)?;
    // Telegram is on when TELEGRAM_BOT_TOKEN is set: long polling, or the webhook when
    // [telegram] webhook_url / TELEGRAM_WEBHOOK_URL is set, answering commands until `stopped`.
    let telegram = briefbot::platforms::telegram::start(
        app.clone(),
        Arc::new(SystemClock),
        messengers,
        shared_server,
        stopped.clone(),
    )?;
    let messengers = telegram.messengers;
    // One port for health, metrics, the archive and the platforms' endpoints.
    let http = match &http_listen {
        Some(listen) => {
            let site = briefbot::web::Site::from_config(&app.config).map_err(anyhow::Error::msg)?;
            let mut routes = Routes::new(http::Readiness::new(app.clone(), stopped.clone()))
                .mount(
                    "the brief archive",
                    briefbot::web::PATHS,
                    briefbot::web::router(app.store.clone(), site),
                )?;
            if let Some(router) = discord_routes {
                routes = routes.mount("Discord", &[discord::interactions::PATH], router)?;
            }
            for (owner, path, router) in work_chat_routes {
                routes = routes.mount(owner, &[path], router)?;
            }
            if let Some((path, router)) = telegram.route {
                routes = routes.mount("the Telegram webhook", &[path.as_str()], router)?;
            }
            let (address, task) = http::start(listen, routes, stopped.clone()).await?;
            eprintln!(
                "HTTP on http://{address}/ (the brief archive, feeds, healthz, readyz, metrics)"
            );
            Some(task)
        }
        None => None,
    };
    let telegram = telegram.task;
    let platforms = messengers.platforms();
    if app.store.all_subscriptions().await?.is_empty() {
        eprintln!("No subscriptions yet. Try: briefbot subscribe console all 08:00 Europe/Berlin");
    }
    eprintln!(
        "briefbot running with destinations: {}. Ctrl-C stops.",
        platforms.join(", ")
    );
    if app.summarizer.is_enabled() {
        eprintln!(
            "Summaries by {} at {}, prepared {} ahead of each scheduled brief; extractive when the model is slow or down.",
            app.config.summarizer.model,
            app.config.summarizer.base_url,
            humantime::format_duration(app.config.summarizer.prepare_ahead)
        );
    }

    // A background task that panics leaves a process that looks alive and does nothing: the
    // process stops instead, exiting non-zero, so systemd or Kubernetes starts a fresh one.
    let (ended, mut first_ended) = tokio::sync::mpsc::unbounded_channel();
    let ingest = (!args.no_ingest)
        .then(|| supervised("ingest", ingest_loop(app.clone(), stopped.clone()), &ended));
    let prepare = supervised(
        "prepare",
        briefbot::schedule::prepare::run(app.clone(), Arc::new(SystemClock), stopped.clone()),
        &ended,
    );
    let retention = supervised(
        "retention",
        retention_loop(app.clone(), stopped.clone()),
        &ended,
    );
    let alerts = supervised(
        "alerts",
        briefbot::alerts::run(app.clone(), messengers.clone(), stopped.clone()),
        &ended,
    );
    let scheduler = Scheduler::new(app.clone(), messengers, Arc::new(SystemClock));
    let schedule_stopped = stopped.clone();
    let schedule = supervised(
        "scheduler",
        async move { scheduler.run(schedule_stopped).await },
        &ended,
    );

    let failed = tokio::select! {
        _ = shutdown_signal() => None,
        name = first_ended.recv() => name,
    };
    match failed {
        Some(name) => eprintln!(
            "The {name} task stopped unexpectedly; stopping briefbot so it can be restarted."
        ),
        None => eprintln!("Stopping: finishing deliveries in flight…"),
    }
    let _ = stop.send(true);
    if tokio::time::timeout(SHUTDOWN_GRACE, schedule)
        .await
        .is_err()
    {
        eprintln!(
            "Deliveries still in flight after {}s; their leases will expire and another run retries them.",
            SHUTDOWN_GRACE.as_secs()
        );
    }
    // Let the chat adapters finish the commands they are handling (a Telegram long poll ends
    // within its timeout; Discord's endpoint or gateway closes its connections).
    for (name, task) in [
        ("Telegram", telegram),
        ("Discord", discord),
        ("HTTP server", http),
    ] {
        if let Some(task) = task
            && tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err()
        {
            eprintln!("The {name} adapter did not stop in time.");
        }
    }
    if let Some(ingest) = ingest {
        ingest.abort();
    }
    // Summaries in progress are only a head start: whatever is not cached yet is written on
    // the next run or delivered extractive.
    prepare.abort();
    retention.abort();
    alerts.abort();
    app.store.close().await;
    Ok(if failed.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Endpoints for the shared HTTP server: who serves them, at which path, with what.
type Mounts = Vec<(&'static str, &'static str, axum::Router)>;

/// The Slack and Mattermost messengers (apps and incoming webhooks) added to `messengers`,
/// and the command endpoints the shared HTTP server is to mount.
fn work_chats(
    app: &Arc<App>,
    messengers: Messengers,
    shared_server: bool,
) -> anyhow::Result<(Messengers, Mounts)> {
    let webhook = &app.config.webhook;
    let overall = Some(Rate::per_second(webhook.per_second));
    let mut messengers = messengers
        .with(Arc::new(
            Limited::new(
                slack::webhook::SlackWebhook::new(webhook.timeout, slack::pacing::Pace::slack())?,
                overall,
                None,
            )
            .sharing(app.replicas.clone()),
        ))
        .with(Arc::new(
            Limited::new(
                mattermost::webhook::MattermostWebhook::new(webhook.timeout)?,
                overall,
                Some(Rate::per_minute(webhook.per_destination_per_minute)),
            )
            .sharing(app.replicas.clone()),
        ));
    let mut routes = Vec::new();
    if let Some(settings) = slack::Settings::from_env()? {
        let started = slack::start(app.clone(), &settings, Arc::new(SystemClock), shared_server)?;
        messengers = messengers.with(started.messenger);
        routes.extend(started.routes.map(|r| ("Slack", slack::commands::PATH, r)));
    }
    if let Some(settings) = mattermost::Settings::from_env()? {
        let started =
            mattermost::start(app.clone(), &settings, Arc::new(SystemClock), shared_server)?;
        messengers = messengers.with(started.messenger);
        routes.extend(
            started
                .routes
                .map(|r| ("Mattermost", mattermost::commands::PATH, r)),
        );
    }
    Ok((messengers, routes))
}

/// Spawns `task`; if it panics, its name goes to `ended`. (A task that returns has nothing to
/// do: ingestion without sources, preparation without a model.)
fn supervised(
    name: &'static str,
    task: impl Future<Output = ()> + Send + 'static,
    ended: &tokio::sync::mpsc::UnboundedSender<&'static str>,
) -> tokio::task::JoinHandle<()> {
    let ended = ended.clone();
    tokio::spawn(async move {
        if let Err(error) = tokio::spawn(task).await
            && error.is_panic()
        {
            tracing::error!(task = name, %error, "background task panicked");
            let _ = ended.send(name);
        }
    })
}

async fn ingest_loop(app: Arc<App>, stopped: watch::Receiver<bool>) {
    let sources = app.configured_sources();
    if sources.is_empty() {
        return;
    }
    let shared = Shared {
        worker: briefbot::schedule::runner::worker_id(),
        lease: app.config.ingest.timeout * 2,
        // A little under the interval, so the replica whose turn it is never just misses it.
        min_interval: app.config.schedule.ingest_interval.mul_f64(0.9),
    };
    let ingestor = match Ingestor::new(&app.store, &app.config.ingest) {
        Ok(ingestor) => ingestor.shared_with_replicas(shared),
        Err(error) => {
            tracing::error!(%error, "ingestion disabled");
            return;
        }
    };
    let mut rounds = Rounds::every(app.config.schedule.ingest_interval, stopped);
    while rounds.next().await {
        match ingestor
            .ingest(&sources, Utc::now(), Backoff::Respect, &|_| {})
            .await
        {
            Ok(reports) => tracing::info!(sources = reports.len(), "ingested"),
            Err(error) => tracing::error!(%error, "ingestion failed"),
        }
    }
}

/// Prunes what no brief reads any more, at start and then every `[retention] interval`.
async fn retention_loop(app: Arc<App>, stopped: watch::Receiver<bool>) {
    let mut rounds = Rounds::every(app.config.retention.interval, stopped);
    while rounds.next().await {
        let cutoffs = Cutoffs::at(Utc::now().timestamp(), &app.config.retention);
        match app.store.prune(&cutoffs).await {
            Ok(pruned) if pruned.total() > 0 => tracing::info!(?pruned, "pruned old rows"),
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "pruning failed; trying again next interval"),
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
