from collections import Counter

from supplylake.ingest.replay import ReplaySummary


def test_included_offsets_only_move_an_end_forward() -> None:
    summary = ReplaySummary(end_offsets={("a", 0): 7, ("a", 1): 2})
    summary.include({("a", 0): 3, ("a", 1): 5, ("control", 0): 0})
    assert summary.end_offsets == {("a", 0): 7, ("a", 1): 5, ("control", 0): 0}


def test_a_later_part_adds_to_the_whole() -> None:
    first = ReplaySummary(lines=10, produced=Counter(a=9), end_offsets={("a", 0): 8}, max_event_time_ms=500)
    first.rejected.append({"line_number": 4})
    first.extend(ReplaySummary(lines=5, produced=Counter(a=4, b=1), end_offsets={("a", 0): 12, ("b", 0): 0}))
    assert (first.lines, first.produced) == (15, Counter(a=13, b=1))
    assert first.end_offsets == {("a", 0): 12, ("b", 0): 0}
    assert (first.rejected, first.max_event_time_ms) == ([{"line_number": 4}], 500)
    first.extend(ReplaySummary(max_event_time_ms=900, rejected=[{"line_number": 2}]))
    assert (len(first.rejected), first.max_event_time_ms) == (2, 900)
    empty = ReplaySummary()
    empty.extend(ReplaySummary(max_event_time_ms=300))
    assert empty.max_event_time_ms == 300
