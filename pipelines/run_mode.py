"""How a pipeline process runs: on a bounded replay (event time only) or live (wall clock too).

The orchestrator decides and tells each child explicitly
(``python -m supplylake.pipelines NAME --mode bounded-replay``); the builders receive it as an
argument. It is not a setting: tuning knobs such as ``SUPPLYLAKE_SHIPMENTS__TICK_INTERVAL_S``
say how often, the mode says whether at all.
"""

from __future__ import annotations

from enum import StrEnum


class RunMode(StrEnum):
    # A finite input replayed as fast as possible: every result follows from event time alone,
    # so a replay gives the same lake whatever the wall clock did (no ticks).
    BOUNDED_REPLAY = "bounded-replay"
    # Events arrive as they happen: wall-clock ticks also fire deadlines on idle partitions.
    LIVE = "live"
