"""An independent reference model of the inventory pipeline, for checking lake results.

Written from the documented semantics, not from the pipeline's code:
- per key, records arrive in file order (one producer, one partition per key);
- duplicates (same eventId) are applied once;
- an event older than (max event time seen for the key - allowed lateness) is late: it takes
  effect after everything seen so far (at the max event time, in arrival order);
- otherwise events take effect in (event time, eventId) order;
- received/shipped/adjusted change on-hand, counted sets it, reserved/released change reserved
  (released never below zero);
- alerts are evaluated on the key's current level after each applied event: LOW_STOCK opens an
  episode below the reorder point, STOCKOUT once per episode at available <= 0, RESOLVED at
  available >= reorder point + margin; NEGATIVE_STOCK once per stretch of on-hand < 0.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from tests.support.timestamps import iso_to_ms

INVENTORY_TYPES = {
    "inventory.received",
    "inventory.shipped",
    "inventory.adjusted",
    "inventory.counted",
    "inventory.reserved",
    "inventory.released",
}


@dataclass
class Expected:
    levels: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (on_hand, reserved)
    accepted_ids: set[str] = field(default_factory=set)
    duplicates: int = 0
    late: int = 0
    alerts: Counter[str] = field(default_factory=Counter)


def _valid(event: dict) -> bool:
    """The inventory contract, restated: what the pipeline must accept."""
    try:
        if event.get("eventType") not in INVENTORY_TYPES:
            return False
        for name in ("warehouseId", "sku", "timestamp"):
            if not isinstance(event.get(name), str) or not event[name].strip():
                return False
        if "eventId" in event and (not isinstance(event["eventId"], str) or not event["eventId"].strip()):
            return False
        datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).utcoffset().total_seconds()  # type: ignore[union-attr]
        q = event.get("quantity")
        if not isinstance(q, int) or isinstance(q, bool):
            return False
        kind = event["eventType"]
        if kind == "inventory.adjusted":
            return q != 0 and isinstance(event.get("reason"), str) and bool(event["reason"].strip())
        if kind == "inventory.counted":
            return q >= 0
        return q > 0
    except (AttributeError, ValueError, TypeError):
        return False


def _apply(level: tuple[int, int], kind: str, quantity: int) -> tuple[int, int]:
    on_hand, reserved = level
    if kind == "inventory.received":
        return on_hand + quantity, reserved
    if kind == "inventory.shipped":
        return on_hand - quantity, reserved
    if kind == "inventory.adjusted":
        return on_hand + quantity, reserved
    if kind == "inventory.counted":
        return quantity, reserved
    if kind == "inventory.reserved":
        return on_hand, reserved + quantity
    return on_hand, max(0, reserved - quantity)


def expected_from_file(
    path: Path,
    *,
    reorder_points: dict[str, int],
    default_reorder_point: int = 100,
    resolve_margin: int = 10,
    allowed_lateness_ms: int = 600_000,
) -> Expected:
    result = Expected()
    placed: dict[str, list[tuple[int, int, str, str, int]]] = defaultdict(list)
    max_seen: dict[str, int] = {}
    late_seq: Counter[str] = Counter()
    alert_state: dict[str, dict[str, bool]] = defaultdict(
        lambda: {"episode": False, "stockout": False, "negative": False}
    )
    seen_ids: set[str] = set()
    for line in path.read_bytes().splitlines():
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(event, dict) or not _valid(event):
            continue
        event_id = event.get("eventId")
        if event_id is None:
            continue  # the simulator always sends ids; derived ids are covered by unit tests
        if event_id in seen_ids:
            result.duplicates += 1
            continue
        seen_ids.add(event_id)
        result.accepted_ids.add(event_id)
        key = f"{event['warehouseId']}:{event['sku']}"
        t = iso_to_ms(event["timestamp"])
        top = max_seen.get(key)
        if top is not None and t < top - allowed_lateness_ms:
            late_seq[key] += 1
            result.late += 1
            placed[key].append((top, late_seq[key], event_id, event["eventType"], event["quantity"]))
        else:
            placed[key].append((t, 0, event_id, event["eventType"], event["quantity"]))
            max_seen[key] = t if top is None else max(top, t)
        level = (0, 0)
        for _, _, _, kind, quantity in sorted(placed[key]):
            level = _apply(level, kind, quantity)
        result.levels[key] = level
        _evaluate(
            result.alerts,
            alert_state[key],
            level,
            reorder_points.get(event["sku"], default_reorder_point),
            resolve_margin,
        )
    return result


def _evaluate(alerts: Counter[str], state: dict[str, bool], level: tuple[int, int], rop: int, margin: int) -> None:
    on_hand, reserved = level
    available = on_hand - reserved
    if not state["episode"]:
        if available <= 0:
            alerts["STOCKOUT"] += 1
            state["episode"] = state["stockout"] = True
        elif available < rop:
            alerts["LOW_STOCK"] += 1
            state["episode"], state["stockout"] = True, False
    elif available >= max(rop + margin, 1):
        alerts["RESOLVED"] += 1
        state["episode"] = state["stockout"] = False
    elif available <= 0 and not state["stockout"]:
        alerts["STOCKOUT"] += 1
        state["stockout"] = True
    if on_hand < 0 and not state["negative"]:
        alerts["NEGATIVE_STOCK"] += 1
        state["negative"] = True
    elif on_hand >= 0:
        state["negative"] = False
