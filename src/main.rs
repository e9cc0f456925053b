//! Start-up only: parse the command line, set up logging, run the command, pick the exit code.

use std::process::ExitCode;

use clap::Parser;

mod cli;

use cli::Cli;

fn main() -> ExitCode {
    let args = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("BRIEFBOT_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if args.verbose {
            "briefbot=debug"
        } else {
            "briefbot=warn"
        })
    });
    // One JSON object per line for log collectors (Loki, CloudWatch, journald's JSON export)
    // when asked; readable lines otherwise.
    let json = std::env::var("BRIEFBOT_LOG_FORMAT").is_ok_and(|format| format == "json");
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        logs.json().init();
    } else {
        logs.init();
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(cli::exit_code_for(&error))
        }
    }
}
