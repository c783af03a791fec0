"""Summary statistics shared by the benchmarks."""

import math


def percentile(values, fraction):
    """Nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summary(values):
    """Median, p95, p99 and count of ``values``."""
    return {
        'count': len(values),
        'median': percentile(values, 0.5),
        'p95': percentile(values, 0.95),
        'p99': percentile(values, 0.99),
    }
