"""Cutting a JSON-lines input into consecutive parts, for scenarios that replay it in steps."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path


def cut_lines(path: Path, shares: Sequence[float]) -> list[Path]:
    """``path`` cut after each of ``shares`` (ascending fractions of its lines), as ``len(shares) + 1``
    files beside it named ``<stem>.part<N>.jsonl``; together they are the file, line for line."""
    if any(not 0 < s < 1 for s in shares) or list(shares) != sorted(set(shares)):
        raise ValueError(f"cut shares must ascend strictly between 0 and 1, got {shares}")
    lines = path.read_bytes().splitlines(keepends=True)
    cuts = [0, *(int(len(lines) * s) for s in shares), len(lines)]
    parts = []
    for n, (start, stop) in enumerate(itertools.pairwise(cuts), start=1):
        part = path.with_name(f"{path.stem}.part{n}.jsonl")
        part.write_bytes(b"".join(lines[start:stop]))
        parts.append(part)
    return parts
