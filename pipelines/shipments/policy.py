"""The shipment pipeline's thresholds, as the domain functions take them.

Built from the settings by :meth:`ShipmentPolicy.from_settings`, so ``supplylake.settings`` is
the only place a default lives (it is what the README documents and ``config show`` prints).
"""

from __future__ import annotations

from dataclasses import dataclass

from supplylake.event_time import SECOND_MS
from supplylake.settings import ShipmentSettings


@dataclass(frozen=True)
class ShipmentPolicy:
    """Deadlines and thresholds of shipment tracking, cold chain and route deviation."""

    grace_ms: int
    """DELIVERY_DELAYED fires this long after expectedDelivery."""
    no_update_threshold_ms: int
    """NO_TRACKING_UPDATE fires after this long without a carrier scan."""
    at_risk_window_ms: int
    """The SLA turns AT_RISK this long before expectedDelivery when not out for delivery."""
    route_threshold_km: float
    """ROUTE_DEVIATION beyond this distance from the planned route."""
    min_breach_duration_ms: int
    """A cold-chain excursion becomes a TEMPERATURE_BREACH once it lasted this long."""

    @classmethod
    def from_settings(cls, settings: ShipmentSettings) -> ShipmentPolicy:
        return cls(
            grace_ms=settings.delivery_grace_s * SECOND_MS,
            no_update_threshold_ms=settings.no_tracking_update_s * SECOND_MS,
            at_risk_window_ms=settings.at_risk_window_s * SECOND_MS,
            route_threshold_km=settings.route_deviation_km,
            min_breach_duration_ms=settings.temperature_breach_min_s * SECOND_MS,
        )


DEFAULT_SHIPMENT_POLICY = ShipmentPolicy.from_settings(ShipmentSettings())
"""The policy of default settings (for callers that configure nothing, e.g. tests)."""
