"""Shared fixtures. Integration tests start their own broker and stop exactly what they start."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _clean_supplylake_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A developer's SUPPLYLAKE_* variables must not change what the tests see.
    for key in list(os.environ):
        if key.upper().startswith("SUPPLYLAKE_"):
            monkeypatch.delenv(key)
    yield
