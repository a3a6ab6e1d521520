"""Disruption impact: which open PO lines a signal delays, and what that does to each affected
warehouse × SKU's projected stock over the horizon.

Pure functions over plain data (``supplylake.planning.disruption`` applies them to the lake). A
signal is one of:

- :class:`LeadTimeChange` (``supplier.leadtime.changed``): the supplier's open lines without an
  ASN now arrive at ``created + new lead time``. A line with an ASN keeps the supplier's word on
  it;
- :class:`Closure` of a port (``port.closure``) or of a region (``weather.alert`` of a delaying
  severity, :func:`weather_delays`): an open line routed through the port (``po.created``
  ``port``), or bound for a warehouse in the region (``warehouseRegion``), that is due while the
  closure lasts arrives the day it is over (one that has no end yet: after the horizon).

For each warehouse × SKU with an affected line, the stock is projected before and after
(``replenishment.project``: ``end = start + in - out`` day by day). The impact says when the
stock-out comes before and after, how many more units of forecast demand go unserved within the
horizon (*quantity at risk*: units short after minus before, counted as lost sales — a day's
demand beyond the stock it finds is lost, not served later from a late delivery), and their
value at the delayed lines' unit cost. It is *alerting* when the stock-out moves inside the horizon: none before, or a
later one, and an earlier one after.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from supplylake.event_time import DAY_MS
from supplylake.pipelines.demand.replenishment import Demand, OpenLine, project, stockout_day


@dataclass(frozen=True)
class NetworkLine:
    """An open PO line with what links it to signals."""

    line: OpenLine
    warehouse_id: str
    sku: str
    supplier_id: str
    created_day: int
    unit_cost: float = 0.0
    has_asn: bool = False
    port: str | None = None
    region: str | None = None
    """The region of the warehouse it is bound for."""


@dataclass(frozen=True)
class LeadTimeChange:
    supplier_id: str
    new_lead_time_days: int


@dataclass(frozen=True)
class Closure:
    """A port (``port`` set) or a region (``region`` set) closed from ``start_day`` to ``end_day``."""

    start_day: int
    end_day: int | None
    port: str | None = None
    region: str | None = None


Signal = LeadTimeChange | Closure

NON_DELAYING_WEATHER = frozenset({"low", "minor", "advisory"})
"""Weather severities (case-insensitive) that close nothing: feeds use their own scales, so any
other label (medium, high, severe, extreme, a warning ...) closes the region while it lasts."""


def closure_of(
    *, starts_at_ms: int, ends_at_ms: int | None, port: str | None = None, region: str | None = None
) -> Closure:
    """The closure a signal announces, in days: from the day it starts to the day it is over (the
    first day starting at or after its end); no end yet: open-ended."""
    end_day = None if ends_at_ms is None else -(-ends_at_ms // DAY_MS)
    return Closure(start_day=starts_at_ms // DAY_MS, end_day=end_day, port=port, region=region)


def weather_delays(severity: str) -> bool:
    """Whether a weather alert of ``severity`` closes its region (see :data:`NON_DELAYING_WEATHER`)."""
    return severity.strip().lower() not in NON_DELAYING_WEATHER


def delayed_due(line: NetworkLine, signal: Signal, never_day: int) -> int | None:
    """The line's new due day under ``signal``, or None when the signal does not move it.

    ``never_day`` stands for "after the horizon" (a closure with no end yet)."""
    due = line.line.due_day
    if isinstance(signal, LeadTimeChange):
        if line.supplier_id != signal.supplier_id or line.has_asn:
            return None
        new = line.created_day + signal.new_lead_time_days
        return new if new != due else None
    linked = (signal.port is not None and line.port == signal.port) or (
        signal.region is not None and line.region == signal.region
    )
    closed_until = never_day if signal.end_day is None else signal.end_day
    if not linked or not signal.start_day <= due < closed_until:
        return None
    return closed_until


@dataclass(frozen=True)
class StockView:
    """What the projection of one warehouse × SKU starts from."""

    available: int
    demand: Demand


@dataclass(frozen=True)
class Impact:
    warehouse_id: str
    sku: str
    lines: tuple[tuple[str, int, int | None], ...]
    """(po_id, due day before, due day after) of each delayed line; after is None when a closure
    with no end yet holds it."""
    stockout_before: int | None
    stockout_after: int | None
    quantity_at_risk: float
    value_at_risk: float
    lines_before: tuple[OpenLine, ...] = ()
    """Every open line of the key without the signal (what ``stockout_before`` is projected from)."""
    lines_after: tuple[OpenLine, ...] = ()
    """The same lines with the signal's new due days."""

    @property
    def alerting(self) -> bool:
        """The stock-out moves inside the horizon (rule in the module docstring)."""
        after, before = self.stockout_after, self.stockout_before
        return after is not None and (before is None or after < before)


def units_short(today: int, available: float, lines: tuple[OpenLine, ...], demand: Demand) -> float:
    """Forecast units unserved over the horizon when unmet demand is lost (see the module docstring)."""
    short = 0.0
    level = max(float(available), 0.0)
    for day in project(today, 0, lines, demand):  # only its inbound and outbound per day
        level += day.inbound - day.outbound
        if level < 0:
            short -= level
            level = 0.0
    return short


def _shortfall(today: int, view: StockView, lines: tuple[OpenLine, ...]) -> tuple[int | None, float]:
    out = stockout_day(project(today, view.available, lines, view.demand))
    return out, units_short(today, view.available, lines, view.demand)


def impacts(
    today: int, signal: Signal, network: tuple[NetworkLine, ...], stock: dict[tuple[str, str], StockView]
) -> list[Impact]:
    """Every warehouse × SKU whose open lines ``signal`` delays, with its impact (sorted by key).

    A key without a stock view (no level or forecast yet) is left out."""
    never = today + 10_000
    by_key: dict[tuple[str, str], list[NetworkLine]] = {}
    for entry in network:
        by_key.setdefault((entry.warehouse_id, entry.sku), []).append(entry)
    found: list[Impact] = []
    for key in sorted(by_key):
        view = stock.get(key)
        if view is None:
            continue
        entries = by_key[key]
        moved = [(e, delayed_due(e, signal, never)) for e in entries]
        delayed = [(e, due) for e, due in moved if due is not None]
        if not delayed:
            continue
        before = tuple(e.line for e in entries)
        after = tuple(e.line if due is None else replace(e.line, due_day=due) for e, due in moved)
        out_before, short_before = _shortfall(today, view, before)
        out_after, short_after = _shortfall(today, view, after)
        quantity = max(0.0, short_after - short_before)
        costed = [(e.unit_cost, e.line.quantity) for e, _ in delayed]
        units = sum(q for _, q in costed)
        unit_cost = sum(c * q for c, q in costed) / units if units else 0.0
        found.append(
            Impact(
                warehouse_id=key[0],
                sku=key[1],
                lines=tuple((e.line.po_id, e.line.due_day, None if due == never else due) for e, due in delayed),
                stockout_before=out_before,
                stockout_after=out_after,
                quantity_at_risk=quantity,
                value_at_risk=quantity * unit_cost,
                lines_before=before,
                lines_after=after,
            )
        )
    return found
