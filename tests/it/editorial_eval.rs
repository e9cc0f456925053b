//! The engine scored as a reader sees it, on labelled corpora written for it by people who
//! never saw its vocabulary (`tests/fixtures/editorial/`, 41 feeds, RSS 2.0, Atom, RDF and
//! JSON Feed, Chinese outlets in GBK, GB18030 and UTF-8, wire rewrites, analysis pieces and
//! traps).
//!
//! Three generations of split. The first (`set-a`, `set-b` to develop on, `set-c`, `set-d`
//! locked) scored 0.89 on its locked half; the second (`set-e`, `set-f`, invented companies,
//! `SECOND-SPLIT.md`) then showed the engine at 0.63 on names it had never met. The third
//! (`THIRD-SPLIT.md`) added four more sets written blind. Now `set-f` and `set-i` are the
//! locked test split: never trained or tuned on, scored before and after the work. Everything
//! else is the development split the topic model is trained on (`briefbot train-classifier`)
//! and the vocabulary and thresholds were tuned with, by leaving one corpus out at a time.
//! The run prints every figure so a change shows its effect.

use std::path::{Path, PathBuf};

use briefbot::config::Config;
use briefbot::corpus::{self, Corpus, Scores};
use briefbot::engine::{BriefRequest, Engine};

/// A corpus folder from its path in the repository (`briefbot::corpus::DEVELOPMENT`, …).
fn corpus_dir(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn config() -> Config {
    Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"))
        .expect("shipped config")
}

fn score(paths: &[&str]) -> Scores {
    let config = config();
    let engine = Engine::new(&config);
    let topics: Vec<String> = config.topic_ids().into_iter().map(String::from).collect();
    let mut total = Scores::default();
    for path in paths {
        let corpus = Corpus::load(&corpus_dir(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let scores = corpus.score(&engine, &topics);
        eprintln!("{scores}");
        total.add(&scores);
    }
    total
}

/// Every item of every corpus is read, dated and linked as its label says: relative links
/// resolved against `xml:base` or the feed's link, dates in every W3C-DTF and RFC 822 form,
/// GBK read as GBK.
#[test]
fn ingestion_reads_every_labelled_item() {
    for name in corpus::DEVELOPMENT.iter().chain(corpus::LOCKED) {
        let corpus = Corpus::load(&corpus_dir(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            corpus.unlabelled.is_empty(),
            "{name}: {:#?}",
            corpus.unlabelled
        );
        assert!(corpus.missing.is_empty(), "{name}: {:#?}", corpus.missing);
        let undated: Vec<&str> = corpus
            .items
            .iter()
            .filter(|item| item.published > corpus.as_of)
            .map(|item| item.link.as_str())
            .collect();
        assert!(
            undated.is_empty(),
            "{name}: items without a readable date: {undated:#?}"
        );
    }
}

/// The locked test split, scored once when the third generation of corpora arrived (before:
/// `set-f` macro-F1 0.621, merge 0.778; `set-i` 0.835, 0.876), once when that work was done
/// (both: macro-F1 0.866, merge 0.914) and once after training stopped learning "not models"
/// from the corpora of the narrower convention (`corpus::NARROW_MODELS`): macro-F1 0.886,
/// merge 0.915. The last figures are the floors.
#[test]
fn locked_test_split_keeps_its_scores() {
    let scores = score(corpus::LOCKED);
    eprintln!("locked test split: {scores}");
    assert!(
        scores.macro_f1() >= 0.88,
        "topic macro-F1 {:.3}",
        scores.macro_f1()
    );
    assert!(
        scores.merge.f1() >= 0.91,
        "merge F1 {:.3}",
        scores.merge.f1()
    );
    assert_eq!(scores.traps, 0, "traps in topic briefs");
}

#[test]
fn development_split_is_reported() {
    let scores = score(corpus::DEVELOPMENT);
    eprintln!("development split (trained on; in-sample): {scores}");
    // In-sample figures only guard against a broken model file or training run. They sit below
    // a perfect fit by design: the narrow-convention corpora's "not models" on a policy or
    // markets item is not trained on, yet still scored (in-sample macro-F1 0.950).
    assert!(
        scores.macro_f1() >= 0.93,
        "topic macro-F1 {:.3}",
        scores.macro_f1()
    );
    assert!(
        scores.merge.f1() >= 0.92,
        "merge F1 {:.3}",
        scores.merge.f1()
    );
}

#[test]
fn briefs_are_deterministic() {
    let config = config();
    let corpus = Corpus::load(&corpus_dir("tests/fixtures/editorial/set-c")).expect("set-c");
    let request = BriefRequest {
        topic: None,
        as_of: corpus.as_of,
        window: corpus.window,
        max_stories: 0,
        late_since: None,
        explain: true,
    };
    let first = Engine::new(&config).build_brief(&corpus.items, &request);
    let mut reversed = corpus.items.clone();
    reversed.reverse();
    let second = Engine::new(&config).build_brief(&reversed, &request);
    assert_eq!(
        briefbot::render::render(&first, briefbot::render::Format::Json),
        briefbot::render::render(&second, briefbot::render::Format::Json)
    );
    let story = &first.sections[0].stories[0];
    let why = story.why.as_ref().expect("explain fills why");
    assert!(!why.topics.is_empty() && why.reports.len() == story.links.len());
}

/// Measurement harness (ignored by default): each development corpus scored by a topic model
/// trained on the other eight, as the settings in `learned.rs` and the merge threshold were
/// chosen. Run: `cargo test --release --test it leave_one_corpus_out -- --ignored --nocapture`.
#[test]
#[ignore = "measurement harness; run with --release --ignored --nocapture"]
fn leave_one_corpus_out() {
    use briefbot::engine::learned::{self, TrainSettings};

    let config = config();
    let mut rules_only = config.clone();
    rules_only.topic_model = None;
    let rules = Engine::new(&rules_only);
    let topics: Vec<String> = config.topic_ids().into_iter().map(String::from).collect();
    let mut model_topics = topics.clone();
    model_topics.push(learned::ABOUT_AI.to_string());
    let corpora: Vec<Corpus> = corpus::DEVELOPMENT
        .iter()
        .map(|path| Corpus::load(&corpus_dir(path)).unwrap_or_else(|e| panic!("{path}: {e}")))
        .collect();
    let examples: Vec<_> = corpora
        .iter()
        .map(|corpus| corpus.examples(&rules, &model_topics))
        .collect();
    let (mut topic_f1, mut merge_f1, mut off_topic) = (0.0, 0.0, 0);
    for (held, corpus) in corpora.iter().enumerate() {
        let training: Vec<_> = examples
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != held)
            .flat_map(|(_, examples)| examples.iter().cloned())
            .collect();
        let model = learned::train(
            &model_topics,
            &training,
            &TrainSettings::default(),
            Vec::new(),
        );
        let mut held_out = config.clone();
        held_out.topic_model = Some(std::sync::Arc::new(model));
        let scores = corpus.score(&Engine::new(&held_out), &topics);
        println!(
            "{:<8} held out: topic macro-F1 {:.3}, merge F1 {:.3}, off-topic {}",
            corpus.name,
            scores.macro_f1(),
            scores.merge.f1(),
            scores.off_topic
        );
        topic_f1 += scores.macro_f1();
        merge_f1 += scores.merge.f1();
        off_topic += scores.off_topic;
    }
    let count = corpora.len() as f64;
    println!(
        "mean over {count} corpora: topic macro-F1 {:.3}, merge F1 {:.3}; off-topic items {off_topic}",
        topic_f1 / count,
        merge_f1 / count
    );
}
