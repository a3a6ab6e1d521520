"""One module per chaos scenario; :data:`SCENARIOS` in the order ``python -m chaos`` runs them.

A new scenario is a module with a ``SCENARIO`` (chaos/scenarios/scenario.py) added here, and its
name removed from :data:`PLANNED`.
"""

from __future__ import annotations

from chaos.scenarios import bad_input, sink_crash_points, state_wipe
from chaos.scenarios.scenario import Planned, RunOptions, Scenario

SCENARIOS: dict[str, Scenario] = {
    s.name: s for s in (bad_input.SCENARIO, sink_crash_points.SCENARIO, state_wipe.SCENARIO)
}

# Issue 9's other scenarios, shown as "not yet built" until their module exists.
PLANNED: tuple[Planned, ...] = (
    Planned("pipeline_sigkill", "SIGKILL of pipeline processes, two instances per pipeline"),
    Planned("catalog_outage", "the Iceberg catalog unavailable for a while"),
    Planned("disk_full", "the lake's disk full"),
)

__all__ = ["PLANNED", "SCENARIOS", "Planned", "RunOptions", "Scenario"]
