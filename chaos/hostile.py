"""Hostile input, derived from the contracts and deterministic from a seed (issue 9, "bad input").

Every record is either *valid* (a real event that must land exactly once) or *hostile* (it must
end in the dead letters exactly once, with its bytes). The event types and their required fields
come from the contracts of the families some pipeline reads (``pipelines/catalog.py``), so a new
event type or field is covered without editing this file. Hostile objects carry a unique
``chaosId`` (an unknown field, ignored by the contracts) so that equal-looking records stay
distinguishable by their bytes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from pydantic.alias_generators import to_camel

from supplylake.contracts.examples import example
from supplylake.contracts.fields import TEXT_PATTERN
from supplylake.contracts.registry import EVENT_TYPES, FAMILIES
from supplylake.event_time import parse_iso_ms
from supplylake.ingest.routing import routing_key
from supplylake.pipelines.catalog import PIPELINES

CATEGORIES: dict[str, str] = {
    "invalid_utf8": "bytes that are not UTF-8 (stray continuation bytes, overlong forms, surrogates, truncation)",
    "huge_line": "a 10 MB line (a routable event and, in full runs, plain text too)",
    "large_record": "a 900 KB invalid event: as large as a topic record can be",
    "deep_nesting": "10,000 and 2,000 levels of arrays or objects",
    "wrong_type": "each field of each event type given a value of another JSON type",
    "nan_infinity": "NaN, Infinity and -Infinity literals in place of numbers",
    "big_integer": "integers beyond int64 and uint64, and floats that overflow to infinity",
    "far_time": "date-times in year 1, 9999 (with offsets that overflow), 10000, 1969 and 2100",
    "duplicate_key": "a key given twice: both values valid, or one of them invalid",
    "control_chars": "NUL, BEL, ESC, DEL and C1 controls in strings (escaped, and raw bytes)",
    "missing_field": "every required field missing in turn, for every event type",
    "not_object": "valid JSON that is not an object: arrays, strings, numbers, null, booleans",
    "empty_value": "empty strings and objects (on topics also an empty record and a tombstone)",
    "wrong_event_type": "unknown, empty or non-string eventType (on topics also another family's events)",
}

MB = 1_000_000


@dataclass(frozen=True)
class Record:
    """One record of the input. ``raw`` None is a Kafka tombstone (topics only)."""

    index: int
    category: str  # "valid" or one of CATEGORIES
    raw: bytes | None
    family: str  # whose topic it goes to when produced straight to a topic
    key: bytes | None
    event_id: str | None = None  # valid events
    event_type: str | None = None
    event_time_ms: int | None = None
    in_file: bool = True  # can be a line of a JSON-lines file
    on_topic: bool = True  # can be one Kafka record

    @property
    def hostile(self) -> bool:
        return self.category != "valid"


def pipeline_families() -> tuple[str, ...]:
    """Families some pipeline reads: what bad input can reach."""
    return tuple(dict.fromkeys(f for spec in PIPELINES.values() for f in spec.source_families))


def event_types() -> list[str]:
    return [t for family in pipeline_families() for t in FAMILIES[family].event_types]


def wire_name(name: str, alias: str | None) -> str:
    return alias or to_camel(name)


def required_fields(event_type: str) -> list[str]:
    """The wire names a producer must send for ``event_type`` (from the model)."""
    model = EVENT_TYPES[event_type]
    optional: frozenset[str] = getattr(model, "wire_optional", frozenset())
    names = [wire_name(n, f.alias) for n, f in model.model_fields.items() if f.is_required()]
    return [n for n in names if n not in optional]


def free_text_fields(event_type: str) -> set[str]:
    """Fields the contract types as free text (``Text``), where an empty string is a valid value."""
    model = EVENT_TYPES[event_type]
    return {wire_name(n, f.alias) for n, f in model.model_fields.items() if repr(TEXT_PATTERN) in repr(f.annotation)}


def datetime_fields(event_type: str) -> list[str]:
    payload = example(event_type)
    return [k for k, v in payload.items() if isinstance(v, str) and parse_iso_ms(v) is not None]


def _dumps(payload: Any) -> bytes:
    return orjson.dumps(payload)


def _with_extra(raw: bytes, extra: bytes) -> bytes:
    """Insert ``,extra`` before the closing brace of an object's bytes (duplicates, bad literals)."""
    assert raw.endswith(b"}")
    return raw[:-1] + b"," + extra + b"}"


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return 12345
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return {"items": value}
    return None


Case = tuple[str, str, Callable[[str], Any]]  # (category, family, build(chaos_id) -> payload|bytes|None)


class Generator:
    """Builds the records of one run from a seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.types = event_types()

    def chaos_id(self, index: int) -> str:
        return f"chaos-{self.seed}-{index}"

    def base(self, event_type: str, chaos_id: str) -> dict[str, Any]:
        payload = example(event_type)
        payload["eventId"] = f"hostile-{chaos_id}"
        payload["chaosId"] = chaos_id
        return payload

    # -- the categories, each as (category, family, builder) cases -----------------------------

    def cases(self, *, huge: int) -> Iterator[Case]:
        """Every case once; ``huge``: how many 10 MB lines (a routable event, then plain text)."""
        for event_type in self.types:
            family = FAMILIES[_family(event_type)].name
            payload = example(event_type)
            for field in required_fields(event_type):
                yield "missing_field", family, self._drop(event_type, field)
            for field, value in payload.items():
                if field == "eventType" or _wrong_type(value) is None:
                    continue
                yield "wrong_type", family, self._set(event_type, field, _wrong_type(value))
                if isinstance(value, int | float) and not isinstance(value, bool):
                    for literal in (b"NaN", b"Infinity", b"-Infinity"):
                        yield "nan_infinity", family, self._literal(event_type, field, literal)
                    for big in (b"9223372036854775808", b"18446744073709551616", b"1" + b"0" * 30, b"1e400"):
                        yield "big_integer", family, self._literal(event_type, field, big)
                    yield "big_integer", family, self._literal(event_type, field, b"-9223372036854775809")
                if isinstance(value, str) and field != "eventId":
                    for text in ("\x00", "\x07bell", "\x1b[31m", "del\x7f", "nel\x85"):
                        yield "control_chars", family, self._set(event_type, field, value + text)
                    yield "control_chars", family, self._raw_control(event_type, field)
                    if field not in datetime_fields(event_type) and field not in free_text_fields(event_type):
                        yield "empty_value", family, self._set(event_type, field, "")
            for field in datetime_fields(event_type):
                for stamp in (
                    "0001-01-01T00:00:00Z",
                    "0001-01-01T00:00:00+01:00",
                    "9999-12-31T23:59:59Z",
                    "9999-12-31T23:59:59-01:00",
                    "10000-01-01T00:00:00Z",
                    "+275760-09-13T00:00:00Z",
                    "1969-12-31T23:59:59Z",
                    "2100-01-01T00:00:00Z",
                ):
                    yield "far_time", family, self._set(event_type, field, stamp)
            yield "duplicate_key", family, self._duplicate(event_type, valid_twice=True)
            yield "duplicate_key", family, self._duplicate(event_type, valid_twice=False)
            yield "duplicate_key", family, self._duplicate(event_type, valid_twice=False, invalid_last=True)
            yield "deep_nesting", family, self._deep(event_type, 10_000, b"[", b"]")
            yield "deep_nesting", family, self._deep(event_type, 2_000, b'{"a":', b"}")
            yield "invalid_utf8", family, self._bad_utf8(event_type)
        families = pipeline_families()
        for n, (raw) in enumerate(
            (b"[]", b"null", b"true", b"false", b"0", b'""', b"[1,2,3]", b'"inventory.received"', b"-1.5e3")
        ):
            yield "not_object", families[n % len(families)], _const(raw)
        yield "not_object", families[0], lambda cid: _dumps([cid, {"eventType": "inventory.received"}])
        yield "not_object", families[1 % len(families)], lambda cid: _dumps(cid)
        wrong: tuple[Any, ...] = ("inventory.teleported", "", 17, None, ["order.placed"], "INVENTORY.RECEIVED")
        for n, value in enumerate(wrong):
            yield "wrong_event_type", families[n % len(families)], self._set(self.types[0], "eventType", value)
        yield "empty_value", families[0], lambda cid: {"chaosId": cid}
        yield "empty_value", families[0], _const(b"{}")
        for utf8 in (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80\x80"):
            yield "invalid_utf8", families[0], _bad_bytes(utf8)
        yield "large_record", families[0], self._large(self.types[0], 900_000)
        if huge >= 1:
            yield "huge_line", families[0], self._huge(self.types[0], 10 * MB)
        if huge >= 2:
            yield "huge_line", families[0], lambda cid: cid.encode() + b" " + b"x" * (10 * MB)

    def _drop(self, event_type: str, field: str) -> Callable[[str], Any]:
        def build(cid: str) -> Any:
            payload = self.base(event_type, cid)
            payload.pop(field, None)
            return payload

        return build

    def _set(self, event_type: str, field: str, value: Any) -> Callable[[str], Any]:
        def build(cid: str) -> Any:
            payload = self.base(event_type, cid)
            payload[field] = value
            return payload

        return build

    def _literal(self, event_type: str, field: str, literal: bytes) -> Callable[[str], bytes]:
        def build(cid: str) -> bytes:
            payload = self.base(event_type, cid)
            payload.pop(field)
            return _with_extra(_dumps(payload), b'"' + field.encode() + b'":' + literal)

        return build

    def _raw_control(self, event_type: str, field: str) -> Callable[[str], bytes]:
        def build(cid: str) -> bytes:
            payload = self.base(event_type, cid)
            payload.pop(field)
            return _with_extra(_dumps(payload), b'"' + field.encode() + b'":"raw\x01\x00ctl"')

        return build

    def _duplicate(self, event_type: str, *, valid_twice: bool, invalid_last: bool = False) -> Callable[[str], bytes]:
        def build(cid: str) -> bytes:
            payload = self.base(event_type, cid)
            field = next(k for k in required_fields(event_type) if k not in ("eventType", "eventId"))
            value = payload.pop(field)
            good = b'"' + field.encode() + b'":' + _dumps(value)
            bad = b'"' + field.encode() + b'":' + _dumps(_wrong_type(value))
            first, second = (good, good) if valid_twice else ((good, bad) if invalid_last else (bad, good))
            return _with_extra(_with_extra(_dumps(payload), first), second)

        return build

    def _deep(self, event_type: str, depth: int, open_: bytes, close: bytes) -> Callable[[str], bytes]:
        def build(cid: str) -> bytes:
            nested = open_ * depth + b"1" + close * depth
            return _with_extra(_dumps(self.base(event_type, cid)), b'"nested":' + nested)

        return build

    def _bad_utf8(self, event_type: str) -> Callable[[str], bytes]:
        def build(cid: str) -> bytes:
            payload = self.base(event_type, cid)
            field = next(k for k, v in payload.items() if isinstance(v, str) and k not in ("eventType", "chaosId"))
            raw = _dumps(payload)
            return raw.replace(_dumps(payload[field]), b'"' + payload[field].encode() + b'\xff\xfe"', 1)

        return build

    def _large(self, event_type: str, size: int) -> Callable[[str], Any]:
        def build(cid: str) -> Any:
            payload = self.base(event_type, cid)
            payload.pop("timestamp")  # invalid, whatever its size
            payload["padding"] = "p" * size
            return payload

        return build

    def _huge(self, event_type: str, size: int) -> Callable[[str], Any]:
        def build(cid: str) -> Any:
            payload = self.base(event_type, cid)
            payload["padding"] = "h" * size  # a valid event but for its size
            return payload

        return build

    # -- records -------------------------------------------------------------------------------

    def valid(self, index: int) -> Record:
        event_type = self.types[index % len(self.types)]
        family = _family(event_type)
        payload = example(event_type)
        payload["eventId"] = f"valid-{self.seed}-{index}"
        moment = datetime(2025, 2, 1, tzinfo=UTC) + timedelta(minutes=self.rng.randrange(0, 60 * 24 * 28))
        payload["timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        for field, prefix in (("warehouseId", "WH-CHAOS-"), ("shipmentId", "SHP-CHAOS-"), ("orderId", "ORD-CHAOS-")):
            if field in payload:
                payload[field] = f"{prefix}{self.rng.randrange(50)}"
        return Record(
            index=index,
            category="valid",
            raw=_dumps(payload),
            family=family,
            key=routing_key(family, payload),
            event_id=payload["eventId"],
            event_type=event_type,
            event_time_ms=parse_iso_ms(payload["timestamp"]),
        )

    def hostile(self, index: int, case: Case) -> Record:
        category, family, build = case
        built = build(self.chaos_id(index))
        raw = built if isinstance(built, bytes) else _dumps(built)
        key = routing_key(family, built) if isinstance(built, dict) else None
        return Record(
            index=index,
            category=category,
            raw=raw,
            family=family,
            key=key,
            in_file=b"\n" not in raw and b"\r" not in raw and bool(raw.strip()),
            on_topic=len(raw) < MB,
        )


def _family(event_type: str) -> str:
    return next(name for name, family in FAMILIES.items() if event_type in family.event_types)


def _const(raw: bytes) -> Callable[[str], bytes]:
    return lambda cid: raw


# Cases a run holds once at most (their size is the point, not their number).
_ONCE = frozenset({"huge_line", "large_record"})


def generate(seed: int, *, hostile: int, valid: int, huge: int) -> list[Record]:
    """About ``hostile`` hostile records and ``valid`` valid ones, shuffled deterministically.

    With room for all, every case once and random repeats (with new ids) up to ``hostile``;
    below that, every missing-field case and every category at least once, the rest a sample.
    """
    gen = Generator(seed)
    cases = list(gen.cases(huge=huge))
    repeatable = [c for c in cases if c[0] not in _ONCE]
    chosen: list[Case]
    if hostile >= len(cases):
        chosen = cases + [gen.rng.choice(repeatable) for _ in range(hostile - len(cases))]
    else:
        chosen = [c for c in cases if c[0] == "missing_field" or c[0] in _ONCE]
        for category in CATEGORIES:
            chosen += [c for c in cases if c[0] == category][: 0 if any(x[0] == category for x in chosen) else 1]
        rest = [c for c in repeatable if c not in chosen]
        chosen += gen.rng.sample(rest, max(0, min(len(rest), hostile - len(chosen))))
    records = [gen.hostile(i, case) for i, case in enumerate(chosen)]
    records += [gen.valid(len(records) + i) for i in range(valid)]
    gen.rng.shuffle(records)
    return records


def topic_only(seed: int) -> list[Record]:
    """Records only a topic can carry: an empty record, a tombstone, other families' valid events."""
    gen = Generator(seed)
    families = pipeline_families()
    records = [
        Record(index=-1, category="empty_value", raw=b"", family=families[0], key=None, in_file=False),
        Record(index=-2, category="empty_value", raw=None, family=families[-1], key=b"tombstone", in_file=False),
    ]
    for n, family in enumerate(families):
        other = families[(n + 1) % len(families)]
        event_type = FAMILIES[other].event_types[0]
        payload = gen.base(event_type, f"chaos-{seed}-wrongtopic-{n}")
        records.append(
            Record(
                index=-3 - n,
                category="wrong_event_type",
                raw=_dumps(payload),
                family=family,
                key=routing_key(family, payload) or b"k",
                in_file=False,
            )
        )
    return records


def _bad_bytes(sequence: bytes) -> Callable[[str], bytes]:
    return lambda cid: b'{"chaosId":"' + cid.encode() + b'","x":"' + sequence + b'"}'
