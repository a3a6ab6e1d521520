"""`supplylake lake docs` prints the table reference rendered from the table definitions."""

from __future__ import annotations

from typer.testing import CliRunner

from supplylake.cli.main import app
from supplylake.lake.tables import TABLES


def test_lake_docs_prints_every_table_with_its_columns() -> None:
    result = CliRunner().invoke(app, ["lake", "docs"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Lake tables\n")
    for spec in TABLES:
        assert f"## `{spec.name}`" in result.output
        assert all(f"| `{column.name}` |" in result.output for column in spec.columns)
