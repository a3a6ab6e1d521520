"""`python -m supplylake.pipelines NAME [--mode live|bounded-replay] [--instance K]`: run one pipeline until SIGTERM.

The supervisor (supplylake/orchestration/supervisor.py) starts every child with an explicit
``--mode``; without one a pipeline runs live, which is what a standalone deployment
(docker-compose.yml) wants.
"""

from __future__ import annotations

import argparse
import faulthandler
import sys
import warnings

from supplylake.broker.connection import BrokerConnection, BrokerReplaced, check_still_answering, connect
from supplylake.errors import SupplylakeError
from supplylake.logs import configure_logging, get_logger
from supplylake.pipelines.catalog import PIPELINES
from supplylake.pipelines.run_mode import RunMode
from supplylake.settings import load_settings


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m supplylake.pipelines", description="Run one pipeline.")
    parser.add_argument("name", choices=list(PIPELINES), help="the pipeline to run")
    parser.add_argument(
        "--mode",
        type=RunMode,
        choices=list(RunMode),
        default=RunMode.LIVE,
        help="bounded-replay: event time only; live (default): wall-clock ticks too",
    )
    parser.add_argument(
        "--instance",
        type=int,
        default=0,
        help="which member of the pipeline's consumer group this is (0, 1, ...): each keeps its own local state",
    )
    args = parser.parse_args(argv)
    if args.instance < 0:
        parser.error("--instance must be 0 or more")
    return args


def explain_broker_change(connection: BrokerConnection, failure: Exception) -> None:
    """Raise ``BrokerReplaced`` from ``failure`` when the broker answering now is another one."""
    try:
        check_still_answering(connection)
    except BrokerReplaced as replaced:
        raise replaced from failure
    except SupplylakeError:
        return  # the broker is not reachable: nothing more to say than the failure itself


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")
    # A crash inside a native library leaves the Python stacks in the pipeline's log where the
    # library lets it; the supervisor always adds which signal it was (orchestration/supervisor.py).
    faulthandler.enable()
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage and why
        return 2 if exc.code else 0
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        with connect(settings, start_embedded=False) as connection:
            app = PIPELINES[args.name].build(settings, connection, args.mode, args.instance)
            get_logger("supplylake.pipelines").info(
                "pipeline started",
                pipeline=args.name,
                instance=args.instance,
                mode=str(args.mode),
                cluster=connection.cluster_id,
            )
            try:
                app.run()
            except Exception as exc:
                # Quix wraps what stopped it (an assignment or producer error) and the broker
                # restarted empty is the one cause worth naming whatever path it took.
                explain_broker_change(connection, exc)
                raise
    except SupplylakeError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
