"""Opening the catalog from several processes at once (pipelines start together)."""

from __future__ import annotations

import pytest
from pyiceberg.catalog import Catalog

from supplylake.lake import catalog as catalog_module
from supplylake.lake.errors import CatalogUnavailable


class RacingCatalog:
    """Another process inserted the namespace between this one's check and insert."""

    def __init__(self, exists_after: bool) -> None:
        self.exists_after = exists_after

    def create_namespace_if_not_exists(self, namespace: str) -> None:
        raise RuntimeError("UNIQUE constraint failed: iceberg_namespace_properties")

    def namespace_exists(self, namespace: str) -> bool:
        return self.exists_after


def test_losing_the_namespace_race_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_module, "load_catalog", lambda name, **props: RacingCatalog(exists_after=True))
    assert isinstance(catalog_module.open_catalog("x", {}), RacingCatalog)


def test_other_namespace_failures_still_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_module, "load_catalog", lambda name, **props: RacingCatalog(exists_after=False))
    # Raised as the lake's own error, the cause quoted (secrets masked: see redaction).
    with pytest.raises(CatalogUnavailable, match="RuntimeError: UNIQUE"):
        catalog_module.open_catalog("x", {})


def test_real_catalog_opens_twice(tmp_path) -> None:
    props = catalog_module.default_catalog_properties(tmp_path)
    first: Catalog = catalog_module.open_catalog("a", props)
    second = catalog_module.open_catalog("a", props)
    assert first.namespace_exists("supplylake") and second.namespace_exists("supplylake")
