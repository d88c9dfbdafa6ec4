-- Ending sessions before their tokens expire. `session_version` is copied into
-- every token; "sign out everywhere" bumps it, which ends every older token at once.
-- Sign-out ends one token by its id (`jti`), kept here until the token would have
-- expired anyway.
ALTER TABLE users ADD COLUMN session_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE revoked_tokens (
    jti        TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
