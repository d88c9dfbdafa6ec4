-- Stock splits and fetched price history.

-- A ledger entry of kind `split` keeps its ratio here (every `denominator` shares
-- held become `numerator`); decimals as exact text.
ALTER TABLE activities ADD COLUMN numerator TEXT;
ALTER TABLE activities ADD COLUMN denominator TEXT;

-- How far back each symbol's daily closes have been fetched from a history source
-- (`daily_closes` rows with that source), and the last failure if the fetch failed.
CREATE TABLE history_coverage (
    symbol       TEXT   PRIMARY KEY,
    covered_from TEXT,
    covered_to   TEXT,
    source       TEXT,
    fetched_at   BIGINT NOT NULL DEFAULT 0,
    problem      TEXT,
    failures     BIGINT NOT NULL DEFAULT 0,
    retry_at     BIGINT NOT NULL DEFAULT 0
);

-- Splits a history source reported: offered to people whose ledger lacks them.
CREATE TABLE reported_splits (
    symbol      TEXT NOT NULL,
    day         TEXT NOT NULL,
    numerator   TEXT NOT NULL,
    denominator TEXT NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (symbol, day)
);
