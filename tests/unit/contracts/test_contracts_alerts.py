"""Alert types and alert ids: one home, and ids that never change."""

from __future__ import annotations

import pytest

from supplylake.contracts import alerts as alert_types
from supplylake.contracts.alerts import ALERT_TYPES, ENTITY_TYPES, alert_id
from supplylake.pipelines.demand.spikes import DEMAND_ALERT_TYPES
from supplylake.pipelines.inventory.alerts import AlertType
from supplylake.pipelines.shipments import alerts as shipment_alerts
from supplylake.pipelines.suppliers.alerts import SUPPLIER_ALERT_TYPES
from supplylake.planning.outputs import PLANNING_ALERT_TYPES

# Computed with the recipe as it was before alert ids got one home (inventory's ``alert_id`` and
# shipments' ``alert_id_for`` at 0087847): any change here breaks dedupe of alerts in the lake.
PINNED = [
    ("evt-1", "LOW_STOCK", "68179726-12bd-5ff3-9c53-61d04b3a3fbf"),
    ("0b7c2f0e-8d1e-4b7a-9a57-3d0c6a4e5f10", "STOCKOUT", "5e659418-5a45-564f-9dbc-e6ff557afab0"),
    ("shipment:SHP-1:DELIVERY_DELAYED@1736900000000", "DELIVERY_DELAYED", "82797952-7980-5346-94e4-504c3025d75b"),
    ("order:ORD-1:DELIVERED_OUT_OF_SEQUENCE", "SEQUENCE_ANOMALY", "3882a78c-6666-57df-b513-a484526a3b84"),
]


@pytest.mark.parametrize(("source_id", "alert_type", "expected"), PINNED)
def test_alert_ids_are_pinned(source_id: str, alert_type: str, expected: str) -> None:
    assert alert_id(source_id, alert_type) == expected
    assert shipment_alerts.alert_id_for(source_id, alert_type) == expected


def test_enum_members_give_the_same_ids_as_their_values() -> None:
    assert alert_id("evt-1", AlertType.LOW_STOCK) == PINNED[0][2]


def test_every_alert_type_the_pipelines_write_is_documented() -> None:
    written = {member.value for member in AlertType} | {
        shipment_alerts.DELIVERY_DELAYED,
        shipment_alerts.DELIVERED_LATE,
        shipment_alerts.NO_TRACKING_UPDATE,
        shipment_alerts.TEMPERATURE_BREACH,
        shipment_alerts.TEMPERATURE_RECOVERED,
        shipment_alerts.ROUTE_DEVIATION,
        shipment_alerts.SHIPMENT_AT_RISK,
        shipment_alerts.SEQUENCE_ANOMALY,
        *SUPPLIER_ALERT_TYPES,
        *DEMAND_ALERT_TYPES,
        *PLANNING_ALERT_TYPES,
    }
    assert written == set(ALERT_TYPES)
    constants = {value for name, value in vars(alert_types).items() if name.isupper() and isinstance(value, str)}
    assert set(ALERT_TYPES) | set(ENTITY_TYPES) == constants
    assert all(meaning and meaning[0].islower() for meaning in ALERT_TYPES.values())


def test_alert_type_values_are_their_names() -> None:
    for alert_type in ALERT_TYPES:
        assert getattr(alert_types, alert_type) == alert_type
