"""One module per chaos scenario; :data:`SCENARIOS` in the order ``python -m chaos`` runs them.

A new scenario is a module with a ``SCENARIO`` (chaos/scenarios/scenario.py) added here, and its
name removed from :data:`PLANNED`.
"""

from __future__ import annotations

from chaos.scenarios import (
    bad_input,
    broker_restart,
    catalog_outage,
    disk_full,
    maintenance_race,
    pipeline_sigkill,
    sink_crash_points,
    state_wipe,
)
from chaos.scenarios.scenario import Planned, RunOptions, Scenario

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        bad_input.SCENARIO,
        pipeline_sigkill.SCENARIO,
        sink_crash_points.SCENARIO,
        maintenance_race.SCENARIO,
        catalog_outage.SCENARIO,
        state_wipe.SCENARIO,
        broker_restart.SCENARIO,
        disk_full.SCENARIO,
    )
}

# Issue 9's other scenarios, shown as "not yet built" until their module exists.
PLANNED: tuple[Planned, ...] = ()

__all__ = ["PLANNED", "SCENARIOS", "Planned", "RunOptions", "Scenario"]
