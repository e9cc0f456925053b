//! The `briefbot` binary as a user runs it, on the bundled demo and a throwaway database.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const AS_OF: &str = "2026-03-02T07:00:00Z";

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn database(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("brief.db").display())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn briefbot(&self, config: &Path) -> Command {
        let mut command = Command::cargo_bin("briefbot").expect("binary");
        command
            .env_remove("BRIEFBOT_DATABASE_URL")
            .env_remove("BRIEFBOT_CONFIG")
            .arg("--config")
            .arg(config)
            .arg("--database")
            .arg(self.database());
        command
    }
}

fn demo_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo.toml")
}

fn json_brief(sandbox: &Sandbox, topic: Option<&str>) -> Value {
    let mut command = sandbox.briefbot(&demo_config());
    command.arg("brief");
    if let Some(topic) = topic {
        command.arg(topic);
    }
    let output = command
        .args(["--at", AS_OF, "--format", "json"])
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("brief JSON")
}

fn stories(brief: &Value) -> Vec<&Value> {
    brief["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["stories"].as_array().expect("stories"))
        .collect()
}

#[test]
fn chips_brief_on_a_fresh_database_ingests_the_demo_and_holds_only_chip_stories() {
    let sandbox = Sandbox::new();
    let brief = json_brief(&sandbox, Some("hardware"));
    assert_eq!(brief["topic"], "chips", "an alias resolves to its topic");
    assert_eq!(brief["as_of"], AS_OF);
    assert_eq!(brief["window_start"], "2026-03-01T07:00:00Z");
    let sections = brief["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0]["topic"], "chips");
    let chip_stories = stories(&brief);
    assert!(chip_stories.len() >= 3, "{brief:#}");
    for story in &chip_stories {
        let topics: Vec<&str> = story["topics"]
            .as_array()
            .expect("topics")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(topics.contains(&"chips"), "{story:#}");
        let text = format!("{} {}", story["headline"], story["summary"]).to_lowercase();
        for trap in ["tortilla", "casino", "footballer", "oven"] {
            assert!(
                !text.contains(trap),
                "off-topic story in the chips brief: {story:#}"
            );
        }
    }
    let merged = chip_stories.iter().find(|story| {
        let sources: HashSet<&str> = story["links"]
            .as_array()
            .expect("links")
            .iter()
            .filter_map(|l| l["source"].as_str())
            .collect();
        sources.len() >= 2
    });
    assert!(
        merged.is_some(),
        "one story's coverage from several outlets is merged: {brief:#}"
    );
    for story in &chip_stories {
        for link in story["links"].as_array().expect("links") {
            let url = link["url"].as_str().expect("url");
            assert!(
                url.starts_with("https://") && !url.contains("utm_") && !url.contains('#'),
                "{url}"
            );
        }
    }
}

#[test]
fn full_brief_places_each_story_once_and_is_deterministic() {
    let sandbox = Sandbox::new();
    let first = json_brief(&sandbox, None);
    let second = json_brief(&sandbox, None);
    assert_eq!(first, second, "same items and --at give the same brief");
    assert!(first["topic"].is_null());
    let all = stories(&first);
    let mut seen = HashSet::new();
    for story in &all {
        for link in story["links"].as_array().expect("links") {
            assert!(
                seen.insert(link["url"].as_str().expect("url").to_string()),
                "an item appears twice: {link}"
            );
        }
    }
    let section_topics: Vec<&str> = first["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["topic"].as_str())
        .collect();
    assert!(section_topics.len() >= 3, "{section_topics:?}");
    assert!(first["source_count"].as_u64().unwrap_or(0) >= 4);
}

#[test]
fn unknown_topic_exits_2_and_lists_the_topics() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .briefbot(&demo_config())
        .args(["brief", "potato"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown topic \"potato\""), "{stderr}");
    for topic in ["models", "chips", "policy", "markets"] {
        assert!(stderr.contains(topic), "{stderr}");
    }
}

#[test]
fn ingesting_twice_stores_nothing_new_and_a_broken_feed_does_not_stop_the_rest() {
    let sandbox = Sandbox::new();
    let broken = sandbox.path("broken.xml");
    std::fs::write(
        &broken,
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    )
    .expect("write");
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo/circuit-ledger.xml");
    let run = || {
        sandbox
            .briefbot(&demo_config())
            .arg("ingest")
            .arg("--feed")
            .arg(&broken)
            .arg("--feed")
            .arg(format!("file://{}", good.display()))
            .output()
            .expect("run")
    };
    let first = run();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{stdout}");
    assert!(
        stdout.contains("error") && stdout.contains("broken.xml"),
        "{stdout}"
    );
    assert!(stdout.contains("11 new of 11 items"), "{stdout}");
    let second = run();
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("0 new of 11 items"), "{stdout}");
}

#[test]
fn markdown_and_text_render_the_demo() {
    let sandbox = Sandbox::new();
    for format in ["markdown", "text"] {
        let output = sandbox
            .briefbot(&demo_config())
            .args(["brief", "--at", AS_OF, "--format", format])
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("AI Morning Brief"), "{stdout}");
        assert!(stdout.contains("Chips & Hardware"), "{stdout}");
        assert!(!stdout.contains("<script"), "{stdout}");
    }
}

#[test]
fn bad_config_names_file_line_and_key() {
    let sandbox = Sandbox::new();
    let config = sandbox.path("bad.toml");
    std::fs::write(&config, "[brief]\ntitle = \"x\"\nstories_per_sectoin = 3\n").expect("write");
    let output = sandbox
        .briefbot(&config)
        .arg("check")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.toml")
            && stderr.contains("line 3")
            && stderr.contains("stories_per_sectoin"),
        "{stderr}"
    );
}

#[test]
fn check_topics_and_opml_export() {
    let sandbox = Sandbox::new();
    let check = sandbox
        .briefbot(&demo_config())
        .arg("check")
        .output()
        .expect("run");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let topics = sandbox
        .briefbot(&demo_config())
        .arg("topics")
        .output()
        .expect("run");
    let listing = String::from_utf8_lossy(&topics.stdout);
    assert!(
        listing.contains("chips") && listing.contains("semiconductors"),
        "{listing}"
    );
    let export = sandbox
        .briefbot(&demo_config())
        .args(["sources", "export"])
        .output()
        .expect("run");
    let opml = String::from_utf8_lossy(&export.stdout);
    assert!(
        opml.contains("<opml") && opml.matches("xmlUrl").count() == 6,
        "{opml}"
    );
}

#[test]
fn database_and_webhook_secrets_never_reach_the_output() {
    let sandbox = Sandbox::new();
    // Nothing listens on port 1: every command fails to connect and says so, without the
    // password, in each form a password can take.
    for url in [
        "postgres://bot:hunter2@127.0.0.1:1/briefs",
        "postgres://bot@127.0.0.1:1/briefs?password=hunter2",
        "postgres://bot:hun#ter2@127.0.0.1:1/briefs",
    ] {
        for command in [&["check"][..], &["migrate"], &["subscriptions"]] {
            let output = Command::cargo_bin("briefbot")
                .expect("binary")
                .env_remove("BRIEFBOT_DATABASE_URL")
                .arg("--config")
                .arg(demo_config())
                .arg("--database")
                .arg(url)
                .args(command)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .expect("run");
            let shown = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                !shown.contains("hunter2") && !shown.contains("ter2"),
                "{command:?} with {url} showed the password:\n{shown}"
            );
        }
    }

    // A Slack-style webhook carries its token in the path.
    let hook = "webhook:https://hooks.slack.com/services/T0001/B0001/TOKENSECRET";
    let subscribe = sandbox
        .briefbot(&demo_config())
        .args(["subscribe", hook, "chips", "08:00"])
        .output()
        .expect("run");
    assert!(subscribe.status.success(), "{subscribe:?}");
    for command in [&["subscriptions"][..], &["deliveries"]] {
        let output = sandbox
            .briefbot(&demo_config())
            .args(command)
            .output()
            .expect("run");
        let shown = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{command:?}: {shown}");
        assert!(!shown.contains("TOKENSECRET"), "{command:?}:\n{shown}");
    }
    let listed = sandbox
        .briefbot(&demo_config())
        .arg("subscriptions")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("webhook:https://hooks.slack.com/…#"));
}

#[test]
fn a_second_run_on_one_sqlite_file_refuses_to_start_and_names_the_first() {
    let sandbox = Sandbox::new();
    let mut first = std::process::Command::new(assert_cmd::cargo::cargo_bin("briefbot"))
        .env_remove("BRIEFBOT_DATABASE_URL")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("DISCORD_BOT_TOKEN")
        .arg("--config")
        .arg(demo_config())
        .arg("--database")
        .arg(sandbox.database())
        .args(["run", "--no-ingest"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the first run");
    let lock = sandbox.path("brief.db.run-lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(&lock).is_ok_and(|held| held.contains("worker")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the first run never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let second = sandbox
        .briefbot(&demo_config())
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("DISCORD_BOT_TOKEN")
        .args(["run", "--no-ingest"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    let _ = first.kill();
    let _ = first.wait();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "the second run started: {stderr}");
    assert!(
        stderr.contains("another briefbot run") && stderr.contains(&format!("-{}", first.id())),
        "{stderr}"
    );
}

#[test]
fn outside_the_checkout_the_config_is_found_or_built_in_and_errors_say_each_cause_once() {
    let home = tempfile::tempdir().expect("home");
    let elsewhere = tempfile::tempdir().expect("working directory");
    let briefbot = |args: &[&str]| {
        let mut command = Command::cargo_bin("briefbot").expect("binary");
        command
            .current_dir(elsewhere.path())
            .env_remove("BRIEFBOT_CONFIG")
            .env_remove("BRIEFBOT_DATABASE_URL")
            .env_remove("XDG_CONFIG_HOME")
            .env("HOME", home.path())
            .arg("--database")
            .arg(format!(
                "sqlite://{}",
                elsewhere.path().join("b.db").display()
            ))
            .args(args);
        command.output().expect("run")
    };
    let check = briefbot(&["check"]);
    let said = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(said.contains("built-in defaults"), "{said}{check:?}");
    let topics = briefbot(&["topics"]);
    assert!(topics.status.success(), "{topics:?}");
    assert!(String::from_utf8_lossy(&topics.stdout).contains("chips"));

    // A user config in ~/.config/briefbot is found next.
    let user = home.path().join(".config/briefbot");
    std::fs::create_dir_all(&user).expect("mkdir");
    std::fs::write(
        user.join("briefbot.toml"),
        "[brief]\ntitle = \"Team Brief\"\n",
    )
    .expect("write");
    let check = briefbot(&["check"]);
    let said = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(said.contains(".config/briefbot/briefbot.toml"), "{said}");

    // A named file that is missing is an error, its cause said once.
    let missing = briefbot(&["--config", "nope.toml", "topics"]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn json_log_format_writes_one_json_object_per_line() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .briefbot(&demo_config())
        .env("BRIEFBOT_LOG_FORMAT", "json")
        .env("BRIEFBOT_LOG", "briefbot=debug")
        .arg("topics")
        .output()
        .expect("run");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "debug logging wrote nothing");
    for line in lines {
        let record: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            record["level"].is_string() && record["fields"].is_object(),
            "{line}"
        );
    }
}
