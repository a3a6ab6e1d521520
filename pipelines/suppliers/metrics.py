"""Supplier metrics over PO line facts at a cut-off time, and the SUPPLIER_SLIPPING episode.

Pure and batch: :func:`supplier_metrics` takes any iterable of line facts (the dicts of
:func:`~supplylake.pipelines.suppliers.po_lines.line_fact`) and a cut-off ``as_of_ms`` (event
time). Facts are taken as they are (their latest values); the cut-off only selects which lines
count. A line counts once its ``po_created_at`` is at or before the cut-off.

Rows
    One per supplier (``sku`` None) and one per supplier × SKU, each for two periods: the
    trailing window (``'30d'`` by default: ``as_of − window < due_at ≤ as_of``) and ``'all'``
    (``due_at ≤ as_of``). The lines *due* in a period are its population for every measure but
    the open-line counts.

Measures (over the period's due lines)
    * ``lines_due`` — how many;
    * ``otif_rate``, ``on_time_rate``, ``in_full_rate`` — the mean of the line's ``otif`` /
      ``on_time`` / ``in_full`` over the due lines where it is decided (not None);
    * ``fill_rate`` — quantity-weighted: ``Σ min(accepted, ordered) / Σ ordered``;
    * ``defect_rate`` — ``Σ rejected / Σ received`` (None when nothing was received);
    * ``lead_time_mean_days``, ``lead_time_p90_days``, ``lead_time_stddev_days`` — over the due
      lines with a lead time: the mean; the 90th percentile by linear interpolation between the
      closest ranks (DuckDB's ``quantile_cont``: position ``(n − 1) × 0.9`` in the sorted
      values); the sample standard deviation (DuckDB's ``stddev_samp``, None with fewer than 2
      values);
    * ``spend`` — ``Σ accepted × unit_cost``: what the accepted goods cost (rejected goods go
      back and are not paid for); 0.0 with no due lines.

    A rate of a period with no due lines (or nothing decided) is None, "no data", never 1.0.

Open lines (over the period's lines not yet closed as received)
    ``open_lines`` counts the lines whose status is not ``RECEIVED`` or ``OVER`` (so
    ``SHORT_CLOSED`` lines are open), among the lines due in the period or not due yet;
    ``late_open_lines`` those of them already past due (``due_at ≤ as_of``).

SUPPLIER_SLIPPING
    :func:`slipping` follows one supplier's trailing-window row over time. An episode starts when
    ``otif_rate < slipping_otif_threshold`` over at least ``slipping_min_lines`` due lines and
    raises one ``SUPPLIER_SLIPPING``; it ends (silently) only when ``otif_rate ≥ threshold +
    hysteresis``. In between nothing changes — the hysteresis keeps an OTIF hovering at the
    threshold from raising an alert at every evaluation. Rates and thresholds are compared as
    the decimals they print as, so a rate of exactly 0.9 leaves at 0.85 + 0.05.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from supplylake.event_time import DAY_MS
from supplylake.pipelines.state_codec import StoredState
from supplylake.pipelines.suppliers.alerts import ENTITY_SUPPLIER, SUPPLIER_SLIPPING, Alert
from supplylake.pipelines.suppliers.definitions import LineStatus, SupplierError, exact
from supplylake.settings import SupplierSettings

PERIOD_ALL = "all"
RECEIVED_STATUSES: frozenset[str] = frozenset({LineStatus.RECEIVED.value, LineStatus.OVER.value})
LEAD_TIME_QUANTILE = 0.9


class SlippingStateError(SupplierError):
    """A stored slipping state cannot be read back."""


@dataclass(frozen=True)
class MetricsPolicy:
    """The metrics window and the SUPPLIER_SLIPPING thresholds, from the settings."""

    window_days: int
    slipping_otif_threshold: float
    slipping_min_lines: int
    slipping_hysteresis: float

    @classmethod
    def from_settings(cls, settings: SupplierSettings) -> MetricsPolicy:
        return cls(
            window_days=settings.metrics_window_days,
            slipping_otif_threshold=settings.slipping_otif_threshold,
            slipping_min_lines=settings.slipping_min_lines,
            slipping_hysteresis=settings.slipping_hysteresis,
        )

    @property
    def window_ms(self) -> int:
        return self.window_days * DAY_MS

    @property
    def window_period(self) -> str:
        """The trailing window's period name, ``'30d'`` by default."""
        return f"{self.window_days}d"


DEFAULT_METRICS_POLICY = MetricsPolicy.from_settings(SupplierSettings())
"""The policy of default settings (for callers that configure nothing, e.g. tests)."""


@dataclass(frozen=True)
class SupplierMetrics:
    """One supplier's (or supplier × SKU's) measures over one period at a cut-off."""

    supplier_id: str
    sku: str | None
    period: str
    as_of_ms: int
    window_start_ms: int | None
    """Exclusive start of the trailing window; None for ``'all'``."""
    lines_due: int
    otif_rate: float | None
    on_time_rate: float | None
    in_full_rate: float | None
    fill_rate: float | None
    defect_rate: float | None
    lead_time_mean_days: float | None
    lead_time_p90_days: float | None
    lead_time_stddev_days: float | None
    open_lines: int
    late_open_lines: int
    spend: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def supplier_metrics(
    facts: Iterable[Mapping[str, Any]],
    as_of_ms: int,
    policy: MetricsPolicy = DEFAULT_METRICS_POLICY,
) -> list[SupplierMetrics]:
    """Every supplier's and supplier × SKU's rows for both periods, sorted by supplier, then the
    supplier row before its SKUs' rows, then the window before ``'all'``."""
    groups: dict[tuple[str, str | None], list[Mapping[str, Any]]] = defaultdict(list)
    for fact in facts:
        if not _counts(fact, as_of_ms) or fact["supplier_id"] is None:
            continue
        groups[(fact["supplier_id"], None)].append(fact)
        groups[(fact["supplier_id"], fact["sku"])].append(fact)
    rows: list[SupplierMetrics] = []
    for (supplier_id, sku), lines in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        rows.extend(group_metrics(supplier_id, sku, lines, as_of_ms, policy))
    return rows


def group_metrics(
    supplier_id: str,
    sku: str | None,
    lines: Sequence[Mapping[str, Any]],
    as_of_ms: int,
    policy: MetricsPolicy = DEFAULT_METRICS_POLICY,
) -> tuple[SupplierMetrics, SupplierMetrics]:
    """One group's window row and ``'all'`` row; ``lines``: the group's lines that count."""
    window_start = as_of_ms - policy.window_ms
    in_window = [line for line in lines if line["due_at"] > window_start]
    return (
        _measure(supplier_id, sku, policy.window_period, as_of_ms, window_start, in_window),
        _measure(supplier_id, sku, PERIOD_ALL, as_of_ms, None, lines),
    )


def _counts(fact: Mapping[str, Any], as_of_ms: int) -> bool:
    created = fact["po_created_at"]
    return created is not None and created <= as_of_ms


def next_change_ms(
    lines: Iterable[Mapping[str, Any]], as_of_ms: int, policy: MetricsPolicy = DEFAULT_METRICS_POLICY
) -> int | None:
    """The earliest cut-off after ``as_of_ms`` at which a group's figures can change with no new
    fact: one of its lines starts to count (``po_created_at``), falls due (``due_at``) or leaves
    the trailing window (``due_at + window``); None when none of them is ahead. Until then the
    group's rows at any later cut-off have the same figures (only ``as_of_ms`` moves)."""
    ahead: int | None = None
    for line in lines:
        created = line["po_created_at"]
        if created is None:
            continue
        for at in (created, line["due_at"], line["due_at"] + policy.window_ms):
            if at > as_of_ms and (ahead is None or at < ahead):
                ahead = at
    return ahead


SUPPLIER_GROUP = ""
"""The group key of a supplier's own rows (``sku`` None) in :func:`changed_metrics`."""


def changed_metrics(
    supplier_id: str,
    facts: Iterable[Mapping[str, Any]],
    as_of_ms: int,
    touched_skus: Iterable[str],
    next_change: dict[str, int | None],
    policy: MetricsPolicy = DEFAULT_METRICS_POLICY,
) -> list[SupplierMetrics]:
    """One supplier's rows at ``as_of_ms`` for the groups whose figures may have changed since
    the last call: the supplier's own group and those of ``touched_skus`` (their facts changed),
    and every group whose :func:`next_change_ms` the cut-off reached. ``next_change`` (group key:
    the SKU, :data:`SUPPLIER_GROUP` for the supplier) is that bookkeeping, updated in place; empty,
    every group is evaluated. The rows of the other groups would have the figures they had, so
    comparing these rows to the last published ones tells the same as comparing all of
    :func:`supplier_metrics` (what the unit tests check), at the cost of the changed groups only.
    Sorted as :func:`supplier_metrics` sorts them."""
    facts = [fact for fact in facts if fact["supplier_id"] == supplier_id]
    every = not next_change
    dirty = {SUPPLIER_GROUP, *touched_skus}
    dirty.update(key for key, at in next_change.items() if at is not None and at <= as_of_ms)
    groups: dict[str, list[Mapping[str, Any]]] = {key: [] for key in dirty}
    for fact in facts:
        sku = fact["sku"]
        if every and sku not in groups:
            groups[sku] = []
        if sku in groups:
            groups[sku].append(fact)
    groups[SUPPLIER_GROUP] = facts
    rows: list[SupplierMetrics] = []
    for key in sorted(groups):
        lines = groups[key]
        next_change[key] = next_change_ms(lines, as_of_ms, policy)
        counting = [line for line in lines if _counts(line, as_of_ms)]
        if counting:
            rows.extend(group_metrics(supplier_id, key or None, counting, as_of_ms, policy))
    return rows


def _measure(
    supplier_id: str,
    sku: str | None,
    period: str,
    as_of_ms: int,
    window_start_ms: int | None,
    lines: Sequence[Mapping[str, Any]],
) -> SupplierMetrics:
    """The measures of one group over one period; ``lines``: the period's lines, due or not."""
    due = [line for line in lines if line["due_at"] <= as_of_ms]
    ordered = sum(line["ordered_qty"] for line in due)
    received = sum(line["received_qty"] for line in due)
    lead_times = sorted(line["lead_time_days"] for line in due if line["lead_time_days"] is not None)
    open_lines = [line for line in lines if line["status"] not in RECEIVED_STATUSES]
    return SupplierMetrics(
        supplier_id=supplier_id,
        sku=sku,
        period=period,
        as_of_ms=as_of_ms,
        window_start_ms=window_start_ms,
        lines_due=len(due),
        otif_rate=_rate(line["otif"] for line in due),
        on_time_rate=_rate(line["on_time"] for line in due),
        in_full_rate=_rate(line["in_full"] for line in due),
        fill_rate=sum(min(line["accepted_qty"], line["ordered_qty"]) for line in due) / ordered if ordered else None,
        defect_rate=sum(line["rejected_qty"] for line in due) / received if received else None,
        lead_time_mean_days=statistics.fmean(lead_times) if lead_times else None,
        lead_time_p90_days=quantile_cont(lead_times, LEAD_TIME_QUANTILE),
        lead_time_stddev_days=stddev_samp(lead_times),
        open_lines=len(open_lines),
        late_open_lines=sum(1 for line in open_lines if line["due_at"] <= as_of_ms),
        spend=float(sum(line["accepted_qty"] * line["unit_cost"] for line in due)),
    )


def _rate(values: Iterable[int | bool | None]) -> float | None:
    decided = [int(value) for value in values if value is not None]
    return sum(decided) / len(decided) if decided else None


def stddev_samp(values: Sequence[float]) -> float | None:
    """DuckDB's ``stddev_samp``: the sample standard deviation (two passes, exact sums); None
    with fewer than 2 values."""
    count = len(values)
    if count < 2:
        return None
    mean = math.fsum(values) / count
    return math.sqrt(math.fsum((value - mean) ** 2 for value in values) / (count - 1))


def quantile_cont(values: Sequence[float], quantile: float) -> float | None:
    """DuckDB's ``quantile_cont``: linear interpolation between the closest ranks of the sorted
    ``values`` at position ``(n − 1) × quantile``; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * quantile
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


# -- SUPPLIER_SLIPPING ------------------------------------------------------------------------


@dataclass(frozen=True)
class SlippingState(StoredState):
    """One supplier's slipping episode; open while ``slipping_since_ms`` is not None."""

    supplier_id: str
    slipping_since_ms: int | None = None
    episode_alert_id: str | None = None
    episodes: int = 0

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[SupplierError]] = SlippingStateError

    @property
    def slipping(self) -> bool:
        return self.slipping_since_ms is not None


def slipping(
    state: SlippingState | None,
    metrics: SupplierMetrics,
    policy: MetricsPolicy = DEFAULT_METRICS_POLICY,
) -> tuple[SlippingState, Alert | None]:
    """Follow one supplier's episode with its trailing-window row (``sku`` None); the alert when
    an episode starts (see the module docstring)."""
    if metrics.sku is not None or metrics.period != policy.window_period:
        raise ValueError(
            f"slipping is judged on a supplier's {policy.window_period!r} row, "
            f"got sku={metrics.sku!r} period={metrics.period!r}"
        )
    if state is None:
        state = SlippingState(supplier_id=metrics.supplier_id)
    elif state.supplier_id != metrics.supplier_id:
        raise ValueError(f"metrics of {metrics.supplier_id!r} applied to the slipping state of {state.supplier_id!r}")
    rate = metrics.otif_rate
    threshold = exact(policy.slipping_otif_threshold)
    if rate is None:
        return state, None
    if state.slipping:
        if exact(rate) >= threshold + exact(policy.slipping_hysteresis):
            return SlippingState(supplier_id=state.supplier_id, episodes=state.episodes), None
        return state, None
    if metrics.lines_due < policy.slipping_min_lines or exact(rate) >= threshold:
        return state, None
    alert = Alert.create(
        source_id=f"supplier:{state.supplier_id}@{metrics.as_of_ms}",
        alert_type=SUPPLIER_SLIPPING,
        entity_type=ENTITY_SUPPLIER,
        entity_id=state.supplier_id,
        raised_at_ms=metrics.as_of_ms,
        details={
            "otif_rate": rate,
            "lines_due": metrics.lines_due,
            "threshold": policy.slipping_otif_threshold,
            "resolves_at": float(threshold + exact(policy.slipping_hysteresis)),
            "min_lines": policy.slipping_min_lines,
            "window_days": policy.window_days,
            "fill_rate": metrics.fill_rate,
            "on_time_rate": metrics.on_time_rate,
            "in_full_rate": metrics.in_full_rate,
        },
    )
    new = SlippingState(
        supplier_id=state.supplier_id,
        slipping_since_ms=metrics.as_of_ms,
        episode_alert_id=alert.alert_id,
        episodes=state.episodes + 1,
    )
    return new, alert
