"""Which consumer groups read which topics: what the orchestrator waits on, derived from the catalog.

Built from the pipelines of the catalog the settings select (``enabled_pipelines``; the catalog
imports no Quix code), so the orchestrator and the CLI list pipelines and topics without loading
any pipeline.
"""

from __future__ import annotations

from supplylake.pipelines.catalog import enabled_pipelines
from supplylake.settings import Settings


def groups_of_topic(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Source topic -> the consumer groups of the pipelines that read it."""
    groups: dict[str, tuple[str, ...]] = {}
    for spec in enabled_pipelines(settings).values():
        for topic in spec.source_topics(settings):
            groups[topic] = (*groups.get(topic, ()), spec.consumer_group(settings))
    return groups


def group_of_internal_topic(settings: Settings) -> dict[str, str]:
    """Internal topic -> the consumer group of the pipeline that writes and reads it."""
    return {
        topic: spec.consumer_group(settings)
        for spec in enabled_pipelines(settings).values()
        for topic in spec.internal_topics(settings)
    }


def control_topics(settings: Settings) -> list[str]:
    """Topics that get control records (end-of-replay watermark, live ticks)."""
    specs = enabled_pipelines(settings).values()
    topics = (settings.topics.for_family(f) for spec in specs for f in spec.control_families)
    return list(dict.fromkeys(topics))


def watermark_topics(settings: Settings) -> list[str]:
    """Internal topics that get the end-of-replay watermark once their pipeline's sources are committed."""
    return [topic for spec in enabled_pipelines(settings).values() for topic in spec.watermark_topics(settings)]
