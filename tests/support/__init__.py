"""Test helpers shared by the integration tests (reference models, process helpers)."""
