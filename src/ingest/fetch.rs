//! Fetching a feed's bytes from http(s), a file:// URL or a plain path, as a polite and
//! defensive client: connect and total timeouts, a size cap that holds after decompression (a
//! gzip bomb stops at the cap), conditional GET, an honest User-Agent, and at most one request
//! at a time per host with a pause between them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use tokio::time::Instant;

use crate::config::IngestConfig;

pub const USER_AGENT: &str = concat!(
    "briefbot/",
    env!("CARGO_PKG_VERSION"),
    " (news brief bot; feed reader)"
);

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status.
    #[error("HTTP {status}")]
    Status { status: u16 },
    /// No answer within the configured time.
    #[error("timed out after {seconds} s")]
    Timeout { seconds: u64 },
    /// The body (after decompression) passed the configured cap.
    #[error("feed larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
    /// DNS, TLS, connection reset, broken compression and the like.
    #[error("network error: {0}")]
    Network(String),
    /// A local feed file could not be read.
    #[error("cannot read {path}: {cause}")]
    File {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// Neither http(s), file:// nor a path.
    #[error("unsupported location {0:?}: use an http(s) URL, a file:// URL or a path")]
    Unsupported(String),
}

#[derive(Debug)]
pub enum FetchOutcome {
    /// A body to parse, with the validators to send next time.
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// 304: the feed is unchanged since the validators we sent.
    NotModified,
}

#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    max_body_bytes: u64,
    timeout: Duration,
    per_host_delay: Duration,
    /// Last request time per host; the async lock inside also serialises requests per host.
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
}

impl Fetcher {
    pub fn new(settings: &IngestConfig) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        Ok(Self {
            client,
            max_body_bytes: settings.max_body_bytes,
            timeout: settings.timeout,
            per_host_delay: settings.per_host_delay,
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// Fetches a location. Validators are sent only to http(s) servers.
    pub async fn fetch(
        &self,
        location: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<FetchOutcome, FetchError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            return self.fetch_http(location, etag, last_modified).await;
        }
        let path = match location.strip_prefix("file://") {
            Some(rest) => url::Url::parse(location)
                .ok()
                .and_then(|u| u.to_file_path().ok())
                .unwrap_or_else(|| PathBuf::from(rest)),
            None if location.contains("://") => {
                return Err(FetchError::Unsupported(location.to_string()));
            }
            None => PathBuf::from(location),
        };
        self.read_file(path).await
    }

    async fn read_file(&self, path: PathBuf) -> Result<FetchOutcome, FetchError> {
        let file_error = |source| FetchError::File {
            path: path.clone(),
            cause: source,
        };
        let length = tokio::fs::metadata(&path).await.map_err(file_error)?.len();
        if length > self.max_body_bytes {
            return Err(FetchError::TooLarge {
                limit: self.max_body_bytes,
            });
        }
        let bytes = tokio::fs::read(&path).await.map_err(file_error)?;
        Ok(FetchOutcome::Body {
            bytes,
            etag: None,
            last_modified: None,
        })
    }

    async fn fetch_http(
        &self,
        location: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<FetchOutcome, FetchError> {
        let host = url::Url::parse(location)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .ok_or_else(|| FetchError::Unsupported(location.to_string()))?;
        let gate = {
            let mut hosts = self
                .hosts
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            hosts.entry(host).or_default().clone()
        };
        let mut last_request = gate.lock().await;
        if let Some(previous) = *last_request {
            tokio::time::sleep_until(previous + self.per_host_delay).await;
        }
        *last_request = Some(Instant::now());
        let result = self.request(location, etag, last_modified).await;
        *last_request = Some(Instant::now());
        result
    }

    async fn request(
        &self,
        location: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<FetchOutcome, FetchError> {
        let mut request = self.client.get(location);
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = last_modified {
            request = request.header(IF_MODIFIED_SINCE, last_modified);
        }
        let mut response = request.send().await.map_err(|e| self.classify(e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
            });
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
        // Content-Length describes the compressed body; it can reject early but the real guard
        // is the count of decompressed bytes below.
        let declared = header(CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|length| length > self.max_body_bytes) {
            return Err(FetchError::TooLarge {
                limit: self.max_body_bytes,
            });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if bytes.len() as u64 + chunk.len() as u64 > self.max_body_bytes {
                return Err(FetchError::TooLarge {
                    limit: self.max_body_bytes,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(FetchOutcome::Body {
            bytes,
            etag,
            last_modified,
        })
    }

    fn classify(&self, error: reqwest::Error) -> FetchError {
        if error.is_timeout() {
            return FetchError::Timeout {
                seconds: self.timeout.as_secs().max(1),
            };
        }
        // reqwest hides the useful part ("connection refused", "invalid gzip header") in the
        // source chain.
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        FetchError::Network(message)
    }
}
