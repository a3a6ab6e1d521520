-- suggestions_to_place: replenishment suggestions to order on :day, or overdue, and not ordered yet.
--
-- Parameters (convention of every file in sql/: `:name` placeholders, given as
-- `--param name=value` and bound as string literals):
--   :day   a date (YYYY-MM-DD), or 'latest' for the day after the latest review (the event-time "today")
--
-- Run:  supplylake sql --query suggestions_to_place --param day=latest
--       supplylake sql --query suggestions_to_place --param day=2025-02-10
--
-- Each warehouse x SKU's latest suggestion of the daily review (`supplylake plan`) made by the day,
-- while no PO line for the same warehouse and SKU was created from that review to the end of the
-- day, whose order-by date is on or before the day: what a buyer should order now, most urgent (earliest order-by, then earliest
-- projected stock-out) first. `days_overdue` is how long its order-by date has passed.
WITH day AS (
    SELECT coalesce(
        CAST(try_cast(:day AS DATE) AS TIMESTAMPTZ),
        CASE WHEN :day = 'latest' THEN (SELECT max(as_of) FROM replenishment_suggestions)
             ELSE error('day must be a date (YYYY-MM-DD) or latest, got ' || :day) END
    ) AS start
),
latest AS (
    SELECT r.* FROM replenishment_suggestions r, day
    WHERE r.as_of <= day.start
    QUALIFY row_number() OVER (PARTITION BY r.warehouse_id, r.sku ORDER BY r.as_of DESC) = 1
)
SELECT
    s.warehouse_id,
    s.sku,
    s.supplier_id,
    s.suggested_quantity,
    s.order_by_date,
    datediff('day', s.order_by_date, day.start) AS days_overdue,
    s.projected_stockout_date,
    s.position,
    round(s.reorder_point, 1) AS reorder_point,
    round(s.order_up_to, 1) AS order_up_to,
    s.as_of AS reviewed_at,
    s.suggestion_id
FROM latest s, day
WHERE s.order_by_date <= day.start
  AND NOT EXISTS (
      SELECT 1 FROM po_line_current l
      WHERE l.warehouse_id = s.warehouse_id AND l.sku = s.sku
        AND l.po_created_at >= s.as_of AND l.po_created_at < day.start + INTERVAL 1 DAY
  )
ORDER BY s.order_by_date, s.projected_stockout_date NULLS LAST, s.warehouse_id, s.sku
