-- Times are Unix epoch seconds (INTEGER) so one SQL text serves SQLite and PostgreSQL.
CREATE TABLE sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    weight REAL NOT NULL DEFAULT 1.0,
    etag TEXT,
    last_modified TEXT,
    last_fetch_at INTEGER,
    last_success_at INTEGER,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    item_key TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    link TEXT NOT NULL,
    language TEXT,
    published_at INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    UNIQUE (source_id, item_key)
);

CREATE INDEX items_published_at ON items (published_at);
