"""The dashboard's first page renders the lake's current stock and alerts, with their age."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from supplylake.lake.catalog import catalog_for
from supplylake.lake.tables import ALERTS, INVENTORY_LEVELS
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.settings import load_settings

HOME = str(Path(__file__).resolve().parents[3] / "app" / "Home.py")
T0 = 1_736_899_200_000


def test_home_shows_stock_and_alerts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPLYLAKE_DATA_DIR", str(tmp_path))
    catalog = catalog_for(load_settings())
    src = {"_src_topic": "inventory-events", "_src_partition": 0, "_src_cluster": "c"}
    levels = [
        {
            "warehouse_id": "WH-1",
            "sku": "SKU-A",
            "on_hand": 5,
            "reserved": 0,
            "available": 5,
            "event_id": "e1",
            "event_time": T0,
            "is_late": False,
            "revision": 0,
            "is_current": True,
            "ingested_at": T0,
            "_src_offset": 0,
            **src,
        },
        {
            "warehouse_id": "WH-1",
            "sku": "SKU-B",
            "on_hand": 300,
            "reserved": 20,
            "available": 280,
            "event_id": "e2",
            "event_time": T0,
            "is_late": False,
            "revision": 0,
            "is_current": True,
            "ingested_at": T0,
            "_src_offset": 1,
            **src,
        },
    ]
    ExactlyOnceWriter(catalog, INVENTORY_LEVELS, cluster_id="c").commit(
        levels, {("inventory-events", 0): 1}, max_event_time_ms=None
    )
    alert = {
        "alert_id": "a1",
        "alert_type": "LOW_STOCK",
        "entity_type": "stock",
        "entity_id": "WH-1:SKU-A",
        "warehouse_id": "WH-1",
        "sku": "SKU-A",
        "raised_at": T0,
        "details": "{}",
        "_src_offset": 0,
        **src,
    }
    ExactlyOnceWriter(catalog, ALERTS, cluster_id="c").commit(
        [alert], {("inventory-events", 0): 1}, max_event_time_ms=None
    )

    app = AppTest.from_file(HOME, default_timeout=60).run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["stock positions"] == "2"
    assert metrics["dead letters"] == "0"
    stock = app.dataframe[0].value
    assert list(stock["sku"]) == ["SKU-A", "SKU-B"]  # lowest available first
    assert list(app.dataframe[1].value["entity_id"]) == ["WH-1:SKU-A"]
    captions = [c.value for c in app.caption]
    assert any(c.startswith("updated ") and c.endswith("s ago") for c in captions)
