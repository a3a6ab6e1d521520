"""`python -m supplylake.pipelines NAME`: run one pipeline until SIGTERM (used by the supervisor)."""

from __future__ import annotations

import sys
import warnings

from supplylake.broker.connection import connect
from supplylake.errors import SupplylakeError
from supplylake.logs import configure_logging, get_logger
from supplylake.pipelines.registry import PIPELINES
from supplylake.settings import load_settings


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")
    if len(argv) != 1 or argv[0] not in PIPELINES:
        print(f"usage: python -m supplylake.pipelines {{{','.join(PIPELINES)}}}", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        with connect(settings, start_embedded=False) as connection:
            app = PIPELINES[argv[0]].build(settings, connection)
            get_logger("supplylake.pipelines").info("pipeline started", pipeline=argv[0], cluster=connection.cluster_id)
            app.run()
    except SupplylakeError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
