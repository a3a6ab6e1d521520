"""Planning over the lake: the daily replenishment review (`supplylake plan`).

A review of day D reads what the lake says each warehouse × SKU stood at by the end of D in
event time (stock from ``inventory_levels``, open lines from ``po_lines``, the supplier's lead
time from ``supplier_metrics``, the forecast made when D closed from ``demand_forecast``), so it
is a function of the lake's history alone: the same on every rerun, whatever order the
pipelines committed in. The formulas are ``pipelines/demand/replenishment.py``; the inputs are
:mod:`.inputs`, the review loop and its exactly-once writes :mod:`.review`.
"""
