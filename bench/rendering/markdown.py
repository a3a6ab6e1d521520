"""Table and number formatting shared by every report section."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

NAN = float("nan")
INF = float("inf")


def num(value: Any) -> float:
    """A figure from JSON: null (no figure) becomes NaN."""
    return NAN if value is None else float(value)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right_from: int = 1, align: str = "") -> str:
    """A Markdown table; columns from ``right_from`` on are right-aligned unless ``align`` spells
    each column out ("l" or "r")."""
    spelled = align or "".join("l" if i < right_from else "r" for i in range(len(header)))
    marks = ["---:" if a == "r" else "---" for a in spelled]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def fmt_ms(value: float) -> str:
    """Milliseconds as the pipeline report shows them."""
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def fmt_latency(value: float) -> str:
    """Milliseconds as the alert report shows them (seconds from 1 s on, – for no figure)."""
    if math.isnan(value):
        return "–"
    if abs(value) >= 10_000:
        return f"{value / 1000:.1f} s"
    if abs(value) >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.0f} ms"


def latency_cell(value: float) -> str:
    return "not received" if value == INF else fmt_latency(value)


def report_opening(title: str, present: Sequence[Mapping[str, Any]], reproduce: str) -> list[str]:
    """A report's first lines: its title, a warning for quick runs, which results it came from."""
    out = [f"# {title}\n"]
    if any(r["header"]["quick"] for r in present):
        out.append(
            "**Rendered from `--quick` smoke-test runs: these sizes are too small for the figures to mean much.**\n"
        )
    out.append(
        "Rendered by `.venv/bin/python -m bench.render` from "
        + ", ".join(f"`bench/out/{r['header']['scenario']}.json`" for r in present)
        + f". Reproduce from the repository root: {reproduce}\n"
    )
    return out
