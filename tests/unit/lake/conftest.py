"""Fixtures for the lake tests: a real SqlCatalog (SQLite) with a file:// warehouse in tmp_path.

The row and scan helpers behind the fixtures live in tests/support/lake_rows.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.catalog import Catalog

from supplylake.lake import default_catalog_properties, open_catalog
from tests.support.lake_rows import Rows, duplicates, make_events, scan, source_keys


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return open_catalog("test", default_catalog_properties(tmp_path))


@pytest.fixture
def events() -> Callable[..., Rows]:
    return make_events


@pytest.fixture
def read() -> Callable[..., pa.Table]:
    return scan


@pytest.fixture
def dup_count() -> Callable[[pa.Table], int]:
    return duplicates


@pytest.fixture
def keys_of() -> Callable[[pa.Table], Counter[tuple[str, int, int]]]:
    return source_keys
