"""The pipelines supplylake runs, which topics each consumes, and how to build each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from quixstreams import Application

from supplylake.broker.connection import BrokerConnection
from supplylake.settings import Settings


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    source_families: tuple[str, ...]
    # Imported lazily: building one pipeline should not import every other pipeline's code.
    builder: str  # "module:function" returning a configured quixstreams Application

    def consumer_group(self, settings: Settings) -> str:
        return f"{settings.kafka.consumer_group_prefix}-{self.name}"

    def source_topics(self, settings: Settings) -> list[str]:
        return [settings.topics.for_family(family) for family in self.source_families]

    def build(self, settings: Settings, connection: BrokerConnection) -> Application:
        import importlib

        module_name, _, function = self.builder.partition(":")
        factory: Callable[[Settings, BrokerConnection], Application] = getattr(
            importlib.import_module(module_name), function
        )
        return factory(settings, connection)


PIPELINES: dict[str, PipelineSpec] = {
    spec.name: spec
    for spec in (
        PipelineSpec("inventory", ("inventory",), "supplylake.pipelines.inventory.app:build"),
    )
}


def group_of_topic(settings: Settings) -> dict[str, str]:
    """Source topic -> the consumer group of the pipeline that owns it."""
    return {
        topic: spec.consumer_group(settings)
        for spec in PIPELINES.values()
        for topic in spec.source_topics(settings)
    }
