"""A table of often-changing figures (``latest_per_commit``) gets at most one row per entity per
commit, the last; a replay of the same offsets adds nothing, the next commit its own last rows."""

from __future__ import annotations

from dataclasses import replace

from pyiceberg.catalog import Catalog

from supplylake.lake import MaintenancePolicy
from supplylake.lake.sink import LakeRows, LakeSink
from supplylake.lake.tables.suppliers import SUPPLIER_METRICS
from supplylake.pipelines.suppliers.metrics import supplier_metrics
from supplylake.pipelines.suppliers.rows import metrics_row
from tests.support.lake_rows import scan
from tests.unit.pipelines.suppliers.test_suppliers_metrics import AS_OF, FACTS

TOPIC = "suppliers-by-supplier"


def _sink(catalog: Catalog) -> LakeSink:
    return LakeSink(
        catalog,
        [SUPPLIER_METRICS],
        cluster_id="cluster-a",
        namespace="supplylake",
        policy=MaintenancePolicy(),
        maintain_every=100,
    )


def _feed(sink: LakeSink, offsets: range) -> None:
    """One record per offset, each with a row of every supplier x window, revision = offset."""
    for offset in offsets:
        rows = LakeRows()
        for metrics in supplier_metrics(FACTS, AS_OF + offset):
            rows.add(SUPPLIER_METRICS.name, metrics_row(metrics, revision=offset, now_ms=AS_OF))
        sink.add(rows, key=b"k", timestamp=0, headers=None, topic=TOPIC, partition=0, offset=offset)
    sink.flush()


def test_one_commit_keeps_the_last_row_of_each_supplier_window(catalog: Catalog) -> None:
    entities = {(m.supplier_id, m.sku, m.period) for m in supplier_metrics(FACTS, AS_OF)}
    sink = _sink(catalog)
    _feed(sink, range(5))
    table = scan(catalog, SUPPLIER_METRICS).to_pylist()
    assert len(table) == len(entities)
    assert {(r["supplier_id"], r["sku"], r["window"]) for r in table} == entities
    assert {r["revision"] for r in table} == {4}  # the last of the commit's five

    _feed(sink, range(5))  # replayed offsets: nothing again
    assert len(scan(catalog, SUPPLIER_METRICS)) == len(entities)
    _feed(sink, range(5, 8))
    table = scan(catalog, SUPPLIER_METRICS).to_pylist()
    assert sorted(r["revision"] for r in table) == sorted([4] * len(entities) + [7] * len(entities))


def test_latest_rows_keeps_each_entitys_last_row_and_tables_without_it_every_row() -> None:
    rows = [{"supplier_id": "S", "sku": None, "window": "all", "revision": n} for n in range(3)]
    assert SUPPLIER_METRICS.latest_rows(rows) == [rows[2]]
    assert replace(SUPPLIER_METRICS, latest_per_commit=()).latest_rows(rows) == rows
    mixed = [*rows, {"supplier_id": "S", "sku": "X", "window": "all", "revision": 9}, rows[0]]
    assert SUPPLIER_METRICS.latest_rows(mixed) == [mixed[3], rows[0]]
