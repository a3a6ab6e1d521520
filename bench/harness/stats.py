"""Percentiles as every figure of the reports uses them (one definition, nearest rank)."""

from __future__ import annotations

import math
from collections.abc import Sequence

NAN = float("nan")


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); NaN for no values, so a table shows a gap."""
    if not values:
        return NAN
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, NaN instead of an error when a run produced no figure."""
    if not denominator or math.isnan(denominator) or math.isnan(numerator):
        return NAN
    return numerator / denominator
