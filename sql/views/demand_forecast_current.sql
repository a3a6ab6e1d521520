-- demand_forecast_current: the latest forecast of every warehouse x SKU (the `demand_forecast_current` view).
--
-- The horizon's rows (one per target_date) of each key's latest as_of in demand_forecast, with the
-- model that made them and its error so far (MAE, bias, MASE against the seasonal-naive forecast).
SELECT * EXCLUDE (_src_topic, _src_partition, _src_offset, _src_cluster)
FROM demand_forecast
QUALIFY as_of = max(as_of) OVER (PARTITION BY key)
