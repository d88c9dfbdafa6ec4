-- State that every instance on this database must share, kept here rather than in
-- one process's memory: the sign-in throttle's attempts and the CSV files waiting
-- on `/import` for their confirmation. Both are short-lived (a minute, 15 minutes)
-- and are left out of the backups' table copy.

-- One row per budget an attempt was counted in (`throttle_key` names the budget:
-- a username from an address, a username, an address); `attempt` ties together
-- the rows of one reservation, so a right password can give its places back.
-- Times in milliseconds since 1970.
CREATE TABLE login_attempts (
    throttle_key TEXT   NOT NULL,
    attempt      BIGINT NOT NULL,
    at_ms        BIGINT NOT NULL,
    PRIMARY KEY (throttle_key, attempt)
);
CREATE INDEX login_attempts_by_time ON login_attempts (at_ms);

-- An uploaded CSV, found by the random token the browser carries; `id` orders
-- uploads made within the same millisecond.
CREATE TABLE import_uploads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token      TEXT   NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name  TEXT   NOT NULL,
    content    BLOB   NOT NULL,
    size       BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX import_uploads_by_user ON import_uploads (user_id);
