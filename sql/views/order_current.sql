-- order_current: the latest state per order (the `order_current` view).
--
-- The orders pipeline writes a status row per change, numbered per order (revision) within one
-- broker epoch; ingested_at orders epochs (offsets restart with each embedded broker).
SELECT * EXCLUDE (_src_topic, _src_partition, _src_offset, _src_cluster)
FROM order_status
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY ingested_at DESC, revision DESC) = 1
