"""Starting a new broker epoch from what the lake already knows.

The embedded broker starts empty, with a new cluster id, each time; the lake and local files
persist. Without care a second `run` of the same file would count every receipt twice, and a
new `demo` would forget the stock it had. So when a pipeline starts it reads, from rows written
under *other* cluster ids (earlier epochs):

- the current level per warehouse×SKU, by the rule of the ``inventory_current`` view (the very
  same SQL, ``sql/views/inventory_current.sql``) — a key's state is seeded from it the first time the
  key is seen in this epoch;
- the event ids already in ``inventory_events`` — such an event is a duplicate, whatever its
  age, because its effect is already inside the seeded level.

Rows of the *current* epoch are left out on purpose: within one epoch Quix's changelog and the
lake's offset ledger already agree, and seeding from them would apply replayed events twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.expressions import IsNull, NotEqualTo, Or

from supplylake.lake.tables import INVENTORY_EVENTS, INVENTORY_LEVELS, SRC_CLUSTER
from supplylake.query.sql_files import read_view
from supplylake.settings import Settings

# The columns sql/views/inventory_current.sql reads from inventory_levels (scanning only these).
_CURRENT_LEVEL_INPUTS = (
    "warehouse_id",
    "sku",
    "on_hand",
    "reserved",
    "available",
    "event_time",
    "is_current",
    "ingested_at",
    "_src_offset",
)


@dataclass(frozen=True)
class SeedLevel:
    on_hand: int
    reserved: int
    as_of_ms: int


@dataclass(frozen=True)
class EpochSeed:
    levels: dict[str, SeedLevel] = field(default_factory=dict)  # "warehouse:sku" -> level
    event_ids: frozenset[str] = frozenset()


def _earlier_epochs(
    catalog: Catalog, identifier: tuple[str, ...], cluster_id: str, columns: tuple[str, ...]
) -> pa.Table | None:
    try:
        table = catalog.load_table(identifier)
    except NoSuchTableError:
        return None
    if table.current_snapshot() is None:
        return None
    return table.scan(
        # pyiceberg's predicates take (term, literal) positionally; mypy only sees the pydantic fields.
        row_filter=Or(NotEqualTo(SRC_CLUSTER, cluster_id), IsNull(SRC_CLUSTER)),  # type: ignore[arg-type,call-arg,misc]
        selected_fields=columns,
    ).to_arrow()


def load_epoch_seed(catalog: Catalog, settings: Settings, cluster_id: str) -> EpochSeed:
    namespace = settings.catalog.namespace
    levels: dict[str, SeedLevel] = {}
    rows = _earlier_epochs(catalog, INVENTORY_LEVELS.identifier(namespace), cluster_id, _CURRENT_LEVEL_INPUTS)
    if rows is not None and rows.num_rows:
        with duckdb.connect() as con:
            # The earlier epochs' rows stand in for the table the view reads.
            con.register(INVENTORY_LEVELS.name, rows)
            current = read_view("inventory_current")
            latest = con.execute(
                "SELECT warehouse_id, sku, on_hand, reserved, epoch_ms(updated_at) AS as_of_ms\n"
                f"FROM (\n{current}\n) AS inventory_current"
            ).fetchall()
        for warehouse_id, sku, on_hand, reserved, as_of_ms in latest:
            levels[f"{warehouse_id}:{sku}"] = SeedLevel(int(on_hand), int(reserved or 0), int(as_of_ms))
    ids = _earlier_epochs(catalog, INVENTORY_EVENTS.identifier(namespace), cluster_id, ("event_id",))
    event_ids = frozenset(ids.column("event_id").to_pylist()) if ids is not None else frozenset()
    return EpochSeed(levels, event_ids)
