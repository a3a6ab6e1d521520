from pathlib import Path

import pytest

from chaos.input_file import cut_lines


def test_the_parts_are_the_file_line_for_line(tmp_path: Path) -> None:
    whole = tmp_path / "input.jsonl"
    whole.write_bytes(b"".join(b'{"n": %d}\n' % n for n in range(10)))
    parts = cut_lines(whole, [0.25, 0.5])
    assert [p.name for p in parts] == ["input.part1.jsonl", "input.part2.jsonl", "input.part3.jsonl"]
    assert [len(p.read_bytes().splitlines()) for p in parts] == [2, 3, 5]
    assert b"".join(p.read_bytes() for p in parts) == whole.read_bytes()


@pytest.mark.parametrize("shares", [[0.5, 0.25], [0.0], [1.0], [0.3, 0.3]])
def test_shares_must_ascend_strictly_inside_the_file(tmp_path: Path, shares: list[float]) -> None:
    whole = tmp_path / "input.jsonl"
    whole.write_bytes(b"{}\n")
    with pytest.raises(ValueError, match="ascend strictly"):
        cut_lines(whole, shares)
