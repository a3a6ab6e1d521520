"""The inventory pipeline's thresholds, as the domain functions take them.

Built from the settings by :meth:`InventoryPolicy.from_settings`, so ``supplylake.settings`` is
the only place a default lives. Reorder points are per SKU and live in
:class:`~supplylake.pipelines.inventory.reference.ReorderPoints`.
"""

from __future__ import annotations

from dataclasses import dataclass

from supplylake.event_time import SECOND_MS
from supplylake.settings import InventorySettings


@dataclass(frozen=True)
class InventoryPolicy:
    """Event-time and alert thresholds of the stock state machine."""

    allowed_lateness_ms: int
    """Out-of-order events within this give the same levels as sorted ones."""
    dedupe_horizon_ms: int
    """How long (event time) event ids are remembered per key to recognise duplicates."""
    resolve_margin: int
    """Hysteresis: a stock episode resolves at the reorder point plus this."""

    @classmethod
    def from_settings(cls, settings: InventorySettings) -> InventoryPolicy:
        return cls(
            allowed_lateness_ms=settings.allowed_lateness_s * SECOND_MS,
            dedupe_horizon_ms=settings.dedupe_horizon_s * SECOND_MS,
            resolve_margin=settings.resolve_margin,
        )


DEFAULT_INVENTORY_POLICY = InventoryPolicy.from_settings(InventorySettings())
"""The policy of default settings (for callers that configure nothing, e.g. tests)."""
