-- The ledger: the only record of what a user did. Decimals as text, dates as
-- ISO text (YYYY-MM-DD); positions, lots, cash and P&L are derived from it.
CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT   NOT NULL,
    day        TEXT   NOT NULL,
    symbol     TEXT,
    quantity   TEXT,
    price      TEXT,
    amount     TEXT,
    fee        TEXT   NOT NULL DEFAULT '0',
    note       TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX activities_by_user ON activities (user_id, day);

-- One row per user per trading day: the portfolio's value history.
CREATE TABLE portfolio_snapshots (
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day             TEXT   NOT NULL,
    total_value     TEXT   NOT NULL,
    cash            TEXT   NOT NULL,
    invested        TEXT   NOT NULL,
    market_value    TEXT   NOT NULL,
    net_flow        TEXT   NOT NULL,
    benchmark_close TEXT,
    PRIMARY KEY (user_id, day)
);
