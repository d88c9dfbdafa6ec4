#!/usr/bin/env python3
"""Reference values for Folio's risk statistics, computed with empyrical-reloaded.

METRICS.md chooses empyrical's conventions, so our Rust functions must agree with
the library itself. This script draws seeded random daily return series (portfolio
and a correlated benchmark), asks empyrical for each statistic, and writes
tests/fixtures/metrics_reference.json, which the Rust unit tests in
src/server/portfolio/engine/metrics.rs read. Re-run it only to add cases:

    python3 -m venv /tmp/empy && /tmp/empy/bin/pip install empyrical-reloaded==0.7.1
    /tmp/empy/bin/python scripts/metrics_fixtures.py
"""
import json
import pathlib

import empyrical as ep
import numpy as np

CASES = [
    # name, seed, days, daily mean, daily stdev, beta to benchmark, annual risk-free rate
    ("calm_year", 1, 252, 0.0004, 0.008, 0.9, 0.0),
    ("volatile_year", 2, 252, 0.0002, 0.025, 1.6, 0.0),
    ("two_years_with_rf", 3, 504, 0.0003, 0.012, 1.1, 0.03),
    ("short_quarter", 4, 63, -0.001, 0.015, 0.5, 0.0),
    ("month_with_rf", 5, 21, 0.002, 0.01, 1.0, 0.045),
    ("losing_streak", 6, 120, -0.003, 0.02, 1.3, 0.02),
]


def case(name, seed, days, mean, stdev, beta, rf_annual):
    rng = np.random.default_rng(seed)
    bench = rng.normal(0.0003, 0.01, days)
    noise = rng.normal(mean, stdev, days)
    returns = beta * bench + noise
    rf = rf_annual / 252.0
    alpha, beta_hat = ep.alpha_beta(returns, bench, risk_free=rf)
    return {
        "name": name,
        "risk_free_annual": rf_annual,
        "returns": returns.tolist(),
        "benchmark": bench.tolist(),
        "expected": {
            "volatility": float(ep.annual_volatility(returns)),
            "sharpe": float(ep.sharpe_ratio(returns, risk_free=rf)),
            "sortino": float(ep.sortino_ratio(returns, required_return=rf)),
            "max_drawdown": float(ep.max_drawdown(returns)),
            "beta": float(beta_hat),
            "alpha": float(alpha),
            "cagr": float(ep.annual_return(returns)),
            "cumulative": float(ep.cum_returns_final(returns)),
        },
    }


def main():
    out = {
        "generator": f"empyrical-reloaded {ep.__version__}, numpy {np.__version__}",
        "cases": [case(*c) for c in CASES],
    }
    path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "metrics_reference.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {len(out['cases'])} cases to {path}")


if __name__ == "__main__":
    main()
