-- shipment_current: the latest state per shipment (the `shipment_current` view).
--
-- The shipments pipeline writes a status row per change, numbered per shipment (revision)
-- within one broker epoch; ingested_at orders epochs (offsets restart with each embedded broker).
SELECT * EXCLUDE (_src_topic, _src_partition, _src_offset, _src_cluster)
FROM shipment_status
QUALIFY row_number() OVER (PARTITION BY shipment_id ORDER BY ingested_at DESC, revision DESC) = 1
