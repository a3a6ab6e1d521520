"""Why a benchmark run could not produce its figures (the run's other figures still count)."""

from __future__ import annotations


class BenchError(Exception):
    """Base of the benchmark harness's errors."""


class PipelineNotReady(BenchError):
    """A pipeline under test did not start consuming in time; its log tail says why."""


class ResultsMissing(BenchError):
    """No scenario result to render: run ``python -m bench`` (or one scenario) first."""
