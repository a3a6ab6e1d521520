"""Cold-chain excursions: temperature readings outside the cargo's allowed range.

An *excursion* starts at the first out-of-range reading and ends at the next in-range one.
It becomes a *breach* (one ``TEMPERATURE_BREACH`` alert) once it has lasted at least
``min_breach_duration_ms``, measured between reading event times (0 = the first out-of-range
reading breaches). A breached excursion that ends raises one ``TEMPERATURE_RECOVERED``; one that
ends before reaching the duration raises nothing and is only counted.

Duration is only measured when a reading arrives: a sensor that goes silent while out of range
breaches at its next reading, not on a clock.

Readings are expected in event-time order. One older than the last processed reading cannot be
placed into the episode without rewriting history (alerts already went out), so it is ignored
for episodes and counted in ``out_of_order_readings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from supplylake.pipelines.frozen import evolve
from supplylake.pipelines.shipments.alerts import (
    ENTITY_SHIPMENT,
    TEMPERATURE_BREACH,
    TEMPERATURE_RECOVERED,
    Alert,
)
from supplylake.pipelines.shipments.errors import ShipmentError, ShipmentStateError
from supplylake.pipelines.shipments.policy import DEFAULT_SHIPMENT_POLICY
from supplylake.pipelines.state_codec import StoredState


@dataclass(frozen=True)
class TemperatureRange:
    """Allowed cargo temperature in °C, bounds inclusive."""

    min_c: float
    max_c: float

    def __post_init__(self) -> None:
        if not self.min_c < self.max_c:
            raise ValueError(f"temperature range min must be below max (got {self.min_c}, {self.max_c})")

    def contains(self, temperature_c: float) -> bool:
        return self.min_c <= temperature_c <= self.max_c

    def as_detail(self) -> dict[str, Any]:
        """The range as alert details show it (``{"min": …, "max": …}``)."""
        return {"min": self.min_c, "max": self.max_c}


PHARMA_RANGE = TemperatureRange(2.0, 8.0)
"""GDP cold chain for medicines; the wire format's default for PHARMA shipments."""

DEFAULT_RANGES: Mapping[str, TemperatureRange] = {"PHARMA": PHARMA_RANGE}
"""Only PHARMA has a default (per the wire format); FROZEN/FRESH need an explicit range."""


def effective_range(category: str | None, explicit: TemperatureRange | None) -> TemperatureRange | None:
    """The stated range, else the category default; None means no cold-chain constraint."""
    if explicit is not None:
        return explicit
    return DEFAULT_RANGES.get(category or "")


@dataclass(frozen=True)
class Excursion:
    """An open excursion: readings out of range since ``started_ms``."""

    started_ms: int
    start_event_id: str
    last_ms: int
    min_c: float
    max_c: float
    readings: int
    start_lat: float | None = None
    start_lon: float | None = None
    breach_alert_id: str | None = None


@dataclass(frozen=True)
class ColdChainState(StoredState):
    """Cold-chain episode state of one shipment (stored inside the shipment's state)."""

    shipment_id: str
    excursion: Excursion | None = None
    last_event_ms: int | None = None
    last_event_id: str | None = None
    readings: int = 0
    breaches: int = 0
    short_excursions: int = 0
    """Excursions that ended before ``min_breach_duration_ms``: no alert, only this count."""
    out_of_order_readings: int = 0

    state_version: ClassVar[int] = 2
    state_error: ClassVar[type[ShipmentError]] = ShipmentStateError

    @property
    def in_breach(self) -> bool:
        return self.excursion is not None and self.excursion.breach_alert_id is not None


def apply_telemetry(
    state: ColdChainState,
    *,
    event_id: str,
    event_time_ms: int,
    temperature: float | None,
    lat: float | None,
    lon: float | None,
    range: TemperatureRange,
    min_breach_duration_ms: int = DEFAULT_SHIPMENT_POLICY.min_breach_duration_ms,
) -> tuple[ColdChainState, list[Alert]]:
    """Fold one telemetry reading into the excursion state; see the module docstring."""
    if temperature is None:
        return state, []  # a position-only reading says nothing about the cold chain
    if state.last_event_ms is not None:
        if event_time_ms < state.last_event_ms:
            return evolve(state, out_of_order_readings=state.out_of_order_readings + 1), []
        if event_time_ms == state.last_event_ms and event_id == state.last_event_id:
            return state, []  # the same reading again
    state = evolve(state, last_event_ms=event_time_ms, last_event_id=event_id, readings=state.readings + 1)
    excursion = state.excursion

    if range.contains(temperature):
        if excursion is None:
            return state, []
        state = evolve(state, excursion=None)
        if excursion.breach_alert_id is None:
            return evolve(state, short_excursions=state.short_excursions + 1), []
        recovered = Alert.create(
            source_id=event_id,
            alert_type=TEMPERATURE_RECOVERED,
            entity_type=ENTITY_SHIPMENT,
            entity_id=state.shipment_id,
            raised_at_ms=event_time_ms,
            details={
                "temperature": temperature,
                "excursion_started_ms": excursion.started_ms,
                "excursion_ended_ms": event_time_ms,
                "excursion_duration_ms": event_time_ms - excursion.started_ms,
                "min_temperature": excursion.min_c,
                "max_temperature": excursion.max_c,
                "out_of_range_readings": excursion.readings,
                "range": range.as_detail(),
                "lat": lat,
                "lon": lon,
                "resolves_alert_id": excursion.breach_alert_id,
                "source_event_id": event_id,
            },
        )
        return state, [recovered]

    if excursion is None:
        excursion = Excursion(
            started_ms=event_time_ms,
            start_event_id=event_id,
            last_ms=event_time_ms,
            min_c=temperature,
            max_c=temperature,
            readings=1,
            start_lat=lat,
            start_lon=lon,
        )
    else:
        excursion = evolve(
            excursion,
            last_ms=event_time_ms,
            min_c=min(excursion.min_c, temperature),
            max_c=max(excursion.max_c, temperature),
            readings=excursion.readings + 1,
        )
    duration = event_time_ms - excursion.started_ms
    alerts: list[Alert] = []
    if excursion.breach_alert_id is None and duration >= min_breach_duration_ms:
        breach = Alert.create(
            source_id=event_id,
            alert_type=TEMPERATURE_BREACH,
            entity_type=ENTITY_SHIPMENT,
            entity_id=state.shipment_id,
            raised_at_ms=event_time_ms,
            details={
                "temperature": temperature,
                "min_temperature": excursion.min_c,
                "max_temperature": excursion.max_c,
                "duration_ms": duration,
                "excursion_started_ms": excursion.started_ms,
                "min_breach_duration_ms": min_breach_duration_ms,
                "range": range.as_detail(),
                "lat": lat,
                "lon": lon,
                "start_lat": excursion.start_lat,
                "start_lon": excursion.start_lon,
                "source_event_id": event_id,
            },
        )
        alerts.append(breach)
        excursion = evolve(excursion, breach_alert_id=breach.alert_id)
        state = evolve(state, breaches=state.breaches + 1)
    return evolve(state, excursion=excursion), alerts
