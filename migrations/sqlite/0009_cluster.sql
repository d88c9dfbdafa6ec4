-- Several instances on one database (#15) need PostgreSQL; these tables keep the
-- two schemas alike and stay empty on SQLite (one process is always the leader).

-- The upstream (Finnhub) call log every instance takes its calls from: a call
-- counts as "now" while in flight, then from its completion. Times are
-- PostgreSQL's clock in milliseconds, so instances with skewed clocks still share
-- one window. Rows older than a minute are deleted by the next call.
CREATE TABLE upstream_calls (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms     BIGINT  NOT NULL,
    in_flight BOOLEAN NOT NULL
);

-- The pause Finnhub asked for with a 429, for everyone (one row, id 1).
CREATE TABLE upstream_pause (
    id       INTEGER PRIMARY KEY,
    until_ms BIGINT NOT NULL
);

-- Each running instance's demand, written every few seconds: the symbols its
-- streams want (best first) and the symbols its pages asked for lately. The
-- leader follows the union with the one Finnhub WebSocket and the refresher, and
-- writes the state of its calls and its WebSocket in `market` (JSON), which the
-- followers show (their prices come from the leader).
CREATE TABLE cluster_instances (
    instance_id TEXT   PRIMARY KEY,
    wanted      TEXT   NOT NULL,
    requested   TEXT   NOT NULL,
    market      TEXT,
    seen_ms     BIGINT NOT NULL
);
