//! Secrets kept out of everything briefbot shows: command output, logs, ledger reasons and
//! error messages. A database URL may carry a password (in the user part, or as a
//! `?password=` parameter); a webhook URL is itself the secret (Slack's and Discord's carry
//! their token in the path). What is shown is enough to tell them apart and no more.

use sha2::{Digest, Sha256};

/// A database URL without its credentials or parameters: scheme, host, port and database.
/// SQLite URLs name a local file and carry no secret, so they are shown whole.
pub fn database_url(text: &str) -> String {
    if text.starts_with("sqlite:") {
        return text.to_string();
    }
    match url::Url::parse(text) {
        Ok(url) if url.has_host() => {
            format!("{}://{}{}", url.scheme(), host_and_port(&url), url.path())
        }
        _ => unreadable(text),
    }
}

/// A URL whose path or parameters are a secret: scheme and host, then a short fingerprint so
/// two webhooks on one host can be told apart (`https://hooks.slack.com/…#3fa9c1`).
pub fn secret_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(url) if url.has_host() => {
            let bare = url.path() == "/" && url.query().is_none() && url.username().is_empty();
            if bare {
                return format!("{}://{}/", url.scheme(), host_and_port(&url));
            }
            format!(
                "{}://{}/…#{}",
                url.scheme(),
                host_and_port(&url),
                fingerprint(text)
            )
        }
        _ => unreadable(text),
    }
}

fn host_and_port(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Text that is not a URL the `url` crate reads (a password with `#` in it, say) may hold a
/// secret anywhere: only the scheme is shown.
fn unreadable(text: &str) -> String {
    match text.split_once("://") {
        Some((scheme, _))
            if scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+') =>
        {
            format!("{scheme}://… (unreadable URL, hidden)")
        }
        _ => "(unreadable URL, hidden)".to_string(),
    }
}

fn fingerprint(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(3)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_lose_every_form_of_password() {
        for (url, shown) in [
            (
                "postgres://bot:secret@db.example:5432/briefs",
                "postgres://db.example:5432/briefs",
            ),
            (
                "postgres://db.example/briefs?password=secret&sslmode=require",
                "postgres://db.example/briefs",
            ),
            (
                "postgresql://bot:pa%23ss@db.example/briefs",
                "postgresql://db.example/briefs",
            ),
            ("sqlite://briefbot.db", "sqlite://briefbot.db"),
        ] {
            assert_eq!(database_url(url), shown);
        }
        // `#` unescaped in a password ends the URL's authority: the rest is not shown at all.
        let shown = database_url("postgres://bot:pa#ss@db.example/briefs");
        assert!(!shown.contains("ss@") && !shown.contains("pa"), "{shown}");
    }

    #[test]
    fn webhook_urls_show_their_host_and_a_fingerprint_only() {
        let a = secret_url("https://hooks.slack.com/services/T000/B000/XXXXSECRET");
        let b = secret_url("https://hooks.slack.com/services/T000/B000/YYYYSECRET");
        assert!(a.starts_with("https://hooks.slack.com/…#"), "{a}");
        assert!(!a.contains("SECRET") && !a.contains("T000"), "{a}");
        assert_ne!(a, b, "two webhooks stay distinguishable");
        assert_eq!(
            secret_url("https://hooks.example/"),
            "https://hooks.example/"
        );
        assert!(!secret_url("https://u:p@hooks.example/").contains("u:p"));
    }
}
