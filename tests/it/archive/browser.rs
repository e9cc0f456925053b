//! The archive in a real browser: headless Chromium loads the pages at desktop and phone
//! widths; the DOM it built must hold every story and link, with the hostile feed text as
//! text (no script element, no image), and the screenshots are kept as artefacts under the
//! target directory for a person to look at.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::pages::filled_store;

const SIZES: [(u32, u32); 2] = [(1280, 900), (390, 844)];
/// A hung browser fails its test instead of hanging the suite.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// The Chromium binary, or `None` (said out loud) when none is installed.
pub async fn chromium() -> Option<String> {
    for name in ["chromium", "chromium-browser"] {
        let probe = tokio::process::Command::new(name)
            .arg("--version")
            .kill_on_drop(true)
            .output();
        if let Ok(Ok(output)) = tokio::time::timeout(Duration::from_secs(30), probe).await
            && output.status.success()
        {
            return Some(name.to_string());
        }
    }
    eprintln!("skipped the browser checks: no chromium installed (apt-get install chromium)");
    None
}

/// Runs headless Chromium at `size` on `url` with `action` (`--dump-dom` or
/// `--screenshot=PATH`), in a profile of its own; its standard output.
pub async fn run(browser: &str, size: (u32, u32), action: &str, url: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let run = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(action)
        .arg(url)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(BROWSER_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("chromium hung on {url} ({action})"))
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Width and height from a PNG's header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 24,
        "not a PNG"
    );
    let number =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (number(16), number(20))
}

pub fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("archive-screenshots");
    std::fs::create_dir_all(&dir).expect("artefact dir");
    dir
}

#[tokio::test]
async fn chromium_renders_every_story_and_runs_no_feed_script_at_desktop_and_phone_widths() {
    let Some(browser) = chromium().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, older, hostile) = filled_store(&dir).await;
    let (base, _stop) = super::serve(store, |base| Some(base.to_string())).await;
    let pages = [
        ("home", base.clone()),
        ("permalink", format!("{base}briefs/{hostile}")),
        ("topic", format!("{base}topics/chips")),
    ];
    for (name, url) in &pages {
        for size in SIZES {
            let dom = run(&browser, size, "--dump-dom", url).await;
            assert!(
                dom.contains("<main id=\"main\">"),
                "{name}: not our page:\n{dom}"
            );
            assert!(
                !dom.contains("<script"),
                "{name}: a script element in the DOM:\n{dom}"
            );
            assert!(
                !dom.contains("<img") && !dom.contains("<iframe"),
                "{name}:\n{dom}"
            );
            assert!(!dom.contains("javascript:"), "{name}:\n{dom}");
            if *name == "topic" {
                assert!(dom.contains("<h3>Chips day 25</h3>"), "{dom}");
                let links = dom.matches("<li><a href=\"").count();
                assert_eq!(
                    links,
                    3 + 19,
                    "three topics in the nav, 19 earlier briefs: {dom}"
                );
                continue;
            }
            for needle in [
                "<h3>&lt;script&gt;alert(1)&lt;/script&gt; Nvidia ships B300 @everyone</h3>",
                "<h3>TSMC lifts capex</h3>",
                "Costs ]]&gt; less &amp;amp; more &lt;img src=x onerror=alert(2)&gt;",
                "Evil &lt;b&gt;Wire&lt;/b&gt;",
                "<a href=\"https://chips.example/b300?a=1&amp;b=%222%22\" rel=\"noopener nofollow ugc\">Chip Wire</a>",
                "<a href=\"https://fab.example/x\" rel=\"noopener nofollow ugc\">Fab Daily</a>",
                "Chips led the day &lt;script&gt;alert(1)&lt;/script&gt;.",
            ] {
                assert!(
                    dom.contains(needle),
                    "{name} at {size:?}: missing {needle:?} in\n{dom}"
                );
            }
            if *name == "home" {
                assert!(
                    dom.contains(&format!("href=\"{base}briefs/{older}\"")),
                    "{dom}"
                );
            }
        }
    }
    let artefacts = artefacts();
    for (name, url) in &pages {
        for size in SIZES {
            let path = artefacts.join(format!("{name}-{}x{}.png", size.0, size.1));
            let _ = std::fs::remove_file(&path);
            run(
                &browser,
                size,
                &format!("--screenshot={}", path.display()),
                url,
            )
            .await;
            assert_eq!(png_size(&path), size, "{}", path.display());
            eprintln!("screenshot: {}", path.display());
        }
    }
}
