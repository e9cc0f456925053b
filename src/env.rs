//! The process environment, read one way everywhere: a variable that is unset, empty or only
//! whitespace is absent, and values are trimmed (a token pasted with a newline still works).
//! Secrets read here go straight into a `SecretString` at their call site.

/// The trimmed, non-empty value of an environment variable.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}
