"""Reorder points per SKU: a default, a CSV reference table, and explicit overrides."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from supplylake.errors import FatalError
from supplylake.settings import InventorySettings


class ReferenceDataError(FatalError):
    """A reference table cannot be read."""


@dataclass(frozen=True)
class ReorderPoints:
    default: int
    per_sku: dict[str, int] = field(default_factory=dict)

    def for_sku(self, sku: str) -> int:
        return self.per_sku.get(sku, self.default)

    @classmethod
    def from_settings(cls, settings: InventorySettings) -> ReorderPoints:
        per_sku: dict[str, int] = {}
        if settings.reorder_points_file is not None:
            per_sku.update(read_reorder_points(settings.reorder_points_file))
        per_sku.update(settings.reorder_points)  # explicit settings win over the file
        return cls(settings.default_reorder_point, per_sku)


def read_reorder_points(path: Path) -> dict[str, int]:
    """sku -> reorder_point from a CSV with those two columns (others ignored)."""
    try:
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"sku", "reorder_point"} <= set(reader.fieldnames):
                raise ReferenceDataError(
                    f"{path} needs columns sku and reorder_point (has {reader.fieldnames})",
                    hint="use the skus.csv the simulator writes as a template",
                )
            return {row["sku"]: int(row["reorder_point"]) for row in reader}
    except OSError as exc:
        raise ReferenceDataError(
            f"cannot read reorder points from {path}: {exc.strerror}",
            hint="fix SUPPLYLAKE_INVENTORY__REORDER_POINTS_FILE or unset it",
        ) from None
    except ValueError as exc:
        raise ReferenceDataError(f"{path}: reorder_point must be an integer ({exc})") from None
