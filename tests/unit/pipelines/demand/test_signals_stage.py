"""Stage 3 of the demand pipeline in-process, without a broker: `external-signals` record in, lake rows out.

Drives ``SignalsProcessor`` (pipelines/demand/app.py) the way Quix does, one record at a time
with its message context, over a fake partition state (tests/support/fake_state.py): each valid
signal lands once in `external_signals` (duplicates dropped per region, also across checkpoints
and broker epochs); malformed records, other families and mis-keyed signals are dead letters
with their source coordinates; control records are ignored.
"""

from __future__ import annotations

from itertools import count
from typing import Any

import orjson
import pytest

from supplylake.contracts import parse_event
from supplylake.contracts.examples import example
from supplylake.contracts.signals import PortClosure, WeatherAlert
from supplylake.dead_letters import dead_letter_row
from supplylake.event_time import parse_iso_ms
from supplylake.lake.epoch_history import EpochHistory, dead_letter_digest
from supplylake.lake.sink import LakeRows
from supplylake.lake.tables import DEAD_LETTERS, EXTERNAL_SIGNALS
from supplylake.pipelines.control import CONTROL_HEADER, CONTROL_KEY, KIND_TICK, ControlRecord
from supplylake.pipelines.demand.app import SignalBook, SignalsProcessor, signal_row
from supplylake.pipelines.inventory.stock import SeenIds
from supplylake.settings import Settings
from tests.support.fake_state import FakeState, FakeTransaction, at_offset

TOPIC = "external-signals"


def make_processor(history: EpochHistory | None = None) -> SignalsProcessor:
    """The stage as the pipeline builds it, with default settings (and no earlier epoch unless given)."""
    return SignalsProcessor(cluster_id="cluster-test", settings=Settings(), history=history or EpochHistory())


def wire(event_type: str, **changes: Any) -> bytes:
    """The contract example of ``event_type`` as a producer sends it, with ``changes`` (camelCase)."""
    return orjson.dumps({**example(event_type), **changes})


def key_of(value: bytes) -> bytes:
    return str(orjson.loads(value)["region"]).encode()


class Partition:
    """Feeds records of one partition to the stage with consecutive offsets, like a consumer."""

    def __init__(self, processor: SignalsProcessor, transaction: FakeTransaction | None = None) -> None:
        self.processor = processor
        self.transaction = transaction or FakeTransaction()
        self._offsets = count()
        self.last_offset = -1

    def feed(self, value: bytes | None, key: bytes | None, headers: Any = None) -> LakeRows:
        self.last_offset = next(self._offsets)
        at_offset(TOPIC, self.last_offset)
        state = FakeState(self.transaction, key or b"")
        return self.processor(value, key, 0, headers, state)

    def send(self, value: bytes) -> LakeRows:
        """A record keyed as producers must: by its region."""
        return self.feed(value, key_of(value))


def signal_rows(rows: LakeRows) -> list[dict[str, Any]]:
    assert set(rows.tables) <= {EXTERNAL_SIGNALS.name}
    return rows.tables.get(EXTERNAL_SIGNALS.name, [])


# -- rows ---------------------------------------------------------------------------------------


def test_a_port_closure_row_has_every_column_from_the_event_and_the_wire_bytes() -> None:
    raw = wire("port.closure")
    event = parse_event(raw)
    assert isinstance(event, PortClosure)
    row = signal_row(event, raw, now=1_700_000_000_000)
    assert row == {
        "event_id": event.event_id,
        "event_type": "port.closure",
        "event_time": event.event_time_ms,
        "region": "us-gulf",
        "port": "Houston",
        "severity": "high",
        "starts_at": parse_iso_ms("2025-01-15T12:00:00Z"),
        "ends_at": parse_iso_ms("2025-01-17T12:00:00Z"),
        "payload": raw.decode(),
        "ingested_at": 1_700_000_000_000,
    }


def test_a_weather_alert_row_has_its_description_and_no_port_or_end() -> None:
    raw = wire("weather.alert")
    event = parse_event(raw)
    assert isinstance(event, WeatherAlert)
    row = signal_row(event, raw, now=1)
    assert row["description"] == "ice storm warning" and row["severity"] == "medium"
    assert row["starts_at"] == parse_iso_ms("2025-01-15T18:00:00Z") and row["ends_at"] is None
    assert "port" not in row  # left out: null in the lake
    assert set(row) <= {c.name for c in EXTERNAL_SIGNALS.columns}


def test_the_table_stores_the_signal_fields_with_timestamps_for_the_window() -> None:
    types = {f.name: str(f.field_type) for f in EXTERNAL_SIGNALS.schema.fields}
    assert [f.name for f in EXTERNAL_SIGNALS.schema.fields if not f.name.startswith("_src_")] == [
        "event_id",
        "event_type",
        "event_time",
        "region",
        "port",
        "severity",
        "description",
        "starts_at",
        "ends_at",
        "payload",
        "ingested_at",
    ]
    assert types["starts_at"] == types["ends_at"] == types["event_time"] == "timestamptz"
    assert EXTERNAL_SIGNALS.key == ("event_id",) and EXTERNAL_SIGNALS.sort_by == ("region", "event_time")


# -- the stage ------------------------------------------------------------------------------------


def test_each_valid_signal_lands_once_with_its_event_time() -> None:
    partition = Partition(make_processor())
    closure, alert = wire("port.closure"), wire("weather.alert")
    first = partition.send(closure)
    assert first.dead_letter is None and first.max_event_time_ms == parse_event(closure).event_time_ms
    assert [r["event_type"] for r in signal_rows(first)] == ["port.closure"]
    assert [r["event_type"] for r in signal_rows(partition.send(alert))] == ["weather.alert"]
    again = partition.send(closure)
    assert signal_rows(again) == [] and again.counters == {"duplicates": 1} and again.dead_letter is None


def test_duplicates_are_told_apart_per_region_and_survive_the_checkpoint() -> None:
    transaction = FakeTransaction()
    processor = make_processor()
    partition = Partition(processor, transaction)
    closure = wire("port.closure")
    assert signal_rows(partition.send(closure))
    processor.flush()  # the books go to the (fake) Quix state; the next checkpoint reads them back
    stored = transaction.data[(b"demand:us-gulf", "book")]
    book = SignalBook.from_dict(orjson.loads(stored))
    assert book.region == "us-gulf" and list(book.seen) == [parse_event(closure).event_id]
    assert signal_rows(Partition(make_processor(), transaction).send(closure)) == []
    # A new signal of the same region is not one.
    other = wire("port.closure", eventId="00000000-0000-4000-8000-000000000099", port="Galveston")
    assert [r["port"] for r in signal_rows(partition.send(other))] == ["Galveston"]


def test_a_signal_an_earlier_epoch_stored_is_a_duplicate() -> None:
    closure = wire("port.closure")
    history = EpochHistory(event_ids=frozenset({parse_event(closure).event_id}))
    rows = Partition(make_processor(history)).send(closure)
    assert signal_rows(rows) == [] and rows.counters == {"duplicates": 1}


def test_the_book_remembers_ids_within_the_horizon_only() -> None:
    processor = make_processor()
    book = SignalBook("us-gulf")
    horizon = processor.horizon_ms
    assert not processor.duplicate(book, "a", 0)
    assert processor.duplicate(book, "a", 0)
    assert not processor.duplicate(book, "b", horizon + 1)  # "a" is now behind the horizon
    assert list(book.seen) == ["b"] and book.max_event_ms == horizon + 1
    assert SignalBook.from_dict(book.to_dict()) == book
    assert SignalBook("r").seen == SeenIds() and SignalBook("r").next_wake_ms(7) is None


@pytest.mark.parametrize(
    ("value", "key", "code", "reason"),
    [
        (b"{not json", b"us-gulf", "malformed_json", "not valid JSON"),
        (
            wire("port.closure", endsAt="2025-01-14T00:00:00Z"),
            b"us-gulf",
            "invalid_value",
            "field 'endsAt': Input should not be before startsAt",
        ),
        (
            orjson.dumps({k: v for k, v in example("port.closure").items() if k != "port"}),
            b"us-gulf",
            "missing_field",
            "field 'port': Field required",
        ),
        (wire("sale.recorded"), b"LAPTOP-XPS-15", "wrong_topic", "'sale.recorded' is not a signals event"),
        (
            wire("weather.alert"),
            b"us-gulf",
            "wrong_key",
            "message key is 'us-gulf', expected 'us-south' (producers must key signals by region)",
        ),
        (wire("weather.alert"), None, "wrong_key", "message key is no key"),
        (None, b"us-gulf", "not_an_object", "expected a JSON object"),
    ],
    ids=["invalid-json", "ends-before-start", "missing-port", "wrong-family", "wrong-key", "no-key", "tombstone"],
)
def test_malformed_records_are_dead_letters_with_their_source(
    value: bytes | None, key: bytes | None, code: str, reason: str
) -> None:
    partition = Partition(make_processor())
    partition.send(wire("port.closure"))  # offset 0; the bad record is offset 1
    rows = partition.feed(value, key)
    assert rows.dead_letter is not None and EXTERNAL_SIGNALS.name not in rows.tables
    assert rows.tables == {DEAD_LETTERS.name: [rows.dead_letter]} and rows.counters == {"dead_letters": 1}
    letter = rows.dead_letter
    assert reason in letter["reason"] and letter["error_code"] == code, letter
    assert (letter["source_topic"], letter["source_partition"], letter["source_offset"]) == (TOPIC, 0, 1)
    assert rows.raw == (value or b"")
    assert letter["raw_value"] == (value or b"").decode()


def test_a_dead_letter_an_earlier_epoch_recorded_is_not_recorded_again() -> None:
    bad = b"{not json"
    earlier = dead_letter_row(
        cluster_id="older",
        source_topic=TOPIC,
        source_partition=0,
        source_offset=7,
        source_key=b"us-gulf",
        raw=bad,
        reason="not valid JSON",
        error_code="malformed_json",
        event_type=None,
        failed_at_ms=0,
    )
    history = EpochHistory(dead_letters=frozenset({dead_letter_digest(earlier)}))
    rows = Partition(make_processor(history)).feed(bad, b"us-gulf")
    assert rows.dead_letter is None and rows.tables == {}


def test_control_records_are_ignored_and_touch_no_state() -> None:
    transaction = FakeTransaction()
    processor = make_processor()
    tick = ControlRecord(KIND_TICK, 1_736_951_025_000)
    rows = Partition(processor, transaction).feed(tick.encode(), CONTROL_KEY, tick.headers())
    assert rows == LakeRows()
    # Even an unreadable one: nothing here waits on a clock.
    rows = Partition(processor, transaction).feed(b"garbage", CONTROL_KEY, [(CONTROL_HEADER, b"tick")])
    assert rows == LakeRows()
    processor.flush()
    assert transaction.data == {}
