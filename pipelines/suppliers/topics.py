"""The topics the supplier pipeline writes and reads back itself (see pipelines/suppliers/app.py).

Their own module, free of Quix code, so the pipeline catalog can declare them without importing
the app, and the app can name them without importing the catalog.
"""

from __future__ import annotations

from supplylake.pipelines.spec import internal_topic
from supplylake.settings import Settings

PIPELINE = "suppliers"
BY_PO_SUFFIX = "by-po"
BY_SUPPLIER_SUFFIX = "by-supplier"


def by_po_topic(settings: Settings) -> str:
    """Every PO event (po.created, asn.sent, quality.rejected, receipts) re-keyed by poId."""
    return internal_topic(settings, PIPELINE, BY_PO_SUFFIX)


def by_supplier_topic(settings: Settings) -> str:
    """PO line facts and lead time changes, keyed by supplierId."""
    return internal_topic(settings, PIPELINE, BY_SUPPLIER_SUFFIX)
