"""What the orchestrator needs to know about a pipeline, without importing its Quix code.

A :class:`PipelineSpec` names the pipeline, the event families it consumes and the topics it
writes for itself, and holds a loader: a small function that imports the app module only when
called, so listing pipelines, topics or consumer groups never imports Quix Streams.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from supplylake.broker.connection import BrokerConnection
from supplylake.pipelines.run_mode import RunMode
from supplylake.settings import Settings

if TYPE_CHECKING:
    from quixstreams import Application


class PipelineBuilder(Protocol):
    """An app module's ``build``: a configured Quix application, ready to ``run()``."""

    def __call__(
        self, settings: Settings, connection: BrokerConnection, mode: RunMode, instance: int = 0
    ) -> Application: ...


def consumer_group(settings: Settings, pipeline: str) -> str:
    """The consumer group (and Quix application name) of a pipeline."""
    return f"{settings.kafka.consumer_group_prefix}-{pipeline}"


def internal_topic(settings: Settings, pipeline: str, suffix: str) -> str:
    """A topic a pipeline writes and reads back itself: ``<consumer group>-<suffix>``."""
    return f"{consumer_group(settings, pipeline)}-{suffix}"


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    source_families: tuple[str, ...]
    # Imports the app module when called (and only then) and returns its builder.
    load: Callable[[], PipelineBuilder]
    # Topics the pipeline writes and reads back itself (named "<group>-<suffix>"): a bounded
    # replay is done only once the pipeline also committed everything it wrote there.
    internal_suffixes: tuple[str, ...] = ()
    # Families whose topics carry control records for this pipeline's timers (pipelines/control.py).
    control_families: tuple[str, ...] = ()
    # Internal topics that get the end-of-replay watermark themselves, once the pipeline has
    # committed its source topics (so everything it forwarded there is ahead of the watermark).
    watermark_suffixes: tuple[str, ...] = ()

    def consumer_group(self, settings: Settings) -> str:
        return consumer_group(settings, self.name)

    def source_topics(self, settings: Settings) -> list[str]:
        return [settings.topics.for_family(family) for family in self.source_families]

    def internal_topics(self, settings: Settings) -> list[str]:
        return [internal_topic(settings, self.name, suffix) for suffix in self.internal_suffixes]

    def watermark_topics(self, settings: Settings) -> list[str]:
        return [internal_topic(settings, self.name, suffix) for suffix in self.watermark_suffixes]

    def build(self, settings: Settings, connection: BrokerConnection, mode: RunMode, instance: int = 0) -> Application:
        return self.load()(settings, connection, mode, instance)
