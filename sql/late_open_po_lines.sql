-- late_open_po_lines: PO lines past due and not yet received in full, most overdue first.
--
-- Parameters (convention of every file in sql/: `:name` placeholders, given as
-- `--param name=value` and bound as string literals):
--   :supplier_id   a supplierId, or '*' for every supplier
--
-- Run:  supplylake sql --query late_open_po_lines --param supplier_id='*'
--       supplylake sql --query late_open_po_lines --param supplier_id=SUPP-1020
--
-- "Late" is judged in event time, as the pipeline judges it: a line is late when its due time
-- (promised date + the late tolerance) is before the latest event time the lake holds for PO
-- lines, and it is still OPEN or PARTIAL, or was closed short (SHORT_CLOSED: due + grace passed
-- without it in full). `days_late` counts from due to that moment; `asn_expected_at` is the
-- supplier's latest word on when the goods arrive.
WITH now AS (SELECT max(changed_at) AS at FROM po_lines)
SELECT
    l.supplier_id,
    l.po_id,
    l.sku,
    l.warehouse_id,
    l.status,
    l.ordered_qty,
    l.accepted_qty,
    l.ordered_qty - l.accepted_qty AS missing_qty,
    round(l.unit_cost * greatest(l.ordered_qty - l.accepted_qty, 0), 2) AS missing_value,
    l.promised_at,
    l.due_at,
    l.asn_expected_at,
    round((epoch_ms(now.at) - epoch_ms(l.due_at)) / 86400000.0, 1) AS days_late
FROM po_line_current l, now
WHERE l.status IN ('OPEN', 'PARTIAL', 'SHORT_CLOSED')
  AND l.due_at < now.at
  AND (:supplier_id = '*' OR l.supplier_id = :supplier_id)
ORDER BY days_late DESC, l.po_id, l.sku
