-- Market data kept across restarts. Prices are exact decimals stored as text;
-- times are Unix seconds. `source` keeps demo and live data apart.
CREATE TABLE stock_quotes (
    symbol         TEXT   NOT NULL,
    source         TEXT   NOT NULL,
    price          TEXT   NOT NULL,
    change         TEXT,
    change_percent TEXT,
    high           TEXT   NOT NULL,
    low            TEXT   NOT NULL,
    open           TEXT   NOT NULL,
    previous_close TEXT   NOT NULL,
    as_of          BIGINT NOT NULL,
    fetched_at     BIGINT NOT NULL,
    PRIMARY KEY (symbol, source)
);

-- The profile as JSON (CompanyProfile), refreshed daily.
CREATE TABLE company_profiles (
    symbol     TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    profile    TEXT   NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (symbol, source)
);

-- Our own price history (Finnhub's candles are premium-only): the last price seen
-- on each trading day, which is the close once the day is over.
CREATE TABLE daily_closes (
    symbol TEXT NOT NULL,
    source TEXT NOT NULL,
    day    TEXT NOT NULL,
    close  TEXT NOT NULL,
    PRIMARY KEY (symbol, source, day)
);
