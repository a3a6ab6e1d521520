"""The pieces every benchmark scenario shares: processes, /proc sampling, inputs, results.

A scenario (``bench/scenarios/``) composes these; nothing here knows which figures a scenario
reports, so a new scenario needs no copy of another's plumbing.
"""
