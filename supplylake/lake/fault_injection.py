"""The chaos suite's crash points in the lake writer's commit (``SUPPLYLAKE_CHAOS__*``; off by default).

:func:`commit_hooks` turns :class:`~supplylake.settings.ChaosSettings` into the writer's
:class:`~supplylake.lake.writer.CommitHooks`. Commit attempts are counted across every process
that shares the data dir (one byte appended per attempt to ``<data_dir>/chaos/commit-attempts``
under an exclusive lock), so "the Nth commit" is deterministic however the supervisor restarts
the pipelines, and a restarted pipeline does not crash again at its own Nth commit.
"""

from __future__ import annotations

import fcntl
import os
import signal
from pathlib import Path

from supplylake.lake.writer import CommitAttempt, CommitHooks
from supplylake.logs import get_logger
from supplylake.settings import ChaosSettings, Settings

log = get_logger(__name__)

#: The exit code of a process the chaos settings crashed (the supervisor restarts it).
CRASH_EXIT_CODE = 86


class InjectedUnknownOutcome(ConnectionError):
    """The chaos suite's lost commit response: the commit landed, the writer cannot know it."""


def counter_path(data_dir: Path) -> Path:
    return data_dir / "chaos" / "commit-attempts"


def _count(path: Path) -> int:
    """Record one commit attempt; the number of attempts recorded so far, this one included."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(b".")
        handle.flush()
        return os.fstat(handle.fileno()).st_size


class _CrashPoints:
    def __init__(self, chaos: ChaosSettings, data_dir: Path) -> None:
        self.chaos = chaos
        self.path = counter_path(data_dir)
        self.armed = False

    def _due(self, n: int) -> bool:
        every = self.chaos.crash_after_commits
        return n % every == 0 and n // every <= self.chaos.crashes

    def before_commit(self, attempt: CommitAttempt) -> None:
        n = _count(self.path)
        self.armed = self._due(n)
        if not self.armed:
            return
        log.warning("chaos: crash point reached", at=self.chaos.crash_at, attempt=n, table=attempt.table.name())
        if self.chaos.crash_at == "before_commit":
            os._exit(CRASH_EXIT_CODE)
        if self.chaos.crash_at == "pause_before_commit":
            os.kill(os.getpid(), signal.SIGSTOP)  # resumes here on SIGCONT, then commits late

    def after_commit(self, attempt: CommitAttempt) -> None:
        if not self.armed:
            return
        self.armed = False
        if self.chaos.crash_at == "after_commit":
            os._exit(CRASH_EXIT_CODE)
        if self.chaos.crash_at == "unknown_outcome":
            raise InjectedUnknownOutcome("chaos: the catalog's response to this commit was lost")


def commit_hooks(settings: Settings) -> CommitHooks | None:
    """The writer hooks of ``settings.chaos``, or None (no hooks) when no crash point is set."""
    if settings.chaos.crash_at is None:
        return None
    points = _CrashPoints(settings.chaos, settings.data_dir.resolve())
    return CommitHooks(before_commit=points.before_commit, after_commit=points.after_commit)
