"""The late-delivery risk model in use: the latest ``shipment_risk_models`` row a pipeline can apply.

The shipments pipeline reads it when it starts and again every ``refresh_s`` of wall-clock time
(``SUPPLYLAKE_SHIPMENTS__RISK_MODEL_REFRESH_S``), so a model ``supplylake train`` stores reaches a
running pipeline within that time. A row trained on other features
(``feature_version`` is not :data:`~supplylake.pipelines.shipments.risk.FEATURE_VERSION`) is
skipped, and a lake that cannot be read keeps the model it had (with one warning).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson
from pyiceberg.catalog import Catalog

from supplylake.errors import SupplylakeError
from supplylake.lake.tables import SHIPMENT_RISK_MODELS
from supplylake.logs import get_logger
from supplylake.pipelines.shipments.risk import FEATURE_VERSION, RiskModel

log = get_logger(__name__)


def latest_model(catalog: Catalog, namespace: str) -> RiskModel | None:
    """The latest applicable model in the lake, or None (no table, no row)."""
    identifier = (namespace, SHIPMENT_RISK_MODELS.name)
    if not catalog.table_exists(identifier):
        return None
    rows = (
        catalog.load_table(identifier)
        .scan(
            row_filter=f"feature_version == {FEATURE_VERSION}",
            selected_fields=("model_version", "trained_at", "parameters"),
        )
        .to_arrow()
        .to_pylist()
    )
    if not rows:
        return None
    newest = max(rows, key=lambda row: (row["trained_at"], row["model_version"]))
    return RiskModel.from_parameters(newest["model_version"], orjson.loads(newest["parameters"]))


class RiskModelSource:
    """The model to apply now, re-read from the lake every ``refresh_s``."""

    def __init__(
        self,
        catalog_factory: Callable[[], Catalog],
        namespace: str,
        refresh_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._catalog_factory = catalog_factory
        self._namespace = namespace
        self._refresh_s = refresh_s
        self._clock = clock
        self._next = 0.0
        self._model: RiskModel | None = None

    def current(self) -> RiskModel | None:
        now = self._clock()
        if now >= self._next:
            self._next = now + self._refresh_s
            try:
                found = latest_model(self._catalog_factory(), self._namespace)
            except (SupplylakeError, OSError, ValueError, TypeError, KeyError) as exc:
                log.warning("late-delivery risk model not read, keeping the one in use", error=str(exc))
            else:
                if found is not None and (self._model is None or found.version != self._model.version):
                    log.info("late-delivery risk model in use", model=found.version)
                self._model = found
        return self._model
