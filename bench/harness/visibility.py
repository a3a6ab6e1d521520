"""What a DuckDB reader of the lake sees: the highest visible source offset per table and partition.

One home for the freshness probe: a thread loops ``LakeReader.refresh`` + a DuckDB query (through
``run_query_on``, supplylake's query layer) of ``max(_src_offset)`` per partition of each watched
table, so a record is "visible" at the first query that returns an offset at or beyond its own.

A table whose rows are attributed to another topic's offsets than the one we produce to
(``order_events``: the orders pipeline's internal re-keyed topic) is watched *by id* instead:
each query fetches the ``event_id`` of the rows past the offsets seen so far, and an event is
visible at the first query that returned its id.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict

from bench.harness.lake import lake_catalog
from supplylake.settings import Settings

Series = list[tuple[float, int]]  # [(wall ms of the query, max visible offset)], offsets increasing


def first_visible(series: Series, offset: int) -> float | None:
    """Wall ms of the first sample whose max visible offset is ≥ ``offset`` (None: never seen)."""
    index = bisect.bisect_left([o for _, o in series], offset)
    return series[index][0] if index < len(series) else None


def add_sample(series: Series, at_ms: float, offset: int | None) -> None:
    """Keep only samples that moved the offset forward (so the series is increasing)."""
    if offset is not None and (not series or offset > series[-1][1]):
        series.append((at_ms, int(offset)))


def new_rows_sql(table: str, seen: dict[int, int]) -> str:
    """Rows of ``table`` past the offsets ``seen`` per partition (all rows of unseen partitions)."""
    known = " AND ".join(f"NOT (_src_partition = {p} AND _src_offset <= {o})" for p, o in sorted(seen.items()))
    where = f" WHERE {known}" if known else ""
    return f"SELECT _src_partition AS p, _src_offset AS o, event_id FROM {table}{where}"


class LakeWatcher(threading.Thread):
    """Polls the lake through LakeReader/DuckDB: highest visible source offset per table and partition."""

    def __init__(
        self,
        settings: Settings,
        interval_s: float,
        tables: tuple[str, ...] = ("inventory_events",),
        by_id: tuple[str, ...] = (),
    ) -> None:
        super().__init__(name="lake-watcher", daemon=True)
        self.settings = settings
        self.interval_s = interval_s
        self.tables = tables
        self.by_id = by_id
        self.stop_event = threading.Event()
        # table -> partition -> [(wall ms, max offset)]
        self.seen: dict[str, dict[int, Series]] = {t: defaultdict(list) for t in tables}
        self.first_seen: dict[str, dict[str, float]] = {t: {} for t in by_id}  # table -> event id -> wall ms
        self.id_offsets: dict[str, dict[int, int]] = {t: {} for t in by_id}
        self.poll_ms: list[float] = []
        self.error: BaseException | None = None

    def sql(self) -> str:
        return " UNION ALL ".join(
            f"SELECT '{t}' AS t, _src_partition AS p, max(_src_offset) AS o FROM {t} GROUP BY 2" for t in self.tables
        )

    def run(self) -> None:
        from supplylake.query import LakeReader, run_query_on

        try:
            reader = LakeReader(lake_catalog(self.settings), namespace=self.settings.catalog.namespace)
            con = reader.connect()
            while not self.stop_event.is_set():
                started = time.monotonic()
                reader.refresh(con)
                try:
                    result = run_query_on(reader, con, self.sql())
                    by_id = {t: run_query_on(reader, con, new_rows_sql(t, self.id_offsets[t])) for t in self.by_id}
                except Exception:  # a table not created yet
                    self.stop_event.wait(min(self.interval_s, 0.2))
                    continue
                now_ms = time.time() * 1000
                self.poll_ms.append((time.monotonic() - started) * 1000)
                for table, partition, offset in result.rows:
                    add_sample(self.seen[str(table)][int(partition)], now_ms, offset)
                for table, rows in by_id.items():
                    first, offsets = self.first_seen[table], self.id_offsets[table]
                    for partition, offset, event_id in rows.rows:
                        first.setdefault(str(event_id), now_ms)
                        offsets[int(partition)] = max(offsets.get(int(partition), -1), int(offset))
                # A pause, so the reader (DuckDB scans on every core) does not starve the pipelines.
                self.stop_event.wait(self.interval_s)
            con.close()
        except BaseException as exc:
            self.error = exc

    def stop(self) -> None:
        self.stop_event.set()
        if self.is_alive():
            self.join(timeout=30)

    def visible_at(self, partition: int, offset: int, table: str | None = None) -> float | None:
        return first_visible(self.seen[table or self.tables[0]].get(partition, []), offset)

    def max_offsets(self, table: str | None = None) -> dict[int, int]:
        return {p: s[-1][1] for p, s in self.seen[table or self.tables[0]].items() if s}
