"""External signals (port closures, weather alerts) and the trouble they cause.

Weather in a region makes shipments into it more often late and holds back purchase orders
bound for its warehouses; a port closure holds back purchase orders from suppliers whose goods
enter through that port, and a severe one makes such a supplier announce a lead-time jump.
"""

from __future__ import annotations

from random import Random
from typing import Any, Protocol

from supplylake.simulator import params
from supplylake.simulator.engine import MS_PER_DAY, MS_PER_H, Engine
from supplylake.simulator.world import World

_SEVERITIES = ("low", "medium", "high")
_SEVERITY_WEIGHTS = (0.4, 0.4, 0.2)
_WEATHER = {
    "low": ("Dense fog advisory", "Wind advisory", "Heavy rain advisory"),
    "medium": ("Winter storm watch", "Flood watch", "Severe thunderstorm warning"),
    "high": ("Hurricane warning", "Blizzard warning", "Ice storm warning"),
}


class LeadTimes(Protocol):
    def jump_lead_time(self, port: str) -> None: ...


class Disruptions:
    def __init__(self, engine: Engine, rng: Random, world: World) -> None:
        self._engine = engine
        self._rng = rng
        self._regions = world.regions
        self._ports = world.ports
        self._weather: list[tuple[str, int, int]] = []
        self._closures: list[tuple[str, int, int]] = []
        self.lead_times: LeadTimes | None = None

    def start(self) -> None:
        self._schedule_next()

    def weather_active(self, region: str, t_ms: int) -> bool:
        return any(r == region and start <= t_ms < end for r, start, end in self._weather)

    def port_closed_until(self, port: str | None, t_ms: int) -> int | None:
        """End of a closure of ``port`` covering ``t_ms``, if any."""
        if port is None:
            return None
        ends = [end for p, start, end in self._closures if p == port and start <= t_ms < end]
        return max(ends) if ends else None

    def weather_until(self, region: str, t_ms: int) -> int | None:
        """End of a delaying weather alert in ``region`` covering ``t_ms``, if any."""
        ends = [end for r, start, end in self._weather if r == region and start <= t_ms < end]
        return max(ends) if ends else None

    def _schedule_next(self) -> None:
        gap = self._rng.expovariate(params.SIGNALS_PER_DAY / MS_PER_DAY)
        self._engine.at(self._engine.now + int(gap), self._signal)

    def _signal(self, _: Any = None) -> None:
        engine, rng = self._engine, self._rng
        now = engine.now
        self._weather = [w for w in self._weather if w[2] > now]
        self._closures = [c for c in self._closures if c[2] > now]
        region = self._regions[rng.randrange(len(self._regions))]
        severity = rng.choices(_SEVERITIES, weights=_SEVERITY_WEIGHTS)[0]
        ts = engine.timestamps
        if rng.random() < params.PORT_CLOSURE_SHARE and self._ports.get(region):
            ports = self._ports[region]
            starts = now + int(rng.uniform(0, 2) * MS_PER_H)
            ends = starts + int(rng.uniform(12, 96) * MS_PER_H)
            fields: dict[str, Any] = {
                "region": region,
                "port": ports[rng.randrange(len(ports))],
                "severity": severity,
                "startsAt": ts.seconds(starts),
            }
            # Port authorities often announce a closure before they know when it will end.
            if rng.random() < 0.7:
                fields["endsAt"] = ts.seconds(ends)
            engine.emit("port.closure", region, fields)
            self._closures.append((fields["port"], starts, ends))
            if severity == "high" and self.lead_times is not None:
                self.lead_times.jump_lead_time(fields["port"])
        else:
            starts = now + int(rng.uniform(0, 6) * MS_PER_H)
            ends = starts + int(rng.uniform(6, 48) * MS_PER_H)
            descriptions = _WEATHER[severity]
            engine.emit(
                "weather.alert",
                region,
                {
                    "region": region,
                    "severity": severity,
                    "description": descriptions[rng.randrange(len(descriptions))],
                    "startsAt": ts.seconds(starts),
                    "endsAt": ts.seconds(ends),
                },
            )
            if severity != "low":
                self._weather.append((region, starts, ends))
        self._schedule_next()
