-- Feed health for operator notices: when a source's current run of failures began, and when
-- its "failing" notice went out (cleared once the "recovered" notice has).
ALTER TABLE sources ADD COLUMN failing_since BIGINT;
ALTER TABLE sources ADD COLUMN alerted_at BIGINT;
