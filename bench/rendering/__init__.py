"""Markdown sections of the benchmark reports, rendered from the scenarios' JSON results only."""
