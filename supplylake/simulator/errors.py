"""Errors of the simulator: only bad configuration can stop it."""

from __future__ import annotations

from supplylake.errors import FatalError


class SimulatorConfigError(FatalError):
    """A simulation, world or fault setting is out of range."""
