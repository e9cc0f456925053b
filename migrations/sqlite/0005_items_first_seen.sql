-- Scheduled briefs also take news that arrived after the previous brief although it was
-- published before it; that lookup goes by first-seen time.
CREATE INDEX items_first_seen_at ON items (first_seen_at);
