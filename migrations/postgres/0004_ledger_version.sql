-- A counter bumped by every ledger write. Taking it first (an UPDATE) makes
-- concurrent writes for one user wait for each other, on SQLite and PostgreSQL
-- alike, so each validates against the ledger the previous one left.
ALTER TABLE users ADD COLUMN ledger_version BIGINT NOT NULL DEFAULT 0;
