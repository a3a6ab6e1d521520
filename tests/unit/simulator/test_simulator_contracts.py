"""Generated events validate against supplylake.contracts; injected bad input does not."""

from __future__ import annotations

import pytest

from supplylake.contracts import InvalidEvent, family_of, message_key, parse_event
from tests.support.sim_streams import DEAD_LETTER, Run

_CODES = {"malformed_json": "malformed_json", "missing_field": "missing_field", "unknown_type": "unknown_event_type"}


@pytest.mark.parametrize("run_name", ["faulty_run", "supply_run"])
def test_every_good_event_parses_and_every_bad_one_is_refused(run_name: str, request: pytest.FixtureRequest) -> None:
    run: Run = request.getfixturevalue(run_name)
    seen_types: set[str] = set()
    refused = 0
    for event in run.events:
        if event.fault in DEAD_LETTER:
            with pytest.raises(InvalidEvent) as refusal:
                parse_event(event.value, topic=event.topic)
            assert refusal.value.code == _CODES[event.fault]
            refused += 1
            continue
        parsed = parse_event(event.value, topic=event.topic)
        assert parsed.event_id == event.event_id
        assert parsed.event_type == event.event_type
        assert message_key(parsed) == event.key
        assert family_of(parsed.event_type) == event.family
        assert parsed.event_time_ms == event.time_ms
        seen_types.add(parsed.event_type)
    assert refused == run.manifest.expected_dead_letters > 0
    if run_name == "supply_run":
        # Every event type of docs/wire-format.md except ERP change data shows up.
        assert len(seen_types) == 23
