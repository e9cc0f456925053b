-- Model-written summaries, one per story (keyed by its member items, the model and the prompt
-- version) or per brief overview, so a story is summarised once however many briefs use it.
CREATE TABLE summaries (
    cache_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Model calls and tokens per UTC day, shared by every replica, for the daily budget.
CREATE TABLE summarizer_usage (
    day TEXT PRIMARY KEY,
    calls INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0
);
