"""Demand pipeline domain logic: event-time windows of sales and outbound units, a daily
forecast per warehouse × SKU, DEMAND_SPIKE, replenishment and disruption impact.

Pure functions over plain data, no Kafka and no I/O: windows and lateness in :mod:`.windows`,
the forecast models (Holt-Winters with weekly seasonality, TSB, the ADI/CV² rule that picks one,
and the error measures) in :mod:`.forecast`, the spike rule and its episodes in :mod:`.spikes`,
the replenishment policy (position, safety stock, reorder point, the projection; applied by the
daily review in ``supplylake.planning``) in :mod:`.replenishment`, and disruption impact in
:mod:`.disruption` (not wired yet). The Quix wiring is :mod:`.app`.
"""
