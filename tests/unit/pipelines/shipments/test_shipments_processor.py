"""The shipment pipeline's per-record processor, without a broker: one partition's state in a
JSON-backed stand-in for the Quix transaction, records fed one by one.

The property: whatever the interleaving of several shipments on one partition (each event at
most a few minutes out of order, inside the allowed lateness), the alerts equal those of the
reference model, which sees each shipment alone (tests/support/shipments_model.py).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplylake.contracts.alerts import SHIPMENT_AT_RISK
from supplylake.lake.sink import LakeRows
from supplylake.pipelines.control import KIND_WATERMARK, ControlRecord
from supplylake.pipelines.shipments.app import ShipmentProcessor
from supplylake.pipelines.shipments.risk import RiskModel
from supplylake.settings import Settings
from tests.support.fake_state import FakeTransaction, at_offset
from tests.support.shipment_stream import Stream, ms
from tests.support.shipments_model import expected_from_file

TOPIC = "shipment-events"


class Partition:
    """One partition's state; a checkpoint (processor.flush, as the lake sink calls it) every
    ``checkpoint_every`` records."""

    def __init__(self, checkpoint_every: int = 1) -> None:
        self.processor = ShipmentProcessor(cluster_id="test", settings=Settings())
        self.transaction = FakeTransaction()
        self.offset = 0
        self.rows: list[LakeRows] = []
        self.checkpoint_every = checkpoint_every

    def send(self, value: bytes, headers: list[tuple[str, bytes]] | None = None) -> LakeRows:
        at_offset(TOPIC, self.offset)
        self.offset += 1
        state = self.transaction.as_state(b"message-key")
        rows = self.processor(value, b"message-key", 0, headers, state)
        self.rows.append(rows)
        if self.offset % self.checkpoint_every == 0:
            self.processor.flush()
        return rows

    def send_all(self, lines: list[dict[str, Any]], end_ms: int) -> None:
        for line in lines:
            self.send(json.dumps(line).encode())
        end = ControlRecord(KIND_WATERMARK, end_ms)
        self.send(end.encode(), end.headers())

    def alerts(self) -> Counter[tuple[str, str]]:
        return Counter((a["alert_type"], a["entity_id"]) for rows in self.rows for a in rows.alerts)


KINDS = ("carrier.picked_up", "in.transit", "in.transit", "out.for.delivery", "delivery.attempted")


@st.composite
def shipments(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A few shipments' events, each displaced by less than 9 minutes from event-time order."""
    stream = Stream()
    events: list[tuple[float, dict[str, Any]]] = []
    for n in range(draw(st.integers(1, 4))):
        sid, order = f"SHP-{n}", f"ORD-{n}"
        start = draw(st.integers(0, 120))
        category = draw(st.sampled_from(["GENERAL", "PHARMA"]))
        stream.created(sid, order, start, expected_minutes=start + draw(st.integers(30, 900)), category=category)
        t = float(start)
        for kind in draw(st.lists(st.sampled_from(KINDS), max_size=5)):
            t += draw(st.integers(1, 600))
            stream.scan(kind, sid, order, t)
        if draw(st.booleans()):
            stream.scan("delivered", sid, order, t + draw(st.integers(1, 900)))
        for _ in range(draw(st.integers(0, 6))):
            stream.event(
                "shipment.telemetry",
                start + draw(st.integers(0, 1500)),
                shipmentId=sid,
                lat=draw(st.sampled_from([33.0, 34.0, 40.0])),
                lon=-97.0,
                temperature=draw(st.sampled_from([None, 5.0, 9.5])),
            )
    for line in stream.lines:
        minutes = (ms_of(line["timestamp"]) - ms(0)) / 60_000
        events.append((minutes + draw(st.floats(0, 8.9)), line))
    events.sort(key=lambda item: item[0])
    return [line for _, line in events]


def ms_of(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=shipments())
def test_alerts_do_not_depend_on_how_shipments_interleave(lines: list[dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / "stream.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    expected = expected_from_file(path)
    partition = Partition()
    partition.send_all(lines, expected.max_event_time_ms or 0)
    shipment_alerts = Counter({k: v for k, v in expected.alerts_by_entity.items() if k[0] != "SEQUENCE_ANOMALY"})
    assert partition.alerts() == shipment_alerts


@settings(max_examples=40, deadline=None)
@given(lines=shipments(), every=st.integers(2, 40))
def test_checkpoint_spacing_does_not_change_the_results(lines: list[dict[str, Any]], every: int) -> None:
    """State is written back once per checkpoint: how many records a checkpoint spans must not
    change any row or alert."""
    end = max((ms_of(line["timestamp"]) for line in lines), default=0)
    per_record, batched = Partition(), Partition(checkpoint_every=every)
    for partition in (per_record, batched):
        partition.send_all(lines, end)
        partition.processor.flush()

    def substance(p: Partition) -> list[Any]:
        return [
            {t: [{k: v for k, v in r.items() if k != "ingested_at"} for r in rows] for t, rows in lr.tables.items()}
            for lr in p.rows
        ]

    assert substance(batched) == substance(per_record)
    assert batched.transaction.data == per_record.transaction.data


def test_rows_of_a_record_and_a_replay_of_it_are_the_same() -> None:
    """Deterministic rows: the same records from the same state give the same rows (the lake
    keeps the first copy by offset, so the copies must not differ in substance)."""
    stream = Stream()
    stream.created("SHP-1", "ORD-1", 0, expected_minutes=60)
    stream.scan("carrier.picked_up", "SHP-1", "ORD-1", 10)
    stream.event("shipment.telemetry", 200, shipmentId="SHP-2", lat=33.0, lon=-97.0)
    first, second = Partition(), Partition()
    for partition in (first, second):
        partition.send_all(stream.lines, ms(200))

    def substance(p: Partition) -> list[Any]:
        return [
            {t: [{k: v for k, v in r.items() if k != "ingested_at"} for r in rows] for t, rows in lr.tables.items()}
            for lr in p.rows
        ]

    assert substance(first) == substance(second)
    fired = first.rows[2]  # the telemetry of another shipment moved the watermark past the deadline
    assert [a["alert_type"] for a in fired.alerts] == ["DELIVERY_DELAYED"]
    assert fired.tables["shipment_status"][0]["cause"] == "deadline:DELIVERY_DELAYED"


def test_control_records_and_duplicates_make_no_event_rows() -> None:
    partition = Partition()
    stream = Stream()
    stream.created("SHP-1", "ORD-1", 0, expected_minutes=60)
    line = json.dumps(stream.lines[0]).encode()
    assert "shipment_events" in partition.send(line).tables
    duplicate = partition.send(line)  # the same eventId again
    assert duplicate.counters == {"duplicates": 1} and duplicate.tables == {}
    tick = ControlRecord("tick", ms(5))
    rows = partition.send(tick.encode(), tick.headers())
    assert rows.tables == {} and rows.dead_letter is None and rows.counters == {"control": 1}
    garbled = partition.send(b"{", [("supplylake-control", b"tick")])
    assert garbled.dead_letter is None and garbled.counters == {"invalid_control": 1}
    bad = partition.send(b'{"eventType": "in.transit", "timestamp": "2025-03-01T08:00:00Z"}')
    assert bad.dead_letter is not None and bad.dead_letter["error_code"] == "missing_field"


@pytest.mark.parametrize("lateness_minutes", [0, 10])
def test_an_own_event_after_the_deadline_fires_it_before_being_applied(lateness_minutes: int) -> None:
    """`delivered` stamped after expectedDelivery + grace: DELIVERY_DELAYED, then DELIVERED_LATE,
    even when nothing else moved the partition's watermark past the deadline."""
    partition = Partition()
    partition.processor.settings.shipments.allowed_lateness_s = lateness_minutes * 60
    stream = Stream()
    stream.created("SHP-1", "ORD-1", 0, expected_minutes=60)
    stream.scan("delivered", "SHP-1", "ORD-1", 95)
    for line in stream.lines:
        partition.send(json.dumps(line).encode())
    assert [a["alert_type"] for rows in partition.rows for a in rows.alerts] == ["DELIVERY_DELAYED", "DELIVERED_LATE"]


def test_a_risk_model_scores_in_transit_rows_and_raises_shipment_at_risk_once() -> None:
    # Scores above the threshold once the shipment is in transit with a carrier scan.
    model = RiskModel("late-delivery-test", intercept=-2.0, weights={"status=in_transit": 3.0}, threshold=0.6)
    stream = Stream()
    stream.created("SHP-1", "ORD-1", 0, expected_minutes=600)
    stream.scan("carrier.picked_up", "SHP-1", "ORD-1", 10)
    stream.scan("in.transit", "SHP-1", "ORD-1", 60)
    stream.scan("in.transit", "SHP-1", "ORD-1", 120)
    stream.scan("delivered", "SHP-1", "ORD-1", 300)
    scored, unscored = Partition(), Partition()
    scored.processor.risk_models = lambda: model
    for partition in (scored, unscored):
        partition.send_all(stream.lines, ms(300))

    def statuses(p: Partition) -> list[dict[str, Any]]:
        return [r for rows in p.rows for r in rows.tables.get("shipment_status", [])]

    risks = [(r["status"], r["late_risk"], r["risk_model"]) for r in statuses(scored)]
    low, high = 1 / (1 + math.exp(2.0)), 1 / (1 + math.exp(-1.0))
    assert risks == [
        ("created", pytest.approx(low), model.version),
        ("picked_up", pytest.approx(low), model.version),
        ("in_transit", pytest.approx(high), model.version),
        ("in_transit", pytest.approx(high), model.version),
        ("delivered", None, None),  # not scored once delivered
    ]
    (alert,) = [a for rows in scored.rows for a in rows.alerts if a["alert_type"] == SHIPMENT_AT_RISK]
    assert alert["entity_id"] == "SHP-1" and alert["raised_at"] == ms(60)
    details = json.loads(alert["details"])
    assert details["drivers"] == ["status=in_transit"] and details["model_version"] == model.version
    assert all(r["late_risk"] is None for r in statuses(unscored))
    assert SHIPMENT_AT_RISK not in {a["alert_type"] for rows in unscored.rows for a in rows.alerts}
