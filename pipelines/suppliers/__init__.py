"""Supplier pipeline domain logic (keyed by poId): PO lines matched with receipts, ASNs and
quality rejections (status, OTIF, fill rate, lead time, alerts), and supplier metrics over the
resulting line facts.

Pure functions over plain data, no Kafka and no I/O: the definitions are in
:mod:`.definitions`, the per-PO state machine in :mod:`.po_lines`, the metrics and the
SUPPLIER_SLIPPING episode in :mod:`.metrics`.
"""

from supplylake.pipelines.suppliers.alerts import Alert, Severity, lead_time_changed_alert
from supplylake.pipelines.suppliers.definitions import (
    DEFAULT_DEFINITIONS,
    LineStatus,
    SupplierDefinitions,
    SupplierError,
)
from supplylake.pipelines.suppliers.metrics import (
    DEFAULT_METRICS_POLICY,
    MetricsPolicy,
    SlippingState,
    SupplierMetrics,
    slipping,
    supplier_metrics,
)
from supplylake.pipelines.suppliers.po_lines import (
    LINE_FACT_COLUMNS,
    DeadlineOutcome,
    PoEvent,
    PoEventLine,
    PoOutcome,
    PoState,
    UnmatchedEvent,
    UnmatchedReason,
    apply_po_event,
    due_deadlines,
    expire_held,
    fire_deadlines,
    line_fact,
    line_facts,
)

__all__ = [
    "DEFAULT_DEFINITIONS",
    "DEFAULT_METRICS_POLICY",
    "LINE_FACT_COLUMNS",
    "Alert",
    "DeadlineOutcome",
    "LineStatus",
    "MetricsPolicy",
    "PoEvent",
    "PoEventLine",
    "PoOutcome",
    "PoState",
    "Severity",
    "SlippingState",
    "SupplierDefinitions",
    "SupplierError",
    "SupplierMetrics",
    "UnmatchedEvent",
    "UnmatchedReason",
    "apply_po_event",
    "due_deadlines",
    "expire_held",
    "fire_deadlines",
    "lead_time_changed_alert",
    "line_fact",
    "line_facts",
    "slipping",
    "supplier_metrics",
]
