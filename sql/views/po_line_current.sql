-- po_line_current: the latest fact per purchase order line (the `po_line_current` view).
--
-- The supplier pipeline writes a po_lines row per change of a line, numbered per PO (revision)
-- within one broker epoch; ingested_at orders epochs (offsets restart with each embedded broker).
SELECT * EXCLUDE (_src_topic, _src_partition, _src_offset, _src_cluster, is_current)
FROM po_lines
WHERE is_current
QUALIFY row_number() OVER (PARTITION BY po_id, sku ORDER BY ingested_at DESC, revision DESC) = 1
