"""ERP stock snapshots that mostly agree with the stream, and disagree in known, labelled ways.

Finance reconciles the stream-derived stock as of an ERP cut-off against the ERP's own figure.
The simulator knows the truth, so every disagreement it plants is labelled:

- ``timing``: the ERP posted a receipt or shipment a little after the cut-off (it misses the
  last movement before it) or before it (it already has the first movement after it);
- ``missing_in_erp``: a stocked warehouse x SKU has no ERP row;
- ``missing_in_stream``: the ERP has a row for a warehouse x SKU the stream never mentions
  (stale master data, the same rows in every snapshot);
- ``unexplained``: the quantity is off by a random amount.

A snapshot is captured at its cut-off and finalised ``ERP_SETTLE`` hours later, once the
movements right after the cut-off are known.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from random import Random
from typing import Any

from supplylake.simulator import params
from supplylake.simulator.engine import MS_PER_H, Engine
from supplylake.simulator.events import Timestamps, from_ms
from supplylake.simulator.stock import PairState, StockBook
from supplylake.simulator.world import World

LABELS: tuple[str, ...] = ("timing", "missing_in_erp", "missing_in_stream", "unexplained")
SNAPSHOT_COLUMNS: tuple[str, ...] = ("snapshot_time", "warehouse_id", "sku", "on_hand", "unit_cost")
LABEL_COLUMNS: tuple[str, ...] = ("snapshot_time", "warehouse_id", "sku", "label", "stream_on_hand", "erp_on_hand")

# How planted disagreements split between kinds (missing_in_stream comes from the stale rows).
_GHOST_SHARE = 0.15
_KINDS = ("timing", "unexplained", "missing_in_erp")
_KIND_WEIGHTS = (0.45, 0.35, 0.20)


@dataclass(frozen=True, slots=True)
class ErpRow:
    warehouse_id: str
    sku: str
    on_hand: int
    unit_cost: float


@dataclass(frozen=True, slots=True)
class ErpLabel:
    """A planted disagreement; ``None`` means the side has no figure (no row / never mentioned)."""

    warehouse_id: str
    sku: str
    label: str
    stream_on_hand: int | None
    erp_on_hand: int | None


@dataclass(frozen=True)
class ErpSnapshot:
    snapshot_time: datetime
    time_ms: int
    rows: tuple[ErpRow, ...]
    labels: tuple[ErpLabel, ...]

    def csv_rows(self) -> Iterator[list[Any]]:
        stamp = Timestamps().millis(self.time_ms)
        for r in self.rows:
            yield [stamp, r.warehouse_id, r.sku, r.on_hand, f"{r.unit_cost:.2f}"]

    def label_rows(self) -> Iterator[list[Any]]:
        stamp = Timestamps().millis(self.time_ms)
        for lab in self.labels:
            yield [
                stamp,
                lab.warehouse_id,
                lab.sku,
                lab.label,
                "" if lab.stream_on_hand is None else lab.stream_on_hand,
                "" if lab.erp_on_hand is None else lab.erp_on_hand,
            ]


class _Capture:
    __slots__ = ("levels", "next_moves", "t_ms")

    def __init__(self, t_ms: int, levels: list[tuple[PairState, int, float, int, int]]) -> None:
        self.t_ms = t_ms
        self.levels = levels
        self.next_moves: dict[str, int] = {}


class ErpClerk:
    """Captures the true stock every ``every_ms`` and hands finished snapshots to ``ready``."""

    def __init__(
        self,
        engine: Engine,
        rng: Random,
        world: World,
        book: StockBook,
        every_ms: int,
        disagreement_rate: float,
        ready: deque[ErpSnapshot],
    ) -> None:
        self._engine = engine
        self._rng = rng
        self._book = book
        self._every_ms = every_ms
        self._rate = disagreement_rate
        self._ready = ready
        self._pending: list[_Capture] = []
        self._settle_ms = int(params.ERP_SETTLE * MS_PER_H)
        rows = len(world.pairs) + len(world.unstocked)
        n_ghosts = 0
        if disagreement_rate > 0 and world.unstocked:
            n_ghosts = min(len(world.unstocked), max(1, round(disagreement_rate * rows * _GHOST_SHARE)))
        self._ghosts = [
            (wh, sku, rng.randint(5, 200), item_cost)
            for wh, sku in sorted(rng.sample(list(world.unstocked), n_ghosts))
            for item_cost in [next(s.unit_cost for s in world.skus if s.sku == sku)]
        ]
        self._planted = max(0, round(disagreement_rate * (len(world.pairs) + n_ghosts)) - n_ghosts)

    def start(self) -> None:
        if self._every_ms > 0:
            first = self._engine.start_ms + self._every_ms
            self._engine.at(first, self._capture, first)

    def movement(self, pair: PairState, delta: int) -> None:
        """A receipt or shipment happened now (the ERP may post it on the other side of a cut-off)."""
        pair.last_move_ms = self._engine.now
        pair.last_move_delta = delta
        for capture in self._pending:
            capture.next_moves.setdefault(pair.key, delta)

    def finish(self) -> None:
        """Finalise what is still settling (the stream ends before the settle window does)."""
        for capture in list(self._pending):
            self._finalise(capture)

    def _capture(self, nominal_ms: int) -> None:
        t = self._engine.instant()
        levels = [(p, p.on_hand, p.avg_cost, p.last_move_ms, p.last_move_delta) for p in self._book]
        capture = _Capture(t, levels)
        self._pending.append(capture)
        self._engine.at(t + self._settle_ms, self._finalise, capture)
        self._engine.at(nominal_ms + self._every_ms, self._capture, nominal_ms + self._every_ms)

    def _finalise(self, capture: _Capture) -> None:
        if capture not in self._pending:
            return
        self._pending.remove(capture)
        rng = self._rng
        t = capture.t_ms
        levels = capture.levels
        # What each planted pair becomes: decide the kinds first, then give timing differences to
        # pairs that really moved around the cut-off (the rest fall back to unexplained).
        kinds = rng.choices(_KINDS, weights=_KIND_WEIGHTS, k=min(self._planted, len(levels)))
        timings: dict[int, list[int]] = {}
        for index, (pair, stream, _, last_ms, last_delta) in enumerate(levels):
            options = []
            if last_ms >= t - self._settle_ms and last_delta and stream - last_delta >= 0:
                options.append(stream - last_delta)  # the ERP posts it after the cut-off
            after = capture.next_moves.get(pair.key)
            if after and stream + after >= 0:
                options.append(stream + after)  # the ERP posted it before the cut-off
            if options:
                timings[index] = options
        n_timing = min(kinds.count("timing"), len(timings))
        chosen = rng.sample(sorted(timings), n_timing)
        taken = set(chosen)
        others = [i for i in range(len(levels)) if i not in taken]
        planted: dict[int, tuple[str, int | None]] = {}
        for index in chosen:
            options = timings[index]
            planted[index] = ("timing", options[rng.randrange(len(options))])
        rest = ["unexplained"] * (kinds.count("timing") - n_timing) + [k for k in kinds if k != "timing"]
        for index, kind in zip(rng.sample(others, len(rest)), rest, strict=True):
            if kind == "missing_in_erp":
                planted[index] = (kind, None)
                continue
            stream = levels[index][1]
            delta = rng.randint(1, max(3, round(stream * 0.05))) * rng.choice((-1, 1))
            planted[index] = (kind, stream + delta if stream + delta >= 0 else stream - delta)

        rows: list[ErpRow] = []
        labels: list[ErpLabel] = []
        for index, (pair, stream, cost, _, _) in enumerate(capture.levels):
            mark = planted.get(index)
            if mark is None:
                rows.append(ErpRow(pair.warehouse_id, pair.sku, stream, round(cost, 2)))
                continue
            kind, erp = mark
            labels.append(ErpLabel(pair.warehouse_id, pair.sku, kind, stream, erp))
            if erp is not None:
                rows.append(ErpRow(pair.warehouse_id, pair.sku, erp, round(cost, 2)))
        for wh, sku, qty, cost in self._ghosts:
            rows.append(ErpRow(wh, sku, qty, cost))
            labels.append(ErpLabel(wh, sku, "missing_in_stream", None, qty))
        rows.sort(key=lambda r: (r.warehouse_id, r.sku))
        labels.sort(key=lambda lab: (lab.warehouse_id, lab.sku))
        self._ready.append(ErpSnapshot(from_ms(t), t, tuple(rows), tuple(labels)))
