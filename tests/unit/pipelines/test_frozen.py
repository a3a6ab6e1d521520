"""evolve() builds exactly what dataclasses.replace builds, faster, and refuses what replace refuses."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supplylake.pipelines.frozen import evolve
from supplylake.pipelines.shipments.cold_chain import TemperatureRange
from tests.support.state_samples import shipment_state


@dataclass(frozen=True)
class Plain:
    a: int
    b: tuple[str, ...] = ()
    c: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Checked:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


@given(st.integers(), st.lists(st.text(max_size=3), max_size=3), st.integers())
def test_evolve_equals_replace(a: int, b: list[str], new_a: int) -> None:
    before = Plain(a, tuple(b), {"x": a})
    after = evolve(before, a=new_a)
    assert after == dataclasses.replace(before, a=new_a)
    assert type(after) is Plain and after is not before
    assert before.a == a  # the original is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        after.a = 1  # type: ignore[misc]


def test_unknown_fields_are_refused_like_replace() -> None:
    with pytest.raises(TypeError, match="nope"):
        evolve(Plain(1), nope=2)


def test_classes_that_validate_in_post_init_still_validate() -> None:
    assert evolve(Checked(1, 3), high=2) == Checked(1, 2)
    with pytest.raises(ValueError, match="low above high"):
        evolve(Checked(1, 3), low=5)
    with pytest.raises(ValueError, match="temperature range"):
        evolve(TemperatureRange(2.0, 8.0), max_c=1.0)


def test_a_shipment_state_copies_like_replace() -> None:
    state = shipment_state()
    for f in dataclasses.fields(state):
        value = getattr(state, f.name)
        assert evolve(state, **{f.name: value}) == dataclasses.replace(state, **{f.name: value}) == state
    changed = {"clock_ms": (state.clock_ms or 0) + 1, "eta_ms": None}
    assert evolve(state, **changed) == dataclasses.replace(state, **changed)
