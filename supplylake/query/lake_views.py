"""DuckDB views over the lake's Iceberg tables, pinned to what the catalog reports.

Every table of the namespace becomes a view ``<namespace>.<table>`` (and, through the search
path, plain ``<table>``) over ``iceberg_scan('<metadata_location>', snapshot_from_id=...)``.

Why pin the exact ``metadata_location`` from the catalog: SqlCatalog writes no
``version-hint.text``, and a commit killed half-way leaves an orphan metadata file with the next
version number, so "newest file in the metadata folder" can be a commit that never happened.
The catalog pointer is the only truth. A pinned view reads immutable files only, so readers
never block or disturb writers; :meth:`LakeReader.refresh` moves the pins forward.

Time travel (``as_of``): each table is pinned to the snapshot that was current at that moment
(the snapshot log, as ``Table.snapshot_as_of_timestamp`` reads it). A table with no snapshot at
that moment — created later, or still empty then — becomes an *empty view with its current
columns*, like a fresh table today, so queries and derived views keep working. Two cases raise
:class:`NoSnapshotAtTime` instead of silently answering "nothing": ``as_of`` before the lake's
first commit (no table has a snapshot then: almost always a wrong date or time zone), and a
table whose history before ``as_of`` was expired (maintenance keeps the last N snapshots) — that
table's view is left out and naming it raises, since "empty" would be a lie.
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlparse

import duckdb
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError
from pyiceberg.table import Table
from pyiceberg.table.snapshots import Snapshot

from supplylake.errors import SupplylakeError
from supplylake.lake.snapshot_properties import COMMITTED_AT_PROPERTY
from supplylake.query.errors import NoSnapshotAtTime, QueryError, UnknownTable
from supplylake.query.extensions import load_iceberg
from supplylake.query.sql_files import read_view, view_names

# The derived views: one per sql/views/<name>.sql (the inventory pipeline's seeding runs the same
# inventory_current rule). Read once at import; the files ship inside the package.
DEFAULT_DERIVED_VIEWS: Mapping[str, str] = {name: read_view(name) for name in view_names()}
INVENTORY_CURRENT_SQL = DEFAULT_DERIVED_VIEWS["inventory_current"]


@dataclass(frozen=True)
class TablePin:
    """What one view reads: the table's metadata file and snapshot (None: an empty view)."""

    table: str
    metadata_location: str
    snapshot_id: int | None
    snapshot_at: datetime | None
    committed_at: datetime | None


@dataclass
class _ConnectionState:
    as_of: datetime | None
    allowed_prefixes: tuple[str, ...]
    pins: dict[str, TablePin] = field(default_factory=dict)
    # View name -> why it is missing; the runner turns "table does not exist" into this error.
    unavailable: dict[str, SupplylakeError] = field(default_factory=dict)


@dataclass(frozen=True)
class _Resolved:
    """A table at the requested moment: a pin, or the reason there is none."""

    pin: TablePin | None
    # Where its files live: the table location, its metadata folder, any write.*.path override.
    locations: tuple[str, ...]
    problem: SupplylakeError | None = None


class LakeReader:
    """Opens DuckDB connections whose views read one Iceberg namespace, pinned per connection."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        namespace: str = "supplylake",
        derived_views: Mapping[str, str] | None = None,
    ) -> None:
        self.catalog = catalog
        self.namespace = namespace
        # None means the defaults; pass {} for no derived views at all.
        self.derived_views: Mapping[str, str] = dict(DEFAULT_DERIVED_VIEWS if derived_views is None else derived_views)
        self._states: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, _ConnectionState] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    # -- public API -------------------------------------------------------------------------

    def connect(self, as_of: datetime | None = None) -> duckdb.DuckDBPyConnection:
        """A new in-memory DuckDB connection with one view per table (and the derived views).

        ``as_of`` (naive = UTC) pins every view to the snapshot current at that moment.
        """
        as_of = _as_utc(as_of) if as_of is not None else None
        tables = self._load_tables()
        resolved = {name: _resolve(name, table, as_of) for name, table in tables.items()}
        if as_of is not None and not any(
            r.pin is not None and r.pin.snapshot_id is not None for r in resolved.values()
        ):
            raise _before_first_commit(as_of, tables.values())
        locations = [location for r in resolved.values() for location in r.locations]
        remote = any(_is_remote(location) for location in locations)

        con = duckdb.connect(":memory:")
        try:
            load_iceberg(con, remote=remote)
            # TIMESTAMPTZ values come back as UTC datetimes, whatever the machine's zone.
            con.execute("SET TimeZone = 'UTC'")
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(self.namespace)}")
            # Unqualified names (inventory_levels) and qualified ones (supplylake.inventory_levels,
            # BigQuery-style `supplylake.inventory_levels`) both resolve.
            con.execute("SET search_path = ?", [self.namespace])
            state = _ConnectionState(
                as_of=as_of,
                allowed_prefixes=_allowed_prefixes(locations, self.catalog.properties),
            )
            self._apply(con, state, resolved)
            _lock_down(con, state.allowed_prefixes)
        except BaseException:
            con.close()
            raise
        with self._lock:
            self._states[con] = state
        return con

    def refresh(self, con: duckdb.DuckDBPyConnection) -> None:
        """Re-pin ``con``'s views to the newest metadata (keeping the connection's ``as_of``).

        Tables created since are added, dropped ones removed; derived views that could not be
        created before (their tables did not exist) are tried again.
        """
        state = self._state(con)
        tables = self._load_tables()
        resolved = {name: _resolve(name, table, state.as_of) for name, table in tables.items()}
        self._apply(con, state, resolved)

    def pins(self, con: duckdb.DuckDBPyConnection) -> Mapping[str, TablePin]:
        """Table name -> what its view reads, for a connection made by :meth:`connect`."""
        return dict(self._state(con).pins)

    def unavailable(self, con: duckdb.DuckDBPyConnection) -> Mapping[str, SupplylakeError]:
        """View name -> why ``con`` does not have it (it then fails with this error)."""
        return dict(self._state(con).unavailable)

    def as_of(self, con: duckdb.DuckDBPyConnection) -> datetime | None:
        return self._state(con).as_of

    # -- internals --------------------------------------------------------------------------

    def _state(self, con: duckdb.DuckDBPyConnection) -> _ConnectionState:
        with self._lock:
            state = self._states.get(con)
        if state is None:
            raise QueryError(
                "this DuckDB connection was not opened by this LakeReader",
                hint="use LakeReader.connect() to open connections over the lake",
            )
        return state

    def _load_tables(self) -> dict[str, Table]:
        try:
            identifiers = self.catalog.list_tables(self.namespace)
        except NoSuchNamespaceError:
            # A fresh lake: no pipeline has created the namespace yet.
            return {}
        tables: dict[str, Table] = {}
        for identifier in sorted(identifiers):
            try:
                tables[identifier[-1]] = self.catalog.load_table(identifier)
            except NoSuchTableError:
                continue  # dropped between listing and loading
        return tables

    def _apply(
        self,
        con: duckdb.DuckDBPyConnection,
        state: _ConnectionState,
        resolved: Mapping[str, _Resolved],
    ) -> None:
        clashes = sorted(set(resolved) & set(self.derived_views))
        if clashes:
            raise QueryError(
                f"derived view(s) {', '.join(clashes)} have the name of a lake table",
                hint="rename the derived view",
            )
        schema = _ident(self.namespace)
        pins: dict[str, TablePin] = {}
        unavailable: dict[str, SupplylakeError] = {}
        # One transaction: another cursor on this database sees all old pins or all new ones.
        con.execute("BEGIN TRANSACTION")
        try:
            for name, item in resolved.items():
                view = f"{schema}.{_ident(name)}"
                problem = item.problem
                outside = [p for p in item.locations if not _covered(p, state.allowed_prefixes)]
                if problem is None and outside:
                    problem = UnknownTable(
                        f"table {name} has files under {outside[0]}, outside what this connection may read",
                        hint="open a new connection (LakeReader.connect) to see tables created in new locations",
                    )
                if problem is not None or item.pin is None:
                    con.execute(f"DROP VIEW IF EXISTS {view}")
                    unavailable[name] = problem or UnknownTable(f"table {name} is unavailable")
                    continue
                # Re-binding a view reads the table's manifests: skip the ones that did not move
                # (a dashboard refreshing every few seconds mostly finds nothing new).
                if state.pins.get(name) != item.pin or name in state.unavailable:
                    con.execute(f"CREATE OR REPLACE VIEW {view} AS {_scan_sql(item.pin)}")
                pins[name] = item.pin
            for name in set(state.pins) - set(resolved):
                con.execute(f"DROP VIEW IF EXISTS {schema}.{_ident(name)}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        # Outside the transaction: in DuckDB a failed statement aborts the whole transaction,
        # and a derived view whose table is missing is expected to fail.
        existing = _views(con, self.namespace)
        for name, sql in self.derived_views.items():
            if name in existing and name not in state.unavailable:
                continue  # DuckDB binds views at query time: it already sees the new pins
            problem = _create_derived(con, schema, name, sql, unavailable)
            if problem is not None:
                unavailable[name] = problem
        state.pins = pins
        state.unavailable = unavailable


def _resolve(name: str, table: Table, as_of: datetime | None) -> _Resolved:
    metadata_location = table.metadata_location
    locations = _file_locations(table)
    if as_of is None:
        return _Resolved(_pin(name, metadata_location, table.current_snapshot()), locations)
    as_of_ms = int(as_of.timestamp() * 1000)
    entry = None
    for log_entry in table.history():
        if log_entry.timestamp_ms <= as_of_ms:
            entry = log_entry
    snapshot = table.snapshot_by_id(entry.snapshot_id) if entry is not None else None
    if snapshot is not None:
        return _Resolved(_pin(name, metadata_location, snapshot), locations)
    retained = sorted(table.snapshots(), key=lambda s: s.timestamp_ms)
    if entry is not None or (retained and _had_history(table, retained[0])):
        oldest = _ms_to_datetime(retained[0].timestamp_ms) if retained else None
        problem = NoSnapshotAtTime(
            f"table {name} no longer has the snapshot that was current at {_iso(as_of)} "
            "(older snapshots were expired by lake maintenance)",
            hint=f"pick a time at or after {_iso(oldest)}" if oldest else None,
        )
        return _Resolved(None, locations, problem)
    # Nothing committed yet at that moment: an empty view with today's columns.
    return _Resolved(_pin(name, metadata_location, None), locations)


def _file_locations(table: Table) -> tuple[str, ...]:
    folders = [table.location(), table.metadata_location.rsplit("/", 1)[0]]
    for key in ("write.data.path", "write.metadata.path", "write.object-storage.path"):
        if table.properties.get(key):
            folders.append(table.properties[key])
    return tuple(dict.fromkeys(folders))


def _had_history(table: Table, oldest: Snapshot) -> bool:
    """Whether snapshots before ``oldest`` existed and were expired.

    pyiceberg clears the parent pointer of a snapshot whose parent it expires, so that cannot
    tell. Sequence numbers can (format v2+): the table's first snapshot ever has number 1. In
    v1 tables, fall back to the summary: rows existed before ``oldest`` if it did not add them
    all.
    """
    if table.format_version >= 2:
        return (oldest.sequence_number or 0) > 1
    summary = oldest.summary
    try:
        total = int(summary.get("total-records", "0")) if summary else 0
        added = int(summary.get("added-records", "0")) if summary else 0
        deleted = int(summary.get("deleted-records", "0")) if summary else 0
    except ValueError:
        return True  # cannot tell: refusing is safer than answering "empty"
    return total - added + deleted > 0


def _pin(name: str, metadata_location: str, snapshot: Snapshot | None) -> TablePin:
    if snapshot is None:
        return TablePin(name, metadata_location, None, None, None)
    snapshot_at = _ms_to_datetime(snapshot.timestamp_ms)
    committed_at = snapshot_at
    raw = snapshot.summary.get(COMMITTED_AT_PROPERTY) if snapshot.summary else None
    if raw is not None:
        # A malformed property is not worth failing a read over.
        with contextlib.suppress(ValueError):
            committed_at = _ms_to_datetime(int(raw))
    return TablePin(name, metadata_location, snapshot.snapshot_id, snapshot_at, committed_at)


def _scan_sql(pin: TablePin) -> str:
    # Built from the catalog's metadata location (quoted by _literal) and an integer id: no user text.
    location = _literal(pin.metadata_location)
    if pin.snapshot_id is None:
        # The metadata file alone gives the columns; WHERE false reads no data file.
        return f"SELECT * FROM iceberg_scan({location}) WHERE false"  # noqa: S608
    return f"SELECT * FROM iceberg_scan({location}, snapshot_from_id = {pin.snapshot_id})"  # noqa: S608


def _create_derived(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    name: str,
    sql: str,
    unavailable: Mapping[str, SupplylakeError],
) -> SupplylakeError | None:
    try:
        con.execute(f"CREATE OR REPLACE VIEW {schema}.{_ident(name)} AS {sql}")
    except duckdb.CatalogException as exc:
        missing = missing_relation(str(exc))
        cause = unavailable.get(missing) if missing else None
        if cause is not None:
            message = f"view {name} needs table {missing}: {cause.message}"
            return type(cause)(message, hint=cause.hint)
        return UnknownTable(
            f"view {name} needs {missing or 'a table'} which the lake does not have yet",
            hint="run the pipeline that writes it; the view appears on the next refresh",
        )
    except duckdb.Error as exc:
        return QueryError(f"view {name} cannot be created: {exc}")
    return None


def _views(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = ? AND NOT internal", [schema]
    ).fetchall()
    return {row[0] for row in rows}


def missing_relation(message: str) -> str | None:
    """The relation a DuckDB catalog error says does not exist."""
    match = _MISSING.search(message)
    return match.group(1) if match else None


_MISSING = re.compile(r"(?:Table|View) with name \"?([^\s\"!]+)\"?!? does not exist")


def _before_first_commit(as_of: datetime, tables: Iterable[Table]) -> NoSnapshotAtTime:
    firsts = [log[0].timestamp_ms for log in (table.history() for table in tables) if log]
    if not firsts:
        return NoSnapshotAtTime(
            f"the lake has no committed data at all, so nothing to show as of {_iso(as_of)}",
            hint="run the pipelines first; time travel needs committed snapshots",
        )
    first = _ms_to_datetime(min(firsts))
    return NoSnapshotAtTime(
        f"{_iso(as_of)} is before the oldest snapshot the lake has ({_iso(first)})",
        hint=f"pick a time at or after {_iso(first)}; times without an offset are UTC",
    )


def _lock_down(con: duckdb.DuckDBPyConnection, allowed: tuple[str, ...]) -> None:
    """Defence in depth behind the read-only SQL check: no file access outside the lake.

    iceberg_scan needs file access, so ``enable_external_access = false`` alone would break
    the views; ``allowed_directories`` re-opens exactly the table locations. DuckDB cannot make
    those read-only (a COPY TO into them would be allowed), which is why the runner refuses
    every statement that is not a query before DuckDB sees it. A function name must not load an
    extension by itself (``read_xlsx`` would autoload excel), and a name in FROM must not scan a
    Python variable of the process. Locking the configuration stops a query from switching any
    of this back on — but not table functions such as ``enable_logging``, which change settings
    anyway: :mod:`supplylake.query.lake_only` refuses those before DuckDB sees them.
    """
    con.execute("SET allowed_directories = ?", [list(allowed)])
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET python_enable_replacements = false")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _allowed_prefixes(locations: Iterable[str], catalog_properties: Mapping[str, str]) -> tuple[str, ...]:
    """Folder prefixes a connection may read: every table location and the warehouse root."""
    roots = list(locations)
    warehouse = catalog_properties.get("warehouse")
    if warehouse and ("://" in warehouse or warehouse.startswith("/")):
        roots.append(warehouse)
    prefixes: set[str] = set()
    for root in roots:
        prefixes.update(_prefix_forms(root))
    return tuple(sorted(prefixes))


def _prefix_forms(location: str) -> list[str]:
    parsed = urlparse(location)
    if parsed.scheme in ("", "file"):
        # Manifests may name data files as file:///x or /x; allow both spellings.
        path = parsed.path.rstrip("/") + "/"
        return [f"file://{path}", path]
    return [location.rstrip("/") + "/"]


def _covered(location: str, prefixes: tuple[str, ...]) -> bool:
    forms = _prefix_forms(location)
    return all(any(form.startswith(prefix) for prefix in prefixes) for form in forms)


def _is_remote(location: str) -> bool:
    return urlparse(location).scheme not in ("", "file")


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
