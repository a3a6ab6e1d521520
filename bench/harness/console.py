"""Progress lines on stdout while a scenario runs (figures go to the JSON result, not here)."""

from __future__ import annotations

import time


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
