-- Who made a subscription from chat (platform user id), so one member cannot fill the
-- scheduler; NULL for the operator's own, made at the CLI.
ALTER TABLE subscriptions ADD COLUMN created_by TEXT;
CREATE INDEX subscriptions_created_by ON subscriptions (platform, created_by);
