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
    # Topics the pipeline writes and reads back itself (named "<group>-<suffix>"): a bounded
    # replay is done only once the pipeline also committed everything it wrote there.
    internal_suffixes: tuple[str, ...] = ()
    # Families whose topics carry control records for this pipeline's timers (pipelines/control.py).
    control_families: tuple[str, ...] = ()

    def consumer_group(self, settings: Settings) -> str:
        return f"{settings.kafka.consumer_group_prefix}-{self.name}"

    def source_topics(self, settings: Settings) -> list[str]:
        return [settings.topics.for_family(family) for family in self.source_families]

    def internal_topics(self, settings: Settings) -> list[str]:
        return [f"{self.consumer_group(settings)}-{suffix}" for suffix in self.internal_suffixes]

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
        PipelineSpec(
            "shipments", ("shipments",), "supplylake.pipelines.shipments.app:build", control_families=("shipments",)
        ),
        # Reads shipment-events too (the lifecycle events), re-keyed by orderId through its
        # internal topic; see pipelines/orders/app.py.
        PipelineSpec(
            "orders", ("orders", "shipments"), "supplylake.pipelines.orders.app:build", internal_suffixes=("by-order",)
        ),
    )
}


def groups_of_topic(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Source topic -> the consumer groups of the pipelines that read it."""
    groups: dict[str, tuple[str, ...]] = {}
    for spec in PIPELINES.values():
        for topic in spec.source_topics(settings):
            groups[topic] = (*groups.get(topic, ()), spec.consumer_group(settings))
    return groups


def group_of_internal_topic(settings: Settings) -> dict[str, str]:
    """Internal topic -> the consumer group of the pipeline that writes and reads it."""
    return {
        topic: spec.consumer_group(settings) for spec in PIPELINES.values() for topic in spec.internal_topics(settings)
    }


def control_topics(settings: Settings) -> list[str]:
    """Topics that get control records (end-of-replay watermark, live ticks)."""
    topics = (settings.topics.for_family(f) for spec in PIPELINES.values() for f in spec.control_families)
    return list(dict.fromkeys(topics))
