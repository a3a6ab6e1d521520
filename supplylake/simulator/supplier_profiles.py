"""Supplier reliability profiles: a spread from dependable to troublesome, for history runs.

The default world draws every supplier from one narrow band (75-97 % on time), which is fine for
a few hours of stream but gives a supplier scorecard nothing to tell apart. A history run instead
gives each supplier a *grade* between 0 (worst) and 1 (best): the grades are evenly spaced over
the suppliers (so the best and the worst are always far apart) and shuffled by the seed (so which
supplier is which depends on the seed). Each rate of the profile lies on a straight line between
its worst and best ends in ``params`` (``PROFILE_*``), jittered a little:

- on-time probability (``reliability``) and the typical delay of a late PO (``late_hours``: a
  late PO arrives 0.5..1.5 times that many hours after its promised date);
- short-ship, over-ship and quality-rejection probabilities per PO line.

Profiles come from their own seeded ``Random``, so the rest of the world is the same as without.
"""

from __future__ import annotations

import dataclasses
from random import Random

from supplylake.simulator import params
from supplylake.simulator.world import Supplier, World


def supplier_grades(count: int, rng: Random) -> list[float]:
    """``count`` grades evenly spaced over 0..1 (a lone supplier is middling), in seeded order."""
    if count == 1:
        return [0.5]
    grades = [i / (count - 1) for i in range(count)]
    rng.shuffle(grades)
    return grades


def _rate_at(grade: float, ends: tuple[float, float], rng: Random, *, digits: int = 3) -> float:
    """The value at ``grade`` on the line from ``ends[0]`` (worst) to ``ends[1]`` (best), jittered."""
    worst, best = ends
    spread = abs(best - worst) * params.PROFILE_JITTER
    value = worst + (best - worst) * grade + rng.uniform(-spread, spread)
    return round(min(max(value, min(ends)), max(ends)), digits)


def profiled_supplier(supplier: Supplier, grade: float, rng: Random) -> Supplier:
    """``supplier`` with the reliability profile of ``grade`` (0 worst, 1 best)."""
    typical_delay = _rate_at(grade, params.PROFILE_LATE_HOURS, rng, digits=1)
    return dataclasses.replace(
        supplier,
        reliability=_rate_at(grade, params.PROFILE_ON_TIME, rng),
        short_ship_rate=_rate_at(grade, params.PROFILE_SHORT_SHIP, rng),
        over_ship_rate=_rate_at(grade, params.PROFILE_OVER_SHIP, rng),
        rejection_rate=_rate_at(grade, params.PROFILE_REJECTION, rng),
        late_hours=(round(typical_delay * 0.5, 1), round(typical_delay * 1.5, 1)),
    )


def with_reliability_profiles(world: World, seed: int) -> World:
    """The same world whose suppliers carry seeded profiles spread from worst to best."""
    rng = Random(f"supplylake-supplier-profiles:{seed}")
    grades = supplier_grades(len(world.suppliers), rng)
    suppliers = tuple(profiled_supplier(s, g, rng) for s, g in zip(world.suppliers, grades, strict=True))
    return dataclasses.replace(world, suppliers=suppliers)
