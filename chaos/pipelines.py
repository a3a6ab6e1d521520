"""The pipelines the fault scenarios run: those their reference models check.

The scenarios judge the lake against independent models of the inventory, shipment and order
pipelines (``stack.Reference``, ``stream``). The supplier pipeline has no such model here yet, so
running it would only cost two cores' time without being judged; its exactly-once behaviour under
kills and broker epochs is checked by tests/integration/test_every_pipeline_exactly_once.py and
tests/integration/test_suppliers_pipeline.py. The bad-input scenario runs every pipeline (every
source topic must dead-letter what it cannot read).
"""

from __future__ import annotations

CHECKED_PIPELINES: list[str] = ["inventory", "shipments", "orders"]
