//! The engine scored as a reader sees it, on labelled corpora written for it by people who
//! never saw its vocabulary (`tests/fixtures/editorial/`, 16 outlets, RSS 2.0, Atom, RDF and
//! JSON Feed, Chinese outlets in GBK and UTF-8, wire rewrites, analysis pieces and traps).
//!
//! `set-a` and `set-b` are the development split: the topic model is trained on them (with
//! `tests/fixtures/eval`) and the vocabulary was tuned looking at them. `set-c` and `set-d`
//! are the locked test split: never trained or tuned on, scored when the work was done. Their
//! figures are the floors below; the run prints every figure so a change shows its effect.
//! `set-e` and `set-f` (`SECOND-SPLIT.md`) are a second locked split, written later by someone
//! who saw neither the engine nor its vocabulary, with invented companies and products: the
//! honest figure for news the engine has not met.

use std::path::{Path, PathBuf};

use briefbot::config::Config;
use briefbot::corpus::{Corpus, Scores};
use briefbot::engine::{BriefRequest, Engine};

fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn config() -> Config {
    Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/briefbot.toml"))
        .expect("shipped config")
}

fn score(names: &[&str]) -> (Scores, Vec<Corpus>) {
    let config = config();
    let engine = Engine::new(&config);
    let topics: Vec<String> = config.topic_ids().into_iter().map(String::from).collect();
    let mut total = Scores::default();
    let mut corpora = Vec::new();
    for name in names {
        let corpus = Corpus::load(&corpus_dir(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let scores = corpus.score(&engine, &topics);
        eprintln!("{scores}");
        total.add(&scores);
        corpora.push(corpus);
    }
    (total, corpora)
}

/// Every item of every corpus is read, dated and linked as its label says: relative links
/// resolved against `xml:base` or the feed's link, dates in every W3C-DTF and RFC 822 form,
/// GBK read as GBK.
#[test]
fn ingestion_reads_every_labelled_item() {
    for name in [
        "eval",
        "editorial/set-a",
        "editorial/set-b",
        "editorial/set-c",
        "editorial/set-d",
        "editorial/set-e",
        "editorial/set-f",
    ] {
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

#[test]
fn locked_test_split_keeps_its_scores() {
    let (scores, _) = score(&["editorial/set-c", "editorial/set-d"]);
    eprintln!("locked test split: {scores}");
    let policy = scores.topics["policy"];
    assert!(
        scores.macro_f1() >= 0.88,
        "topic macro-F1 {:.3}",
        scores.macro_f1()
    );
    assert!(
        policy.recall() >= 0.90,
        "policy recall {:.2}",
        policy.recall()
    );
    assert!(
        scores.merge.f1() >= 0.94,
        "merge F1 {:.3}",
        scores.merge.f1()
    );
    assert!(scores.traps <= 6, "{} traps in topic briefs", scores.traps);
}

#[test]
fn development_split_is_reported() {
    let (scores, _) = score(&["eval", "editorial/set-a", "editorial/set-b"]);
    eprintln!("development split (trained on; in-sample): {scores}");
    // In-sample figures only guard against a broken model file or training run.
    assert!(
        scores.macro_f1() >= 0.90,
        "topic macro-F1 {:.3}",
        scores.macro_f1()
    );
    assert!(
        scores.merge.f1() >= 0.90,
        "merge F1 {:.3}",
        scores.merge.f1()
    );
}

#[test]
fn briefs_are_deterministic() {
    let config = config();
    let corpus = Corpus::load(&corpus_dir("editorial/set-c")).expect("set-c");
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

/// A second locked split (`set-e`, `set-f`), written on 2 December 2026 by someone who saw
/// neither the engine nor its vocabulary, after every figure above was fixed: scored once, as
/// it came, with nothing changed on its account. Its floors are the figures of that first run.
#[test]
fn second_locked_split_keeps_its_first_scores() {
    let (scores, _) = score(&["editorial/set-e", "editorial/set-f"]);
    eprintln!("second locked test split: {scores}");
    // Far below the first locked split: its outlets name invented companies and products the
    // gazetteer and the model have never seen, which is what next week's news does too.
    assert!(
        scores.macro_f1() >= 0.63,
        "topic macro-F1 {:.3}",
        scores.macro_f1()
    );
    assert!(
        scores.merge.f1() >= 0.65,
        "merge F1 {:.3}",
        scores.merge.f1()
    );
    assert!(scores.traps <= 1, "{} traps in topic briefs", scores.traps);
}
