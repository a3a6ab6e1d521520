"""Replenishment: inventory position, safety stock, reorder point, order-up-to level, the
projected stock, and one suggestion per episode below the reorder point.

Pure functions over plain numbers (issue 11, part 4); the pipeline wiring feeds them a
warehouse × SKU's stock (on hand, reserved), its open purchase order lines, its supplier's lead
time and its demand forecast. Units are stock units; time is in days, dates are epoch day
numbers (``event_time_ms // DAY_MS``), as in ``forecast``.

The rules, in the textbook's periodic-review (R, S) form with a continuous reorder point:

1. **Demand over the lead time.** ``μ_D`` is the mean forecast units per day over the horizon,
   ``σ_D`` the standard deviation of a day's demand around its forecast (the forecast's own
   error: the robust residual scale, or 1.25 × MAE before it has residuals).
2. **Lead time.** ``μ_L`` and ``σ_L`` are the supplier's lead-time mean and sample standard
   deviation in days (``supplier_metrics``; ``σ_L`` is 0 with fewer than two received lines).
3. **Inventory position** = on hand + the open quantity of the PO lines due within
   ``μ_L + R`` days (``R``: the review period; lines already overdue count, they are expected
   any time) − reserved.
4. **Safety stock** ``SS = z · √(μ_L · σ_D² + μ_D² · σ_L²)``, ``z`` the standard normal quantile
   of the target cycle service level (default 95 %: z ≈ 1.645).
5. **Reorder point** ``ROP = μ_D · μ_L + SS``; **order-up-to level** ``S = μ_D · (μ_L + R) + SS``.
6. When the position is below the reorder point the **suggested quantity** is ``⌈S − position⌉``.
7. **Projection.** Day by day over the horizon from available = on hand − reserved: each day
   starts where the day before ended, takes in the open lines due that day (overdue ones on
   the first day) and gives out its forecast units, so ``end = start + in − out`` holds for
   every day. Ends may go negative (demand the stock cannot cover).
8. **Projected stock-out date**: the first projected day that ends below zero (none within the
   horizon: no date). **Order-by date**: the stock-out date minus ``⌈μ_L⌉`` days, never before
   the first projected day (a plan is made as ``today`` closes, so tomorrow is the first day
   anyone can act on it); with no stock-out in the horizon, that first day (the position is
   under the reorder point, so the review says order now).
9. **Episodes.** A warehouse × SKU whose position falls below its reorder point opens an episode
   and gets one suggestion (id ``<warehouseId>:<sku>@<start of the day it opened, epoch ms>``); more
   evaluations below the reorder point add nothing; the first at or above it (typically once
   the suggested PO is placed, which raises the position) closes the episode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import ClassVar

from supplylake.event_time import DAY_MS
from supplylake.pipelines.demand.windows import DemandError, DemandStateError
from supplylake.pipelines.state_codec import StoredState

MAE_TO_STDDEV = 1.25
"""σ ≈ 1.25 × MAE for normally distributed errors (√(π/2))."""


class ReplenishmentError(DemandError):
    """Replenishment inputs or settings that cannot give a plan."""


@dataclass(frozen=True)
class ReplenishmentPolicy:
    """The policy's constants."""

    service_level: float = 0.95
    """Target cycle service level: the probability of no stock-out within a replenishment cycle."""
    review_period_days: float = 1.0
    """``R``: how often the position is reviewed (the pipeline reviews at every day close)."""
    horizon_days: int = 14
    """Days projected ahead (the forecast's horizon)."""

    def __post_init__(self) -> None:
        if not 0.5 <= self.service_level < 1:
            raise ReplenishmentError(f"service_level must be in [0.5, 1), got {self.service_level!r}")
        if not (math.isfinite(self.review_period_days) and self.review_period_days >= 0):
            raise ReplenishmentError(f"review_period_days must be 0 or more, got {self.review_period_days!r}")
        if self.horizon_days < 1:
            raise ReplenishmentError(f"horizon_days must be at least 1, got {self.horizon_days!r}")

    @property
    def z(self) -> float:
        """The standard normal quantile of the service level."""
        return NormalDist().inv_cdf(self.service_level)


@dataclass(frozen=True)
class OpenLine:
    """An open purchase order line for the warehouse × SKU: what is still to arrive, and when."""

    po_id: str
    quantity: int
    """Ordered minus accepted so far (never below 0)."""
    due_day: int
    """The day it is expected (the latest ASN's expected arrival, else the promised date)."""


@dataclass(frozen=True)
class LeadTime:
    """The supplier's lead time in days (``supplier_metrics``)."""

    supplier_id: str
    mean_days: float
    stddev_days: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean_days) and self.mean_days >= 0):
            raise ReplenishmentError(f"lead time mean must be 0 days or more, got {self.mean_days!r}")
        if not (math.isfinite(self.stddev_days) and self.stddev_days >= 0):
            raise ReplenishmentError(f"lead time stddev must be 0 days or more, got {self.stddev_days!r}")


@dataclass(frozen=True)
class Demand:
    """The forecast the plan is made from: units for each of the next days, and a day's spread."""

    daily_units: tuple[float, ...]
    """Forecast units of day ``today + 1``, ``today + 2``, … (the horizon)."""
    stddev: float
    """``σ_D``: the standard deviation of a day's demand around its forecast."""

    def __post_init__(self) -> None:
        if not self.daily_units:
            raise ReplenishmentError("a demand forecast needs at least one day")
        if any(not (math.isfinite(u) and u >= 0) for u in self.daily_units):
            raise ReplenishmentError("forecast units must be finite and 0 or more")
        if not (math.isfinite(self.stddev) and self.stddev >= 0):
            raise ReplenishmentError(f"demand stddev must be 0 or more, got {self.stddev!r}")

    @property
    def mean(self) -> float:
        """``μ_D``: mean forecast units per day over the horizon."""
        return sum(self.daily_units) / len(self.daily_units)


def demand_stddev(residual_scale: float | None, mae: float | None) -> float:
    """``σ_D`` from the forecast's error: its robust residual scale, else 1.25 × MAE, else 0."""
    if residual_scale is not None:
        return residual_scale
    return MAE_TO_STDDEV * mae if mae is not None else 0.0


@dataclass(frozen=True)
class ProjectedDay:
    """One day of the projected stock (rule 7): ``end = start + inbound - outbound``."""

    day: int
    start: float
    inbound: float
    outbound: float
    end: float


def project(today: int, available: float, lines: tuple[OpenLine, ...], demand: Demand) -> list[ProjectedDay]:
    """The stock day by day over the forecast's days after ``today`` (rule 7)."""
    inbound: dict[int, float] = {}
    first = today + 1
    for line in lines:
        day = max(line.due_day, first)
        inbound[day] = inbound.get(day, 0.0) + line.quantity
    days: list[ProjectedDay] = []
    level = float(available)
    for offset, units in enumerate(demand.daily_units, start=1):
        day = today + offset
        arriving = inbound.get(day, 0.0)
        end = level + arriving - units
        days.append(ProjectedDay(day, level, arriving, units, end))
        level = end
    return days


def stockout_day(projection: list[ProjectedDay]) -> int | None:
    """The first projected day that ends below zero (rule 8); None within the horizon."""
    return next((d.day for d in projection if d.end < 0), None)


def safety_stock(z: float, demand_mean: float, demand_stddev: float, lead_mean: float, lead_stddev: float) -> float:
    """``z · √(μ_L · σ_D² + μ_D² · σ_L²)`` (rule 4)."""
    return z * math.sqrt(lead_mean * demand_stddev**2 + demand_mean**2 * lead_stddev**2)


@dataclass(frozen=True)
class Plan:
    """One evaluation of a warehouse × SKU: every input of the formula and what it gives."""

    warehouse_id: str
    sku: str
    supplier_id: str
    day: int
    """The day the plan is made on (today)."""
    on_hand: int
    reserved: int
    open_quantity_in_lead_time: int
    """Open PO units due within μ_L + R days (rule 3)."""
    open_quantity_total: int
    demand_mean: float
    demand_stddev: float
    lead_time_mean_days: float
    lead_time_stddev_days: float
    review_period_days: float
    service_level: float
    z: float
    position: int
    safety_stock: float
    reorder_point: float
    order_up_to: float
    suggested_quantity: int
    """``⌈S − position⌉`` when below the reorder point, else 0 (rule 6)."""
    stockout_day: int | None
    order_by_day: int | None
    """Rule 8; None when the position is not below the reorder point."""

    @property
    def below_reorder_point(self) -> bool:
        return self.position < self.reorder_point

    @property
    def key(self) -> str:
        return f"{self.warehouse_id}:{self.sku}"


def plan(
    *,
    warehouse_id: str,
    sku: str,
    today: int,
    on_hand: int,
    reserved: int,
    lines: tuple[OpenLine, ...],
    lead_time: LeadTime,
    demand: Demand,
    policy: ReplenishmentPolicy,
) -> Plan:
    """Rules 3-8 for one warehouse × SKU on ``today``."""
    mu_d, sigma_d = demand.mean, demand.stddev
    mu_l, sigma_l = lead_time.mean_days, lead_time.stddev_days
    cover = mu_l + policy.review_period_days
    in_lead_time = sum(line.quantity for line in lines if line.due_day <= today + cover)
    position = on_hand + in_lead_time - reserved
    z = policy.z
    ss = safety_stock(z, mu_d, sigma_d, mu_l, sigma_l)
    rop = mu_d * mu_l + ss
    up_to = mu_d * cover + ss
    below = position < rop
    out_day = stockout_day(project(today, on_hand - reserved, lines, demand))
    order_by: int | None = None
    if below:
        first = today + 1
        order_by = first if out_day is None else max(first, out_day - math.ceil(mu_l))
    return Plan(
        warehouse_id=warehouse_id,
        sku=sku,
        supplier_id=lead_time.supplier_id,
        day=today,
        on_hand=on_hand,
        reserved=reserved,
        open_quantity_in_lead_time=in_lead_time,
        open_quantity_total=sum(line.quantity for line in lines),
        demand_mean=mu_d,
        demand_stddev=sigma_d,
        lead_time_mean_days=mu_l,
        lead_time_stddev_days=sigma_l,
        review_period_days=policy.review_period_days,
        service_level=policy.service_level,
        z=z,
        position=position,
        safety_stock=ss,
        reorder_point=rop,
        order_up_to=up_to,
        suggested_quantity=max(1, math.ceil(up_to - position)) if below else 0,
        stockout_day=out_day,
        order_by_day=order_by,
    )


@dataclass
class ReplenishmentEpisode(StoredState):
    """A warehouse × SKU's episode below its reorder point: the day it opened (None: none open)."""

    opened_day: int | None = None

    state_version: ClassVar[int] = 1
    state_error: ClassVar[type[DemandError]] = DemandStateError


@dataclass(frozen=True)
class Suggestion:
    """The one suggestion of an episode (rule 9): the plan that opened it, and its id."""

    suggestion_id: str
    """``<warehouseId>:<sku>@<start of the day the episode opened, epoch ms>``: the same on every
    replay, and what the restock API's idempotency key is made from."""
    plan: Plan


def judge(episode: ReplenishmentEpisode, evaluated: Plan) -> Suggestion | None:
    """Rule 9 for one evaluation; mutates ``episode``. The suggestion when it opens an episode."""
    if not evaluated.below_reorder_point:
        episode.opened_day = None
        return None
    if episode.opened_day is not None:
        return None
    episode.opened_day = evaluated.day
    return Suggestion(f"{evaluated.key}@{evaluated.day * DAY_MS}", evaluated)
