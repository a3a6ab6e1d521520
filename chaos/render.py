"""docs/RELIABILITY.md from the scenario results in chaos/out/ (never from anything else)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chaos.hostile import CATEGORIES
from chaos.result import ROOT, read_runs
from chaos.scenarios import PLANNED, SCENARIOS

REPORT = ROOT / "docs" / "RELIABILITY.md"

COLUMNS = (
    ("events in", "events_in"),
    ("rows out", "rows_out"),
    ("lost", "lost"),
    ("duplicated (event id)", "duplicated_by_event_id"),
    ("duplicated (source offset)", "duplicated_by_source_offset"),
    ("dead letters", "dead_letters"),
    ("mismatches", "mismatches"),
    ("crashes", "crashes"),
    ("recovery", "recovery_s"),
    ("duration", "duration_s"),
)


def _cell(key: str, value: Any) -> str:
    if key == "recovery_s":
        return "n/a (no outage)" if value is None else f"{value:.1f} s"
    if key == "duration_s":
        return f"{value:.0f} s"
    return f"{value:,}"


def render(runs: dict[str, dict[str, Any]], *, command: str, total_s: float) -> str:
    lines = [
        "# Reliability",
        "",
        f"Rendered by `{command}` (total {total_s / 60:.1f} min) from chaos/out/*.json; `make chaos` runs",
        "every scenario at full size and renders this page. Every figure is measured from the lake",
        "(DuckDB over the Iceberg tables) against what the scenario sent; the target in every row is",
        "0 lost, 0 duplicated, 0 mismatches and 0 crashes. A reduced run of every scenario",
        "(`--quick`) is part of `make test` (tests/integration/test_chaos_bad_input.py,",
        "tests/integration/test_chaos_faults.py, tests/integration/test_chaos_crashes.py).",
        "",
        "| scenario | variant | " + " | ".join(title for title, _ in COLUMNS) + " | verdict |",
        "|---|---|" + "---:|" * len(COLUMNS) + "---|",
    ]
    for name in SCENARIOS:
        run = runs.get(name)
        if run is None:
            lines.append(f"| {name} | not run yet | " + " | ".join("" for _ in COLUMNS) + " | |")
            continue
        for result in run["results"]:
            cells = " | ".join(_cell(key, result[key]) for _, key in COLUMNS)
            lines.append(f"| {name} | {result['variant']} | {cells} | **{result['verdict']}** |")
    for planned in PLANNED:
        lines.append(
            f"| {planned.name} | not yet built: {planned.title} | " + " | ".join("—" for _ in COLUMNS) + " | |"
        )
    lines += [
        "",
        "Columns: *lost* — sent records found nowhere in the lake (neither as their row nor as a dead",
        "letter); *duplicated* — extra rows sharing an event id or dead-letter id, or sharing a source",
        "(topic, partition, offset) within one table; *mismatches* — records whose outcome differs from",
        "a batch recomputation from the input (a hostile record not dead-lettered with its exact bytes,",
        "a reason and an error code, or leaking into any other table; a valid event refused or stored",
        "with another type or time; a row no sent record explains; a table schema that changed);",
        "*crashes* — pipeline exits and restarts seen by the supervisor, or a non-zero exit of the command",
        "(pipeline_sigkill: restarts its kills do not explain; catalog_outage and disk_full: a crash loop",
        "ending the run, restarts through the outage are shown under the scenario; broker_restart: a stop",
        "without the broker-replaced line, or a row written under the old cluster id); *recovery* — the",
        "worst time from the fault's end (a kill; the catalog or the space back) to the pipeline's committed",
        "offsets moving again (broker_restart: from the new broker up to every pipeline stopped).",
    ]
    for name, run in runs.items():
        if name in SCENARIOS:
            lines += _scenario_section(name, run)
    return "\n".join(lines) + "\n"


def _scenario_section(name: str, run: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"## {name}",
        "",
        SCENARIOS[name].title[0].upper() + SCENARIOS[name].title[1:] + ".",
        "",
        f"Measured {run['generated_at']} by `{run['command']}` (seed {run['seed']}, "
        f"{'quick' if run['quick'] else 'full'} size, {run['duration_s'] / 60:.1f} min).",
    ]
    if name == "bad_input":
        lines += ["", "Hostile categories:", ""]
        lines += [f"- `{category}`: {text}" for category, text in CATEGORIES.items()]
    for result in run["results"]:
        details = result["details"]
        lines += ["", f"### {result['variant']}", ""]
        by_category = details.get("by_category", {})
        if by_category:
            lines += ["| category | sent | dead letters | landed |", "|---|---:|---:|---:|"]
            for category, stats in by_category.items():
                lines.append(
                    f"| {category} | {stats.get('sent', 0):,} | {stats.get('dead_letters', 0):,} | "
                    f"{stats.get('landed', 0):,} |"
                )
            lines.append("")
        codes = details.get("error_codes", {})
        if codes:
            lines.append(
                "Dead letters by error code: " + ", ".join(f"`{c}` {n:,}" for c, n in sorted(codes.items())) + "."
            )
        tables = details.get("tables", {})
        if tables:
            lines.append("Rows per table: " + ", ".join(f"`{t}` {n:,}" for t, n in sorted(tables.items())) + ".")
        changes = details.get("schema_changes", [])
        lines.append(
            "Table schemas: " + (f"**changed**: {', '.join(changes)}." if changes else "unchanged (as defined).")
        )
        extra = {
            k: v
            for k, v in details.items()
            if k
            not in {"by_category", "error_codes", "tables", "schema_changes", "refused_by_the_kafka_client", "timeline"}
            and k != "hostile"
        }
        if extra and name != "bad_input":
            lines += [f"- {k.replace('_', ' ')}: {_short(v)}" for k, v in extra.items()]
        if details.get("timeline"):
            lines += ["", "Timeline: " + "; ".join(t.strip() for t in details["timeline"][:30]) + "."]
        refused = details.get("refused_by_the_kafka_client")
        if refused:
            lines.append(
                f"Not sent (the Kafka client refuses a record over its `message.max.bytes`, so it can never reach"
                f" a topic): {', '.join(refused)}."
            )
        if result["problems"]:
            lines += ["", "First problems found:", ""] + [f"- {p}" for p in result["problems"]]
    return lines


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 400 else text[:400] + " …"


def write(out_dir: Path, report: Path, *, command: str, total_s: float) -> Path:
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(render(read_runs(out_dir), command=command, total_s=total_s))
    return report
