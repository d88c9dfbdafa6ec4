-- Bumped by every rewrite of a user's snapshots (in the transaction that writes
-- them), so any process keeping that user's history in memory sees, with one
-- indexed read of `users`, that it must read it again: a rewritten day keeps the
-- newest snapshot date the same and could not be told apart otherwise.
ALTER TABLE users ADD COLUMN history_version BIGINT NOT NULL DEFAULT 0;
