"""The chaos suite (issue 9): fault scenarios on the embedded broker, measured from the lake.

``python -m chaos`` (``make chaos``) runs every scenario in chaos/scenarios/ and renders
docs/RELIABILITY.md; ``--quick`` is the reduced run that `make test` includes.
"""
