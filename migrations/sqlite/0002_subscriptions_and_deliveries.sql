-- A destination's subscription to one topic (or 'all') on a schedule in a time zone.
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    -- '' when the destination has no thread, so the unique key below works on both backends.
    thread_id TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL,
    schedule TEXT NOT NULL,
    timezone TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,
    skip_if_empty INTEGER NOT NULL DEFAULT 1,
    max_window_secs INTEGER NOT NULL,
    -- The next scheduled instant not yet turned into a delivery row.
    next_run_at INTEGER NOT NULL,
    -- Scheduled time of the last delivery that went out: the next brief covers from here.
    last_delivered_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (platform, chat_id, thread_id, topic)
);

CREATE INDEX subscriptions_due ON subscriptions (paused, next_run_at);

-- The delivery ledger: one row per (subscription, scheduled time), whatever ticks or
-- processes race to create it.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    scheduled_at INTEGER NOT NULL,
    -- pending | claimed | sent | skipped | failed
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- Set while waiting out a platform's rate limit: such a brief is late, never dropped.
    rate_limited INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL,
    claimed_by TEXT,
    lease_until INTEGER,
    message_ids TEXT,
    story_count INTEGER,
    reason TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (subscription_id, scheduled_at)
);

CREATE INDEX deliveries_claimable ON deliveries (status, not_before);

-- Items already delivered to a destination, so a story is not repeated there unless it has
-- new coverage.
CREATE TABLE delivered_items (
    destination TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    delivered_at INTEGER NOT NULL,
    PRIMARY KEY (destination, item_id)
);
