"""Starting a new broker epoch from what the lake already knows.

The embedded broker starts empty, with a new cluster id, each time; the lake and local files
persist. Without care a second `run` of the same file would count every receipt twice, and a
new `demo` would forget the stock it had. So when a pipeline starts it reads, from rows written
under *other* cluster ids (earlier epochs):

- the current level per warehouse×SKU (the newest row flagged ``is_current``, the same rule as
  the ``inventory_current`` view) — a key's state is seeded from it the first time the key is
  seen in this epoch;
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
from supplylake.settings import Settings


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
        row_filter=Or(NotEqualTo(SRC_CLUSTER, cluster_id), IsNull(SRC_CLUSTER)),
        selected_fields=columns,
    ).to_arrow()


def load_epoch_seed(catalog: Catalog, settings: Settings, cluster_id: str) -> EpochSeed:
    namespace = settings.catalog.namespace
    levels: dict[str, SeedLevel] = {}
    rows = _earlier_epochs(
        catalog,
        INVENTORY_LEVELS.identifier(namespace),
        cluster_id,
        ("warehouse_id", "sku", "on_hand", "reserved", "event_time", "is_current", "ingested_at", "_src_offset"),
    )
    if rows is not None and rows.num_rows:
        with duckdb.connect() as con:
            con.register("levels", rows)
            latest = con.execute(
                """
                SELECT warehouse_id, sku, on_hand, reserved, epoch_ms(event_time) AS as_of_ms
                FROM levels WHERE is_current
                QUALIFY row_number() OVER (
                    PARTITION BY warehouse_id, sku ORDER BY ingested_at DESC, _src_offset DESC
                ) = 1
                """
            ).fetchall()
        for warehouse_id, sku, on_hand, reserved, as_of_ms in latest:
            levels[f"{warehouse_id}:{sku}"] = SeedLevel(int(on_hand), int(reserved or 0), int(as_of_ms))
    ids = _earlier_epochs(catalog, INVENTORY_EVENTS.identifier(namespace), cluster_id, ("event_id",))
    event_ids = frozenset(ids.column("event_id").to_pylist()) if ids is not None else frozenset()
    return EpochSeed(levels, event_ids)
