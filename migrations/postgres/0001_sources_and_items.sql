-- Times are Unix epoch seconds (BIGINT) so one SQL text serves SQLite and PostgreSQL.
CREATE TABLE sources (
    id BIGSERIAL PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    etag TEXT,
    last_modified TEXT,
    last_fetch_at BIGINT,
    last_success_at BIGINT,
    last_error TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE items (
    id BIGSERIAL PRIMARY KEY,
    source_id BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    item_key TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    link TEXT NOT NULL,
    language TEXT,
    published_at BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    UNIQUE (source_id, item_key)
);

CREATE INDEX items_published_at ON items (published_at);
