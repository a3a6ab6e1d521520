"""Demand pipeline domain logic: event-time windows of sales and outbound units, a daily
forecast per warehouse × SKU, and DEMAND_SPIKE.

Pure functions over plain data, no Kafka and no I/O: windows and lateness in :mod:`.windows`,
the forecast models (Holt-Winters with weekly seasonality, TSB, the ADI/CV² rule that picks one,
and the error measures) in :mod:`.forecast`, the spike rule and its episodes in :mod:`.spikes`.
The Quix wiring is :mod:`.app`.
"""
