-- Accounts. `username_key` is the lower-cased name: it makes names unique
-- regardless of case while `username` keeps the spelling the user chose.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT      NOT NULL,
    username_key  TEXT      NOT NULL UNIQUE,
    password_hash TEXT      NOT NULL,
    created_at    BIGINT    NOT NULL
);
