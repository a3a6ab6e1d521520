"""The derived state codec: round trips of generated states, strict rejection of anything else."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from supplylake.errors import FatalError
from supplylake.pipelines.inventory.stock import StockState, StockStateError
from supplylake.pipelines.shipments.errors import ShipmentStateError
from supplylake.pipelines.shipments.tracking import ShipmentState
from supplylake.pipelines.state_codec import StateCodec, StateCodecError, StoredState
from tests.support.state_samples import shipment_state, stock_state


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class SampleError(FatalError):
    """The sample component's state error."""


@dataclass(frozen=True)
class Inner:
    low: float
    high: float

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


@dataclass(frozen=True)
class Sample(StoredState):
    name: str
    count: int
    ratio: float
    flag: bool
    colour: Colour
    maybe: int | None
    inner: Inner | None
    ids: tuple[str, ...]
    points: tuple[tuple[float, float], ...]
    key: tuple[int, int, str] | None
    counts: Mapping[str, int]
    inners: Mapping[str, Inner]
    payload: Mapping[str, Any]
    history: list[str] = field(default_factory=list)

    state_version: ClassVar[int] = 3
    state_error: ClassVar[type[FatalError]] = SampleError
    stored_properties: ClassVar[tuple[str, ...]] = ("total",)

    @property
    def total(self) -> int:
        return self.count + sum(self.counts.values())


text = st.text(max_size=8)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
inners = st.tuples(finite, finite).map(lambda pair: Inner(min(pair), max(pair)))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text,
    lambda kids: st.lists(kids, max_size=3),
    max_leaves=6,
)
samples = st.builds(
    Sample,
    name=text,
    count=st.integers(-(2**62), 2**62),
    ratio=finite,
    flag=st.booleans(),
    colour=st.sampled_from(Colour),
    maybe=st.none() | st.integers(-(2**63), 2**63 - 1),
    inner=st.none() | inners,
    ids=st.lists(text, max_size=5).map(tuple),
    points=st.lists(st.tuples(finite, finite), max_size=4).map(tuple),
    key=st.none() | st.tuples(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**63), 2**63 - 1), text),
    counts=st.dictionaries(text, st.integers(-1000, 1000), max_size=4),
    inners=st.dictionaries(text, inners, max_size=3),
    payload=st.dictionaries(text, json_values, max_size=3),
    history=st.lists(text, max_size=4),
)


@given(samples)
def test_generated_states_round_trip_through_json(sample: Sample) -> None:
    data = sample.to_dict()
    assert data["v"] == 3 and data["total"] == sample.total
    assert Sample.from_dict(data) == sample
    assert Sample.from_dict(orjson.loads(orjson.dumps(data))) == sample
    assert Sample.from_dict(json.loads(json.dumps(data))) == sample


def test_typical_pipeline_states_round_trip() -> None:
    for state in (shipment_state(), stock_state(300)):
        restored = type(state).from_dict(orjson.loads(orjson.dumps(state.to_dict())))
        assert restored == state
        assert restored.to_dict() == state.to_dict()


def _sample() -> dict[str, Any]:
    sample = Sample(
        name="a",
        count=1,
        ratio=0.5,
        flag=True,
        colour=Colour.RED,
        maybe=None,
        inner=Inner(1.0, 2.0),
        ids=("x", "y"),
        points=((1.0, 2.0),),
        key=(1, 2, "k"),
        counts={"c": 3},
        inners={"i": Inner(0.0, 1.0)},
        payload={"p": [1, "two"]},
        history=["h"],
    )
    return orjson.loads(orjson.dumps(sample.to_dict()))  # type: ignore[no-any-return]


CORRUPTIONS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("version", lambda d: d.update(v=2)),
    ("version", lambda d: d.update(v=True)),
    ("version", lambda d: d.pop("v")),
    ("missing", lambda d: d.pop("name")),
    ("unknown", lambda d: d.update(extra=1)),
    ("count: expected an int", lambda d: d.update(count=True)),
    ("count: expected an int", lambda d: d.update(count=1.0)),
    ("count: expected an int", lambda d: d.update(count="1")),
    ("ratio: expected a number", lambda d: d.update(ratio="0.5")),
    ("flag: expected a bool", lambda d: d.update(flag=1)),
    ("colour: expected one of", lambda d: d.update(colour="blue")),
    ("maybe: expected an int or null", lambda d: d.update(maybe="3")),
    ("inner.low: expected a number", lambda d: d["inner"].update(low=None)),
    ("low above high", lambda d: d["inner"].update(low=5.0)),
    ("ids: expected an array of str", lambda d: d.update(ids=["x", 1])),
    ("ids: expected an array of str", lambda d: d.update(ids="xy")),
    ("points[0]: expected an array of 2 items", lambda d: d.update(points=[[1.0]])),
    ("key: expected an array of 3 items", lambda d: d.update(key=[1, 2, 3])),
    ("counts: expected an object of int values", lambda d: d.update(counts={"c": "3"})),
    ("inners.i.high: expected a number", lambda d: d["inners"]["i"].update(high=[])),
    ("payload: expected an object", lambda d: d.update(payload=[])),
    ("history: expected an array of str", lambda d: d.update(history=[None])),
    ("says total=", lambda d: d.update(total=99)),
    ("says total=", lambda d: d.update(total=4.0)),
]


@pytest.mark.parametrize(("message", "corrupt"), CORRUPTIONS)
def test_corrupt_states_are_refused_with_the_component_error(
    message: str, corrupt: Callable[[dict[str, Any]], Any]
) -> None:
    data = _sample()
    assert Sample.from_dict(data).name == "a"
    corrupt(data)
    with pytest.raises(SampleError) as info:
        Sample.from_dict(data)
    assert message in str(info.value)
    assert info.value.hint


@pytest.mark.parametrize("data", [None, [], "state", 3])
def test_non_objects_are_refused(data: Any) -> None:
    with pytest.raises(SampleError, match="not a JSON object"):
        Sample.from_dict(data)


def test_pipeline_states_raise_their_own_errors() -> None:
    with pytest.raises(StockStateError):
        StockState.from_dict({"v": 1})
    with pytest.raises(ShipmentStateError):
        ShipmentState.from_dict({**shipment_state().to_dict(), "sla": "SOMETIMES"})


def test_unsupported_field_types_fail_when_the_codec_is_derived() -> None:
    @dataclass
    class Odd:
        values: set[int]

    with pytest.raises(StateCodecError, match="no state codec"):
        StateCodec(Odd, version=1)
    with pytest.raises(StateCodecError, match="not a dataclass"):
        StateCodec(int, version=1)


def test_a_plain_codec_works_without_the_mixin() -> None:
    codec = StateCodec(Inner, version=1)
    assert codec.encode(Inner(1.0, 2.0)) == {"v": 1, "low": 1.0, "high": 2.0}
    assert codec.decode({"v": 1, "low": 1, "high": 2}) == Inner(1.0, 2.0)
    with pytest.raises(StateCodecError):
        codec.decode({"v": 1, "low": 3.0, "high": 2.0})
