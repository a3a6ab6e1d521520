"""`supplylake run --input` carries a simulated 60-day sales and shipping history through the demand
pipeline end to end: file -> broker -> windows, forecasts and spikes -> lake.

- every valid sale and inventory.shipped is stored once; malformed sales are dead letters with
  their source offsets;
- the windows count exactly the events that were not late (hours add up to days, late units are
  kept apart), and every window the end-of-replay watermark closed is final;
- each key's latest forecast is the pure fold (``forecast.observe_day``) of the final daily units
  in the lake, days without demand as zeros, up to the day the clock closed last: the wiring
  (timers, the partition clock, dormancy) feeds the model exactly the days it should;
- the chosen models beat the seasonal-naive forecast on this history (pooled MASE < 1);
- DEMAND_SPIKE alerts say why (observed, baseline, z over the threshold) and come once per
  episode;
- external signals (a port closure, a weather alert, a re-sent duplicate and a malformed one,
  appended to the history) land once each in `external_signals`; the malformed one is a dead
  letter with its reason and source offset.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from supplylake.contracts import InvalidEvent, parse_event
from supplylake.contracts.examples import example
from supplylake.event_time import DAY_MS, parse_iso_ms
from supplylake.pipelines.demand.forecast import ForecastPolicy, ForecastState, forecast, observe_day
from supplylake.settings import load_settings
from supplylake.simulator import FaultConfig, Simulation, write_jsonl
from supplylake.simulator.generator import history_config
from tests.support.lake_identity import sql_rows as sql
from tests.support.processes import cli

pytestmark = pytest.mark.integration

DAYS = 60
DEMAND_TYPES = {"sale.recorded", "inventory.shipped"}
WINDOWS = "SELECT *, epoch_ms(window_start) AS start FROM {table} WHERE stream = '{stream}'"
SIGNALS_TOPIC = "external-signals"
MALFORMED_SIGNAL_ID = "00000000-0000-4000-8000-0000000000ff"


def signal_lines(at: datetime) -> list[bytes]:
    """A port closure, a weather alert, the closure again (re-sent) and a malformed closure (it ends
    before it starts), all at ``at``: inside the history, so the end-of-replay watermark (the
    input's latest event time) and with it every window and forecast stay as they were."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    closure = orjson.dumps({**example("port.closure"), "timestamp": stamp})
    alert = orjson.dumps({**example("weather.alert"), "timestamp": stamp})
    malformed = orjson.dumps(
        {
            **example("port.closure"),
            "eventId": MALFORMED_SIGNAL_ID,
            "timestamp": stamp,
            "endsAt": "2025-01-14T00:00:00Z",
        }
    )
    return [closure, alert, closure, malformed]


def demand_history(path: Path) -> Path:
    """60 days of the history simulator (20 SKUs x 2 warehouses), keeping the sales and the
    outbound shipments (faults included): the rest of the stream is other pipelines' business.
    Then a few external signals (:func:`signal_lines`)."""
    config = dataclasses.replace(
        history_config(11, faults=FaultConfig(duplicate=0.03, late=0.01, malformed_json=0.005, missing_field=0.01)),
        skus=20,
        warehouses=2,
        events_per_hour=400,
    )
    events = Simulation(config).events(until=config.start + timedelta(days=DAYS))
    write_jsonl((e for e in events if e.event_type in DEMAND_TYPES), path)
    with path.open("ab") as fh:
        fh.writelines(line + b"\n" for line in signal_lines(config.start + timedelta(days=DAYS // 2)))
    return path


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("demand")
    path = demand_history(root / "history.jsonl")
    result = cli("run", "--input", str(path), data_dir=root / "data", env={"SUPPLYLAKE_PIPELINES": '["demand"]'})
    assert result.returncode == 0, result.stderr
    return path, root / "data"


def _valid(path: Path) -> dict[str, Any]:
    """The file's valid demand events by event id (a duplicate keeps the first)."""
    events: dict[str, Any] = {}
    for line in path.read_bytes().splitlines():
        try:
            event = parse_event(line)
        except InvalidEvent:
            continue
        events.setdefault(event.event_id, event)
    return events


def test_every_valid_event_is_stored_once_and_malformed_sales_are_dead_letters(history: tuple[Path, Path]) -> None:
    path, lake = history
    valid = _valid(path)
    want = Counter(event.event_type for event in valid.values())
    assert want["sale.recorded"] > 1000 and want["inventory.shipped"] > 1000, want
    for table, event_type in (("sales_events", "sale.recorded"), ("consumption_events", "inventory.shipped")):
        ids = [row["event_id"] for row in sql(lake, f"SELECT event_id FROM {table}")]
        assert len(ids) == len(set(ids)) == want[event_type], table
        assert set(ids) == {i for i, e in valid.items() if e.event_type == event_type}, table
    malformed_sales = 0
    for line in path.read_bytes().splitlines():
        try:
            payload = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(payload, dict) and payload.get("eventType") == "sale.recorded":
            try:
                parse_event(line)
            except InvalidEvent:
                malformed_sales += 1
    dead = sql(
        lake, "SELECT source_partition, source_offset, raw_value FROM dead_letters WHERE source_topic = 'sales-events'"
    )
    assert malformed_sales > 0 and len(dead) == malformed_sales
    assert all(row["source_partition"] is not None and row["source_offset"] is not None for row in dead)


def clock_at_the_end(lake: Path) -> int:
    """The demand clock after the end-of-replay watermark: the input's latest event time (the
    replay is over, so no lateness is left to wait for)."""
    (row,) = sql(
        lake,
        "SELECT greatest((SELECT epoch_ms(max(event_time)) FROM sales_events), "
        "(SELECT epoch_ms(max(event_time)) FROM consumption_events)) AS t",
    )
    return int(row["t"])


def test_windows_count_the_events_that_were_not_late(history: tuple[Path, Path]) -> None:
    _, lake = history
    clock = clock_at_the_end(lake)
    for stream, table, key in (
        ("sales", "sales_events", "sku || '@' || region"),
        ("shipped", "consumption_events", "warehouse_id || ':' || sku"),
    ):
        counted = sql(
            lake,
            f"SELECT {key} AS key, epoch_ms(date_trunc('hour', event_time)) AS start, "
            "sum(quantity) FILTER (WHERE NOT is_late) AS units, sum(quantity) FILTER (WHERE is_late) AS late "
            f"FROM {table} GROUP BY ALL",
        )
        hours = {
            (r["key"], r["start"]): r for r in sql(lake, WINDOWS.format(table="demand_hourly_current", stream=stream))
        }
        # A window opens with its first on-time event: an hour whose events all came late has none
        # (the event rows alone flag them).
        assert {(r["key"], r["start"]) for r in counted if r["units"] is not None} == hours.keys(), stream
        for r in counted:
            if r["units"] is not None:
                window = hours[(r["key"], r["start"])]
                assert (window["units"], window["late_units"]) == (r["units"], r["late"] or 0), (stream, r)
        assert sum(w["late_units"] for w in hours.values()) > 0, f"no late {stream} event counted in a window"
        days = sql(lake, WINDOWS.format(table="demand_daily_current", stream=stream))
        per_day: dict[tuple[str, int], int] = defaultdict(int)
        for (k, start), window in hours.items():
            per_day[(k, start // DAY_MS * DAY_MS)] += window["units"]
        assert {(d["key"], d["start"]): d["units"] for d in days} == per_day, stream
        # The end-of-replay watermark closed every window whose end plus the allowed lateness it passed.
        for window in [*hours.values(), *days]:
            assert window["is_final"] == (window["window_end"].timestamp() * 1000 <= clock), window


def test_each_forecast_is_the_pure_fold_of_the_final_daily_units(history: tuple[Path, Path]) -> None:
    _, lake = history
    settings = load_settings(data_dir=lake).demand
    policy = ForecastPolicy(
        alpha=settings.alpha,
        gamma=settings.gamma,
        tsb_alpha=settings.tsb_alpha,
        tsb_beta=settings.tsb_beta,
        horizon_days=settings.horizon_days,
        min_days=settings.min_days,
    )
    clock = clock_at_the_end(lake)
    daily: dict[str, dict[int, int]] = defaultdict(dict)
    for row in sql(
        lake,
        WINDOWS.format(table="demand_daily_current", stream="shipped") + " AND is_final",
    ):
        daily[row["key"]][row["start"] // DAY_MS] = row["units"]
    current = defaultdict(list)
    for row in sql(lake, "SELECT *, epoch_ms(as_of) AS as_of_ms FROM demand_forecast_current ORDER BY horizon_day"):
        current[row["key"]].append(row)
    assert current.keys() == daily.keys() and len(current) >= 30
    classes: Counter[str] = Counter()
    for key, days in daily.items():
        demand_days = [d for d, units in days.items() if units > 0]
        # The clock closes the days before the latest event's, and stops at dormancy.
        last = min(clock // DAY_MS - 1, max(demand_days) + settings.dormant_after_days)
        state: ForecastState | None = None
        for day in range(min(days), last + 1):
            state, _ = observe_day(state, day, float(days.get(day, 0)), policy)
        assert state is not None
        rows = current[key]
        assert rows[0]["as_of_ms"] == (last + 1) * DAY_MS, key
        assert rows[0]["days_observed"] == state.days, key
        assert [r["units"] for r in rows] == pytest.approx(forecast(state, policy), abs=1e-6), key
        assert [r["horizon_day"] for r in rows] == list(range(1, settings.horizon_days + 1))
        classes[rows[0]["demand_class"]] += 1
    assert len(classes) >= 2, classes  # the history mixes demand shapes; the rule tells them apart


def test_the_models_beat_the_seasonal_naive_forecast(history: tuple[Path, Path]) -> None:
    _, lake = history
    rows = sql(
        lake,
        "SELECT mae, mase, errors_counted AS n FROM demand_forecast_current "
        "WHERE horizon_day = 1 AND mase IS NOT NULL AND mase > 0 AND errors_counted >= 14",
    )
    assert len(rows) >= 20
    model_error = sum(r["mae"] * r["n"] for r in rows)
    naive_error = sum(r["mae"] / r["mase"] * r["n"] for r in rows)
    assert model_error / naive_error < 1.0


def test_spikes_say_why_and_come_once_per_episode(history: tuple[Path, Path]) -> None:
    _, lake = history
    alerts = sql(lake, "SELECT alert_id, entity_id, details FROM alerts WHERE alert_type = 'DEMAND_SPIKE'")
    assert alerts, "no DEMAND_SPIKE in 60 days of history"
    assert len({a["alert_id"] for a in alerts}) == len(alerts)
    days: dict[str, list[int]] = defaultdict(list)
    for alert in alerts:
        details = json.loads(alert["details"])
        assert details["z"] > details["z_threshold"] == 3.5
        assert details["observed"] >= details["min_units"] and details["observed"] > details["baseline"]
        days[alert["entity_id"]].append(details["day_start_ms"] // DAY_MS)
    # An episode ends only with a closed day that is not a spike: two alerts of a key are 2+ days apart.
    for key, spike_days in days.items():
        spike_days.sort()
        assert all(b - a >= 2 for a, b in itertools.pairwise(spike_days)), key


def test_signals_land_once_each_and_a_malformed_one_is_a_dead_letter(history: tuple[Path, Path]) -> None:
    path, lake = history
    lines = path.read_bytes().splitlines()
    sent = [line for line in lines if b'"port.closure"' in line or b'"weather.alert"' in line]
    assert len(sent) == 4  # closure, alert, the closure again, the malformed closure
    (malformed,) = (line for line in sent if MALFORMED_SIGNAL_ID.encode() in line)
    closure, alert = (parse_event(example(t)) for t in ("port.closure", "weather.alert"))
    rows = sql(
        lake,
        "SELECT event_id, event_type, region, port, severity, description, epoch_ms(starts_at) AS starts_ms, "
        "epoch_ms(ends_at) AS ends_ms, payload, _src_topic AS topic FROM external_signals ORDER BY event_type",
    )
    assert [(r["event_id"], r["event_type"], r["region"]) for r in rows] == [
        (closure.event_id, "port.closure", "us-gulf"),
        (alert.event_id, "weather.alert", "us-south"),
    ]
    assert (rows[0]["port"], rows[0]["severity"], rows[0]["description"]) == ("Houston", "high", None)
    window = (parse_iso_ms(example("port.closure")["startsAt"]), parse_iso_ms(example("port.closure")["endsAt"]))
    assert (rows[0]["starts_ms"], rows[0]["ends_ms"]) == window
    assert (rows[1]["port"], rows[1]["description"], rows[1]["ends_ms"]) == (None, "ice storm warning", None)
    assert {r["topic"] for r in rows} == {SIGNALS_TOPIC}
    assert {r["payload"].encode() for r in rows} <= set(sent)
    dead = sql(
        lake,
        "SELECT reason, error_code, event_type, source_key, source_partition, source_offset, raw_value "
        f"FROM dead_letters WHERE source_topic = '{SIGNALS_TOPIC}'",
    )
    assert len(dead) == 1, dead
    (letter,) = dead
    assert letter["reason"].startswith("field 'endsAt': Input should not be before startsAt"), letter
    assert (letter["error_code"], letter["event_type"], letter["source_key"]) == (
        "invalid_value",
        "port.closure",
        "us-gulf",
    )
    assert letter["source_partition"] is not None and letter["source_offset"] is not None
    assert letter["raw_value"].encode() == malformed
