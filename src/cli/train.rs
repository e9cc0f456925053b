//! `briefbot train-classifier` rebuilds the shipped topic model from labelled corpora, and
//! `briefbot evaluate` scores the engine on any labelled corpus (see `briefbot::corpus`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use briefbot::config::Config;
use briefbot::corpus::{self, Corpus, Scores};
use briefbot::engine::Engine;
use briefbot::engine::learned::{self, TrainSettings};

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// A labelled corpus folder (feeds + labels.json); repeat for several. Default: the
    /// development corpora under tests/fixtures.
    #[arg(long = "corpus", value_name = "DIR")]
    pub corpora: Vec<PathBuf>,
    /// Where to write the model.
    #[arg(long, default_value = "config/classifier-model.json")]
    pub out: PathBuf,
    /// L2 penalty: higher stays closer to the rules and entity kinds.
    #[arg(long, default_value_t = TrainSettings::default().l2)]
    pub l2: f32,
    /// Passes over the data.
    #[arg(long, default_value_t = TrainSettings::default().epochs)]
    pub epochs: usize,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Labelled corpus folders to score, each with a labels.json.
    #[arg(required = true, value_name = "DIR")]
    pub corpora: Vec<PathBuf>,
    /// Also list every wrong, missed and wrongly merged item.
    #[arg(long)]
    pub mistakes: bool,
}

pub fn train(config: &Config, args: &TrainArgs) -> anyhow::Result<ExitCode> {
    let corpora: Vec<PathBuf> = if args.corpora.is_empty() {
        corpus::DEVELOPMENT.iter().map(PathBuf::from).collect()
    } else {
        args.corpora.clone()
    };
    // Features come from the rules and the gazetteer alone, never from an older model.
    let mut rules_only = config.clone();
    rules_only.topic_model = None;
    let engine = Engine::new(&rules_only);
    let mut topics: Vec<String> = config.topic_ids().into_iter().map(str::to_string).collect();
    topics.push(learned::ABOUT_AI.to_string());
    let mut examples = Vec::new();
    let mut names = Vec::new();
    for dir in &corpora {
        let corpus = Corpus::load(dir)?;
        eprintln!("{}: {} items", dir.display(), corpus.items.len());
        examples.extend(corpus.examples(&engine, &topics));
        names.push(dir.display().to_string());
    }
    let settings = TrainSettings {
        l2: args.l2,
        epochs: args.epochs,
        ..TrainSettings::default()
    };
    let model = learned::train(&topics, &examples, &settings, names);
    std::fs::write(&args.out, model.to_json() + "\n")
        .with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "{}: {} examples, {} weighted features, cut-offs {:?}",
        args.out.display(),
        examples.len(),
        model.feature_count(),
        model.cutoff
    );
    Ok(ExitCode::SUCCESS)
}

pub fn evaluate(config: &Config, args: &EvaluateArgs) -> anyhow::Result<ExitCode> {
    let engine = Engine::new(config);
    let topics: Vec<String> = config.topic_ids().into_iter().map(str::to_string).collect();
    let mut total = Scores::default();
    for dir in &args.corpora {
        let corpus = Corpus::load(dir)?;
        let scores = corpus.score(&engine, &topics);
        if args.mistakes {
            for mistake in &scores.mistakes {
                println!("{mistake}");
            }
        }
        println!("{scores}");
        total.add(&scores);
    }
    if args.corpora.len() > 1 {
        println!("all: {total}");
    }
    Ok(ExitCode::SUCCESS)
}
