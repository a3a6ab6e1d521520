"""Fail closed when the lake's offset ledger is ahead of the broker's log.

If a topic is recreated (or a broker loses its data) under the same cluster id, offsets start
again from 0 while the lake still remembers higher ones: the sink would silently skip every new
event up to the remembered offset. Before a pipeline consumes anything it compares each table's
ledger with the log ends, confirmed by reading (Tansu can under-report a high watermark).
"""

from __future__ import annotations

from supplylake.broker.connection import BrokerConnection
from supplylake.broker.log_end import log_ends
from supplylake.lake.ledger import check_ledger_not_ahead, read_ledger
from supplylake.lake.sink import LakeSink


def confirmed_log_ends(
    connection: BrokerConnection, committed: dict[tuple[str, int], int]
) -> dict[tuple[str, int], int]:
    """One past the last offset of each partition, confirmed by reading (Tansu can under-report it)."""
    return {tp: high for tp, (_, high) in log_ends(connection.config(), committed).items()}


def guard_ledgers(connection: BrokerConnection, sink: LakeSink) -> None:
    """Raise LedgerAheadOfLog if any of the sink's tables has a ledger past the log, for this cluster."""
    ledgers = {
        spec.name: read_ledger(sink.catalog.load_table(spec.identifier(sink.namespace))) for spec in sink.specs.values()
    }
    committed: dict[tuple[str, int], int] = {}
    for ledger in ledgers.values():
        for tp, offset in ledger.offsets(connection.cluster_id).items():
            if not tp[0].startswith("file:"):  # file intake rows are numbered by line, not offset
                committed[tp] = max(offset, committed.get(tp, -1))
    if not committed:
        return  # a new broker epoch, or nothing written yet: nothing to compare
    ends = confirmed_log_ends(connection, committed)
    for name, ledger in ledgers.items():
        check_ledger_not_ahead(ledger, connection.cluster_id, ends, table_name=name)
