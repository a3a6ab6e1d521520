"""Errors of the shipment and order pipelines' domain logic."""

from __future__ import annotations

from supplylake.errors import FatalError


class ShipmentError(FatalError):
    """Base of the shipment and order domain's errors."""


class ShipmentStateError(ShipmentError):
    """A stored shipment, cold-chain, route or order state cannot be read back."""
