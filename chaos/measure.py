"""Bad input measured from the lake: every sent record's outcome against what it should be.

The batch recomputation from the input is simple for bad input: each hostile record is one dead
letter with its own bytes and nothing else; each valid record is one row of its event table with
its event type and time. Everything is read back from the lake (chaos/lake.py) and attributed
to a sent record by its file line, its topic position, or (for lines a pipeline refused after the
file intake routed them, whose offsets only the run knew) by its bytes.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

from chaos.hostile import Record
from chaos.lake import Lake, event_table_of
from chaos.result import LakeCounts
from supplylake.dead_letters import decode_raw
from supplylake.lake.tables import DEAD_LETTERS

Position = tuple[str, int, int]  # (topic, partition, offset)
MAX_PROBLEMS = 12


@dataclass
class Sent:
    record: Record
    line: int | None = None  # line of the input file (file path)
    position: Position | None = None  # where it was produced (topic path)


@dataclass
class Figures(LakeCounts):
    events_in: int = 0
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    error_codes: dict[str, int] = field(default_factory=dict)
    schema_changes: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)

    def mismatch(self, what: str) -> None:
        self.mismatches += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(what)


def _label(sent: Sent) -> str:
    where = f"line {sent.line}" if sent.line is not None else f"{sent.position}"
    return f"{sent.record.category} record #{sent.record.index} ({where})"


def measure(lake: Lake, sent: list[Sent]) -> Figures:
    figures = Figures(events_in=len(sent))
    tables = set(lake.tables())
    by_line = {s.line: s for s in sent if s.line is not None}
    by_position = {s.position: s for s in sent if s.position is not None}
    by_bytes: dict[bytes, deque[Sent]] = defaultdict(deque)
    for s in sent:
        if s.record.raw is not None:
            by_bytes[s.record.raw].append(s)

    # Dead letters, each attributed to one sent record.
    letters: dict[int, list[dict[str, object]]] = defaultdict(list)  # id(sent) -> rows
    owner: dict[int, Sent] = {}
    dead_rows = lake.sql(f"SELECT * FROM {DEAD_LETTERS.name}") if DEAD_LETTERS.name in tables else []
    figures.dead_letters = len(dead_rows)
    figures.error_codes = dict(Counter(str(r["error_code"]) for r in dead_rows))
    hostile_positions: set[Position] = set()
    for row in dead_rows:
        raw = decode_raw(str(row["raw_value"]), str(row["raw_encoding"]))
        topic = str(row["source_topic"])
        target: Sent | None = None
        if topic.startswith("file:"):
            target = by_line.get(int(str(row["line_number"])))
        elif by_position:
            target = by_position.get((topic, int(str(row["source_partition"])), int(str(row["source_offset"]))))
        if target is None and not topic.startswith("file:"):
            # Offsets the run alone knew (the file intake's), or a pipeline's internal topic
            # (a record dead-lettered again downstream, with the bytes it was sent as).
            queue = by_bytes.get(raw)
            if queue:
                target = queue.popleft()
                queue.append(target)  # a second dead letter of the same bytes finds the next record
        if target is None:
            figures.mismatch(f"dead letter {row['dead_letter_id']} ({topic}) matches no sent record")
            continue
        if not topic.startswith("file:"):
            hostile_positions.add((topic, int(str(row["source_partition"])), int(str(row["source_offset"]))))
        letters[id(target)].append(row)
        owner[id(target)] = target
        expected = target.record.raw if target.record.raw is not None else b""
        if raw != expected:
            figures.mismatch(f"{_label(target)}: dead letter bytes differ ({len(raw)} vs {len(expected)} sent)")
        if not str(row["reason"] or "").strip() or not str(row["error_code"] or "").strip():
            figures.mismatch(f"{_label(target)}: dead letter without reason or error code")
    figures.duplicated_by_event_id += sum(n - 1 for n in Counter(str(r["dead_letter_id"]) for r in dead_rows).values())
    figures.duplicated_by_source_offset += _same_source(dead_rows)

    # Event rows: valid events exactly once; no hostile record anywhere.
    table_of = event_table_of()
    valid = {s.record.event_id: s for s in sent if not s.record.hostile}
    seen: Counter[str] = Counter()
    for table in sorted(set(table_of.values()) & tables):
        kind = "event_type" if "event_type" in lake.columns(table) else "NULL AS event_type"  # telemetry: one type
        rows = lake.sql(
            f"SELECT event_id, {kind}, epoch_ms(event_time) AS t, _src_topic, _src_partition, _src_offset FROM {table}"
        )
        figures.tables[table] = len(rows)
        figures.rows_out += len(rows)
        figures.duplicated_by_source_offset += _same_source(rows)
        counts = Counter(str(r["event_id"]) for r in rows)
        figures.duplicated_by_event_id += sum(n - 1 for n in counts.values())
        for row in rows:
            event_id = str(row["event_id"])
            source = valid.get(event_id)
            if source is None:
                figures.mismatch(f"{table}: row {event_id} is no valid event that was sent")
                continue
            seen[event_id] += 1
            stated = row["event_type"] if row["event_type"] is not None else source.record.event_type
            if table_of[str(source.record.event_type)] != table or stated != source.record.event_type:
                figures.mismatch(f"{table}: {event_id} has event_type {row['event_type']}")
            if row["t"] != source.record.event_time_ms:
                figures.mismatch(f"{table}: {event_id} has event time {row['t']}, sent {source.record.event_time_ms}")
    figures.rows_out += figures.dead_letters

    # Derived tables: nothing comes from a hostile record (by event id, and by source offset).
    for table in sorted(tables - set(table_of.values()) - {DEAD_LETTERS.name}):
        columns = lake.columns(table)
        ids = [c for c in ("event_id", "cause_id") if c in columns]
        rows = lake.sql(f"SELECT {', '.join([*ids, '_src_topic', '_src_partition', '_src_offset'])} FROM {table}")
        figures.tables[table] = len(rows)
        for row in rows:
            leaked = any(str(row[c] or "").startswith("hostile-") for c in ids)
            if leaked or (row["_src_topic"], row["_src_partition"], row["_src_offset"]) in hostile_positions:
                figures.mismatch(f"{table}: a row derived from hostile record {[row[c] for c in ids]}")

    # Per sent record: its outcome.
    for s in sent:
        got = len(letters.get(id(s), []))
        stats = figures.by_category.setdefault(s.record.category, Counter())
        stats["sent"] += 1
        if s.record.hostile:
            stats["dead_letters"] += got
            figures.duplicated_by_event_id += max(0, got - 1)  # one record, several dead letters
            if got > 1 and len(figures.problems) < MAX_PROBLEMS:
                topics = ", ".join(str(row["source_topic"]) for row in letters[id(s)])
                figures.problems.append(f"{_label(s)}: {got} dead letters (from {topics})")
            if got == 0:
                figures.lost += 1
                if len(figures.problems) < MAX_PROBLEMS:
                    figures.problems.append(f"{_label(s)}: not in the dead letters")
        else:
            landed = seen[str(s.record.event_id)]
            stats["landed"] += min(landed, 1)
            if got:
                figures.mismatch(f"{_label(s)}: a valid event was dead-lettered ({letters[id(s)][0]['reason']})")
            elif landed == 0:
                figures.lost += 1
                if len(figures.problems) < MAX_PROBLEMS:
                    figures.problems.append(f"{_label(s)}: valid event {s.record.event_id} not in the lake")

    figures.schema_changes = lake.schema_changes()
    for table in figures.schema_changes:
        figures.mismatch(f"{table}: Iceberg schema differs from its definition")
    figures.by_category = {k: dict(v) for k, v in sorted(figures.by_category.items())}
    return figures


def _same_source(rows: list[dict[str, object]]) -> int:
    """Extra rows sharing a (topic, partition, offset) within one table."""
    counts = Counter((r["_src_topic"], r["_src_partition"], r["_src_offset"]) for r in rows)
    return sum(n - 1 for n in counts.values())
