"""Daily and weekly demand profiles (mean 1 over a week) in US local time (UTC-6).

Consumers buy mostly afternoons and evenings and a bit more at weekends; business orders come
in office hours on weekdays. ``strength`` scales the swing: 0 is a flat rate (handy when a live
producer paces by count rather than by event time), 1 the realistic profile.
"""

from __future__ import annotations

from supplylake.simulator.engine import MS_PER_DAY, MS_PER_H

_LOCAL_OFFSET_MS = -6 * MS_PER_H
_CONSUMER_HOURS = (
    0.35,
    0.25,
    0.2,
    0.2,
    0.25,
    0.35,
    0.55,
    0.75,
    0.95,
    1.1,
    1.2,
    1.3,
    1.45,
    1.45,
    1.35,
    1.3,
    1.35,
    1.45,
    1.6,
    1.65,
    1.55,
    1.3,
    0.95,
    0.6,
)
_CONSUMER_DAYS = (0.92, 0.9, 0.95, 1.0, 1.08, 1.15, 1.0)  # Monday first
_BUSINESS_HOURS = (
    0.15,
    0.1,
    0.1,
    0.1,
    0.15,
    0.3,
    0.6,
    1.2,
    1.9,
    2.2,
    2.2,
    2.0,
    1.7,
    2.0,
    2.1,
    1.9,
    1.5,
    0.9,
    0.5,
    0.35,
    0.3,
    0.25,
    0.2,
    0.15,
)
_BUSINESS_DAYS = (1.25, 1.3, 1.3, 1.25, 1.15, 0.45, 0.3)


def _normalise(values: tuple[float, ...]) -> tuple[float, ...]:
    mean = sum(values) / len(values)
    return tuple(v / mean for v in values)


class Profile:
    """Hour-of-week multiplier; ``peak`` bounds it (for thinning)."""

    __slots__ = ("_week", "peak")

    def __init__(self, hours: tuple[float, ...], days: tuple[float, ...], strength: float) -> None:
        h, d = _normalise(hours), _normalise(days)
        week = [max(0.05, 1.0 + strength * (h[i % 24] * d[i // 24] - 1.0)) for i in range(24 * 7)]
        mean = sum(week) / len(week)
        self._week = tuple(w / mean for w in week)
        self.peak = max(self._week)

    def factor(self, t_ms: int) -> float:
        local = t_ms + _LOCAL_OFFSET_MS
        # 1970-01-01 was a Thursday: +3 makes Monday day 0.
        day = (local // MS_PER_DAY + 3) % 7
        hour = (local // MS_PER_H) % 24
        return self._week[day * 24 + hour]


def consumer(strength: float) -> Profile:
    return Profile(_CONSUMER_HOURS, _CONSUMER_DAYS, strength)


def business(strength: float) -> Profile:
    return Profile(_BUSINESS_HOURS, _BUSINESS_DAYS, strength)
