"""Streaming pipelines: Quix Streams apps and the pure per-key domain logic they run."""
