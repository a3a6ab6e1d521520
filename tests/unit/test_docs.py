"""The README says what the code does: its settings table and its lake table list are checked.

README "## Configuration" against the pydantic settings (supplylake/settings.py): every
documented variable exists, every field is documented, and a default shown in the table is
the code's default. Rows may group variables the way the README writes them:
``SUPPLYLAKE_KAFKA__SASL_MECHANISM``, ``__SASL_USERNAME`` (same group), ``SUPPLYLAKE_TOPICS__INVENTORY``
… ``__SIGNALS`` (every field from one to the other, in declaration order), ``A`` / ``B``. A
default cell in italics or "see …" describes rather than states a value and is not compared;
``1``, ``2`` gives one default per variable. docs/shipments.md's settings table is checked the
same way.

README "## The lake" against the lake's table registry: the same tables, each with the same
columns in the same order (the ``_src_*`` source columns every table carries are documented once
in the prose above the table). Views (marked "(view)") are not tables and are skipped.

docs/lake-tables.md (types, nullability and descriptions of every column) is generated from the
table definitions; it must equal what ``supplylake lake docs`` renders today.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from supplylake.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SHIPMENTS_DOC = ROOT / "docs" / "shipments.md"
SOURCE_COLUMN_PREFIX = "_src_"


def lake_table_columns() -> dict[str, list[str]]:
    """Table name -> its own columns (without the source columns), from the lake's table registry.

    The one place this test reaches into the lake package: adapt it if the registry moves.
    """
    from supplylake.lake.tables import TABLES

    return {spec.name: [c.name for c in spec.columns if not c.name.startswith(SOURCE_COLUMN_PREFIX)] for spec in TABLES}


# --- reading markdown -----------------------------------------------------------------------------


def section(path: Path, heading: str) -> str:
    """The text under ``heading`` (a ``## `` line) up to the next heading of the same level."""
    text = path.read_text()
    match = re.search(rf"^{re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, f"{path.name} has no {heading!r} section"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the first markdown table in ``text``, as cells (``\\|`` is a literal bar)."""
    rows: list[list[str]] = []
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            lines.append(line)
        elif lines:
            break  # the end of the first table
    for line in lines[2:]:  # header and separator
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        rows.append([cell.strip().replace("\\|", "|") for cell in cells])
    assert rows, "no table found"
    return rows


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


# --- settings ---------------------------------------------------------------------------------------


def settings_fields() -> dict[str, Any]:
    """Environment variable -> the field's default, for every leaf setting."""
    fields: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub, sub_field in annotation.model_fields.items():
                fields[f"{ENV_PREFIX}{name.upper()}__{sub.upper()}"] = _default(sub_field)
        else:
            fields[f"{ENV_PREFIX}{name.upper()}"] = _default(field)
    return fields


def _default(field: Any) -> Any:
    if field.default is not PydanticUndefined:
        return field.default
    return field.default_factory()


def group_fields(group: str) -> list[str]:
    """Variables of one settings group (``SUPPLYLAKE_TOPICS__``), in declaration order."""
    return [name for name in settings_fields() if name.startswith(group)]


def documented_variables(cell: str) -> list[str]:
    """Expand a README variable cell into full variable names (see the module doc)."""
    names: list[str] = []
    group = ENV_PREFIX
    pieces = re.split(r"(`[^`]+`)", cell)
    pending_range = False
    for piece in pieces:
        if not piece.startswith("`"):
            pending_range = pending_range or "…" in piece
            continue
        token = piece.strip("`")
        if token.startswith("__"):
            name = group + token[2:]
        else:
            name = token
            group = name[: name.index("__") + 2] if "__" in name else ENV_PREFIX
        if pending_range and names:
            members = group_fields(group)
            start, end = members.index(names[-1]), members.index(name)
            names.extend(members[start + 1 : end])
        pending_range = False
        names.append(name)
    return names


def documented_defaults(cell: str) -> list[str] | None:
    """The default values a cell states, or None when it describes instead (italics, "see …", empty)."""
    if not cell or cell.startswith(("*", "see ")):
        return None
    return code_spans(cell) or [value.strip() for value in cell.split(",")]


def same_default(documented: str, code: Any) -> bool:
    if isinstance(code, bool):
        return documented.lower() == str(code).lower()
    if isinstance(code, int | float):
        return float(documented.replace("_", "").replace(",", "")) == float(code)
    if isinstance(code, Path):
        return Path(documented) == code
    return documented.strip("'\"") == str(code)


def settings_rows() -> Iterator[tuple[str, list[str], list[str] | None]]:
    """(doc, variables, defaults) for every row of README's and docs/shipments.md's settings tables."""
    for cells in table_rows(section(README, "## Configuration")):
        yield "README.md", documented_variables(cells[0]), documented_defaults(cells[1])
    for cells in table_rows(section(SHIPMENTS_DOC, "## Settings (`SUPPLYLAKE_SHIPMENTS__…`)")):
        names = [f"{ENV_PREFIX}SHIPMENTS__{name}" for name in code_spans(cells[0])]
        yield "docs/shipments.md", names, documented_defaults(cells[1])


def test_every_documented_setting_exists() -> None:
    known = settings_fields()
    unknown = [(doc, name) for doc, names, _ in settings_rows() for name in names if name not in known]
    assert not unknown, f"documented but not in supplylake/settings.py: {unknown}"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = {name for doc, names, _ in settings_rows() if doc == "README.md" for name in names}
    missing = [name for name in settings_fields() if name not in readme]
    assert not missing, f"add to README's Configuration table: {missing}"


def test_documented_defaults_are_the_code_defaults() -> None:
    known = settings_fields()
    wrong: list[tuple[str, str, str, Any]] = []
    for doc, names, defaults in settings_rows():
        if defaults is None:
            continue
        assert len(defaults) in (1, len(names)), f"{doc}: one default, or one per variable: {names} {defaults}"
        for name, default in zip(names, defaults * len(names) if len(defaults) == 1 else defaults, strict=True):
            if name in known and not same_default(default, known[name]):
                wrong.append((doc, name, default, known[name]))
    assert not wrong, f"(doc, variable, documented default, code default): {wrong}"


def test_the_variable_cell_expansion() -> None:
    """The grouping rules the tests above rely on."""
    assert documented_variables("`SUPPLYLAKE_KAFKA__SASL_MECHANISM`, `__SASL_USERNAME`") == [
        "SUPPLYLAKE_KAFKA__SASL_MECHANISM",
        "SUPPLYLAKE_KAFKA__SASL_USERNAME",
    ]
    expanded = documented_variables("`SUPPLYLAKE_TOPICS__INVENTORY` … `__SALES`, `__ALERTS`")
    assert expanded == [
        "SUPPLYLAKE_TOPICS__INVENTORY",
        "SUPPLYLAKE_TOPICS__ORDERS",
        "SUPPLYLAKE_TOPICS__SHIPMENTS",
        "SUPPLYLAKE_TOPICS__SUPPLIERS",
        "SUPPLYLAKE_TOPICS__SALES",
        "SUPPLYLAKE_TOPICS__ALERTS",
    ]
    assert documented_variables("`SUPPLYLAKE_DATA_DIR`") == ["SUPPLYLAKE_DATA_DIR"]
    assert documented_defaults("`100`, `7`") == ["100", "7"]
    assert documented_defaults("*(embedded)*") is None


# --- the lake -------------------------------------------------------------------------------------------


def documented_tables() -> dict[str, list[str]]:
    """Table name -> column names from README's lake table (views left out)."""
    tables: dict[str, list[str]] = {}
    for cells in table_rows(section(README, "## The lake")):
        name_cell, _, columns_cell = cells
        if "(view)" in name_cell:
            continue
        (name,) = code_spans(name_cell)
        without_notes = columns_cell
        while "(" in without_notes:  # remarks such as "payload (the wire JSON)", innermost first
            without_notes = re.sub(r"\([^()]*\)", "", without_notes)
        tables[name] = [column.strip() for column in without_notes.split(",") if column.strip()]
    return tables


def test_the_readme_lists_every_lake_table() -> None:
    assert sorted(documented_tables()) == sorted(lake_table_columns())


@pytest.mark.parametrize("table", sorted(lake_table_columns()))
def test_the_readme_lists_a_tables_columns_in_order(table: str) -> None:
    assert documented_tables().get(table) == lake_table_columns()[table]


def test_the_lake_table_reference_is_generated_from_the_definitions() -> None:
    from supplylake.lake.tables import TABLES
    from supplylake.lake.tables.reference import render_table_reference

    committed = (ROOT / "docs" / "lake-tables.md").read_text()
    assert committed == render_table_reference(TABLES), (
        "docs/lake-tables.md is out of date. Hint: regenerate it with `supplylake lake docs > docs/lake-tables.md`"
    )


def test_the_readme_and_the_reliability_report_name_every_chaos_scenario() -> None:
    """A scenario added to chaos/scenarios is described in the README and has rows in the report."""
    from chaos.render import REPORT
    from chaos.scenarios import SCENARIOS

    described = set(re.findall(r"^- `(\w+)` — ", section(README, "## Reliability"), flags=re.MULTILINE))
    rows = table_rows(REPORT.read_text())
    reported = {row[0] for row in rows if not row[1].startswith(("not run yet", "not yet built"))}
    assert described == set(SCENARIOS)
    assert set(SCENARIOS) <= reported, "docs/RELIABILITY.md is out of date. Hint: run `make chaos`"
