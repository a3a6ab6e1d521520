"""The topic the order pipeline writes and reads back itself (see pipelines/orders/app.py).

Its own module, free of Quix code, so the pipeline catalog can declare the topic without
importing the app, and the app can name it without importing the catalog.
"""

from __future__ import annotations

from supplylake.pipelines.spec import internal_topic
from supplylake.settings import Settings

PIPELINE = "orders"
BY_ORDER_SUFFIX = "by-order"


def by_order_topic(settings: Settings) -> str:
    """The internal topic all order lifecycle events are re-keyed into."""
    return internal_topic(settings, PIPELINE, BY_ORDER_SUFFIX)
