"""Run the chaos suite: every scenario (or one), then render docs/RELIABILITY.md.

    .venv/bin/python -m chaos                      # every scenario at full size, then the report
    .venv/bin/python -m chaos SCENARIO [--quick]   # one scenario (its result replaces that row)
    .venv/bin/python -m chaos --quick --report OUT.md --out-dir DIR   # a reduced run elsewhere

Each scenario writes chaos/out/<scenario>.json (``--out-dir``); the report is rendered from
those files, so it shows every scenario measured so far and lists the others as not yet built.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from chaos import render
from chaos.result import OUT_DIR, ROOT, RunRecord, write_run
from chaos.scenarios import SCENARIOS, RunOptions


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m chaos", description="Fault scenarios on the embedded broker.")
    p.add_argument("scenario", nargs="?", choices=sorted(SCENARIOS), help="one scenario (default: all)")
    p.add_argument("--quick", action="store_true", help="reduced sizes, as in `make test`")
    p.add_argument("--seed", type=int, default=9, help="seed of every generated input")
    p.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where the JSON results go")
    p.add_argument("--report", type=Path, default=render.REPORT, help="the Markdown report to write")
    p.add_argument("--keep", action="store_true", help="keep the scratch data dirs (printed)")
    return p


def shown(argv: list[str]) -> str:
    """The command as the report shows it: no machine paths."""
    parts = []
    for arg in argv:
        path = Path(arg)
        parts.append(("…/" + path.name) if path.is_absolute() else arg)
    return " ".join([".venv/bin/python -m chaos", *parts])


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    names = [args.scenario] if args.scenario else list(SCENARIOS)
    started = time.monotonic()
    failed = []
    for name in names:
        work = Path(tempfile.mkdtemp(prefix=f"chaos-{name}-"))
        began = time.monotonic()
        print(f"chaos: {name}{' (quick)' if args.quick else ''} in {work}", file=sys.stderr, flush=True)
        try:
            results = SCENARIOS[name].run(RunOptions(quick=args.quick, seed=args.seed, work_dir=work))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        record = RunRecord(
            scenario=name,
            command=shown(argv),
            quick=args.quick,
            seed=args.seed,
            duration_s=round(time.monotonic() - began, 1),
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            results=[r.to_json() for r in results],
        )
        write_run(record, args.out_dir)
        for result in results:
            print(f"  {result.variant}: {result.verdict} {result.to_json()}", file=sys.stderr, flush=True)
            if not result.passed:
                failed.append(f"{name} / {result.variant}")
    render.write(args.out_dir, args.report, command=shown(argv), total_s=time.monotonic() - started)
    print(f"chaos: wrote {args.report.relative_to(ROOT) if args.report.is_relative_to(ROOT) else args.report}")
    if failed:
        print(f"chaos: below target: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
