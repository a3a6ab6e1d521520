-- disruption_impact: what disruption signal :signal does downstream, per warehouse x SKU whose open
-- PO lines it delays, the ones whose stock-out it moves inside the horizon first, then by value
-- at risk.
--
-- Parameters (convention of every file in sql/: `:name` placeholders, given as
-- `--param name=value` and bound as string literals):
--   :signal   the signal's eventId (a supplier.leadtime.changed, port.closure or weather.alert),
--             or 'latest' for the latest assessed signal that delays an open line
--
-- Run:  supplylake sql --query disruption_impact --param signal=latest
--
-- The rows are the assessment `supplylake plan` made as of the signal's event time
-- (disruption_impacts; docs/demand.md, Disruption impact). No rows: the signal delays no open PO
-- line, or it has not been assessed yet. `days_earlier` is how much sooner the stock-out comes
-- (null when there was none before, or there is none after); a held line's `due_after` is null
-- when a closure with no end yet holds it.
WITH chosen AS (
    SELECT CASE WHEN :signal = 'latest'
        THEN (SELECT arg_max(signal_id, signal_time) FROM disruption_impacts)
        ELSE :signal END AS signal_id
)
SELECT
    i.signal_type,
    i.signal_time,
    coalesce(i.supplier_id, i.port, i.region) AS disrupted,
    i.warehouse_id,
    i.sku,
    json_array_length(i.lines) AS delayed_lines,
    i.delayed_quantity,
    i.available,
    i.stockout_before,
    i.stockout_after,
    datediff('day', i.stockout_after, i.stockout_before) AS days_earlier,
    round(i.quantity_at_risk, 1) AS quantity_at_risk,
    round(i.value_at_risk, 2) AS value_at_risk,
    i.alerting,
    i.lines,
    i.signal_id
FROM disruption_impacts i JOIN chosen USING (signal_id)
ORDER BY i.alerting DESC, i.value_at_risk DESC, i.warehouse_id, i.sku
