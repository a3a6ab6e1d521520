"""Per-key state <-> JSON types, derived from the state's dataclass fields.

Quix keeps state values as JSON, so every piece of per-key state (a stock level, a shipment, a
timer slot) needs an encoder to JSON types and a strict decoder back. Writing them by hand
restated each field four times and drifted (one decoder type-checked every value, the next
accepted anything). :class:`StateCodec` derives both from the dataclass's type hints instead:
adding a field to a state dataclass is the whole change.

Supported field types: ``int``, ``float``, ``str``, ``bool``, ``Any`` (passed through), str
enums, nested dataclasses, ``X | None``, ``tuple[X, ...]``, fixed ``tuple[X, Y]``, ``list[X]``
and ``Mapping[str, X]`` / ``dict[str, X]``. A dataclass encodes as a JSON object of all its
fields (key order is kept: JSON objects come back in the order written), tuples and lists as
arrays, enums as their values.

Decoding is strict, so a corrupt or foreign state fails at once with the path of the bad value
instead of misbehaving later: every field must be present and no other key, ``int`` rejects
``bool`` and floats, ``str`` rejects anything else, enums take only their values. A dataclass
with a ``__post_init__`` (or slots) is built through its ``__init__``, so its checks still run.
Each codec writes a format version (``"v"``) into the top-level object and refuses any other
version, except one its ``upgrades`` name: a function that turns a stored object of that
version into one of the next (a new field with its default), applied before the strict decode;
checks that span several fields (a window in order, levels that add up) go in ``check``.

The encoder and decoder of each dataclass are generated as Python source once (the way
``dataclasses`` generates ``__init__``), so a plain field costs one attribute read and one type
check, not a function call: that is what makes the derived codec faster than the hand-written
ones it replaced.

Measured against the hand-written codecs, a pydantic ``TypeAdapter`` and msgspec: see the
closing note of issue 7 (``python -m bench.micro.state_codecs`` reproduces it).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, Self, TypeVar

from supplylake.errors import FatalError

T = TypeVar("T")

VERSION_KEY = "v"

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


class StateCodecError(FatalError):
    """A stored state cannot be decoded (or a state type cannot get a codec)."""


class _Invalid(Exception):
    """Internal: a value is not what its field's type says. Containers prepend their part of
    the path while the exception passes through them, so paths cost nothing on success."""

    def __init__(self, expected: str, value: Any) -> None:
        super().__init__(expected)
        self.expected = expected
        self.value = value
        self.path: list[str] = []

    def at(self, segment: str) -> _Invalid:
        self.path.append(segment)
        return self

    def __str__(self) -> str:
        where = "".join(reversed(self.path)).lstrip(".") or "state"
        return f"{where}: expected {self.expected}, got {_shown(self.value)}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class StateCodec(Generic[T]):
    """Encoder and strict decoder of one state dataclass, derived from its type hints.

    ``error`` is the exception type decoding raises (the component's own, e.g.
    ``StockStateError``); it is called with a message and a ``hint`` keyword. ``check`` runs on
    the decoded value and raises ``error`` itself for cross-field inconsistencies.
    """

    def __init__(
        self,
        cls: type[T],
        *,
        version: int,
        error: Callable[..., Exception] = StateCodecError,
        check: Callable[[T], None] | None = None,
        computed: tuple[str, ...] = (),
        upgrades: Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
    ) -> None:
        if not dataclasses.is_dataclass(cls):
            raise StateCodecError(f"{cls!r} is not a dataclass", hint="state codecs derive from dataclass fields")
        self.cls = cls
        self.version = version
        self._error = error
        self._check = check
        self._computed = computed
        self._upgrades = dict(upgrades or {})
        self._encode_fields, self._decode_fields = _dataclass_codec(cls, extra_keys=(VERSION_KEY, *computed))

    def encode(self, value: T) -> dict[str, Any]:
        """JSON types only (dict/list/str/int/float/bool/None), with the format version."""
        data: dict[str, Any] = {VERSION_KEY: self.version}
        data.update(self._encode_fields(value))
        for name in self._computed:
            data[name] = getattr(value, name)
        return data

    def decode(self, data: Any) -> T:
        """The state ``encode`` wrote; raises ``error`` for anything else."""
        name = self.cls.__name__
        if not isinstance(data, Mapping):
            raise self._error(
                f"stored {name} is not a JSON object: {_shown(data)}", hint="the state is corrupt; re-seed it"
            )
        version = data.get(VERSION_KEY)
        while version != self.version and not isinstance(version, bool) and version in self._upgrades:
            data = {**self._upgrades[version](dict(data)), VERSION_KEY: version + 1}
            version = version + 1
        if version != self.version or isinstance(version, bool):
            raise self._error(
                f"stored {name} format version {version!r} is not {self.version}",
                hint="the state was written by another supplylake version; re-seed it (a new broker epoch does)",
            )
        try:
            value: T = self._decode_fields(data)
        except _Invalid as exc:
            raise self._error(f"stored {name} is malformed: {exc}", hint="the state is corrupt; re-seed it") from None
        except (TypeError, ValueError) as exc:  # raised by a dataclass's own __post_init__
            raise self._error(f"stored {name} is malformed: {exc}", hint="the state is corrupt; re-seed it") from exc
        for computed in self._computed:
            expected = getattr(value, computed)
            if data[computed] != expected or type(data[computed]) is not type(expected):
                raise self._error(
                    f"stored {name} says {computed}={_shown(data[computed])}, its fields give {_shown(expected)}",
                    hint="the state is corrupt; re-seed it",
                )
        if self._check is not None:
            self._check(value)
        return value


class StoredState:
    """Mixin for a state dataclass: ``to_dict()`` / ``from_dict()`` through its derived codec.

    Set ``state_version`` (bump it whenever a field changes, and note it in CHANGELOG.md under
    "State format changes") and ``state_error`` (the component's error type); override
    :meth:`check_stored` for checks that span fields. ``stored_properties`` names properties
    written next to the fields for whoever reads the raw state (a changelog, a debugger) and
    compared with the recomputed value on decode, so they double as a checksum. The codec is derived on first use, once
    the module defining the class (and its field types) is fully imported.
    """

    __slots__ = ()

    state_version: ClassVar[int] = 1
    state_error: ClassVar[Callable[..., Exception]] = StateCodecError
    stored_properties: ClassVar[tuple[str, ...]] = ()
    #: version -> the function that turns a stored object of it into one of the next version.
    state_upgrades: ClassVar[Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}

    def check_stored(self) -> None:
        """Cross-field checks of a decoded state; raise ``state_error`` when they fail."""

    def to_dict(self) -> dict[str, Any]:
        return _codec_of(type(self)).encode(self)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        decoded: Self = _codec_of(cls).decode(data)
        return decoded


_CODECS: dict[type, StateCodec[Any]] = {}


def _codec_of(cls: type[StoredState]) -> StateCodec[Any]:
    codec = _CODECS.get(cls)
    if codec is None:
        codec = _CODECS[cls] = StateCodec(
            cls,
            version=cls.state_version,
            error=cls.state_error,
            check=cls.check_stored,
            computed=cls.stored_properties,
            upgrades=cls.state_upgrades,
        )
    return codec


# -- derivation -------------------------------------------------------------------------------


def _codec_for(hint: Any) -> tuple[Encoder | None, Decoder]:
    """(encoder, decoder) of one type; encoder None means the value is already JSON-typed."""
    if hint is Any:
        return None, _decode_any
    if hint is bool:
        return None, _decode_exact(bool, "a bool")
    if hint is int:
        return None, _decode_int
    if hint is float:
        return None, _decode_float
    if hint is str:
        return None, _decode_exact(str, "a string")
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum_codec(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        encode, decode = _dataclass_codec(hint)
        return encode, decode
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in args if arg is not type(None)]
        if len(inner) == 1 and len(args) == 2:
            return _optional_codec(*_codec_for(inner[0]), inner[0])
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _sequence_codec(args[0])
        return _fixed_tuple_codec(args)
    if origin is list and len(args) == 1:
        encode_items, decode_items = _sequence_codec(args[0])
        return encode_items, lambda value: list(decode_items(value))
    if origin in (dict, Mapping) and args and args[0] is str:
        return _mapping_codec(args[1])
    raise StateCodecError(
        f"no state codec for the type {hint!r}",
        hint="use int/float/str/bool, str enums, dataclasses, X | None, tuple[X, ...] or Mapping[str, X]",
    )


# Field types checked inline by the generated decoder: type -> (accepted type, label).
_INLINE: Mapping[Any, tuple[type, str]] = {
    int: (int, "an int"),
    str: (str, "a string"),
    bool: (bool, "a bool"),
    float: (float, "a number"),
}


def _dataclass_codec(cls: type, *, extra_keys: tuple[str, ...] = ()) -> tuple[Encoder, Decoder]:
    """Encoder and decoder generated as Python source (as ``dataclasses`` generates
    ``__init__``): one attribute read and one type check per plain field, no per-field calls."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    if any(not f.init for f in fields):
        raise StateCodecError(f"{cls.__name__} has init=False fields", hint="state codecs need every field in __init__")
    names = [f.name for f in fields]
    namespace: dict[str, Any] = {
        "cls": cls,
        "_Invalid": _Invalid,
        "_wrong_fields": _wrong_fields,
        "expected": frozenset(names) | frozenset(extra_keys),
        "label": f"an object with the fields of {cls.__name__}",
    }
    encode_items: list[str] = []
    decode_lines: list[str] = []
    for name in names:
        hint = hints[name]
        optional = False
        args = typing.get_args(hint)
        if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
            optional = True
            hint = next(arg for arg in args if arg is not type(None))
        local = f"f_{name}"
        decode_lines.append(f"    {local} = data[{name!r}]")
        if hint is Any:
            encode_items.append(f"{name!r}: value.{name}")
        elif hint in _INLINE:
            kind, label = _INLINE[hint]
            namespace[f"t_{name}"] = kind
            label += " or null" if optional else ""
            guard = f"{local} is not None and " if optional else ""
            encode_items.append(f"{name!r}: value.{name}")
            decode_lines.append(f"    if {guard}type({local}) is not t_{name}:")
            if hint is float:  # an int-valued float may be stored without its ".0"
                decode_lines.append(f"        if type({local}) is not int:")
                decode_lines.append(f"            raise _Invalid({label!r}, {local}).at({'.' + name!r})")
                decode_lines.append(f"        {local} = float({local})")
            else:
                decode_lines.append(f"        raise _Invalid({label!r}, {local}).at({'.' + name!r})")
        else:
            encode, decode = _codec_for(hint)
            namespace[f"d_{name}"] = decode
            if encode is None:
                encode_items.append(f"{name!r}: value.{name}")
            else:
                namespace[f"e_{name}"] = encode
                if optional:
                    encode_items.append(f"{name!r}: None if (v := value.{name}) is None else e_{name}(v)")
                else:
                    encode_items.append(f"{name!r}: e_{name}(value.{name})")
            guard = f"{local} is not None" if optional else "True"
            decode_lines.append(f"    if {guard}:")
            decode_lines.append("        try:")
            decode_lines.append(f"            {local} = d_{name}({local})")
            decode_lines.append("        except _Invalid as exc:")
            decode_lines.append(f"            raise exc.at({'.' + name!r}) from None")
    if "__slots__" in cls.__dict__ or hasattr(cls, "__post_init__"):
        build = "    return cls(" + ", ".join(f"{name}=f_{name}" for name in names) + ")"
    else:
        # Nothing to check in __init__: fill the instance dict directly (a frozen dataclass's
        # __init__ pays one object.__setattr__ per field, a third of a small state's decode).
        namespace["_new"] = object.__new__
        build = "\n".join(
            [
                "    built = _new(cls)",
                "    built.__dict__.update({" + ", ".join(f"{name!r}: f_{name}" for name in names) + "})",
                "    return built",
            ]
        )
    source = "\n".join(
        [
            "def encode(value):",
            "    return {" + ", ".join(encode_items) + "}",
            "",
            "def decode(data):",
            "    if type(data) is not dict:",
            "        raise _Invalid(label, data)",
            "    if data.keys() != expected:",
            "        raise _wrong_fields(label, expected, data)",
            *decode_lines,
            build,
        ]
    )
    exec(compile(source, f"<state codec of {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    return namespace["encode"], namespace["decode"]


def _wrong_fields(label: str, expected: frozenset[str], data: dict[str, Any]) -> _Invalid:
    missing = sorted(expected - data.keys())
    unknown = sorted(set(data) - expected)
    return _Invalid(f"{label} (missing {missing}, unknown {unknown})", "another set of fields")


def _decode_any(value: Any) -> Any:
    return value


def _decode_exact(kind: type, label: str) -> Decoder:
    def decode(value: Any) -> Any:
        if type(value) is not kind:
            raise _Invalid(label, value)
        return value

    return decode


def _decode_int(value: Any) -> int:
    if type(value) is not int:  # bool is a subclass of int: rejected on purpose
        raise _Invalid("an int", value)
    return value


def _decode_float(value: Any) -> float:
    kind = type(value)
    if kind is float or kind is int:  # an int-valued float may be stored without its ".0"
        return float(value)
    raise _Invalid("a number", value)


def _enum_codec(cls: type[enum.Enum]) -> tuple[Encoder, Decoder]:
    members = {member.value: member for member in cls}
    label = f"one of {sorted(members)}"

    def decode(value: Any) -> Any:
        member = members.get(value) if type(value) is str else None
        if member is None:
            raise _Invalid(label, value)
        return member

    return _enum_value, decode


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _optional_codec(encode: Encoder | None, decode: Decoder, inner: Any) -> tuple[Encoder | None, Decoder]:
    # Encoders are never called with None (the dataclass encoder skips it), so only decode wraps.
    def decode_optional(value: Any) -> Any:
        return None if value is None else decode(value)

    return encode, decode_optional


# Element types whose whole array can be checked at C speed: {*map(type, items)} <= {kind}.
_PLAIN_ELEMENTS: Mapping[Any, type] = {int: int, str: str, bool: bool}


def _sequence_codec(item: Any) -> tuple[Encoder, Decoder]:
    plain = _PLAIN_ELEMENTS.get(item)
    if plain is not None:
        allowed = {plain}
        label = f"an array of {plain.__name__}"

        def decode_plain(value: Any) -> tuple[Any, ...]:
            if type(value) not in (list, tuple) or not {*map(type, value)} <= allowed:
                raise _Invalid(label, value)
            return tuple(value)

        return list, decode_plain

    encode_item, decode_item = _codec_for(item)

    def encode(value: Any) -> list[Any]:
        if encode_item is None:
            return list(value)
        return [None if element is None else encode_item(element) for element in value]

    def decode(value: Any) -> tuple[Any, ...]:
        if type(value) not in (list, tuple):
            raise _Invalid("an array", value)
        try:
            return tuple(map(decode_item, value))
        except _Invalid as exc:
            raise exc.at(f"[{_failed_index(value, decode_item)}]") from None

    return encode, decode


def _fixed_tuple_codec(items: tuple[Any, ...]) -> tuple[Encoder, Decoder]:
    count = len(items)
    label = f"an array of {count} items"
    if all(item in _INLINE for item in items):
        kinds = tuple(_INLINE[item][0] for item in items)
        floats = tuple(kind is float for kind in kinds)

        def decode_plain(value: Any) -> tuple[Any, ...]:
            if type(value) not in (list, tuple) or len(value) != count:
                raise _Invalid(label, value)
            decoded = []
            for element, kind, is_float in zip(value, kinds, floats, strict=True):
                if type(element) is not kind:
                    if not (is_float and type(element) is int):
                        raise _Invalid(label + f" of {', '.join(k.__name__ for k in kinds)}", value)
                    element = float(element)
                decoded.append(element)
            return tuple(decoded)

        return list, decode_plain

    codecs = [_codec_for(item) for item in items]

    def encode(value: Any) -> list[Any]:
        return [
            element if encode_item is None or element is None else encode_item(element)
            for element, (encode_item, _) in zip(value, codecs, strict=True)
        ]

    def decode(value: Any) -> tuple[Any, ...]:
        if type(value) not in (list, tuple) or len(value) != count:
            raise _Invalid(label, value)
        decoded: list[Any] = []
        try:
            for element, (_, decode_item) in zip(value, codecs, strict=True):
                decoded.append(decode_item(element))
        except _Invalid as exc:
            raise exc.at(f"[{len(decoded)}]") from None
        return tuple(decoded)

    return encode, decode


def _mapping_codec(item: Any) -> tuple[Encoder, Decoder]:
    plain = _PLAIN_ELEMENTS.get(item)
    keys_ok = {str}

    if plain is not None:
        allowed = {plain}
        label = f"an object of {plain.__name__} values"

        def decode_plain(value: Any) -> dict[str, Any]:
            if type(value) is not dict or not (
                {*map(type, value)} <= keys_ok and {*map(type, value.values())} <= allowed
            ):
                raise _Invalid(label, value)
            return dict(value)

        return dict, decode_plain

    if item is Any:

        def decode_any_values(value: Any) -> dict[str, Any]:
            if type(value) is not dict or not {*map(type, value)} <= keys_ok:
                raise _Invalid("an object with string keys", value)
            return dict(value)

        return dict, decode_any_values

    encode_item, decode_item = _codec_for(item)

    def encode(value: Any) -> dict[str, Any]:
        if encode_item is None:
            return dict(value)
        return {key: None if element is None else encode_item(element) for key, element in value.items()}

    def decode(value: Any) -> dict[str, Any]:
        if type(value) is not dict or not {*map(type, value)} <= keys_ok:
            raise _Invalid("an object with string keys", value)
        decoded = {}
        key = ""
        try:
            for key, element in value.items():
                decoded[key] = decode_item(element)
        except _Invalid as exc:
            raise exc.at(f".{key}") from None
        return decoded

    return encode, decode


def _failed_index(items: Any, decode_item: Decoder) -> int:
    """Index of the first item ``decode_item`` rejects (only called once one was rejected)."""
    for index, element in enumerate(items):
        try:
            decode_item(element)
        except _Invalid:
            return index
    return -1
