"""Named query files with ``:name`` parameters (the files in ``sql/``).

Convention: a parameter is written ``:name`` (letters, digits, underscore) anywhere a value can
go, e.g. ``WHERE order_id = :order_id``, and given on the command line as
``--param name=value``. Every value is bound as a SQL *string literal* (quotes doubled), never
pasted as SQL, so a value cannot change the statement; cast it in the query when it is a number
or a time (``CAST(:since AS TIMESTAMPTZ)``).

Placeholders are found with sqlglot's tokenizer, so a ``:`` inside a string literal or a comment,
and casts like ``x::INT``, are left alone. Binding happens before the read-only check, which
then sees an ordinary query.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

import sqlglot
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from supplylake.query.errors import QueryError


class ParameterError(QueryError):
    """A named query's parameters do not match what was given."""


def parse_params(pairs: Iterable[str]) -> dict[str, str]:
    """``["order_id=ORD-1"]`` -> ``{"order_id": "ORD-1"}`` (the value may contain ``=``)."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ParameterError(f"--param {pair!r} is not name=value", hint="e.g. --param order_id=ORD-20250115-0001")
        params[name] = value
    return params


def placeholders(sql: str, *, dialect: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end inclusive, name) of every ``:name`` placeholder, in order."""
    try:
        tokens = sqlglot.tokenize(sql, read=dialect or "duckdb")
    except SqlglotError as exc:
        raise QueryError(f"the query file does not tokenize: {exc}") from exc
    found: list[tuple[int, int, str]] = []
    for colon, name in itertools.pairwise(tokens):
        adjacent = name.start == colon.end + 1
        if colon.token_type is TokenType.COLON and adjacent and name.token_type is TokenType.VAR:
            found.append((colon.start, name.end, name.text))
    return found


def bind_params(sql: str, params: Mapping[str, str], *, dialect: str | None = None) -> str:
    """Replace each ``:name`` by the quoted value of ``name``; every name must match both ways."""
    spots = placeholders(sql, dialect=dialect)
    wanted = {name for _, _, name in spots}
    if missing := sorted(wanted - params.keys()):
        raise ParameterError(
            f"the query needs {', '.join(':' + n for n in missing)}",
            hint=" ".join(f"--param {n}=..." for n in missing),
        )
    if unused := sorted(params.keys() - wanted):
        raise ParameterError(
            f"the query has no parameter {', '.join(':' + n for n in unused)}",
            hint=f"its parameters are {', '.join(':' + n for n in sorted(wanted)) or 'none'}",
        )
    for start, end, name in reversed(spots):
        literal = "'" + params[name].replace("'", "''") + "'"
        sql = sql[:start] + literal + sql[end + 1 :]
    return sql
