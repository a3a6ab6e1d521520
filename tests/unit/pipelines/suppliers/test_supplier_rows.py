"""The supplier tables hold exactly what the domain computes: one home per column list."""

from __future__ import annotations

from dataclasses import fields

from supplylake.lake.tables import PO_LINES, SOURCE_COLUMNS, SUPPLIER_METRICS, UNMATCHED_RECEIPTS
from supplylake.pipelines.suppliers.metrics import supplier_metrics
from supplylake.pipelines.suppliers.po_lines import LINE_FACT_COLUMNS, UnmatchedEvent, line_fact
from supplylake.pipelines.suppliers.rows import metrics_row, po_line_row, unmatched_row
from tests.support.purchase_orders import PO_ID, T0, Fold, po_created, receipt

SOURCE = {column.name for column in SOURCE_COLUMNS}


def columns(spec) -> list[str]:  # type: ignore[no-untyped-def]
    return [column.name for column in spec.columns if column.name not in SOURCE]


def test_a_po_lines_row_is_a_line_fact_plus_its_cause_in_table_order() -> None:
    state = Fold().apply(po_created(), receipt("r-1", T0 + 1, 10)).po
    row = po_line_row(
        line_fact(state, "SKU-A"), cause="inventory.received", cause_id="e-2", changed_at_ms=1, revision=2, now_ms=3
    )
    assert list(row) == columns(PO_LINES)
    assert columns(PO_LINES)[: len(LINE_FACT_COLUMNS)] == list(LINE_FACT_COLUMNS)
    assert row["po_id"] == PO_ID and row["received_qty"] == 10 and row["is_current"] is True


def test_a_metrics_row_has_every_measure_the_domain_computes() -> None:
    state = Fold().apply(po_created(), receipt("r-1", T0 + 1, 10)).po
    (metrics, *_) = supplier_metrics([line_fact(state, "SKU-A")], as_of_ms=T0 + 1)
    row = metrics_row(metrics, revision=1, now_ms=0)
    assert list(row) == columns(SUPPLIER_METRICS)
    measures = {f.name for f in fields(metrics)} - {"period", "as_of_ms", "window_start_ms"}
    assert measures <= set(row)


def test_an_unmatched_row_fills_every_column() -> None:
    event = UnmatchedEvent("e-1", "inventory.received", 5, "PO-X", "SKU-Z", 3, "no_po_within_hold", "SUPP-1", "WH-1")
    row = unmatched_row(event, now_ms=9)
    assert list(row) == columns(UNMATCHED_RECEIPTS)
    assert row["reason"] == "no_po_within_hold" and row["quantity"] == 3
