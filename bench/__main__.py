"""Run the benchmarks: every scenario then the reports, or one scenario.

    .venv/bin/python -m bench                        # every scenario, then bench.render
    .venv/bin/python -m bench SCENARIO [--quick] …   # one scenario (its --help lists options)
    .venv/bin/python -m bench --quick                # every scenario at smoke-test sizes

Scenarios: throughput, freshness, commit_latency, validation_share, stack_cpu, bounded_replay,
supplier_freshness, history_size, alert_latency, timer_lateness. Each writes
bench/out/<scenario>.json; bench.render turns those into bench/REPORT.md and bench/REPORT-alerts.md.
"""

from __future__ import annotations

import sys

from bench import render
from bench.harness.console import log
from bench.scenarios import SCENARIOS
from bench.scenarios.scenario import run_scenario


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv and not argv[0].startswith("-"):
        name = argv[0]
        if name not in SCENARIOS:
            print(f"error: unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}", file=sys.stderr)
            return 2
        run_scenario(SCENARIOS[name], argv[1:])
        return 0
    if argv not in ([], ["--quick"]):
        print("error: options go after a scenario name: python -m bench SCENARIO [OPTIONS]", file=sys.stderr)
        return 2
    failed = []
    for name, scenario in SCENARIOS.items():
        try:
            run_scenario(scenario, argv)
        except Exception as exc:  # one scenario failing leaves the others' figures
            log(f"scenario {name} failed: {exc!r}")
            failed.append(name)
    render.main([])
    if failed:
        print(f"error: scenario(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
