"""Structured logs on stderr, quiet (WARNING) unless SUPPLYLAKE_LOG_LEVEL says more.

Two renderings of the same events (SUPPLYLAKE_LOG_FORMAT): ``text`` (default) is ``key=value``
lines for people; ``json`` is one JSON object per line for machines, so tools read fields instead
of scraping wording. Third-party libraries' stdlib log records go through the same renderer, so in
``json`` mode every line on stderr parses. Field names of the events other code depends on are
documented where they are logged (e.g. ``lake commit`` in :mod:`supplylake.lake.sink`).
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog
from structlog.typing import Processor

LogFormat = Literal["text", "json"]

#: first keys of a text line; JSON objects carry the same keys
_KEY_ORDER = ["timestamp", "level", "event"]


def configure_logging(level: str = "WARNING", log_format: LogFormat = "text") -> None:
    """Route structlog and stdlib logging to stderr at ``level``, rendered as ``log_format``."""
    numeric = logging.getLevelName(level.upper())
    stamped: list[Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer()
        formatter: logging.Formatter = structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *stamped],
        )
    else:
        renderer = structlog.processors.KeyValueRenderer(key_order=_KEY_ORDER)
        formatter = logging.Formatter("%(message)s")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    logging.basicConfig(level=numeric, handlers=[handler], force=True)
    # Third-party chatter stays at WARNING even when we debug our own code.
    for noisy in ("quixstreams", "pyiceberg", "urllib3", "streamlit"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            *stamped,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
