-- Several replicas share the feeds: a replica takes a source's lease before fetching it, so
-- each feed is fetched once per interval, not once per replica.
ALTER TABLE sources ADD COLUMN leased_by TEXT;
ALTER TABLE sources ADD COLUMN lease_until BIGINT;
