-- demand_hourly_current: the latest figures of every demand window (the `demand_hourly_current` view).
--
-- One row per stream ('sales' per SKU x region, 'shipped' per warehouse x SKU), key and window of
-- demand_hourly; is_final tells whether the window can still change. The demand pipeline numbers a
-- window's rows (revision) within one broker epoch; ingested_at orders epochs.
SELECT * EXCLUDE (_src_topic, _src_partition, _src_offset, _src_cluster)
FROM demand_hourly
QUALIFY row_number() OVER (PARTITION BY stream, key, window_start ORDER BY ingested_at DESC, revision DESC) = 1
