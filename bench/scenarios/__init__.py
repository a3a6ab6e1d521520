"""One module per benchmark scenario; each measures, then writes bench/out/<name>.json.

:data:`SCENARIOS` lists them in the order ``python -m bench`` runs them (validation_share reads
throughput's result for its checkpoint size, so throughput comes first).
"""

from __future__ import annotations

from bench.scenarios import (
    alert_latency,
    bounded_replay,
    commit_latency,
    freshness,
    history_size,
    stack_cpu,
    supplier_freshness,
    throughput,
    timer_lateness,
    validation_share,
)
from bench.scenarios.scenario import Scenario

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        throughput.SCENARIO,
        freshness.SCENARIO,
        commit_latency.SCENARIO,
        validation_share.SCENARIO,
        stack_cpu.SCENARIO,
        bounded_replay.SCENARIO,
        supplier_freshness.SCENARIO,
        history_size.SCENARIO,
        alert_latency.SCENARIO,
        timer_lateness.SCENARIO,
    )
}
