//! Written briefs: story summaries, an overview and a bottom line from a model behind any
//! OpenAI-compatible endpoint, with the engine's extractive summaries as the fallback that
//! readers never notice.
//!
//! The engine still decides everything that matters for trust: which stories, their sections,
//! headlines, links and sources. The model only rewrites the summary text of stories and adds
//! the `Editorial`, and what it writes is cleaned and checked against the story's own reports
//! (`guard`) before anyone sees it.
//!
//! Costs are bounded three ways: a story is summarised once per set of member items, model and
//! prompt version (the cache lives in the database, shared by replicas); a daily budget of
//! calls and tokens; and a circuit breaker that stops calling an endpoint that keeps failing.
//! Delivery never waits on the model: scheduled briefs are prepared ahead of time
//! (`schedule::prepare`) and delivered from the cache, and an on-demand brief waits at most
//! the reply deadline.

pub mod breaker;
pub mod client;
pub mod guard;
mod job;
pub mod prompt;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;
use secrecy::SecretString;

use crate::config::{SummarizerConfig, SummarizerKind};
use crate::model::{Brief, Editorial, Item};
use crate::storage::{StorageError, Store};
use breaker::Breaker;
pub use client::{API_KEY_ENV, CallError, ChatClient};
use guard::Grounding;
use job::{Job, StoryJob};
use prompt::{BriefLine, StoryData};

/// Longest overview and bottom line kept from the model, in characters.
const OVERVIEW_CHARS: usize = 700;
const BOTTOM_LINE_CHARS: usize = 240;
/// Output tokens for the overview call, which writes a few sentences whatever the brief's size.
const OVERVIEW_TOKENS: u32 = 400;

/// How long a brief may wait for the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Use what is cached; never call the model (scheduled delivery).
    CacheOnly,
    /// Call for what is missing, but answer after this long with what is ready; the calls go
    /// on in the background and are cached for the next brief (on-demand `/brief`).
    UpTo(Duration),
    /// Call for everything missing and wait for the answers (the CLI, preparing ahead).
    Finish,
}

/// What one brief got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub model_summaries: usize,
    pub extractive_summaries: usize,
    pub editorial: bool,
}

/// Counters since start, for logs and `briefbot brief`'s closing line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub calls: u64,
    pub tokens: u64,
    /// Summaries (and overviews) the model wrote that passed the guard and were cached.
    pub written: u64,
    /// Stories (or overviews) that fell back to extractive text, by reason.
    pub fallbacks: BTreeMap<String, u64>,
}

#[derive(Clone, Default)]
pub struct Summarizer {
    /// `None` for the extractive summarizer: nothing to call, nothing to cache.
    inner: Option<Arc<Inner>>,
}

impl std::fmt::Debug for Summarizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            None => f.write_str("Summarizer(extractive)"),
            Some(inner) => write!(f, "Summarizer({:?})", inner.client),
        }
    }
}

struct Inner {
    client: ChatClient,
    config: SummarizerConfig,
    breaker: Mutex<Breaker>,
    /// Cache keys some task is writing now, so two briefs needing the same story at once pay
    /// for one call.
    in_flight: Mutex<HashSet<String>>,
    calls: AtomicU64,
    tokens: AtomicU64,
    written: AtomicU64,
    fallbacks: Mutex<BTreeMap<String, u64>>,
}

/// Why one call gave no text.
struct Fallback {
    reason: &'static str,
    detail: String,
}

impl Summarizer {
    /// The configured summarizer, with the API key from `BRIEFBOT_LLM_API_KEY`.
    pub fn new(config: &SummarizerConfig) -> Self {
        Self::with_key(config, ChatClient::api_key_from_env())
    }

    pub fn with_key(config: &SummarizerConfig, api_key: Option<SecretString>) -> Self {
        if config.kind == SummarizerKind::Extractive {
            return Self { inner: None };
        }
        Self {
            inner: Some(Arc::new(Inner {
                client: ChatClient::new(config, api_key),
                config: config.clone(),
                breaker: Mutex::new(Breaker::new(
                    config.breaker_failures,
                    config.breaker_cooldown,
                )),
                in_flight: Mutex::new(HashSet::new()),
                calls: AtomicU64::new(0),
                tokens: AtomicU64::new(0),
                written: AtomicU64::new(0),
                fallbacks: Mutex::new(BTreeMap::new()),
            })),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    pub fn stats(&self) -> Stats {
        let Some(inner) = &self.inner else {
            return Stats::default();
        };
        Stats {
            calls: inner.calls.load(Ordering::Relaxed),
            tokens: inner.tokens.load(Ordering::Relaxed),
            written: inner.written.load(Ordering::Relaxed),
            fallbacks: lock(&inner.fallbacks).clone(),
        }
    }

    /// Asks the endpoint for a few tokens: `Ok` names the model when it answers.
    pub async fn check(&self) -> Result<String, CallError> {
        let Some(inner) = &self.inner else {
            return Ok("extractive summaries (no model configured)".into());
        };
        let completion = inner
            .client
            .complete(
                "Answer with the JSON object {\"ok\": true} and nothing else.",
                "ping",
                Some(16),
            )
            .await?;
        Ok(format!(
            "{} at {} answers ({} tokens)",
            inner.client.model(),
            inner.client.endpoint(),
            completion.tokens
        ))
    }

    /// Replaces the brief's story summaries with model-written ones and adds the editorial,
    /// as far as `wait` allows; whatever is not ready keeps its extractive summary. Only a
    /// database error is an error: every model failure is a fallback.
    pub async fn write(
        &self,
        store: &Store,
        brief: &mut Brief,
        items: &[Item],
        wait: Wait,
    ) -> Result<Written, StorageError> {
        let Some(inner) = &self.inner else {
            return Ok(Written {
                extractive_summaries: brief.story_count(),
                ..Written::default()
            });
        };
        let job = Job::new(brief, items, inner.client.model());
        match wait {
            Wait::CacheOnly => {}
            Wait::Finish => inner.clone().run(store.clone(), job.clone()).await?,
            Wait::UpTo(deadline) => {
                let task = tokio::spawn(inner.clone().run(store.clone(), job.clone()));
                match tokio::time::timeout(deadline, task).await {
                    Ok(Ok(result)) => result?,
                    Ok(Err(panic)) => {
                        tracing::error!(error = %panic, "summarizing task failed");
                    }
                    Err(_) => {
                        tracing::info!(
                            deadline = ?deadline,
                            "summaries not ready within the reply deadline; answering with what is cached"
                        );
                    }
                }
            }
        }
        job.apply(store, brief).await
    }
}

impl Inner {
    /// Summarises every story of the job not yet cached, then the overview.
    async fn run(self: Arc<Self>, store: Store, job: Job) -> Result<(), StorageError> {
        let cached: HashMap<String, String> = store
            .cached_summaries(&job.keys())
            .await?
            .into_iter()
            .collect();
        let missing: Vec<&StoryJob> = job
            .stories
            .iter()
            .filter(|s| !cached.contains_key(&s.key))
            .collect();
        let claim = self.claim(missing.iter().map(|s| s.key.clone()));
        let to_write: Vec<&StoryJob> = missing
            .into_iter()
            .filter(|s| claim.keys.contains(&s.key))
            .collect();
        let mut fresh: HashMap<String, String> = HashMap::new();
        for batch in to_write.chunks(self.config.stories_per_call.max(1)) {
            self.summarise_batch(&store, batch, &mut fresh).await?;
        }
        drop(claim);

        let Some(overview_key) = &job.overview_key else {
            return Ok(());
        };
        if cached.contains_key(overview_key) {
            return Ok(());
        }
        let claim = self.claim([overview_key.clone()]);
        if claim.keys.is_empty() {
            return Ok(());
        }
        let lines: Vec<BriefLine> = job
            .stories
            .iter()
            .map(|story| BriefLine {
                section: story.section.clone(),
                headline: story.headline.clone(),
                summary: fresh
                    .get(&story.key)
                    .or_else(|| cached.get(&story.key))
                    .filter(|s| !s.is_empty())
                    .unwrap_or(&story.extractive)
                    .clone(),
                sources: story.sources.clone(),
            })
            .collect();
        let (system, user) = prompt::overview(&job.title, &lines);
        let text = match self
            .call(&store, &system, &user, Some(OVERVIEW_TOKENS))
            .await?
        {
            Ok(text) => text,
            Err(fallback) => {
                self.fell_back(fallback.reason, 1, "overview", &fallback.detail);
                return Ok(());
            }
        };
        let answer = match prompt::parse_overview(&text) {
            Ok(answer) => answer,
            Err(why) => {
                self.breaker_failed();
                self.fell_back("malformed", 1, "overview", &why);
                return Ok(());
            }
        };
        self.breaker_succeeded();
        let editorial = Editorial {
            overview: guard::clean(&answer.overview, OVERVIEW_CHARS),
            bottom_line: guard::clean(&answer.bottom_line, BOTTOM_LINE_CHARS),
        };
        let grounding = Grounding::new(job.overview_grounding());
        let checked = if editorial.overview.is_empty() || editorial.bottom_line.is_empty() {
            Err("empty overview or bottom line".to_string())
        } else {
            grounding
                .check(&editorial.overview)
                .and_then(|()| grounding.check(&editorial.bottom_line))
                .map_err(|e| e.to_string())
        };
        let body = match checked {
            Ok(()) => {
                self.written.fetch_add(1, Ordering::Relaxed);
                serde_json::to_string(&editorial).unwrap_or_default()
            }
            Err(why) => {
                self.fell_back("ungrounded", 1, "overview", &why);
                // Remembered as rejected, so the same brief does not pay for it again.
                String::new()
            }
        };
        store
            .cache_summary(
                overview_key,
                "overview",
                self.client.model(),
                &body,
                Utc::now().timestamp(),
            )
            .await
    }

    async fn summarise_batch(
        &self,
        store: &Store,
        batch: &[&StoryJob],
        fresh: &mut HashMap<String, String>,
    ) -> Result<(), StorageError> {
        let data: Vec<StoryData> = batch.iter().map(|s| s.data.clone()).collect();
        let (system, user) = prompt::stories(&data, self.config.summary_chars);
        let text = match self.call(store, &system, &user, None).await? {
            Ok(text) => text,
            Err(fallback) => {
                self.fell_back(fallback.reason, batch.len(), "stories", &fallback.detail);
                return Ok(());
            }
        };
        let answers = match prompt::parse_stories(&text) {
            Ok(answers) => answers,
            Err(why) => {
                self.breaker_failed();
                self.fell_back("malformed", batch.len(), "stories", &why);
                return Ok(());
            }
        };
        self.breaker_succeeded();
        let now = Utc::now().timestamp();
        for (index, story) in batch.iter().enumerate() {
            let Some((_, answer)) = answers.iter().find(|(id, _)| *id == index + 1) else {
                // Asked again next time: the model skipped it, which says nothing about it.
                self.fell_back("incomplete", 1, "stories", "no summary for this story");
                continue;
            };
            let summary = guard::clean(answer, self.config.summary_chars);
            let checked = if summary.is_empty() {
                Err("empty summary".to_string())
            } else {
                Grounding::new(story.grounding())
                    .check(&summary)
                    .map_err(|e| e.to_string())
            };
            let body = match checked {
                Ok(()) => {
                    self.written.fetch_add(1, Ordering::Relaxed);
                    fresh.insert(story.key.clone(), summary.clone());
                    summary
                }
                Err(why) => {
                    self.fell_back("ungrounded", 1, &story.headline, &why);
                    String::new()
                }
            };
            store
                .cache_summary(&story.key, "story", self.client.model(), &body, now)
                .await?;
        }
        Ok(())
    }

    /// One model call within the budget and the breaker; the outer error is the database's.
    async fn call(
        &self,
        store: &Store,
        system: &str,
        user: &str,
        max_tokens: Option<u32>,
    ) -> Result<Result<String, Fallback>, StorageError> {
        let day = Utc::now().format("%Y-%m-%d").to_string();
        let usage = store.summarizer_usage(&day).await?;
        let over_calls = self.config.daily_calls > 0 && usage.calls >= self.config.daily_calls;
        let over_tokens = self.config.daily_tokens > 0 && usage.tokens >= self.config.daily_tokens;
        if over_calls || over_tokens {
            return Ok(Err(Fallback {
                reason: "budget",
                detail: format!(
                    "daily budget spent: {} of {} calls, {} of {} tokens",
                    usage.calls, self.config.daily_calls, usage.tokens, self.config.daily_tokens
                ),
            }));
        }
        if !lock(&self.breaker).allow(Instant::now()) {
            return Ok(Err(Fallback {
                reason: "breaker_open",
                detail: "the endpoint failed repeatedly; waiting out the cooldown".into(),
            }));
        }
        let result = self.client.complete(system, user, max_tokens).await;
        let tokens = result.as_ref().map_or(0, |c| c.tokens);
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.tokens.fetch_add(tokens, Ordering::Relaxed);
        crate::telemetry::model_called(result.is_ok(), tokens);
        store.add_summarizer_usage(&day, 1, tokens).await?;
        Ok(match result {
            Ok(completion) => Ok(completion.text),
            Err(error) => {
                self.breaker_failed();
                Err(Fallback {
                    reason: error.reason(),
                    detail: error.to_string(),
                })
            }
        })
    }

    fn breaker_failed(&self) {
        if lock(&self.breaker).failed(Instant::now()) {
            tracing::warn!(
                cooldown = ?self.config.breaker_cooldown,
                "summarizer endpoint failed {} times in a row; using extractive summaries for the cooldown",
                self.config.breaker_failures
            );
        }
    }

    fn breaker_succeeded(&self) {
        lock(&self.breaker).succeeded();
    }

    fn fell_back(&self, reason: &'static str, count: usize, what: &str, detail: &str) {
        *lock(&self.fallbacks).entry(reason.to_string()).or_default() += count as u64;
        crate::telemetry::model_fell_back(reason, count);
        tracing::warn!(
            reason,
            count,
            what,
            detail,
            "model summary not used; extractive text kept"
        );
    }

    /// Marks keys as being written; the returned claim holds the ones nobody else had and
    /// releases them when dropped, whatever happens to the task.
    fn claim(self: &Arc<Self>, keys: impl IntoIterator<Item = String>) -> Claim {
        let mut in_flight = lock(&self.in_flight);
        let keys = keys
            .into_iter()
            .filter(|key| in_flight.insert(key.clone()))
            .collect();
        Claim {
            inner: self.clone(),
            keys,
        }
    }
}

struct Claim {
    inner: Arc<Inner>,
    keys: HashSet<String>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut in_flight = lock(&self.inner.in_flight);
        for key in &self.keys {
            in_flight.remove(key);
        }
    }
}

/// A poisoned lock only means another task panicked mid-update of a counter or a set; the
/// data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
