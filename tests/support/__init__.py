"""Helpers shared between test files, unit and integration: reference models, streams, lakes,
processes. The one place for them: conftest.py files hold fixtures only, test modules import
from here (``from tests.support.X import ...``), never from each other."""
