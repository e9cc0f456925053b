-- Live `run` processes on this database, so each takes its share of the platforms' rate
-- limits: a replica counts as live while it has beaten within a few scheduler ticks.
CREATE TABLE replicas (
    worker TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);
