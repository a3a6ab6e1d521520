"""Load DuckDB's iceberg extension offline, from the ``duckdb-extension-*`` wheels.

DuckDB normally downloads extensions on first use; that is impossible here (and unwanted in
production: a query should not depend on extensions.duckdb.org). The wheels ship the binaries as
``duckdb_extension_<name>/extensions/v<duckdb version>/<name>.duckdb_extension``.

The small ``duckdb_extensions.import_extension`` helper those wheels advertise runs
``INSTALL '<file>'``, which copies the binary into ``~/.duckdb/extensions`` (a write outside the
project, and it is not even installed in our environment). ``LOAD '<file>'`` straight from the
wheel does the same job per connection without writing anywhere, so we do that.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

from supplylake.query.errors import ExtensionUnavailable

# iceberg reads manifests with avro; with autoinstall off it would not find it on its own.
ICEBERG_EXTENSIONS: tuple[str, ...] = ("avro", "iceberg")
# Object stores (s3://, gs://, https://) in the scale-out setup.
REMOTE_EXTENSIONS: tuple[str, ...] = ("httpfs",)


def duckdb_version() -> str:
    """The running DuckDB version as the wheels name their folders, e.g. ``v1.5.5``."""
    return f"v{duckdb.__version__}"


def extension_file(name: str) -> Path:
    """Where the ``duckdb-extension-<name>`` wheel keeps the binary for the running DuckDB."""
    module = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionUnavailable(
            f"the DuckDB {name} extension is not installed (Python package {module} is missing)",
            hint=f"pip install duckdb-extension-{name}=={duckdb.__version__}",
        )
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    version_dir = package_dir / "extensions" / duckdb_version()
    binary = version_dir / f"{name}.duckdb_extension"
    if not binary.is_file():
        shipped = sorted(p.name for p in (package_dir / "extensions").glob("v*"))
        raise ExtensionUnavailable(
            f"duckdb-extension-{name} ships builds for {', '.join(shipped) or 'no version'} "
            f"but DuckDB is {duckdb_version()}",
            hint=f"pin duckdb and duckdb-extension-{name} to the same version "
            f"(pip install duckdb-extension-{name}=={duckdb.__version__})",
        )
    return binary


def loaded_extensions(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()
    return {row[0] for row in rows}


def load_extensions(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """Load ``names`` in order into ``con``; extensions already loaded there are skipped."""
    # Never fall back to a download: offline it would hang on the network, online it would
    # fetch a binary nobody pinned.
    con.execute("SET autoinstall_known_extensions = false")
    already = loaded_extensions(con)
    for name in names:
        if name in already:
            continue
        binary = extension_file(name)
        try:
            con.execute(f"LOAD '{_sql_string(str(binary))}'")
        except duckdb.Error as exc:
            raise ExtensionUnavailable(
                f"DuckDB {duckdb_version()} could not load the {name} extension: {exc}",
                hint=f"reinstall duckdb-extension-{name}=={duckdb.__version__} "
                "(it must match the DuckDB version exactly)",
            ) from exc


def load_iceberg(con: duckdb.DuckDBPyConnection, *, remote: bool = False) -> None:
    """Make ``iceberg_scan()`` available on ``con`` (plus httpfs when tables live remotely)."""
    load_extensions(con, ICEBERG_EXTENSIONS + (REMOTE_EXTENSIONS if remote else ()))


def _sql_string(text: str) -> str:
    return text.replace("'", "''")
