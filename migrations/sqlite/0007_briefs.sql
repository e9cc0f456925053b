-- The web archive: every brief that went out on schedule, and on-demand ones once per topic
-- and hour, kept as the model's JSON for its pages and feeds.
CREATE TABLE briefs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- What makes two archivings the same brief (`scheduled:…`, `demand:…`): replicas and
    -- retries that archive it again find the row already there.
    dedupe_key TEXT NOT NULL UNIQUE,
    -- NULL for the full brief (every topic).
    topic TEXT,
    as_of INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    body TEXT NOT NULL
);

-- A topic's newest briefs (the pages and feeds), and pruning by age.
CREATE INDEX briefs_topic_as_of ON briefs (topic, as_of);
CREATE INDEX briefs_created_at ON briefs (created_at);
