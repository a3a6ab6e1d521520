"""The restock API: each replenishment suggestion POSTed once to a configured webhook, through an
outbox in the lake (``replenishment_deliveries``).

Order. Suggestions are sent in a fixed order: by ``as_of``, then ``suggestion_id``. Reviews only
append later days, so a suggestion's place in that order (its *ordinal*) never changes.

Outbox. After each accepted POST a ``replenishment_deliveries`` row is committed through the
exactly-once writer, with the ordinal as its source offset (topic ``outbox:restock``). The table's
ledger is therefore "delivered up to here". A run sends the suggestions after it, one at a time.
A process killed between the webhook's answer and that commit sends the same suggestion again
when it next runs. It goes with the same ``Idempotency-Key`` header (the suggestion id), so a
receiver that honours the key, as restock APIs do, acts on it once. No other suggestion is ever
sent twice.

Retries. A connection error, a timeout, a 429 or a 5xx is retried with exponential backoff
(with jitter, up to ``SUPPLYLAKE_DEMAND__RESTOCK_WEBHOOK_ATTEMPTS``). Any other answer is a refusal
and stops the run with the status and the start of the body. Either way the suggestion and
everything after it stays in the outbox for the next ``supplylake plan``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from supplylake.errors import RetryableError
from supplylake.event_time import from_epoch_ms
from supplylake.lake.catalog import catalog_for
from supplylake.lake.tables import REPLENISHMENT_DELIVERIES
from supplylake.lake.writer import ExactlyOnceWriter
from supplylake.planning.outputs import PLANNING_CLUSTER, source
from supplylake.planning.review import PlanningError
from supplylake.query import LakeReader
from supplylake.settings import Settings

OUTBOX_TOPIC = "outbox:restock"
OUTBOX_PARTITION = 0
IDEMPOTENCY_HEADER = "Idempotency-Key"

_PENDING = """
SELECT * FROM (
    SELECT suggestion_id, warehouse_id, sku, supplier_id, suggested_quantity,
        epoch_ms(as_of) AS as_of_ms, epoch_ms(order_by_date) AS order_by_ms,
        epoch_ms(projected_stockout_date) AS stockout_ms, position, reorder_point, order_up_to,
        row_number() OVER (ORDER BY as_of, suggestion_id) - 1 AS ordinal
    FROM replenishment_suggestions
) WHERE ordinal > $after ORDER BY ordinal
"""


class WebhookError(PlanningError):
    """The restock webhook did not accept a suggestion."""


class WebhookRefused(WebhookError):
    """The webhook answered with a status that retrying cannot change (4xx other than 429)."""


class WebhookUnavailable(WebhookError, RetryableError):
    """Every attempt failed on the connection, a timeout, a 429 or a 5xx."""


class _TryAgain(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DeliverySummary:
    delivered: int
    attempts: int
    endpoint: str


def endpoint_of(url: str) -> str:
    """``scheme://host[:port]``: what logs and the outbox may say about the URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def payload(row: dict[str, Any]) -> bytes:
    """The JSON body of a suggestion: what to order, from whom, by when, and why."""
    return orjson.dumps(
        {
            "suggestionId": row["suggestion_id"],
            "warehouseId": row["warehouse_id"],
            "sku": row["sku"],
            "supplierId": row["supplier_id"],
            "quantity": row["suggested_quantity"],
            "orderBy": _iso_day(row["order_by_ms"]),
            "projectedStockout": _iso_day(row["stockout_ms"]),
            "asOf": _iso(row["as_of_ms"]),
            "position": row["position"],
            "reorderPoint": round(row["reorder_point"], 3),
            "orderUpTo": round(row["order_up_to"], 3),
        }
    )


def _iso(ms: int | None) -> str | None:
    return None if ms is None else from_epoch_ms(int(ms)).isoformat().replace("+00:00", "Z")


def _iso_day(ms: int | None) -> str | None:
    text = _iso(ms)
    return None if text is None else text[:10]


def deliver(
    settings: Settings,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliverySummary | None:
    """Send every suggestion not delivered yet (None when no webhook is configured)."""
    demand = settings.demand
    if demand.restock_webhook_url is None:
        return None
    url = demand.restock_webhook_url.get_secret_value()
    catalog = catalog_for(settings)
    namespace = settings.catalog.namespace
    if not catalog.table_exists((namespace, "replenishment_suggestions")):
        return DeliverySummary(0, 0, endpoint_of(url))
    writer = ExactlyOnceWriter(catalog, REPLENISHMENT_DELIVERIES, cluster_id=PLANNING_CLUSTER, namespace=namespace)
    after = writer.committed_offsets().get((OUTBOX_TOPIC, OUTBOX_PARTITION), -1)
    con = LakeReader(catalog, namespace=namespace).connect()
    try:
        cursor = con.execute(_PENDING, {"after": after})
        columns = [d[0] for d in cursor.description]
        pending = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    finally:
        con.close()
    headers = {"Content-Type": "application/json", "User-Agent": "supplylake-restock"}
    if demand.restock_webhook_token is not None:
        headers["Authorization"] = f"Bearer {demand.restock_webhook_token.get_secret_value()}"
    delivered = attempts = 0
    with httpx.Client(timeout=demand.restock_webhook_timeout_s, transport=transport, headers=headers) as client:
        for row in pending:
            status, tries = _post(client, url, row, demand.restock_webhook_attempts, sleep)
            attempts += tries
            writer.commit(
                [delivery_row(row, endpoint_of(url), status, tries)],
                {(OUTBOX_TOPIC, OUTBOX_PARTITION): int(row["ordinal"])},
                max_event_time_ms=None,
            )
            delivered += 1
    return DeliverySummary(delivered, attempts, endpoint_of(url))


def _post(
    client: httpx.Client, url: str, row: dict[str, Any], max_attempts: int, sleep: Callable[[float], None]
) -> tuple[int, int]:
    """POST one suggestion until it is accepted: (its status, the attempts it took)."""
    key = row["suggestion_id"]
    body = payload(row)
    retrying = Retrying(
        stop=stop_after_attempt(max_attempts),
        wait=wait_random_exponential(multiplier=0.5, max=10),
        retry=retry_if_exception_type(_TryAgain),
        sleep=sleep,
    )
    try:
        for attempt in retrying:
            with attempt:
                try:
                    response = client.post(url, content=body, headers={IDEMPOTENCY_HEADER: key})
                except httpx.TransportError as exc:
                    raise _TryAgain(f"{type(exc).__name__}: {exc}") from exc
                if response.status_code == 429 or response.status_code >= 500:
                    raise _TryAgain(f"HTTP {response.status_code}")
                if not 200 <= response.status_code < 300:
                    raise WebhookRefused(
                        f"the restock webhook at {endpoint_of(url)} refused suggestion {key}: HTTP "
                        f"{response.status_code} {response.text[:200]!r}",
                        hint="fix what the answer names (the payload is in docs/demand.md); the suggestion and the "
                        "ones after it stay in the outbox and go out with the next `supplylake plan`",
                    )
                return response.status_code, attempt.retry_state.attempt_number
    except RetryError as exc:
        last = exc.last_attempt.exception()
        reason = last.reason if isinstance(last, _TryAgain) else str(last)
        raise WebhookUnavailable(
            f"the restock webhook at {endpoint_of(url)} did not accept suggestion {key} in {max_attempts} "
            f"attempt(s) ({reason})",
            hint="check that the restock API is up and reachable; nothing is lost: the suggestion and the ones after "
            "it stay in the outbox and go out with the next `supplylake plan`",
        ) from last
    raise AssertionError("unreachable: tenacity either returns or raises")


def delivery_row(row: dict[str, Any], endpoint: str, status: int, attempts: int) -> dict[str, Any]:
    return {
        "suggestion_id": row["suggestion_id"],
        "idempotency_key": row["suggestion_id"],
        "endpoint": endpoint,
        "http_status": status,
        "attempts": attempts,
        "delivered_at": int(time.time() * 1000),
        **source(OUTBOX_TOPIC, OUTBOX_PARTITION, int(row["ordinal"])),
    }
