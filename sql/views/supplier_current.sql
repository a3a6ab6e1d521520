-- supplier_current: each supplier's latest performance per window (the `supplier_current` view).
--
-- One row per supplier and window ('30d': lines due in the trailing 30 days of event time up to
-- as_of; 'all': every line due by as_of), from the supplier rows (sku null) of supplier_metrics.
-- A rate is null ("no data") when no line was due in the window. Per supplier x SKU rows stay in
-- supplier_metrics (sku not null).
SELECT * EXCLUDE (_src_topic, _src_partition, _src_offset, _src_cluster)
FROM supplier_metrics
WHERE sku IS NULL
QUALIFY row_number() OVER (PARTITION BY supplier_id, "window" ORDER BY ingested_at DESC, revision DESC) = 1
