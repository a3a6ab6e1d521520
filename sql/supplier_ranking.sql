-- supplier_ranking: suppliers ranked by their performance over a window, worst first.
--
-- Parameters (convention of every file in sql/: `:name` placeholders, given as
-- `--param name=value` and bound as string literals):
--   :period   30d (lines due in the trailing 30 days of event time up to as_of) or all
--
-- Run:  supplylake sql --query supplier_ranking --param period=30d
--
-- One row per supplier, from supplier_current's rows of that window, with the all-time OTIF
-- beside it. Suppliers with no line due in the window have no rate ("no data", never 100 %) and
-- rank last. `rank` orders by OTIF, then fill
-- rate, then defect rate (lower is better), then supplier id.
SELECT
    rank() OVER (
        ORDER BY w.otif_rate ASC NULLS LAST, w.fill_rate ASC NULLS LAST, w.defect_rate DESC NULLS LAST, w.supplier_id
    ) AS rank,
    w.supplier_id,
    w.lines_due,
    coalesce(CAST(round(100 * w.otif_rate, 1) AS VARCHAR) || ' %', 'no data') AS otif,
    coalesce(CAST(round(100 * w.fill_rate, 1) AS VARCHAR) || ' %', 'no data') AS fill,
    coalesce(CAST(round(100 * w.defect_rate, 2) AS VARCHAR) || ' %', 'no data') AS defects,
    round(w.lead_time_mean_days, 1) AS lead_time_days,
    round(w.lead_time_p90_days, 1) AS lead_time_p90_days,
    w.open_lines,
    w.late_open_lines,
    round(w.spend, 2) AS spend,
    coalesce(CAST(round(100 * a.otif_rate, 1) AS VARCHAR) || ' %', 'no data') AS otif_all_time,
    a.lines_due AS lines_due_all_time,
    w.as_of
FROM supplier_current w
LEFT JOIN supplier_current a ON a.supplier_id = w.supplier_id AND a."window" = 'all'
WHERE w."window" = :period
ORDER BY rank
