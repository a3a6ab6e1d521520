"""Export one JSON Schema (draft 2020-12) per event type, in wire (camelCase) form.

Producers in any language validate against these files; tests prove the files and the models
accept and reject the same samples. Rules that need two fields at once (temperature min < max,
endsAt >= startsAt) cannot be written in JSON Schema and are enforced by the models only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from supplylake.contracts.examples import example
from supplylake.contracts.registry import EVENT_TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_VERSION = 1


def schema_id(event_type: str) -> str:
    return f"https://supplylake.dev/schemas/{event_type}/v{SCHEMA_VERSION}.json"


def json_schema_for(event_type: str) -> dict[str, Any]:
    """The JSON Schema document of one event type (raises ``KeyError`` if unknown)."""
    model = EVENT_TYPES[event_type]
    body = model.model_json_schema(by_alias=True, mode="validation")
    body.pop("title", None)
    # $schema/$id/title first, so the files read well.
    document = {"$schema": DIALECT, "$id": schema_id(event_type), "title": event_type, **body}
    document["examples"] = [example(event_type)]
    return document


def export_json_schemas(out_dir: Path) -> list[Path]:
    """Write ``<eventType>.schema.json`` for every event type into ``out_dir``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type in EVENT_TYPES:
        path = out_dir / f"{event_type}.schema.json"
        document = orjson.dumps(json_schema_for(event_type), option=orjson.OPT_INDENT_2) + b"\n"
        path.write_bytes(document)
        written.append(path)
    return written
