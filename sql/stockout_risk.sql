-- stockout_risk: warehouse x SKUs projected to run out within :days days and not ordered yet,
-- soonest first.
--
-- Parameters (convention of every file in sql/: `:name` placeholders, given as
-- `--param name=value` and bound as string literals):
--   :days   how far ahead, in days from the latest replenishment review (e.g. 7)
--
-- Run:  supplylake sql --query stockout_risk --param days=7
--
-- Each warehouse x SKU's latest suggestion of the daily review (`supplylake plan`) says when its
-- projected stock ends below zero. It counts while no PO line for the same warehouse and SKU was
-- created at or after that review. `days_left` counts from the latest review of the lake (the
-- event-time "today"); a negative value means the projection says it is out already.
WITH today AS (SELECT max(as_of) AS at FROM replenishment_suggestions),
latest AS (
    SELECT * FROM replenishment_suggestions
    QUALIFY row_number() OVER (PARTITION BY warehouse_id, sku ORDER BY as_of DESC) = 1
)
SELECT
    s.warehouse_id,
    s.sku,
    s.supplier_id,
    s.projected_stockout_date,
    datediff('day', today.at, s.projected_stockout_date) AS days_left,
    s.on_hand,
    s.reserved,
    s.position,
    round(s.reorder_point, 1) AS reorder_point,
    s.suggested_quantity,
    s.order_by_date,
    s.as_of AS reviewed_at,
    s.suggestion_id
FROM latest s, today
WHERE s.projected_stockout_date IS NOT NULL
  AND s.projected_stockout_date < today.at + to_days(
      coalesce(try_cast(:days AS INTEGER), error('days must be a whole number of days, got ' || :days))
  )
  AND NOT EXISTS (
      SELECT 1 FROM po_line_current l
      WHERE l.warehouse_id = s.warehouse_id AND l.sku = s.sku AND l.po_created_at >= s.as_of
  )
ORDER BY s.projected_stockout_date, s.warehouse_id, s.sku
