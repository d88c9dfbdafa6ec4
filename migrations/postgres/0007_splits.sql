-- Stock splits. A ledger entry of kind `split` keeps its ratio here (every
-- `denominator` shares held become `numerator`); decimals as exact text.
ALTER TABLE activities ADD COLUMN numerator TEXT;
ALTER TABLE activities ADD COLUMN denominator TEXT;
