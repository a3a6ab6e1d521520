"""Per-record CPU of the partition timer path (``PartitionTimers``), in process (no Kafka).

A timing script to compare the timer path before and after a change, run from the repository
root::

    .venv/bin/python -m bench.micro.timers [--timers 2000] [--records 20000] [--repeats 3]

One partition starts with ``--timers`` pending deadlines spread over six hours (like the
shipments' NO_TRACKING_UPDATE, re-armed six hours ahead by every scan). Each record advances
the clock by ``--step-ms``, calls ``due()`` (as the record's event time moves the watermark),
re-arms one random timer six hours ahead (as a carrier scan does) and calls ``due()`` again.
The state is a dict-backed stand-in that stores values as JSON bytes like the RocksDB store
(``tests/support/fake_state.py``), and the timers are saved and reloaded every
``--checkpoint-every`` records, as the shipment processor does at each checkpoint. The figure
is process CPU time per record, best of the repeats (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import random
import time

from supplylake.event_time import HOUR_MS
from supplylake.pipelines.timer_service import PartitionTimers
from tests.support.fake_state import FakeTransaction

T0 = 1_740_816_000_000  # 2025-03-01T08:00Z
HORIZON_MS = 6 * HOUR_MS
KIND = "NO_TRACKING_UPDATE"


def shipment_id(n: int) -> str:
    return f"SHP-{n:06d}"


def arm(timers: PartitionTimers, n: int, due_ms: int) -> None:
    sid = shipment_id(n)
    timers.register(f"shipment:{sid}:{KIND}", sid, KIND, due_ms, {"shipment_id": sid})


def prepared(count: int, seed: int) -> FakeTransaction:
    """A partition's state holding ``count`` deadlines spread over the next six hours."""
    transaction = FakeTransaction()
    timers = PartitionTimers(transaction.as_state(b"partition"))
    rng = random.Random(seed)
    for n in range(count):
        arm(timers, n, T0 + rng.randrange(HORIZON_MS))
    timers.save()
    return transaction


def run_once(args: argparse.Namespace) -> tuple[float, int]:
    """CPU seconds of the records, and how many timers fired."""
    transaction = prepared(args.timers, args.seed)
    state = transaction.as_state(b"partition")
    rng = random.Random(args.seed + 1)
    picks = [rng.randrange(args.timers) for _ in range(args.records)]
    fired = 0
    now = T0
    start = time.process_time()
    timers = PartitionTimers(state)
    for index, n in enumerate(picks):
        now += args.step_ms
        fired += len(timers.due(now))
        arm(timers, n, now + HORIZON_MS)
        fired += len(timers.due(now))
        if (index + 1) % args.checkpoint_every == 0:
            timers.save()
            timers = PartitionTimers(state)
    timers.save()
    return time.process_time() - start, fired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=2_000)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--step-ms", type=int, default=500, help="clock advance per record")
    parser.add_argument("--checkpoint-every", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    runs = [run_once(args) for _ in range(args.repeats)]
    best = min(cpu for cpu, _ in runs)
    print(
        f"timers: {args.timers} pending, {args.records} records ({runs[0][1]} fired), "
        f"best of {args.repeats}: {best * 1e6 / args.records:.1f} µs/record CPU"
    )


if __name__ == "__main__":
    main()
