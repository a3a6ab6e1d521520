"""The comparison pipelines of the throughput scenario (``bench.scenarios.throughput``), run as children.

    python -m bench.apps quix-iceberg   # variant (b)
    python -m bench.apps bare [FAMILY ...]  # variant (c), on the topics of these families
                                        # (default inventory; e.g. ``bare orders shipments``)

Variant (a) is the product itself (``python -m supplylake.pipelines inventory``). Both variants
here read their settings from the same ``SUPPLYLAKE_*`` environment, run against the same kind of
broker and use the same Quix application settings (``supplylake.pipelines.runtime.build_application``:
at-least-once, commit interval, consumer tuning for the embedded broker), so the only difference
from (a) is what is measured:

(b) ``quix-iceberg`` — the same processing as (a) (validation, per-key stock state, alerts, the
    alert and DLQ topic branches: the very ``InventoryProcessor``, whose per-checkpoint state
    cache the sinks write back at the start of each checkpoint as ``LakeSink`` does), but the rows go to Quix
    Streams' community ``IcebergSink`` — one sink per lake table, as (a) writes four tables —
    instead of supplylake's exactly-once ``LakeSink``. The community sink only supports AWS Glue;
    :class:`SqlIcebergSink` swaps its catalog for a pyiceberg ``SqlCatalog`` in the data dir.
    Its default partition spec is ``identity(_key)`` + ``day(_timestamp)``; pyiceberg 0.12 here
    cannot write the day transform (no ``pyiceberg-core``), so the spec is ``identity(_key)``
    only — the message key ``warehouseId:sku``, which is what the sink partitions by by design.
    None-valued fields are dropped from each row before the sink: the sink turns a column that
    is None in every row of a batch into an Arrow null column, which Iceberg v2 refuses.
(c) ``bare`` — the framework ceiling: JSON deserialisation by Quix and a per-key running sum in
    Quix state (RocksDB + changelog), no validation, no sink. Given source families, it reads
    their topics instead of the inventory one (one dataframe per topic), so that it consumes the
    same records as the shipment or order pipeline it is compared with.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NamespaceAlreadyExistsError
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from quixstreams import Application
from quixstreams.sinks import BatchingSink
from quixstreams.sinks.community.iceberg import BaseIcebergConfig, IcebergSink
from quixstreams.state import State

from supplylake.broker.connection import BrokerConnection, connect
from supplylake.dead_letters import dlq_headers
from supplylake.lake.tables import ALERTS, DEAD_LETTERS, INVENTORY_EVENTS, INVENTORY_LEVELS
from supplylake.logs import configure_logging
from supplylake.pipelines.inventory.app import InventoryProcessor
from supplylake.pipelines.inventory.reference import ReorderPoints
from supplylake.pipelines.run_mode import RunMode
from supplylake.pipelines.runtime import build_application, drop_stale_state, json_topic, raw_topic, topic_config
from supplylake.settings import Settings, load_settings

NAMESPACE = "quix"


def sql_catalog(data_dir: Path) -> SqlCatalog:
    lake = data_dir / "quix-lake"
    lake.mkdir(parents=True, exist_ok=True)
    return SqlCatalog("quix", uri=f"sqlite:///{lake / 'catalog.db'}", warehouse=f"file://{lake}")


class SqlIcebergSink(IcebergSink):
    """Quix's community ``IcebergSink``, unchanged except for its catalog (and partition spec)."""

    def __init__(self, table_name: str, catalog: SqlCatalog, before_flush: Callable[[], None] | None = None) -> None:
        # IcebergSink.__init__ would build an AWS Glue catalog; do its other steps here.
        BatchingSink.__init__(self)
        self._before_flush = before_flush
        self._iceberg_config = BaseIcebergConfig(location=None, auth={})  # type: ignore[arg-type]
        self._table_name = table_name
        self._table = None
        self.data_catalog = catalog
        self._schema = self._get_default_schema()
        self._partition_spec = _key_partitioning(self._schema)

    def setup(self) -> None:
        with contextlib.suppress(NamespaceAlreadyExistsError):
            self.data_catalog.create_namespace(self._table_name.split(".")[0])
        super().setup()

    def flush(self) -> None:
        # The processor's per-checkpoint state cache is written back at the start of the
        # checkpoint, exactly as supplylake's LakeSink does it (LakeSink.before_flush).
        if self._before_flush is not None:
            self._before_flush()
        super().flush()


def _key_partitioning(schema: Schema) -> PartitionSpec:
    key = next(f for f in schema.fields if f.name == "_key")
    return PartitionSpec(
        PartitionField(source_id=key.field_id, field_id=1000, transform=IdentityTransform(), name="_key")
    )


def _without_nulls(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


def build_quix_iceberg(settings: Settings, connection: BrokerConnection) -> Application:
    """Variant (b): supplylake's inventory processing feeding Quix's IcebergSink (4 tables)."""
    drop_stale_state(settings, connection.cluster_id)
    app = build_application("quix-iceberg", settings, connection, RunMode.LIVE)
    catalog = sql_catalog(settings.data_dir)
    processor = InventoryProcessor(
        cluster_id=connection.cluster_id,
        settings=settings,
        reorder_points=ReorderPoints.from_settings(settings.inventory),
    )
    source = raw_topic(app, settings.topics.inventory, settings)
    alerts_topic = json_topic(app, settings.topics.alerts, settings)
    dlq_topic = raw_topic(app, settings.topics.dead_letters, settings)

    sdf = app.dataframe(source)
    sdf = sdf.apply(processor, stateful=True, metadata=True)
    # The same topic branches as the product's inventory pipeline.
    sdf.apply(lambda rows: rows.alerts, expand=True).to_topic(alerts_topic, key=lambda row: row["entity_id"])
    rejected = sdf.filter(lambda rows: rows.dead_letter is not None)
    rejected = rejected.set_headers(lambda rows, key, ts, headers: dlq_headers(rows.dead_letter))
    rejected.apply(lambda rows: rows.raw).to_topic(dlq_topic)
    # One community IcebergSink per lake table, fed the same rows LakeSink would get.
    for spec in (INVENTORY_EVENTS, INVENTORY_LEVELS, ALERTS, DEAD_LETTERS):
        name = spec.name
        branch = sdf.apply(lambda rows, name=name: [_without_nulls(r) for r in rows.tables.get(name, ())], expand=True)
        # Every sink writes the state cache back (the first one of a checkpoint does the work).
        branch.sink(SqlIcebergSink(f"{NAMESPACE}.{name}", catalog, before_flush=processor.cache.flush))
    return app


def _add_quantity(value: dict[str, Any], state: State) -> int:
    try:
        quantity = int(value.get("quantity") or 0)
    except (TypeError, ValueError):  # the simulator's schema drift, or an event without a quantity
        quantity = 0
    total = state.get("sum", 0) + quantity
    state.set("sum", total)
    return total


def build_bare(settings: Settings, connection: BrokerConnection, families: tuple[str, ...] = ()) -> Application:
    """Variant (c): Quix JSON deserialisation + a per-key sum in state; nothing else.

    It reads the topics of ``families`` (default: inventory), one dataframe per topic.
    """
    drop_stale_state(settings, connection.cluster_id)
    app = build_application("bare", settings, connection, RunMode.LIVE)
    for family in families or ("inventory",):
        source = app.topic(
            settings.topics.for_family(family),
            value_deserializer="json",
            key_deserializer="bytes",
            config=topic_config(settings),
        )
        app.dataframe(source).apply(_add_quantity, stateful=True)
    return app


def _build_quix_iceberg(settings: Settings, connection: BrokerConnection, families: tuple[str, ...]) -> Application:
    return build_quix_iceberg(settings, connection)


BUILDERS: dict[str, Callable[[Settings, BrokerConnection, tuple[str, ...]], Application]] = {
    "quix-iceberg": _build_quix_iceberg,
    "bare": build_bare,
}


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")
    if not argv or argv[0] not in BUILDERS or (argv[0] != "bare" and len(argv) != 1):
        print(f"usage: python -m bench.apps {{{','.join(BUILDERS)}}} (bare: [FAMILY ...])", file=sys.stderr)
        return 2
    settings = load_settings()
    configure_logging(settings.log_level)
    with connect(settings, start_embedded=False) as connection:
        BUILDERS[argv[0]](settings, connection, tuple(argv[1:])).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
