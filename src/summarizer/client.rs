//! A minimal client for the OpenAI Chat Completions API, which OpenAI, DeepSeek, Qwen
//! (DashScope compatible mode), GLM, Moonshot, Ollama and vLLM all speak.
//!
//! Only what briefbot needs: one system and one user message in, the first choice's text and
//! the token usage out. The API key travels in a header and is never part of an error: reqwest
//! errors name the URL, and briefbot's base URLs carry no credentials.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use crate::config::SummarizerConfig;

/// Environment variable that holds the endpoint's API key (optional for a local Ollama).
pub const API_KEY_ENV: &str = "BRIEFBOT_LLM_API_KEY";

/// Why a call produced no usable text. Every variant ends in the extractive fallback.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("rate limited (HTTP 429)")]
    RateLimited,
    #[error("server error (HTTP {status})")]
    Server { status: u16 },
    /// 4xx other than 429: a wrong model name, key or request shape; retrying will not help.
    #[error("request refused (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("cannot reach the endpoint: {0}")]
    Transport(String),
}

impl CallError {
    /// The short label fallbacks are counted and logged under.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Timeout(_) => "timeout",
            Self::RateLimited => "rate_limited",
            Self::Server { .. } => "server_error",
            Self::Refused { .. } => "refused",
            Self::Malformed(_) => "malformed",
            Self::Transport(_) => "unreachable",
        }
    }
}

/// The model's text and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub tokens: u64,
}

pub struct ChatClient {
    http: reqwest::Client,
    endpoint: String,
    api_key: Option<SecretString>,
    model: String,
    max_tokens: u32,
    max_tokens_field: String,
    temperature: Option<f32>,
    json_mode: bool,
    timeout: Duration,
}

impl std::fmt::Debug for ChatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatClient")
            .field("endpoint", &self.endpoint)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<TokenUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct TokenUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    total_tokens: Option<u64>,
}

impl ChatClient {
    /// A client for the configured endpoint; the key comes from `api_key` (the caller reads
    /// it from `BRIEFBOT_LLM_API_KEY`).
    pub fn new(config: &SummarizerConfig, api_key: Option<SecretString>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("briefbot/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            http,
            endpoint: format!(
                "{}/chat/completions",
                config.base_url.trim().trim_end_matches('/')
            ),
            api_key,
            model: config.model.clone(),
            max_tokens: config.max_tokens,
            max_tokens_field: config.max_tokens_field.clone(),
            temperature: config.temperature,
            json_mode: config.json_mode,
            timeout: config.timeout,
        }
    }

    /// Reads the API key from the environment; an empty value counts as none.
    pub fn api_key_from_env() -> Option<SecretString> {
        crate::env::var(API_KEY_ENV).map(SecretString::new)
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// One chat completion: `system` sets the rules, `user` carries the data.
    pub async fn complete(
        &self,
        system: &str,
        user: &str,
        max_tokens: Option<u32>,
    ) -> Result<Completion, CallError> {
        let mut body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        });
        body[self.max_tokens_field.as_str()] = json!(max_tokens.unwrap_or(self.max_tokens));
        if let Some(temperature) = self.temperature {
            body["temperature"] = json!(temperature);
        }
        if self.json_mode {
            body["response_format"] = json!({"type": "json_object"});
        }
        let mut request = self.http.post(&self.endpoint).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose_secret());
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        if status.as_u16() == 429 {
            return Err(CallError::RateLimited);
        }
        if status.is_server_error() {
            return Err(CallError::Server {
                status: status.as_u16(),
            });
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if !status.is_success() {
            return Err(CallError::Refused {
                status: status.as_u16(),
                message: self.redact(&error_message(&bytes)),
            });
        }
        let parsed: ChatResponse = serde_json::from_slice(&bytes)
            .map_err(|e| CallError::Malformed(format!("not a chat completion: {e}")))?;
        let text = parsed
            .choices
            .into_iter()
            .next()
            .and_then(|choice| choice.message.content)
            .filter(|text| !text.trim().is_empty())
            .ok_or_else(|| CallError::Malformed("no message content".into()))?;
        let tokens = match parsed.usage {
            Some(usage) => usage
                .total_tokens
                .unwrap_or(usage.prompt_tokens + usage.completion_tokens),
            // Some local servers omit usage; four characters a token is the usual estimate.
            None => ((system.len() + user.len() + text.len()) / 4) as u64,
        };
        Ok(Completion { text, tokens })
    }

    /// An endpoint may echo the key it refused; it must not reach a log from here.
    fn redact(&self, text: &str) -> String {
        match &self.api_key {
            Some(key) if !key.expose_secret().is_empty() => {
                text.replace(key.expose_secret().as_str(), "[redacted]")
            }
            _ => text.to_string(),
        }
    }

    fn transport_error(&self, error: reqwest::Error) -> CallError {
        if error.is_timeout() {
            CallError::Timeout(self.timeout)
        } else {
            // Without the URL: the endpoint is known from the config, and the error's own
            // chain is what says what went wrong.
            CallError::Transport(self.redact(&error_chain(&error.without_url())))
        }
    }
}

/// The `error.message` of an OpenAI-style error body, else the start of the body.
fn error_message(body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.pointer("/error/message").or_else(|| v.get("error")))
        .and_then(|m| m.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    message.chars().take(200).collect()
}

/// An error and its causes on one line ("error sending request: connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
