"""The keys supplylake writes into Iceberg snapshot summaries (and table properties).

One home for these names because three parties must agree on them byte for byte: the writer
stamps them on every commit, maintenance carries them over to the snapshots it creates, and the
query layer (freshness) and the benchmarks read them back. A renamed key would not fail loudly;
readers would silently see "no data", so nothing else may spell these strings out.
"""

from __future__ import annotations

#: The offsets ledger (JSON, see :mod:`supplylake.lake.ledger`); also mirrored as a table property.
LEDGER_PROPERTY = "supplylake.offsets"

#: Highest event time (epoch ms) the table holds, carried forward so freshness never goes back.
MAX_EVENT_TIME_PROPERTY = "supplylake.max-event-time-ms"

#: When the writer committed the data (epoch ms, writer's clock): the snapshot timestamp can differ
#: (compaction rewrites the snapshot later), and freshness must show when the *data* arrived.
COMMITTED_AT_PROPERTY = "supplylake.committed-at-ms"

#: Set on snapshots written by lake maintenance, naming the operation (e.g. a compaction).
MAINTENANCE_PROPERTY = "supplylake.maintenance"

#: The data keys maintenance copies onto the snapshots it writes, besides the ledger.
CARRIED_SUMMARY_PROPERTIES = (MAX_EVENT_TIME_PROPERTY, COMMITTED_AT_PROPERTY)
